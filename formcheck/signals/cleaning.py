"""Landmark cleaning: gate unseen points, drop implausible jumps, fill short gaps, smooth.

MediaPipe's Tasks API has no landmark smoothing (mediapipe issues #4507, #4715, #4670),
and its raw output jitters by a few pixels and sometimes jumps. Offline analysis can look
both ways in time, so it uses a zero-phase Butterworth filter (no lag: rep peaks stay where
they were). The live loop cannot, so it uses the causal One-Euro filter, which smooths hard
when still and follows fast when moving.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
from scipy.signal import filtfilt

from formcheck.pose.landmarks import BODY_BONES, HIPS, SHOULDERS, PoseTrack
from formcheck.signals.cleaning_options import CleaningOptions
from formcheck.signals.filters import butter_lowpass, nanmedian_last_axis
from formcheck.signals.windowed import WindowedCleaner

__all__ = ["CleaningOptions", "LiveCleaner", "OneEuroFilter", "clean_track", "clean_whole_track"]


def _gate(track: PoseTrack, opts: CleaningOptions) -> np.ndarray:
    """Image xyz with unseen landmarks set to NaN."""
    xyz = track.image_xyz.copy()
    xyz[track.visibility < opts.min_visibility] = np.nan
    xyz[~track.detected] = np.nan
    return xyz


def _reject_stretched_bones(xyz: np.ndarray, size: tuple[int, int], opts: CleaningOptions) -> None:
    """A joint that makes a bone much longer than usual has jumped: mark it missing.

    "Usual" is never taken below a quarter of the trunk length: a bone that is short on
    screen (the hip-to-hip line of a body seen from the side, a few pixels) changes by more
    than its own length with ordinary movement, which is not a jump (issue 6: a side-view
    kick lost the hip for 0.6 s this way).
    """
    px = xyz[..., :2] * np.array(size, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # shoulders or hips never seen
        trunk = np.linalg.norm(px[:, SHOULDERS].mean(axis=1) - px[:, HIPS].mean(axis=1), axis=-1)
        floor = 0.25 * np.nanmedian(trunk) if np.isfinite(trunk).any() else 0.0
    for a, b in BODY_BONES:
        length = np.linalg.norm(px[:, a] - px[:, b], axis=-1)
        median = np.nanmedian(length) if np.isfinite(length).any() else np.nan
        if not np.isfinite(median) or median <= 0:
            continue
        bad = np.nonzero(length > opts.max_bone_stretch * max(median, floor))[0]
        for k in bad:
            # Blame whichever end moved more since the previous frame.
            prev = max(k - 1, 0)
            da = np.linalg.norm(px[k, a] - px[prev, a])
            db = np.linalg.norm(px[k, b] - px[prev, b])
            xyz[k, a if (da >= db or not np.isfinite(db)) else b] = np.nan


def _hampel(series: np.ndarray, window: int, sigmas: float) -> np.ndarray:
    """Replace isolated spikes (beyond ``sigmas`` robust deviations of the window) by NaN."""
    x = series.copy()
    n = len(x)
    if n < window:
        return x
    half = window // 2
    padded = np.pad(x, (half, half), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        med = nanmedian_last_axis(windows)  # issue 8: was np.nanmedian(windows, axis=1)
        mad = 1.4826 * nanmedian_last_axis(np.abs(windows - med[:, None]))
    spike = np.abs(x - med) > sigmas * np.maximum(mad, 1e-3)
    x[spike] = np.nan
    return x


def _fill_gaps(t: np.ndarray, x: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linear interpolation across gaps no longer than ``max_gap_s`` (edges stay NaN)."""
    ok = np.isfinite(x)
    if ok.sum() < 2 or ok.all():
        return x
    filled = np.interp(t, t[ok], x[ok])
    prev_ok = np.maximum.accumulate(np.where(ok, np.arange(len(x)), -1))
    next_ok = np.minimum.accumulate(np.where(ok, np.arange(len(x)), len(x))[::-1])[::-1]
    inside = (prev_ok >= 0) & (next_ok < len(x))
    gap = np.where(inside, t[np.minimum(next_ok, len(x) - 1)] - t[np.maximum(prev_ok, 0)], np.inf)
    use = ~ok & inside & (gap <= max_gap_s)
    out = x.copy()
    out[use] = filled[use]
    return out


def _smooth(t: np.ndarray, x: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Zero-phase low-pass on each run of valid samples long enough to filter."""
    if len(t) < 8:
        return x
    fs = 1.0 / np.median(np.diff(t))
    wn = cutoff_hz / (0.5 * fs)
    if not 0 < wn < 0.95:
        return x  # too few frames per second to low-pass meaningfully (e.g. a 3 fps GIF)
    b, a = butter_lowpass(wn)  # issue 8: was butter(2, wn)
    out = x.copy()
    ok = np.isfinite(x)
    edges = np.diff(np.concatenate([[0], ok.astype(int), [0]]))
    for start, stop in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        if stop - start > 9:
            out[start:stop] = filtfilt(b, a, x[start:stop], padlen=min(9, stop - start - 1))
    return out


def clean_whole_track(track: PoseTrack, opts: CleaningOptions = CleaningOptions()) -> PoseTrack:
    """The reference: the whole track at once, column by column (before issue 8).

    Kept so tests can check that :class:`WindowedCleaner`, which the product uses, matches it.
    """
    xyz = _gate(track, opts)
    _reject_stretched_bones(xyz, track.image_size, opts)
    world = track.world_xyz.copy()
    world[np.isnan(xyz[..., 0])] = np.nan
    t = track.t_s
    for arr in (xyz, world):
        for j in range(arr.shape[1]):
            for c in range(arr.shape[2]):
                col = arr[:, j, c]
                if not np.isfinite(col).any():
                    continue
                col = _hampel(col, opts.hampel_window, opts.hampel_sigmas)
                col = _fill_gaps(t, col, opts.max_gap_s)
                arr[:, j, c] = _smooth(t, col, opts.cutoff_hz)
    return replace(track, image_xyz=xyz, world_xyz=world)


def clean_track(track: PoseTrack, opts: CleaningOptions = CleaningOptions()) -> PoseTrack:
    """Offline cleaning of a whole track: the windowed cleaner run over it (one definition).

    Issue 8: the same cleaner as the streaming pipeline, so offline and streamed analyses agree.
    """
    cleaner = WindowedCleaner(track.image_size, opts)
    rows = cleaner.push(track.t_s, track.image_xyz, track.world_xyz, track.visibility, track.detected)
    rows += cleaner.finish()
    xyz = np.concatenate([r[1] for r in rows]) if rows else track.image_xyz[:0].copy()
    world = np.concatenate([r[2] for r in rows]) if rows else track.world_xyz[:0].copy()
    return replace(track, image_xyz=xyz, world_xyz=world)


class OneEuroFilter:
    """Causal adaptive low-pass (Casiez et al. 2012) over an array of values.

    Cutoff rises with speed: little lag during a lift, little jitter while resting.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x = self.dx = self.t = None

    @staticmethod
    def _alpha(cutoff, dt):
        tau = 1.0 / (2 * np.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self.x is None or self.t is None or t <= self.t:
            self.x, self.dx, self.t = x.copy(), np.zeros_like(x), t
            return x.copy()
        dt = t - self.t
        fresh = np.isnan(self.x) & np.isfinite(x)
        dx = np.where(np.isfinite(x) & np.isfinite(self.x), (x - self.x) / dt, 0.0)
        a_d = self._alpha(self.d_cutoff, dt)
        self.dx = a_d * dx + (1 - a_d) * self.dx
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx)
        a = self._alpha(cutoff, dt)
        new = np.where(np.isfinite(x), a * x + (1 - a) * self.x, self.x)
        new[fresh] = x[fresh]
        self.x, self.t = new, t
        return new.copy()


class LiveCleaner:
    """Per-frame cleaning for the live loop: gate, hold short gaps, One-Euro smoothing."""

    def __init__(self, opts: CleaningOptions = CleaningOptions(), min_cutoff: float = 1.0, beta: float = 0.3):
        self.opts = opts
        self._image = OneEuroFilter(min_cutoff, beta)
        self._world = OneEuroFilter(min_cutoff, beta)
        self._last_seen = np.full(33, -np.inf)

    def __call__(self, t: float, image_xyz: np.ndarray | None, world_xyz: np.ndarray | None,
                 visibility: np.ndarray | None, width: int, height: int):
        """Cleaned (image_xyz, world_xyz) for one frame, or None when nothing usable is left."""
        if image_xyz is None:
            return None
        seen = visibility >= self.opts.min_visibility
        self._last_seen[seen] = t
        img = np.where(seen[:, None], image_xyz, np.nan)
        wld = np.where(seen[:, None], world_xyz, np.nan)
        img_s = self._image(t, img)
        wld_s = self._world(t, wld)
        stale = (t - self._last_seen) > self.opts.max_gap_s
        img_s[stale] = np.nan
        wld_s[stale] = np.nan
        return img_s, wld_s
