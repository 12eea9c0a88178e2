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

The parts live in modules of their own: `formcheck.io.frames` (Frame, SourceInfo, FrameSource),
`formcheck.io.capture` (files, GIFs, webcams, streams through OpenCV), `formcheck.io.images`
(image folders), `formcheck.io.gif` (GIF frame delays), `formcheck.io.timestamps` (the clocks
described above) and `formcheck.io.writer` (the annotated video). This module opens a source
and says, in one line, what is wrong with one that cannot be used.

Portrait phone video: OpenCV's FFmpeg backend applies the rotation in the file's display matrix
(``CAP_PROP_ORIENTATION_AUTO``, on by default in OpenCV 5, set explicitly here), so frames come
out upright and `SourceInfo.width`/`height` are those of the upright frame. Images are read with
their EXIF orientation applied.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import cv2

from formcheck.errors import InputError
from formcheck.io.capture import MAX_CONSECUTIVE_FAILURES, CaptureSource, quiet_opencv
from formcheck.io.frames import FrameSource
from formcheck.io.gif import gif_frame_durations_s, is_gif
from formcheck.io.images import IMAGE_EXTENSIONS, ImageSequenceSource, images_in
from formcheck.io.timestamps import FALLBACK_FPS

STREAM_SCHEMES: tuple[str, ...] = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "tcp", "srt")
#: Open and read timeout for stream URLs.
STREAM_TIMEOUT_S = 10.0


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
    with quiet_opencv():
        cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        cap.release()
        raise InputError(f"camera {index} could not be opened: is it connected and not used by another program?")
    return CaptureSource(
        cap, f"camera {index}", is_live=True, max_failures=max_failures, retry_delay_s=0.05,
        no_frames_message=f"camera {index} opened but sent no picture: is it used by another program? "
                          f"Close it there or try another camera number",
    )


def _open_stream(url: str, max_failures: int) -> FrameSource:
    shown = _redact(url)
    timeout_ms = int(STREAM_TIMEOUT_S * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
    with quiet_opencv():
        cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        cap.release()
        raise InputError(f"stream {shown} could not be opened: check the address and that the stream is running")
    return CaptureSource(
        cap, f"stream {shown}", is_live=True, max_failures=max_failures, retry_delay_s=0.05,
        no_frames_message=f"stream {shown} opened but sent no video frames: check that it carries video",
    )


def _open_path(path: Path, fps: float, max_failures: int) -> FrameSource:
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        images = images_in(path)
        if not images:
            raise InputError(
                f"{path} is a folder with no images ({', '.join(IMAGE_EXTENSIONS)}): "
                f"give a video file or a folder of images"
            )
        return ImageSequenceSource(images, f"{path} ({len(images)} images)", fps)
    if not os.access(path, os.R_OK):
        raise InputError(f"{path} cannot be read (permission denied): check the file's permissions")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes): copy or export the video again")
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return ImageSequenceSource([path], str(path), fps)

    not_video = (
        f"{path} is not a video formcheck can read (OpenCV/FFmpeg could not open it): a recording "
        f"cut short or damaged has to be copied or exported again; otherwise use an mp4, mov, avi, "
        f"mkv, webm or gif file"
    )
    gif_delays = gif_frame_durations_s(path) if is_gif(path) else None
    with quiet_opencv():
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            cap = cv2.VideoCapture(str(path))  # any other backend this build has
    if not cap.isOpened():
        cap.release()
        raise InputError(_audio_only_message(path) or not_video)
    # Upright frames for portrait phone video (on by default in OpenCV 5; make sure).
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return CaptureSource(
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
