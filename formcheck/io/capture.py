"""Frames from OpenCV's VideoCapture: video files, GIFs, webcams and stream URLs.

A damaged file should still give the patient their report for the frames that could be read:
an unreadable frame is stepped over and recorded in `FrameSource.skipped`, and reading stops
after `MAX_CONSECUTIVE_FAILURES` in a row (a truncated recording). A live source retries a
failed read instead, since a camera drops frames now and then. Timestamps come from
`formcheck.io.timestamps`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import cv2
import numpy as np

from formcheck.errors import InputError
from formcheck.io.native_stderr import native_stderr_silenced  # noqa: F401 (also used from here)
from formcheck.io.frames import Frame, FrameSource, SourceInfo, as_bgr8
from formcheck.io.timestamps import FileClock, LiveClock

#: Consecutive unreadable frames after which a file is taken to be truncated or damaged.
MAX_CONSECUTIVE_FAILURES = 30


class CaptureSource(FrameSource):
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
        gif_starts: list[float] | None = None
        if frame_durations_s:
            # GIF delays are whole centiseconds: round away float summation error (3.8999 -> 3.9).
            gif_starts = [round(t, 6) for t in [0.0, *np.cumsum(frame_durations_s)[:-1].tolist()]]
        self._file_clock = FileClock(self._nominal_fps, gif_starts)
        self._live_clock = LiveClock()
        self._pos = 0  # position in the source of the next frame to read
        super().__init__(SourceInfo(description, 0, 0, self._nominal_fps, None, None, is_live))
        self._first: Frame | None = self._read_first(no_frames_message)
        self._info = self._info_after_first(description, frame_durations_s)

    @property
    def timestamps_repaired(self) -> int:
        return self._file_clock.repaired + self._live_clock.repaired

    def _read_first(self, no_frames_message: str) -> Frame:
        """The first frame, read now so that a source with no picture fails before any work."""
        try:
            with quiet_opencv():
                first = self._next()
        except Exception:
            self._cap.release()
            raise
        if first is None:
            self._cap.release()
            self._closed = True
            raise InputError(no_frames_message)
        return first

    def _info_after_first(self, description: str, frame_durations_s: list[float] | None) -> SourceInfo:
        """Size from the first (upright) frame; count, duration and rate from the GIF's delays or the container."""
        assert self._first is not None
        height, width = self._first.image.shape[:2]
        if frame_durations_s:
            duration: float | None = round(float(sum(frame_durations_s)), 6)
            count_out: int | None = len(frame_durations_s)
            shown_fps = self._nominal_fps or (count_out / duration if duration > 0 else None)
        else:
            count_out = self._frame_count
            shown_fps = self._nominal_fps
            duration = count_out / shown_fps if count_out and shown_fps else None
        return SourceInfo(description, int(width), int(height), shown_fps, count_out, duration, self._is_live)

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
                return Frame(pos, self._file_clock.time(pos, msec), as_bgr8(image))
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
                return Frame(pos, self._live_clock.time(msec, mono), as_bgr8(image))
            failures += 1
            if failures >= self._max_failures:
                return None
            if self._retry_delay_s > 0:
                time.sleep(self._retry_delay_s)


def _finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@contextmanager
def quiet_opencv() -> Iterator[None]:
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


