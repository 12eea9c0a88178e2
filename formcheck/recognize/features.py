"""What a window of a recording looks like, as numbers: the features the exercise recogniser reads.

A recording is cut into overlapping windows (4 s, every 1 s). Each window is described by
how the body lies relative to gravity (its level and range over the window), the working
leg's and the other leg's joint angles and how much each moves, and whether the movement is
still, repeated or continuous. The working leg is the one that moves most, whatever its
left/right label says.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import PoseTrack
from formcheck.recognize.body import GRID_HZ, BodySeries, body_series, resample
from formcheck.signals.cleaning import clean_track

WINDOW_S = 4.0
HOP_S = 1.0

TRUNK_KEYS = ("up_vs_gravity", "front_vs_gravity", "side_vs_gravity", "hip_height", "shoulder_height",
              "knee_height", "knee_gap", "ankle_gap",
              "image_trunk_up", "image_trunk_across", "image_shoulder_width", "image_hip_width", "image_nose_up",
              "image_nose_ahead", "image_hip_height")
LEG_KEYS = ("hip_angle", "knee_angle", "ankle_angle", "thigh_down", "shank_down", "thigh_forward", "thigh_outward",
            "thigh_up", "shank_forward", "shank_outward", "ankle_outward", "knee_outward", "image_knee_angle",
            "image_hip_angle", "image_thigh_down", "image_shank_down", "image_thigh_ahead", "image_shank_ahead",
            "image_knee_ahead", "image_knee_below", "image_ankle_ahead", "image_ankle_below")
ANGLE_UNITS = 90.0  # degrees are divided by this, so every feature is of order one


def feature_names() -> list[str]:
    names = []
    for k in TRUNK_KEYS:
        names += [f"{k}.level", f"{k}.range"]
    for leg in ("working", "other"):
        for k in LEG_KEYS:
            names += [f"{leg}.{k}.level", f"{leg}.{k}.range"]
    names += ["working.motion", "other.motion", "legs.in_phase", "motion.still_fraction", "motion.cycles_per_s",
              "motion.periodicity"]
    return names


def _level_range(x: np.ndarray, units: float = 1.0) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return 0.0, 0.0
    lo, med, hi = np.percentile(x, [10, 50, 90])
    return float(med) / units, float(hi - lo) / units


def _units(key: str) -> float:
    return ANGLE_UNITS if key.endswith("angle") else 1.0


def _periodicity(x: np.ndarray, hz: float) -> tuple[float, float]:
    """(cycles per second, autocorrelation at that period) of a motion signal; 0 when none."""
    x = x[np.isfinite(x)]
    if len(x) < 10 or np.std(x) < 1e-6:
        return 0.0, 0.0
    x = x - x.mean()
    ac = np.correlate(x, x, "full")[len(x) - 1:]
    ac = ac / ac[0]
    lags = np.arange(len(ac))
    lo = int(0.5 * hz)  # periods from 0.5 s to 3/4 of the window
    hi = int(0.75 * len(x))
    if hi <= lo + 2:
        return 0.0, 0.0
    seg = ac[lo:hi]
    k = int(np.argmax(seg))
    if k == 0 or k == len(seg) - 1:
        return 0.0, float(max(seg[k], 0.0))
    return float(hz / lags[lo + k]), float(max(seg[k], 0.0))


def working_leg(body: BodySeries, rows: np.ndarray) -> int:
    """0 (left label) or 1 (right label): the leg whose knee and ankle move most about the pelvis."""
    m = body.leg_motion[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nansum(np.nanstd(m, axis=0), axis=-1)  # (2,)
    if not np.isfinite(spread).all():
        return 0
    return int(np.argmax(spread))


def window_features(body: BodySeries, rows: np.ndarray) -> np.ndarray:
    """One feature vector for the grid samples ``rows`` (a window)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _window_features(body, rows)


def _window_features(body: BodySeries, rows: np.ndarray) -> np.ndarray:
    f: list[float] = []
    for k in TRUNK_KEYS:
        f += _level_range(body.trunk[k][rows])
    work = working_leg(body, rows)
    for leg in (work, 1 - work):
        for k in LEG_KEYS:
            f += _level_range(body.legs[k][rows, leg], _units(k))
    m = body.leg_motion[rows]  # (n, 2, 6)
    spread = np.nan_to_num(np.nansum(np.nanstd(m, axis=0), axis=-1))
    f += [float(spread[work]), float(spread[1 - work])]
    # in phase (bridge, squat) or alternating (bike, walking): correlation of the two legs' paths
    a, b = m[:, 0], m[:, 1]
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    corr = 0.0
    if ok.sum() > 5:
        da, db = a[ok] - a[ok].mean(axis=0), b[ok] - b[ok].mean(axis=0)
        den = np.sqrt((da**2).sum() * (db**2).sum())
        corr = float((da * db).sum() / den) if den > 1e-9 else 0.0
    f.append(corr)
    speed = np.linalg.norm(np.diff(m.reshape(len(m), -1), axis=0), axis=-1) * GRID_HZ  # trunk lengths / s
    speed = speed[np.isfinite(speed)]
    # still for part of the window (a hold, a pause between reps), relative to its own pace
    f.append(float(np.mean(speed < 0.2 * np.percentile(speed, 90))) if len(speed) and speed.max() > 0 else 1.0)
    main = m[:, work]
    main = main[np.isfinite(main).all(axis=1)]
    if len(main) > 10:
        centred = main - main.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        cps, per = _periodicity(centred @ vt[0], GRID_HZ)
    else:
        cps, per = 0.0, 0.0
    f += [cps, per]
    return np.nan_to_num(np.asarray(f, float), nan=0.0, posinf=0.0, neginf=0.0)


@dataclass
class Windows:
    """Feature vectors of a track's windows, with their times and working legs."""

    start_s: np.ndarray
    end_s: np.ndarray
    features: np.ndarray  # (W, F)
    seen: np.ndarray  # (W,) fraction of the window with a person in view
    working: np.ndarray  # (W,) 0 left label, 1 right label

    @property
    def centre_s(self) -> np.ndarray:
        return 0.5 * (self.start_s + self.end_s)


def track_windows(track: PoseTrack, clean: bool = True, window_s: float = WINDOW_S,
                  hop_s: float = HOP_S) -> Windows:
    """Windows over the whole track (a track shorter than one window is one window)."""
    if clean and len(track) >= 2:
        track = clean_track(track)
    return grid_windows(*resample(track), window_s, hop_s)


def grid_windows(t: np.ndarray, world: np.ndarray, pix: np.ndarray, window_s: float = WINDOW_S,
                 hop_s: float = HOP_S) -> Windows:
    """Windows over landmarks already on the feature grid (see :func:`resample`)."""
    body = body_series(t, world, pix)
    n = len(t)
    size = max(int(round(window_s * GRID_HZ)), 2)
    hop = max(int(round(hop_s * GRID_HZ)), 1)
    starts = list(range(0, max(n - size, 0) + 1, hop)) if n else []
    if n and starts[-1] + size < n:  # the tail gets its own window
        starts.append(n - size)
    feats, seen, work, s0, s1 = [], [], [], [], []
    for s in starts:
        rows = np.arange(s, min(s + size, n))
        feats.append(window_features(body, rows))
        seen.append(float(body.seen[rows].mean()))
        work.append(working_leg(body, rows))
        s0.append(float(t[rows[0]]))
        s1.append(float(t[rows[-1]]) + 1.0 / GRID_HZ)
    nf = len(feature_names())
    return Windows(np.asarray(s0), np.asarray(s1), np.asarray(feats).reshape(-1, nf), np.asarray(seen),
                   np.asarray(work, int))
