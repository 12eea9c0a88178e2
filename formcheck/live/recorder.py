"""Recording the camera during a live session (``--record``), never slowing the session down.

The video is for the physiotherapist, or to analyse the session again offline; the counts
never depend on it. So encoding runs in its own thread behind a small queue, frames are
dropped rather than waited for, and an encoding error becomes a report warning.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np

RECORDING_NAME = "live.webm"
RECORD_MAX_WIDTH = 960  # larger camera frames are recorded at this width


class Recorder:
    """Writes the camera frames to a .webm in a background thread; the loop never waits for it.

    VP8 encoding costs 10 ms a frame at 480p and 29 ms at 720p (NOTES), so frames wider than
    RECORD_MAX_WIDTH are scaled down (the pose model looks at 256 px anyway, so re-analysis
    loses nothing). When the encoder falls behind, frames are dropped and the previous frame
    is repeated in their place, so the video's timeline stays that of the session.
    """

    def __init__(self, path: Path, fps: float):
        from formcheck.io.writer import VideoWriter

        self.writer = VideoWriter(path, fps)
        self.fps = fps
        self.dropped = 0
        self.error: Exception | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=32)
        self._t0: float | None = None
        self._last_t: float | None = None  # of the last frame sent, even if dropped
        self._last: np.ndarray | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-recorder", daemon=True)
        self._thread.start()

    def write(self, t_s: float, image: np.ndarray) -> None:
        """Hand a frame to the encoder thread, or count it dropped when the thread is behind."""
        self._last_t = t_s
        try:
            self._queue.put_nowait((t_s, image))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        """The encoder thread: frames until the ``None`` sent by `close`; the first error stops encoding."""
        while (item := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self._encode(*item)
                except Exception as exc:  # noqa: BLE001 - reported at the end, the session goes on
                    self.error = exc

    def _encode(self, t_s: float, image: np.ndarray) -> None:
        import cv2

        h, w = image.shape[:2]
        if w > RECORD_MAX_WIDTH:
            size = (RECORD_MAX_WIDTH, 2 * round(h * RECORD_MAX_WIDTH / w / 2))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self._t0 = t_s if self._t0 is None else self._t0
        self._fill(t_s)
        self.writer.write(image)
        self._last = image

    def _fill(self, t_s: float) -> None:
        """Repeat the last frame up to the frame due before ``t_s`` (frames dropped or never sent)."""
        if self._last is None or self._t0 is None:
            return
        due = round((t_s - self._t0) * self.fps)
        for _ in range(min(due - self.writer.frames_written, int(2 * self.fps))):
            self.writer.write(self._last)

    def close(self) -> None:
        """Encode what is queued, fill the frames dropped at the end, and close the file."""
        self._queue.put(None)
        self._thread.join()
        if self.error is None and self._last_t is not None:
            try:  # frames dropped at the very end
                self._fill(self._last_t + 1.0 / self.fps)
            except Exception as exc:  # noqa: BLE001
                self.error = exc
        self.writer.close()

    def finish(self, extra: dict) -> list[str]:
        """Close the recording and note it in the report's ``extra``; the warnings it leaves, if any."""
        try:
            self.close()
        except Exception as exc:  # noqa: BLE001 - the counts matter more than the video
            self.error = self.error or exc
        extra["recording"] = RECORDING_NAME if self.error is None and self.writer.frames_written else None
        extra["recording_dropped_frames"] = self.dropped
        if self.error is not None:
            return [f"The camera video could not be saved ({self.error}): the counts are unaffected."]
        return []
