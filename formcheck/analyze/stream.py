"""The annotated video drawn while the pose model runs: a writer that follows the analysis.

Issue 8: the overlay needs each frame's verdict, which the engine gives a few seconds of
video behind the pose model (:class:`formcheck.analyze.track.SessionStream`). Rather than keep
those seconds of frames in memory, the writer thread decodes the video a second time, just
behind the verdicts: decoding costs about 1 ms a frame at 480p, a buffer of 3 s of 480p
frames would cost 110 MB (and 4K frames far more). Memory stays flat; drawing and VP8
encoding run on the second core while the pose model runs on the first.

Each rep's picture is taken at its peak, known only once the rep is over: when the writer
draws the current peak of a rep still open (:meth:`ExerciseEngine.open_peaks`), it keeps
that frame's picture until the rep closes (one or two small pictures at a time).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

from formcheck.report.annotated_video import (MAX_VIDEO_PIXELS, THUMB_WIDTH, AnnotatedVideo, scaled_copy, encoded_video, draw_on_crop, output_size, overlay_function, thumbnail, thumbnail_crop)
from formcheck.rules.exercise import Exercise
from formcheck.io.video import open_source

_WAIT_S = 0.1


class _Cancelled(Exception):
    """The analysis stopped: the writer drops its partial video."""


class EncodedPicture:
    """A rep's picture kept as the JPEG bytes the HTML report will embed (issue 16).

    A long session has a picture per rep: as a 240 x 180 BGR array that is 130 KB a rep, some
    150 MB an hour of reps; as the report's own JPEG (quality 82, the same bytes the page
    would encode) about 10 KB. ``shape`` is the picture's, as the report reads it.
    """

    __slots__ = ("jpeg", "shape")
    QUALITY = 82  # as formcheck.report.html encodes an array

    def __init__(self, picture: np.ndarray):
        import cv2

        ok, data = cv2.imencode(".jpg", picture, [int(cv2.IMWRITE_JPEG_QUALITY), self.QUALITY])
        if not ok:
            raise ValueError("a rep picture could not be encoded")
        self.jpeg, self.shape = data.tobytes(), picture.shape


class VerdictFeed:
    """What the writer may draw: row times, cleaned landmarks (pixels), verdicts, rep peaks.

    The analysis thread adds; the writer thread waits on the condition and reads.
    """

    def __init__(self, verdicts: list):
        self._cond = threading.Condition()
        self._t = np.zeros(1024)  # row times (a growing array: looked up every frame)
        self._n = 0
        self.verdicts = verdicts  # SessionStream.verdicts: appended by the analysis thread only
        self._px = np.zeros((256, 33, 2), np.float32)  # cleaned pixels of rows _px_base.. (issue 16)
        self._px_base = 0  # the row _px[0] holds: rows the writer has passed are dropped
        self._px_rows = 0  # rows filled with cleaned landmarks
        self._released = 0  # rows below this are drawn: their pixels are no longer needed
        self.ready = 0  # rows the writer may draw (cleaned, with verdicts)
        self.peaks: dict[int, list[int]] = {}  # row not drawn yet -> rep indexes whose peak it is
        self.open_rows: set[int] = set()  # rows of the open reps' current peaks
        self.candidates: dict[int, np.ndarray] = {}  # open peak row already drawn -> its picture
        self.thumbnails: dict[int, np.ndarray] = {}  # rep index -> picture
        self._reps_seen = 0
        self.done = False
        self.cancelled = False
        self.waited_s = 0.0

    # ------------------------------------------------------------ analysis thread
    @property
    def t(self) -> np.ndarray:
        """The times of the rows inferred so far."""
        return self._t[:self._n]

    def add_time(self, t_s: float) -> None:
        with self._cond:
            if self._n == len(self._t):
                self._t = np.concatenate([self._t, np.zeros(len(self._t))])
            self._t[self._n] = t_s
            self._n += 1
            self._cond.notify_all()

    def add_rows(self, blocks, engine) -> None:
        """Cleaned ``(first_row, pixel_xy)`` blocks, then how far the writer may go."""
        with self._cond:
            for first, px in blocks:
                end = first + len(px)
                if end - self._px_base > len(self._px):
                    self._make_room(end)
                self._px[first - self._px_base:end - self._px_base] = px
                self._px_rows = max(self._px_rows, end)
            self._note_reps(engine.reps)
            self.open_rows = {self._nearest_row(t) for t in engine.open_peaks()}
            self.candidates = {k: v for k, v in self.candidates.items() if k in self.open_rows}
            self.ready = min(len(self.verdicts), self._px_rows)
            self._cond.notify_all()

    def _make_room(self, end: int) -> None:
        """Room for rows up to ``end``, keeping only the rows not drawn yet: memory stays flat (issue 16)."""
        keep_from = min(self._released, self._px_rows)
        kept = self._px[keep_from - self._px_base:self._px_rows - self._px_base]
        grown = np.zeros((max(256, 2 * (end - keep_from)), 33, 2), np.float32)
        grown[:len(kept)] = kept
        self._px, self._px_base = grown, keep_from

    def release(self, k: int) -> None:
        """Rows below ``k`` will not be drawn again (the writer moves forward only)."""
        with self._cond:
            self._released = max(self._released, k)

    def finish(self, engine, blocks=()) -> None:
        """The end of the analysis: ``blocks`` are the last cleaned rows, flushed by ``SessionStream.finish``."""
        self.add_rows(blocks, engine)
        with self._cond:
            self.ready = min(len(self.verdicts), self._px_rows)
            self.done = True
            self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            self.cancelled = True
            self._cond.notify_all()

    def _nearest_row(self, t_s: float) -> int:
        """The row nearest ``t_s`` (as ``annotate.peak_frames`` picks it)."""
        t = self.t
        k = int(np.clip(np.searchsorted(t, t_s), 0, len(t) - 1))
        if k > 0 and abs(t[k - 1] - t_s) <= abs(t[k] - t_s):
            k -= 1
        return k

    def _note_reps(self, reps) -> None:
        """New reps: their picture if the writer kept it, else the writer takes it when it gets there."""
        for rep in reps[self._reps_seen:]:
            k = self._nearest_row(rep.peak_s)
            if k in self.candidates:
                self.thumbnails[rep.index] = EncodedPicture(self.candidates[k])
            else:
                self.peaks.setdefault(k, []).append(rep.index)
        self._reps_seen = len(reps)

    def wants_picture(self, k: int) -> bool:
        """Whether row ``k`` is, or may become, a rep's peak (checked when the writer draws it)."""
        with self._cond:
            return k in self.peaks or k in self.open_rows

    def offer_picture(self, k: int, picture: np.ndarray) -> None:
        """Row ``k``'s picture, just drawn: a rep's, or kept while its rep is open."""
        with self._cond:
            for rep_index in self.peaks.pop(k, []):
                self.thumbnails[rep_index] = EncodedPicture(picture)
            if k in self.open_rows:
                self.candidates[k] = picture

    # ------------------------------------------------------------ writer thread
    def _wait(self, until) -> None:
        with self._cond:
            if not until():
                start = time.perf_counter()
                while not until():
                    if self.cancelled:
                        raise _Cancelled()
                    self._cond.wait(_WAIT_S)
                self.waited_s += time.perf_counter() - start  # the writer had nothing to draw (benchmarks)
            if self.cancelled:
                raise _Cancelled()

    def row_for(self, t_s: float, k: int) -> int:
        """The row nearest ``t_s`` (from row ``k`` on), once the rows after it are known."""
        self._wait(lambda: self.done or (self._n > k + 1 and self._t[self._n - 1] >= t_s))
        t, n = self.t, self._n
        while k + 1 < n and abs(t[k + 1] - t_s) <= abs(t[k] - t_s):
            k += 1
        return k

    def landmarks(self, k: int) -> np.ndarray | None:
        """Row ``k``'s cleaned landmarks in source pixels, once ``k`` is ready (None: nobody)."""
        self._wait(lambda: self.ready > k or self.done)
        if k >= self.ready:
            raise ValueError("the analysis produced no verdict for this frame")
        with self._cond:
            px = self._px[k - self._px_base].astype(float)
        return px if np.isfinite(px[:, 0]).any() else None

    def nominal_fps(self) -> float:
        """The rows' mean rate, for sources without a frame rate (waits for a few rows)."""
        self._wait(lambda: self.done or self._n >= 30)
        t = self.t
        duration = t[-1] - t[0] if len(t) > 1 else 0.0
        return (len(t) - 1) / duration if duration > 0 else 30.0


class SharedFrames:
    """Frames the pose pass decoded, handed to the writer already at the video's size (issue 16).

    For a large source (1080p, 4K) decoding the file a second time costs as much as drawing
    and encoding: the pose pass's reader thread shrinks each decoded frame to the annotated
    video's size (at most 854x480) and keeps it, as YUV 4:2:0 (half of BGR), until the writer
    has drawn it. The writer runs a couple of seconds of video behind the pose model, so about
    that many frames wait: ~0.6 MB each, some 45-90 MB at 30-60 fps. Only for sources where
    the second decode is costly and the engine runs during the pass (see ``share_frames``).
    """

    def __init__(self, size: tuple[int, int]):
        self.size = size
        self._cond = threading.Condition()
        self._frames: deque = deque()
        self._closed = False

    @staticmethod
    def pack(image: np.ndarray) -> np.ndarray:
        import cv2

        return cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420)

    def put(self, t_s: float, packed: np.ndarray) -> None:
        with self._cond:
            self._frames.append((t_s, packed))
            self._cond.notify_all()

    def close(self) -> None:
        """No more frames (the pose pass ended or stopped)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def frames(self, feed: VerdictFeed):
        """``(t_s, BGR image)`` in order until closed; stops when the analysis is cancelled."""
        import cv2

        while True:
            with self._cond:
                while not self._frames and not self._closed:
                    if feed.cancelled:
                        raise _Cancelled()
                    self._cond.wait(_WAIT_S)
                if not self._frames:
                    return
                t_s, packed = self._frames.popleft()
            yield t_s, cv2.cvtColor(packed, cv2.COLOR_YUV2BGR_I420)


def share_frames(width: int, height: int, whole_track: bool, max_pixels: int = MAX_VIDEO_PIXELS) -> bool:
    """Whether the writer should take the pose pass's frames instead of decoding the file again.

    Worth it when the source is well over the video's size (a 720p or larger frame decodes in
    1.4-5 ms and must be shrunk); not when the engine runs only at the end of the pass (an
    exercise with a "near" signal), where every frame would wait for it.
    """
    return not whole_track and width * height > 2 * max_pixels


class FollowingWriter(threading.Thread):
    """Decodes ``video_path`` again, a little behind the analysis, and writes the annotated video."""

    def __init__(self, video_path: str | Path, exercise: Exercise, out_path: str | Path, feed: VerdictFeed,
                 max_pixels: int = MAX_VIDEO_PIXELS, thumb_width: int = THUMB_WIDTH,
                 landmark_size: tuple[int, int] | None = None, shared: SharedFrames | None = None):
        super().__init__(name="formcheck-follow-writer", daemon=True)
        self.video_path, self.exercise, self.feed = video_path, exercise, feed
        self.landmark_size = landmark_size  # the frame size the landmarks' pixels refer to (the pose frame's)
        self.shared = shared
        self.out_path = Path(out_path)
        self.max_pixels, self.thumb_width = max_pixels, thumb_width
        self.written = 0
        self.total: int | None = None
        self.error: BaseException | None = None
        self.video: AnnotatedVideo | None = None

    def run(self) -> None:
        try:
            self.video = self._write()
        except _Cancelled:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the analysis thread
            self.error = exc

    def result(self, progress=None) -> AnnotatedVideo:
        """Wait for the video (reporting ``progress(written, total)``); raise what the writer raised."""
        while self.is_alive():
            self.join(_WAIT_S)
            if progress is not None:
                progress(self.written, self.total)
        if self.error is not None:
            raise self.error
        if self.video is None:
            raise RuntimeError("the annotated video was cancelled")
        return self.video

    def cancel(self) -> None:
        self.feed.cancel()
        if self.shared is not None:
            self.shared.close()
        self.join()

    def _write(self) -> AnnotatedVideo:
        with open_source(self.video_path) as src:
            nominal = src.info.fps
            fps = nominal if nominal and 1.0 <= nominal <= 240.0 else self.feed.nominal_fps()
            self.total = src.info.frame_count
            size = output_size(src.info.width, src.info.height, self.max_pixels)
            if self.shared is not None:  # issue 16: the pose pass's frames, already at the video's size
                src.close()
                return self._encode(self.shared.frames(self.feed), fps, size, size, fresh=True)
            return self._encode(((f.t_s, f.image) for f in src), fps, size, (src.info.width, src.info.height))

    def _encode(self, frames, fps: float, size: tuple[int, int], frame_size: tuple[int, int],
                fresh: bool = False) -> AnnotatedVideo:
        """Draw and encode ``(t_s, image)`` frames of ``frame_size`` into a video of ``size``.

        ``fresh``: the frames are already at ``size`` and this writer's own (drawn on in place).
        """
        draw, feed = overlay_function(), self.feed
        base = self.landmark_size or frame_size
        scale = (size[0] / base[0], size[1] / base[1])  # landmark pixels -> video pixels
        k = 0
        with encoded_video(self.out_path, fps, size) as encoder:
            for t_s, image in frames:
                k = feed.row_for(t_s, k)
                landmarks = feed.landmarks(k)
                if not fresh or image.shape[1::-1] != size:
                    image = scaled_copy(image, self.max_pixels, size)[0]
                if landmarks is not None:
                    landmarks = landmarks * scale
                if feed.wants_picture(k):
                    feed.offer_picture(k, thumbnail(image, landmarks, self.thumb_width))
                encoder.put(draw(image, landmarks, feed.verdicts[k], self.exercise))
                feed.release(k)
                self.written += 1
        return AnnotatedVideo(self.out_path, self.written, fps, dict(feed.thumbnails))


class RecentCrops:
    """``--no-video``: the rep pictures from the pose pass's own frames, with no second decode.

    A small crop of each frame (around its raw landmarks, about 130 KB) is kept until the
    analysis has passed that frame, a couple of seconds later; then the feed says whether it is
    (or may still become) a rep's peak, and its picture is drawn with the cleaned skeleton.
    Runs in the pose thread: about 0.3 ms a frame, where decoding a 1080p frame again was 8.
    """

    def __init__(self, feed: VerdictFeed, min_visibility: float = 0.25, width: int = THUMB_WIDTH):
        self.feed, self.min_visibility, self.width = feed, min_visibility, width
        self._crops: dict[int, tuple[np.ndarray, tuple[int, int], float]] = {}
        self._next = 0  # the first row not settled yet

    def add(self, row: int, image: np.ndarray, pose) -> None:
        """Row ``row``'s frame and its raw pose (None: nobody found)."""
        px = None
        if pose is not None:
            px = pose.image_xyz[:, :2] * (image.shape[1], image.shape[0])
            px[pose.visibility < self.min_visibility] = np.nan
        self._crops[row] = thumbnail_crop(image, px, self.width)

    def settle(self) -> None:
        """Rows the analysis has passed: keep the picture of a (possible) peak, drop the rest."""
        feed = self.feed
        while self._next < feed.ready:
            k = self._next
            crop = self._crops.pop(k, None)
            if crop is not None and feed.wants_picture(k):
                picture, origin, scale = crop
                feed.offer_picture(k, draw_on_crop(picture, feed.landmarks(k), origin, scale))
            self._next += 1
            feed.release(self._next)
