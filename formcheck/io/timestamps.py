"""Frame times from the source's own clock, repaired where the backend misreports them.

Rep tempo and hold times are measured from these timestamps, so they must never come from an
assumed frame rate and must always strictly increase:

- `FileClock`, for video files and GIFs: ``CAP_PROP_POS_MSEC`` (the frame's presentation time,
  right for variable-frame-rate phone video) or the GIF's own frame delays. A value that is not
  finite, negative or not strictly after the previous one is replaced by the previous one plus
  the frames elapsed at the nominal rate.
- `LiveClock`, for webcams and streams: the container clock relative to the first frame while it
  is sane; once it stalls or goes back, the wall clock (``time.monotonic()``) for good.

Each clock counts the timestamps it had to repair (`repaired`).
"""

from __future__ import annotations

import math

#: Nominal rate used to fill in a bad timestamp when the source reports no frame rate.
FALLBACK_FPS = 30.0


class FileClock:
    """Timestamps of a file's frames: the container's (or the GIF's delays), gaps filled at the nominal rate."""

    def __init__(self, nominal_fps: float | None, gif_starts: list[float] | None = None) -> None:
        self.nominal_fps = nominal_fps
        self.gif_starts = gif_starts
        self.repaired = 0
        self._prev_t: float | None = None
        self._prev_index = -1

    def time(self, pos: int, msec: float) -> float:
        """Seconds of the frame at position `pos`, which the decoder says is at `msec`."""
        if self.gif_starts is not None and pos < len(self.gif_starts):
            t = self.gif_starts[pos]
        else:
            t = msec / 1000.0 if msec is not None else math.nan
        prev = self._prev_t
        if not math.isfinite(t) or t < 0.0 or (prev is not None and t <= prev):
            if prev is None:
                t = 0.0
            else:
                step = 1.0 / (self.nominal_fps or FALLBACK_FPS)
                t = prev + (pos - self._prev_index) * step
            self.repaired += 1
        self._prev_t, self._prev_index = t, pos
        return t


class LiveClock:
    """Timestamps of a live source: its container clock from the first frame, the wall clock once that fails."""

    def __init__(self) -> None:
        self.repaired = 0
        self._container_ok = True
        self._prev_t: float | None = None
        self._prev_msec: float | None = None
        self._prev_mono: float | None = None

    def time(self, msec: float, mono: float) -> float:
        """Seconds since the first frame, from the container's `msec` or the monotonic clock `mono`."""
        prev_t, prev_msec, prev_mono = self._prev_t, self._prev_msec, self._prev_mono
        msec_ok = msec is not None and math.isfinite(msec) and msec >= 0.0
        if prev_t is None or prev_mono is None:
            t = 0.0
            self._container_ok = msec_ok
        else:
            if self._container_ok and msec_ok and prev_msec is not None and msec > prev_msec:
                t = prev_t + (msec - prev_msec) / 1000.0
            else:  # the container clock stalled or went back: wall clock from now on
                self._container_ok = False
                t = prev_t + (mono - prev_mono)
                self.repaired += 1
            if t <= prev_t:
                t = prev_t + 1e-3
        self._prev_t, self._prev_msec, self._prev_mono = t, msec, mono
        return t
