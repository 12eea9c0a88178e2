"""Frame source: the first stage of the pipeline (frame source -> pose -> cleaning -> engine -> report).

`open_source` turns what the user typed into a `FrameSource`, an iterable of `Frame`s read one
at a time (never the whole video in memory). It accepts

- a video file (mp4, mov, avi, mkv, webm, GIF, anything FFmpeg in the OpenCV wheel reads),
- a webcam index (an int, or a string of digits such as ``"0"``),
- a folder of images (jpg, jpeg, png, bmp, webp, in natural order: img2 before img10) or one image,
- a stream URL (rtsp, rtsps, rtmp, http, https, udp, tcp, srt), read as a live source.

Problems the user can fix (missing path, not a video, no frames, busy camera) raise `InputError`
from `open_source` itself: it opens the source and reads the first frame before returning, so
the error comes before any work.

Timestamps (`Frame.t_s`) come from the source, never from an assumed frame rate:

- video files: ``CAP_PROP_POS_MSEC`` read right after each frame is decoded (with OpenCV's FFmpeg
  backend this is the frame's presentation time, so variable-frame-rate phone video is right).
  Backends can misreport it (0 for every frame, a step back), so each value is checked: a
  timestamp that is not finite, negative or not strictly after the previous one is replaced by
  the previous one plus the frames elapsed at the nominal rate (`FrameSource.timestamps_repaired`
  counts them). Timestamps therefore always strictly increase.
- GIFs: the frame delays written in the file (read from its Graphic Control Extensions, no
  decoding), with the browsers' rule that a delay of 10 ms or less shows for 100 ms.
- image folders: images carry no time, so frame i is at ``i / fps`` with the `fps` argument of
  `open_source` (default 30).
- live sources (webcam, stream URL): ``CAP_PROP_POS_MSEC`` relative to the first frame while it is
  sane (finite and strictly increasing); once it is not, ``time.monotonic()`` since the previous
  frame, for the rest of the session. A camera has no container clock, so this is the only
  place formcheck reads the wall clock.

Portrait phone video: OpenCV's FFmpeg backend applies the rotation in the file's display matrix
(``CAP_PROP_ORIENTATION_AUTO``, on by default in OpenCV 5, set explicitly here), so frames come
out upright and `SourceInfo.width`/`height` are those of the upright frame. Images are read with
their EXIF orientation applied.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import cv2
import numpy as np

from formcheck.errors import FormcheckError, InputError

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
STREAM_SCHEMES: tuple[str, ...] = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "tcp", "srt")
#: Nominal rate used to fill in a bad timestamp when the source reports no frame rate.
FALLBACK_FPS = 30.0
#: Consecutive unreadable frames after which a file is taken to be truncated or damaged.
MAX_CONSECUTIVE_FAILURES = 30
#: Open and read timeout for stream URLs.
STREAM_TIMEOUT_S = 10.0
#: GIF delays at or below this are shown for GIF_DEFAULT_DELAY_S by browsers; so do we.
GIF_MIN_DELAY_S = 0.010
GIF_DEFAULT_DELAY_S = 0.100


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    index: 0-based position in the source (a frame that could not be decoded leaves a gap).
    t_s: seconds from the source's own clock (see the module docstring), strictly increasing.
    image: BGR uint8, shape (height, width, 3), upright.
    """

    index: int
    t_s: float
    image: np.ndarray

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"frame index must be >= 0, got {self.index}")
        if not math.isfinite(self.t_s):
            raise ValueError(f"frame timestamp must be finite, got {self.t_s}")
        shape = getattr(self.image, "shape", None)
        if shape is None or len(shape) != 3 or shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(
                f"frame image must be a BGR uint8 array of shape (H, W, 3), got "
                f"{getattr(self.image, 'dtype', type(self.image).__name__)} {shape}"
            )


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source once its first frame has been read.

    width/height: of the upright frames. fps: the nominal rate, for display only (never used
    to compute timestamps of a file). frame_count and duration_s: None when unknown (live
    sources; files whose container does not say). For containers that do not store a frame
    count, OpenCV estimates it from duration x fps, so it can be off by a frame or two.
    """

    description: str
    width: int
    height: int
    fps: float | None
    frame_count: int | None
    duration_s: float | None
    is_live: bool


class FrameSource:
    """An iterable of `Frame`, read once, front to back; a context manager that releases the source.

    `skipped` lists ``(index, reason)`` for frames that could not be read and were stepped
    over (and, for a file that ends early, one entry saying where reading stopped).
    `timestamps_repaired` counts frames whose source timestamp was unusable and was filled in.
    """

    def __init__(self, info: SourceInfo) -> None:
        self._info = info
        self._skipped: list[tuple[int, str]] = []
        self._timestamps_repaired = 0
        self._iterated = False
        self._closed = False

    @property
    def info(self) -> SourceInfo:
        return self._info

    @property
    def skipped(self) -> list[tuple[int, str]]:
        return list(self._skipped)

    @property
    def timestamps_repaired(self) -> int:
        return self._timestamps_repaired

    def __iter__(self) -> Iterator[Frame]:
        if self._closed:
            raise RuntimeError(f"{self._info.description}: this FrameSource is closed; open the source again")
        if self._iterated:
            raise RuntimeError(f"{self._info.description}: a FrameSource can be iterated once; open the source again")
        self._iterated = True
        return self._generate()

    def _generate(self) -> Iterator[Frame]:
        try:
            yield from self._frames()
        finally:
            self.close()

    def _frames(self) -> Iterator[Frame]:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying capture. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._release()

    def _release(self) -> None:
        pass

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._info!r})"


# --------------------------------------------------------------------------- opening


def open_source(spec: str | int | Path, *, fps: float = FALLBACK_FPS,
                max_consecutive_failures: int = MAX_CONSECUTIVE_FAILURES) -> FrameSource:
    """Open a video file, webcam, image folder or stream URL and read its first frame.

    `spec`: a path (file or folder), a webcam index (int or a string of digits), or a URL.
    `fps`: frame rate of an image folder, whose images carry no time (frame i is at i / fps);
    ignored for every other kind of source.
    `max_consecutive_failures`: unreadable frames in a row after which a file is taken to end.

    Raises InputError (one line: what is wrong and what to do) when the source cannot be used.
    """
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    if max_consecutive_failures < 1:
        raise ValueError(f"max_consecutive_failures must be >= 1, got {max_consecutive_failures}")
    if isinstance(spec, bool):
        raise TypeError(f"source must be a path, a camera index or a URL, got {spec!r}")
    if isinstance(spec, int):
        return _open_camera(spec, max_consecutive_failures)
    if isinstance(spec, str):
        text = spec.strip()
        if text.isdigit():
            return _open_camera(int(text), max_consecutive_failures)
        if "://" in text:
            scheme = text.split("://", 1)[0].lower()
            if scheme == "file":
                return _open_path(Path(unquote(urlsplit(text).path)), fps, max_consecutive_failures)
            if scheme in STREAM_SCHEMES:
                return _open_stream(text, max_consecutive_failures)
            raise InputError(
                f"unsupported URL scheme {scheme!r} in {_redact(text)}: use a file path, a camera "
                f"number, or a stream URL ({'/'.join(STREAM_SCHEMES)})"
            )
        return _open_path(Path(spec), fps, max_consecutive_failures)
    if isinstance(spec, os.PathLike):
        return _open_path(Path(spec), fps, max_consecutive_failures)
    raise TypeError(f"source must be a path, a camera index or a URL, got {type(spec).__name__}")


def _open_camera(index: int, max_failures: int) -> FrameSource:
    if index < 0:
        raise InputError(f"camera {index} is not a camera number: use 0 for the first camera, 1 for the next")
    with _quiet_opencv():
        cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        cap.release()
        raise InputError(f"camera {index} could not be opened: is it connected and not used by another program?")
    return _CaptureSource(
        cap, f"camera {index}", is_live=True, max_failures=max_failures, retry_delay_s=0.05,
        no_frames_message=f"camera {index} opened but sent no picture: is it used by another program? "
                          f"Close it there or try another camera number",
    )


def _open_stream(url: str, max_failures: int) -> FrameSource:
    shown = _redact(url)
    timeout_ms = int(STREAM_TIMEOUT_S * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    with _quiet_opencv():
        cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        cap.release()
        raise InputError(f"stream {shown} could not be opened: check the address and that the stream is running")
    return _CaptureSource(
        cap, f"stream {shown}", is_live=True, max_failures=max_failures, retry_delay_s=0.05,
        no_frames_message=f"stream {shown} opened but sent no video frames: check that it carries video",
    )


def _open_path(path: Path, fps: float, max_failures: int) -> FrameSource:
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        images = sorted(
            (p for p in path.iterdir()
             if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file()),
            key=lambda p: natural_sort_key(p.name),
        )
        if not images:
            raise InputError(
                f"{path} is a folder with no images ({', '.join(IMAGE_EXTENSIONS)}): "
                f"give a video file or a folder of images"
            )
        return _ImageSequenceSource(images, f"{path} ({len(images)} images)", fps)
    if not os.access(path, os.R_OK):
        raise InputError(f"{path} cannot be read (permission denied): check the file's permissions")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes): copy or export the video again")
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return _ImageSequenceSource([path], str(path), fps)

    not_video = (
        f"{path} is not a video formcheck can read (OpenCV/FFmpeg could not open it): a recording "
        f"cut short or damaged has to be copied or exported again; otherwise use an mp4, mov, avi, "
        f"mkv, webm or gif file"
    )
    gif_delays = gif_frame_durations_s(path) if _is_gif(path) else None
    with _quiet_opencv():
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            cap = cv2.VideoCapture(str(path))  # any other backend this build has
    if not cap.isOpened():
        cap.release()
        raise InputError(_audio_only_message(path) or not_video)
    # Upright frames for portrait phone video (on by default in OpenCV 5; make sure).
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return _CaptureSource(
        cap, str(path), is_live=False, max_failures=max_failures, frame_durations_s=gif_delays,
        no_frames_message=f"{path} has no video frames that could be decoded: it is empty or damaged; "
                          f"export or copy it again",
    )


AUDIO_EXTENSIONS: tuple[str, ...] = (".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wma")
#: How much of a file's start and end is searched for its track types (the index sits at one end).
TRACK_PROBE_BYTES = 4 << 20


def _audio_only_message(path: Path) -> str | None:
    """For a file that would not open: say so when it is a sound recording with no picture.

    Recognised by an audio extension, a RIFF WAVE header, or an MP4/MOV index whose tracks
    are all sound ('hdlr' handler type 'soun', none 'vide'), searched in the file's first and
    last few megabytes without decoding anything.
    """
    fix = "record or export the exercise as a video (mp4, mov, webm)"
    if path.suffix.lower() in AUDIO_EXTENSIONS:
        return f"{path} is an audio file with no picture: {fix}"
    try:
        with open(path, "rb") as f:
            head = f.read(TRACK_PROBE_BYTES)
            f.seek(max(0, path.stat().st_size - TRACK_PROBE_BYTES))
            tail = f.read(TRACK_PROBE_BYTES)
    except OSError:
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return f"{path} is an audio file with no picture: {fix}"
    handlers = set(re.findall(rb"hdlr.{8}(vide|soun)", head + tail, re.DOTALL))
    if handlers == {b"soun"}:
        return f"{path} has a sound track but no video track: {fix}"
    return None


# --------------------------------------------------------------------------- OpenCV capture


class _CaptureSource(FrameSource):
    """Frames from a cv2.VideoCapture-like object (file, GIF, webcam or stream).

    Reads the first frame in the constructor and raises InputError(no_frames_message) if there
    is none. `clock` and `retry_delay_s` are injectable for tests.
    """

    def __init__(self, cap: Any, description: str, *, is_live: bool, no_frames_message: str,
                 frame_durations_s: list[float] | None = None, max_failures: int = MAX_CONSECUTIVE_FAILURES,
                 clock: Callable[[], float] = time.monotonic, retry_delay_s: float = 0.0) -> None:
        self._cap = cap
        self._is_live = is_live
        self._max_failures = max_failures
        self._clock = clock
        self._retry_delay_s = retry_delay_s
        nominal = _finite_or_none(cap.get(cv2.CAP_PROP_FPS))
        self._nominal_fps = nominal if nominal is not None and 0.0 < nominal < 1000.0 else None
        count = _finite_or_none(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self._frame_count = int(round(count)) if not is_live and count is not None and count > 0 else None
        self._gif_starts: list[float] | None = None
        if frame_durations_s:
            # GIF delays are whole centiseconds: round away float summation error (3.8999 -> 3.9).
            self._gif_starts = [round(t, 6) for t in [0.0, *np.cumsum(frame_durations_s)[:-1].tolist()]]
        self._pos = 0  # position in the source of the next frame to read
        self._prev_t: float | None = None
        self._prev_index = -1
        # live clock state
        self._live_container_ok = True
        self._prev_msec: float | None = None
        self._prev_mono: float | None = None
        super().__init__(SourceInfo(description, 0, 0, self._nominal_fps, None, None, is_live))
        try:
            with _quiet_opencv():
                first = self._next()
        except Exception:
            cap.release()
            raise
        if first is None:
            cap.release()
            self._closed = True
            raise InputError(no_frames_message)
        self._first: Frame | None = first
        height, width = first.image.shape[:2]
        if frame_durations_s:
            duration: float | None = round(float(sum(frame_durations_s)), 6)
            count_out: int | None = len(frame_durations_s)
            shown_fps = self._nominal_fps or (count_out / duration if duration > 0 else None)
        else:
            count_out = self._frame_count
            shown_fps = self._nominal_fps
            duration = count_out / shown_fps if count_out and shown_fps else None
        self._info = SourceInfo(description, int(width), int(height), shown_fps, count_out, duration, is_live)

    def _frames(self) -> Iterator[Frame]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while True:
            frame = self._next()
            if frame is None:
                return
            yield frame

    def _release(self) -> None:
        self._first = None
        self._cap.release()

    # -- reading with skip-ahead

    def _next(self) -> Frame | None:
        if self._is_live:
            return self._next_live()
        return self._next_file()

    def _next_file(self) -> Frame | None:
        failed: list[int] = []
        while True:
            if failed:
                ok = bool(self._cap.grab())  # skip ahead past the unreadable frame
                image = self._cap.retrieve()[1] if ok else None
            else:
                ok, image = self._cap.read()
            pos = self._pos
            if ok and image is not None:
                msec = self._cap.get(cv2.CAP_PROP_POS_MSEC)
                self._pos += 1
                for p in failed:
                    self._skipped.append((p, "frame could not be decoded; skipped"))
                return Frame(pos, self._file_time(pos, msec), _as_bgr8(image))
            if self._frame_count is None or pos >= self._frame_count:
                self._give_up(failed)
                return None
            failed.append(pos)
            self._pos += 1
            if len(failed) >= self._max_failures:
                self._give_up(failed)
                return None

    def _give_up(self, failed: list[int]) -> None:
        """Reading ended after `failed` unreadable positions: record them unless they are the count's slack."""
        if not failed:
            return
        count = self._frame_count or 0
        slack = max(2, round(0.01 * count))  # containers without a frame count get an estimate
        if failed[0] >= count - slack and self._pos >= count:
            return
        last = max(count - 1, failed[-1])
        self._skipped.append((
            failed[0],
            f"frames {failed[0]}-{last} of {count} could not be read; reading stopped there "
            f"(the file may be truncated or damaged)",
        ))

    def _next_live(self) -> Frame | None:
        failures = 0
        while True:
            ok, image = self._cap.read()
            if ok and image is not None:
                mono = self._clock()
                msec = self._cap.get(cv2.CAP_PROP_POS_MSEC)
                pos = self._pos
                self._pos += 1
                if failures:
                    self._skipped.append((pos, f"{failures} read(s) from the live source failed before this frame"))
                return Frame(pos, self._live_time(msec, mono), _as_bgr8(image))
            failures += 1
            if failures >= self._max_failures:
                return None
            if self._retry_delay_s > 0:
                time.sleep(self._retry_delay_s)

    # -- timestamps

    def _file_time(self, pos: int, msec: float) -> float:
        if self._gif_starts is not None and pos < len(self._gif_starts):
            t = self._gif_starts[pos]
        else:
            t = msec / 1000.0 if msec is not None else math.nan
        prev = self._prev_t
        if not math.isfinite(t) or t < 0.0 or (prev is not None and t <= prev):
            if prev is None:
                t = 0.0
            else:
                step = 1.0 / (self._nominal_fps or FALLBACK_FPS)
                t = prev + (pos - self._prev_index) * step
            self._timestamps_repaired += 1
        self._prev_t, self._prev_index = t, pos
        return t

    def _live_time(self, msec: float, mono: float) -> float:
        prev_t, prev_msec, prev_mono = self._prev_t, self._prev_msec, self._prev_mono
        msec_ok = msec is not None and math.isfinite(msec) and msec >= 0.0
        if prev_t is None or prev_mono is None:
            t = 0.0
            self._live_container_ok = msec_ok
        else:
            if self._live_container_ok and msec_ok and prev_msec is not None and msec > prev_msec:
                t = prev_t + (msec - prev_msec) / 1000.0
            else:  # the container clock stalled or went back: wall clock from now on
                self._live_container_ok = False
                t = prev_t + (mono - prev_mono)
                self._timestamps_repaired += 1
            if t <= prev_t:
                t = prev_t + 1e-3
        self._prev_t, self._prev_msec, self._prev_mono = t, msec, mono
        return t


# --------------------------------------------------------------------------- image folders


class _ImageSequenceSource(FrameSource):
    """Frames from image files; images carry no time, so frame i is at i / fps."""

    def __init__(self, paths: list[Path], description: str, fps: float) -> None:
        self._paths = paths
        self._fps = float(fps)
        self._pos = 0
        self._size: tuple[int, int] | None = None
        super().__init__(SourceInfo(description, 0, 0, self._fps, len(paths), len(paths) / self._fps, False))
        first = self._next()
        if first is None:
            if len(paths) > 1:
                raise InputError(f"none of the {len(paths)} images in {paths[0].parent} could be read: "
                                 f"check that the files are not damaged")
            raise InputError(f"{paths[0]} could not be read as an image: check that the file is not damaged")
        self._first: Frame | None = first
        height, width = first.image.shape[:2]
        self._info = SourceInfo(description, width, height, self._fps, len(paths), len(paths) / self._fps, False)

    def _next(self) -> Frame | None:
        while self._pos < len(self._paths):
            pos = self._pos
            path = self._paths[pos]
            self._pos += 1
            image = _read_image(path)
            if image is None:
                self._skipped.append((pos, f"{path.name} could not be decoded as an image; skipped"))
                continue
            size = (image.shape[1], image.shape[0])
            if self._size is None:
                self._size = size
            elif size != self._size:
                self._skipped.append((
                    pos, f"{path.name} is {size[0]}x{size[1]}, not {self._size[0]}x{self._size[1]} "
                         f"like the first image; skipped",
                ))
                continue
            return Frame(pos, pos / self._fps, image)
        return None

    def _frames(self) -> Iterator[Frame]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        while (frame := self._next()) is not None:
            yield frame

    def _release(self) -> None:
        self._first = None


def _read_image(path: Path) -> np.ndarray | None:
    """BGR uint8 with EXIF orientation applied, or None. imdecode also copes with non-ASCII paths."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return None if image is None else _as_bgr8(image)


def natural_sort_key(name: str) -> list[Any]:
    """Sort key putting img2 before img10 (digit runs compare as numbers, the rest case-insensitively)."""
    parts = re.split(r"(\d+)", name)
    return [int(part) if i % 2 else part.casefold() for i, part in enumerate(parts)]


# --------------------------------------------------------------------------- GIF delays


def gif_frame_durations_s(path: str | Path) -> list[float] | None:
    """How long each frame of a GIF is shown, in seconds, from its Graphic Control Extensions.

    Walks the GIF block structure without decoding pixels. A frame with no delay, or a delay
    of 10 ms or less, gets 100 ms, as browsers show it. Returns None if the file is not a GIF
    or its structure cannot be followed (the caller then uses the decoder's timestamps).
    """
    try:
        with open(path, "rb") as f:
            header = f.read(13)
            if len(header) < 13 or header[:6] not in (b"GIF87a", b"GIF89a"):
                return None
            if header[10] & 0x80:  # global colour table
                f.seek(3 * (2 << (header[10] & 0x07)), os.SEEK_CUR)
            delays: list[float] = []
            pending: float | None = None
            while True:
                introducer = f.read(1)
                if not introducer or introducer == b"\x3b":  # end of file or trailer
                    break
                if introducer == b"\x21":  # extension
                    label = f.read(1)
                    first = _read_sub_block(f)
                    if label == b"\xf9" and first is not None and len(first) >= 3:
                        pending = int.from_bytes(first[1:3], "little") / 100.0
                    if first is not None:
                        _skip_sub_blocks(f)
                elif introducer == b"\x2c":  # image descriptor
                    descriptor = f.read(9)
                    if len(descriptor) < 9:
                        break
                    if descriptor[8] & 0x80:  # local colour table
                        f.seek(3 * (2 << (descriptor[8] & 0x07)), os.SEEK_CUR)
                    f.read(1)  # LZW minimum code size
                    _skip_sub_blocks(f)
                    delays.append(pending if pending is not None and pending > GIF_MIN_DELAY_S
                                  else GIF_DEFAULT_DELAY_S)
                    pending = None
                else:
                    return None  # not a block we know: give up rather than guess
    except OSError:
        return None
    return delays or None


def _read_sub_block(f: Any) -> bytes | None:
    """Read one data sub-block; None if it was the terminator (or the file ended)."""
    size = f.read(1)
    if not size or size[0] == 0:
        return None
    return f.read(size[0])


def _skip_sub_blocks(f: Any) -> None:
    while True:
        size = f.read(1)
        if not size or size[0] == 0:
            return
        f.seek(size[0], os.SEEK_CUR)


def _is_gif(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(6) in (b"GIF87a", b"GIF89a")
    except OSError:
        return False


# --------------------------------------------------------------------------- writing


class VideoWriter:
    """Write BGR frames to a ``.webm`` (VP8) file that browsers play, atomically.

    Frames go to a hidden temporary file beside the target, renamed over it on `close`; if the
    ``with`` block raises, or `abort` is called, the temporary file is removed and the target
    is left untouched. VP8 is the only browser-playable codec the OpenCV wheels can encode
    (mp4v does not play in browsers; H.264 has no encoder there). The frame size is taken from
    `frame_size` (width, height) or else from the first frame. Closing after no frames writes
    nothing. OpenCV prints a harmless "tag 'VP80' is not supported ... webm" line when opening.
    """

    FOURCC = "VP80"

    def __init__(self, path: str | Path, fps: float, frame_size: tuple[int, int] | None = None) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".webm":
            raise FormcheckError(
                f"cannot write {self.path}: the output video must end in .webm (VP8 is the only "
                f"browser-playable codec formcheck can write)"
            )
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        self.fps = float(fps)
        self.frames_written = 0
        self._writer: Any = None
        self._size: tuple[int, int] | None = None
        self._tmp: Path | None = None
        self._done = False
        if frame_size is not None:
            self._open(frame_size)

    def _open(self, frame_size: tuple[int, int]) -> None:
        width, height = (int(v) for v in frame_size)
        if width <= 0 or height <= 0:
            raise ValueError(f"frame_size must be positive (width, height), got {frame_size}")
        parent = self.path.parent
        if not parent.is_dir():
            raise FormcheckError(f"cannot write {self.path}: folder {parent} does not exist; create it first")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".partial.webm", dir=parent)
        except OSError as e:
            raise FormcheckError(f"cannot write {self.path}: {e.strerror}; choose another output folder") from None
        os.close(fd)
        self._tmp = Path(tmp)
        writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*self.FOURCC), self.fps, (width, height))
        if not writer.isOpened():
            writer.release()
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
            raise FormcheckError(
                f"cannot write {self.path}: OpenCV could not open a VP8 .webm encoder for {width}x{height} "
                f"at {self.fps:g} fps; check that opencv-python is installed with its FFmpeg"
            )
        self._writer = writer
        self._size = (width, height)

    def write(self, image: np.ndarray) -> None:
        """Append one BGR uint8 frame of shape (height, width, 3)."""
        if self._done:
            raise RuntimeError(f"{self.path}: the writer is closed")
        if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"frame must be a BGR uint8 array of shape (H, W, 3), got "
                f"{getattr(image, 'dtype', type(image).__name__)} {getattr(image, 'shape', None)}"
            )
        if self._writer is None:
            self._open((image.shape[1], image.shape[0]))
        assert self._size is not None
        if (image.shape[1], image.shape[0]) != self._size:
            raise ValueError(
                f"frame is {image.shape[1]}x{image.shape[0]} but the video is {self._size[0]}x{self._size[1]}"
            )
        self._writer.write(np.ascontiguousarray(image))
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file and move it into place. Safe to call more than once."""
        if self._done:
            return
        self._done = True
        if self._writer is not None:
            self._writer.release()
        tmp, self._tmp = self._tmp, None
        if tmp is None:
            return
        if self.frames_written == 0:
            tmp.unlink(missing_ok=True)
            return
        if not tmp.exists() or tmp.stat().st_size == 0:
            tmp.unlink(missing_ok=True)
            raise FormcheckError(f"writing {self.path} failed: the encoder produced no data; check free disk space")
        os.replace(tmp, self.path)

    def abort(self) -> None:
        """Stop and delete the partial file; the target path is not touched."""
        self._done = True
        if self._writer is not None:
            self._writer.release()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


# --------------------------------------------------------------------------- helpers


def _as_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image as contiguous BGR uint8 (H, W, 3)."""
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        else:
            image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    elif image.shape[2] == 1:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(image)


def _finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _redact(url: str) -> str:
    """The URL with any password replaced by ***, for messages and descriptions."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own log while probing a source; the user gets our one-line error instead."""
    # cv2.utils.logging is missing from some wheels (4.11 has only cv2.setLogLevel); 0 = silent.
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    get_level = getattr(logging, "getLogLevel", None) or getattr(cv2, "getLogLevel", None)
    set_level = getattr(logging, "setLogLevel", None) or getattr(cv2, "setLogLevel", None)
    if get_level is None or set_level is None:
        yield
        return
    previous = get_level()
    set_level(0)
    try:
        yield
    finally:
        set_level(previous)
