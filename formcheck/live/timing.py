"""The live loop's clocks: a video file paced like a camera, and frames/s and latency measured.

Engine time is always the frames' own timestamps; the monotonic clock is used only here, to
hold each frame of a file until it is due (so a recording played with ``--source`` behaves
like the camera it came from) and to measure how fast the loop keeps up, for the screen's
frames/s and the report's "performance" section.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np


class Pacer:
    """Play a file as if it were a camera: hold each frame until its timestamp is due."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._origin: float | None = None

    def wait(self, t_s: float) -> None:
        """Sleep until frame time ``t_s`` is due (the first frame sets the clock's origin)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if self._origin is None:
            self._origin = now - t_s
            return
        delay = self._origin + t_s - now
        if delay > 0:
            time.sleep(delay)

    def shift(self, seconds: float) -> None:
        """After a pause the file resumes where it stopped, not where the clock says."""
        if self._origin is not None:
            self._origin += seconds


@dataclass
class LoopStats:
    """Frames/s and latency (frame read -> overlay drawn), for the screen and the report."""

    latencies_ms: deque = field(default_factory=lambda: deque(maxlen=5000))
    frames: int = 0
    started: float | None = None
    fps: float | None = None
    _last: float | None = None

    def frame_done(self, read_at: float) -> None:
        """One frame shown: its latency since ``read_at`` (perf_counter) and the smoothed frames/s."""
        now = time.perf_counter()
        self.latencies_ms.append(1000.0 * (now - read_at))
        self.frames += 1
        self.started = read_at if self.started is None else self.started
        if self._last is not None and now > self._last:
            rate = 1.0 / (now - self._last)
            self.fps = rate if self.fps is None else 0.9 * self.fps + 0.1 * rate
        self._last = now

    def to_dict(self) -> dict:
        """The report's "performance" section: frames, mean frames/s, mean and 95th-percentile latency."""
        lat = np.asarray(self.latencies_ms, float)
        span = (self._last - self.started) if self.started is not None and self._last is not None else 0.0
        return {"frames_processed": self.frames,
                "fps": round((self.frames - 1) / span, 2) if span > 0 and self.frames > 1 else None,
                "latency_ms_mean": round(float(lat.mean()), 2) if len(lat) else None,
                "latency_ms_p95": round(float(np.percentile(lat, 95)), 2) if len(lat) else None}
