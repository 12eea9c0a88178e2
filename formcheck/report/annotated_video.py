"""The annotated video: the live overlay drawn on every frame of an analysed recording.

``formcheck analyze`` now draws it during the pose pass (issue 8: ``formcheck.analyze.stream``,
a writer thread right behind the windowed analysis); this module holds the drawing pieces
both use and :func:`write_annotated_video`, which draws it from a finished session in a
second decoding pass: frame k is paired with ``result.verdicts[k]`` and
``result.track.pixel_xy[k]`` by timestamp, a writer thread encodes while the main thread
decodes and draws, and the same pass collects each rep's peak frame with the skeleton drawn
(the thumbnails of report.html).
"""

from __future__ import annotations

import math
import os
import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from formcheck.analyze.track import SessionResult
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import INDEX, SKELETON
from formcheck.io.capture import native_stderr_silenced
from formcheck.io.video import open_source
from formcheck.io.writer import VideoWriter

#: The annotated video is scaled down to at most this many pixels (854 x 480): VP8 encodes
#: 480p at about 10 ms a frame here, 720p at 29 ms, so a long 1080p session stays affordable.
MAX_VIDEO_PIXELS = 854 * 480
THUMB_WIDTH = 240
THUMB_ASPECT = 4 / 3  # width / height of a thumbnail
_QUEUE_FRAMES = 8

_BODY_POINTS = [i for i in range(len(INDEX)) if i > 10]  # no face points: shoulders downwards
# The overlay's colours (formcheck.live.overlay): left orange, right sky blue, apart for colour-blind eyes.
_LEFT_COLOUR = (0, 165, 255)
_RIGHT_COLOUR = (255, 190, 60)
_MID_COLOUR = (235, 235, 235)


def _bone_colour(a: str, b: str) -> tuple[int, int, int]:
    if a.startswith("left_") and b.startswith("left_"):
        return _LEFT_COLOUR
    if a.startswith("right_") and b.startswith("right_"):
        return _RIGHT_COLOUR
    return _MID_COLOUR


_BONES = [(INDEX[a], INDEX[b], _bone_colour(a, b)) for a, b in SKELETON]


@dataclass
class AnnotatedVideo:
    """What :func:`write_annotated_video` produced."""

    path: Path
    frames: int
    fps: float
    thumbnails: dict[int, np.ndarray] = field(default_factory=dict)  # rep index -> BGR image


def draw_skeleton(image: np.ndarray, landmarks_px: np.ndarray | None, thickness: int | None = None) -> np.ndarray:
    """Bones and joints on ``image`` (in place, also returned): left orange, right sky blue."""
    if landmarks_px is None:
        return image
    pts = np.asarray(landmarks_px, float)
    if thickness is None:
        thickness = max(2, round(min(image.shape[:2]) / 160))
    for a, b, colour in _BONES:
        pa, pb = pts[a], pts[b]
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        cv2.line(image, _px(pa), _px(pb), (20, 20, 20), thickness + 2, cv2.LINE_AA)
        cv2.line(image, _px(pa), _px(pb), colour, thickness, cv2.LINE_AA)
    for i in _BODY_POINTS:
        if np.isfinite(pts[i]).all():
            cv2.circle(image, _px(pts[i]), thickness + 1, (20, 20, 20), -1, cv2.LINE_AA)
            cv2.circle(image, _px(pts[i]), thickness, (255, 255, 255), -1, cv2.LINE_AA)
    return image


def _px(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _fallback_overlay(image_bgr, landmarks_px, verdict, exercise, fps=None, guidance=None, controls=False):
    """Skeleton only: used while ``formcheck.live.overlay`` is not there."""
    return draw_skeleton(image_bgr, landmarks_px)


def overlay_function() -> Callable:
    """``formcheck.live.overlay.draw_overlay`` (the live mode's overlay) or the skeleton-only fallback."""
    try:
        from formcheck.live.overlay import draw_overlay
    except ImportError:
        return _fallback_overlay
    return draw_overlay


def output_size(width: int, height: int, max_pixels: int = MAX_VIDEO_PIXELS) -> tuple[int, int]:
    """The annotated video's frame size: the source's, scaled down to ``max_pixels``, even sides."""
    scale = min(1.0, math.sqrt(max_pixels / max(width * height, 1)))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def peak_frames(result: SessionResult) -> dict[int, int]:
    """Track row nearest each rep's peak: rep index -> frame row."""
    t = result.track.t_s
    if len(t) == 0:
        return {}
    out = {}
    for rep in result.engine.reps:
        k = int(np.clip(np.searchsorted(t, rep.peak_s), 0, len(t) - 1))
        if k > 0 and abs(t[k - 1] - rep.peak_s) <= abs(t[k] - rep.peak_s):
            k -= 1
        out[rep.index] = k
    return out


def thumbnail(image: np.ndarray, landmarks_px: np.ndarray | None, width: int = THUMB_WIDTH) -> np.ndarray:
    """The person cropped from ``image`` with the skeleton drawn, ``width`` pixels wide (4:3)."""
    out, origin, scale = thumbnail_crop(image, landmarks_px, width)
    return draw_on_crop(out, landmarks_px, origin, scale)


def thumbnail_crop(image: np.ndarray, landmarks_px: np.ndarray | None,
                   width: int = THUMB_WIDTH) -> tuple[np.ndarray, tuple[int, int], float]:
    """The crop :func:`thumbnail` makes, without the skeleton: (picture, crop origin, scale).

    Issue 8: ``--no-video`` keeps this small crop of each recent frame during the pose pass and
    draws the skeleton once the rep's peak is known, instead of decoding the video again.
    """
    h, w = image.shape[:2]
    crop = (0, 0, w, h)
    pts = None if landmarks_px is None else np.asarray(landmarks_px, float)  # head included
    if pts is not None and np.isfinite(pts).all(axis=1).sum() >= 4:
        pts = pts[np.isfinite(pts).all(axis=1)]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        cw, ch = (x1 - x0) * 1.3 + 20, (y1 - y0) * 1.3 + 20
        cw, ch = max(cw, ch * THUMB_ASPECT), max(ch, cw / THUMB_ASPECT)
        cw, ch = min(cw, w), min(ch, h)
        x0 = int(np.clip(cx - cw / 2, 0, w - cw))
        y0 = int(np.clip(cy - ch / 2, 0, h - ch))
        crop = (x0, y0, int(cw), int(ch))
    x0, y0, cw, ch = crop
    scale = width / max(cw, 1)
    out = cv2.resize(image[y0:y0 + ch, x0:x0 + cw], (width, max(1, round(ch * scale))),
                     interpolation=cv2.INTER_AREA)
    return out, (x0, y0), scale


def draw_on_crop(picture: np.ndarray, landmarks_px: np.ndarray | None, origin: tuple[int, int],
                 scale: float) -> np.ndarray:
    """The skeleton on a :func:`thumbnail_crop` picture (in place, also returned)."""
    if landmarks_px is not None:
        draw_skeleton(picture, (np.asarray(landmarks_px, float) - origin) * scale, thickness=2)
    return picture


def _paired_frames(src, t_track: np.ndarray):
    """(track row, frame) for each decoded frame: the row with the nearest timestamp."""
    k, n = 0, len(t_track)
    for frame in src:
        while k + 1 < n and abs(t_track[k + 1] - frame.t_s) <= abs(t_track[k] - frame.t_s):
            k += 1
        yield k, frame


def collect_thumbnails(video_path: str | Path, result: SessionResult,
                       thumb_width: int = THUMB_WIDTH, max_pixels: int = MAX_VIDEO_PIXELS) -> dict[int, np.ndarray]:
    """Only the peak-frame thumbnails (no video written): decodes up to the last rep's peak."""
    track = result.track
    t_track = np.asarray(track.t_s, float)
    pixels = track.pixel_xy
    detected = track.detected & np.isfinite(pixels[:, :, 0]).any(axis=1)
    want: dict[int, list[int]] = {}
    for rep_index, row in peak_frames(result).items():
        want.setdefault(row, []).append(rep_index)
    thumbs: dict[int, np.ndarray] = {}
    if not want or len(t_track) == 0:
        return thumbs
    with open_source(video_path) as src:
        for k, frame in _paired_frames(src, t_track):
            if k in want:
                image, scale = scaled_copy(frame.image, max_pixels)
                thumb = thumbnail(image, pixels[k] * scale if detected[k] else None, thumb_width)
                for rep_index in want.pop(k):
                    thumbs[rep_index] = thumb
                if not want:
                    break
    return thumbs


def scaled_copy(image: np.ndarray, max_pixels: int,
            size: tuple[int, int] | None = None) -> tuple[np.ndarray, tuple[float, float]]:
    """A copy of ``image`` at ``size`` (default: the annotated video's size), and the (x, y) scale applied."""
    h, w = image.shape[:2]
    size = size or output_size(w, h, max_pixels)
    if size == (w, h):
        return image.copy(), (1.0, 1.0)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), (size[0] / w, size[1] / h)


class _Encoder(threading.Thread):
    """Encodes frames from a bounded queue so encoding overlaps decoding and drawing.

    Only the main thread puts frames; ``None`` ends the thread.
    """

    def __init__(self, writer: VideoWriter):
        super().__init__(name="formcheck-annotate-writer", daemon=True)
        self.writer = writer
        self.frames: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self.error: BaseException | None = None
        self._cancelled = False

    def run(self) -> None:
        while (image := self.frames.get()) is not None:
            if self.error is None and not self._cancelled:
                try:
                    self.writer.write(image)
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                    self.error = exc

    def put(self, image: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.frames.put(image)

    def finish(self) -> None:
        self.frames.put(None)
        self.join()
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        """Stop without encoding what is queued (the main thread failed)."""
        self._cancelled = True
        while True:
            try:
                self.frames.get_nowait()
            except queue.Empty:
                break
        self.frames.put(None)
        self.join()


@contextmanager
def encoded_video(out_path: str | Path, fps: float, size: tuple[int, int]):
    """A VP8 writer fed through an ``_Encoder`` thread: yields the encoder to ``put`` frames into.

    On success every frame is flushed and the file checked readable; on any error the encoder is
    stopped and the partial file removed, so a half-written video is never left behind.
    """
    with native_stderr_silenced():  # OpenCV's FFmpeg prints a harmless "tag 'VP80' is not supported" line
        writer = VideoWriter(out_path, fps, size)
    encoder = _Encoder(writer)
    encoder.start()
    try:
        yield encoder
        encoder.finish()
    except BaseException:
        if encoder.is_alive():
            encoder.cancel()
        writer.abort()
        raise
    writer.close()
    _readable(Path(out_path))


def write_annotated_video(video_path: str | Path, result: SessionResult, out_path: str | Path,
                          exercise: Exercise | None = None, *, thumb_width: int = THUMB_WIDTH,
                          max_pixels: int = MAX_VIDEO_PIXELS,
                          progress: Callable[[int, int | None], None] | None = None) -> AnnotatedVideo:
    """Draw the overlay on every frame of ``video_path`` into ``out_path`` (.webm, written atomically).

    Frames are matched to the track by timestamp, so a frame the first pass skipped does not
    shift the overlay. Returns the frame count and each rep's peak-frame thumbnail.
    """
    exercise = exercise or result.exercise
    draw = overlay_function()
    track = result.track
    t_track = np.asarray(track.t_s, float)
    pixels = track.pixel_xy
    detected = track.detected & np.isfinite(pixels[:, :, 0]).any(axis=1)
    want_thumbs: dict[int, list[int]] = {}
    for rep_index, row in peak_frames(result).items():
        want_thumbs.setdefault(row, []).append(rep_index)
    thumbs: dict[int, np.ndarray] = {}
    n = len(t_track)
    if n == 0:
        raise ValueError("the session has no frames to annotate")
    duration = float(t_track[-1] - t_track[0])
    with open_source(video_path) as src:
        # Every decoded frame is written, so the video plays at the source's own rate (the track may
        # hold only every Nth frame when the analysis used a stride); else the track's mean rate.
        nominal = src.info.fps
        fps = nominal if nominal and 1.0 <= nominal <= 240.0 else (n - 1) / duration if n > 1 and duration > 0 else 30.0
        total = src.info.frame_count
        size = output_size(src.info.width, src.info.height, max_pixels)  # every frame is drawn at this size
        written = 0
        with encoded_video(out_path, fps, size) as encoder:
            for k, frame in _paired_frames(src, t_track):
                image, scale = scaled_copy(frame.image, max_pixels, size)
                landmarks = pixels[k] * scale if detected[k] else None
                if k in want_thumbs:
                    thumb = thumbnail(image, landmarks, thumb_width)
                    for rep_index in want_thumbs.pop(k):
                        thumbs[rep_index] = thumb
                image = draw(image, landmarks, result.verdicts[k], exercise)  # no fps tag: not live
                encoder.put(image)
                written += 1
                if progress is not None:
                    progress(written, total)
    return AnnotatedVideo(Path(out_path), written, fps, thumbs)


def _readable(path: Path) -> None:
    """Give the finished video the permissions of any new file (its temporary file was private)."""
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(path, 0o666 & ~umask)
    except OSError:
        pass
