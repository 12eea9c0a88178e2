"""Shapes of a rep signal in time: the rest level, the plateau at the top, the settled part of a hold.

Pure functions of sampled times and values (no engine state), so each is testable alone and
the engine reads as the rules it applies.
"""

from __future__ import annotations

import numpy as np

REST_DRIFT = 0.25  # of min_rom per second: how fast the rest level may creep up
REST_DOWN_TAU_S = 0.2  # how fast the rest level follows the signal down
SETTLE_HALF_WINDOW_S = 0.15  # holds: speed is a central difference over +/- this


def finite_or_low(rise: np.ndarray) -> np.ndarray:
    """NaN rises (a side never seen) become -inf so argmax never picks them."""
    return np.where(np.isfinite(rise), rise, -np.inf)


def track_rest(rest: np.ndarray, value: np.ndarray, dt: float, min_rom: float) -> np.ndarray:
    """Follow the rest level: quickly down to a lower value, slowly up to a higher one.

    A plain running minimum would sit on the lowest noise excursion and make ordinary
    jitter look like a rise; this sits near the middle of the noise band instead.
    """
    down = 1.0 - np.exp(-dt / REST_DOWN_TAU_S)
    step_up = REST_DRIFT * min_rom * dt
    return np.where(value < rest, rest + down * (value - rest), np.minimum(value, rest + step_up))


def settled_span(samples: list[tuple[float, float]], max_speed: float | None) -> tuple[float, float] | None:
    """First and last moment of a hold where the key signal moved slower than ``max_speed``.

    Trims the end of getting into the position and the start of leaving it from a hold
    timed by its position conditions; movement inside the hold is kept (a stretch may
    deepen slowly). None when there is nothing to trim by (no limit, too few samples).
    """
    if max_speed is None or len(samples) < 3:
        return None
    t = np.array([s[0] for s in samples])
    v = np.array([s[1] for s in samples])
    ok = np.isfinite(v)
    if ok.sum() < 3:
        return None
    t, v = t[ok], v[ok]
    lo = np.searchsorted(t, t - SETTLE_HALF_WINDOW_S)
    hi = np.clip(np.searchsorted(t, t + SETTLE_HALF_WINDOW_S, side="right") - 1, 0, len(t) - 1)
    speed = np.abs(v[hi] - v[lo]) / np.maximum(t[hi] - t[lo], 1e-6)
    slow = np.nonzero(speed <= max_speed)[0]
    if not len(slow):
        return (float(t[0]), float(t[0]))
    return float(t[slow[0]]), float(t[slow[-1]])


def plateau(t: np.ndarray, rise: np.ndarray, peak: float, min_rom: float) -> tuple[float, float | None]:
    """Time spent still at the top of a rep: high (>= 60% of the rise) and slow.

    Speed is a central difference over +/-0.15 s so landmark jitter does not break a hold,
    and a slow sag during a long hold (NOTES: real bridges sag 15-25 degrees) still counts
    as holding.
    """
    if len(t) < 3:
        return 0.0, None
    half = 0.15
    lo = np.searchsorted(t, t - half)
    hi = np.clip(np.searchsorted(t, t + half, side="right") - 1, 0, len(t) - 1)
    dt = np.maximum(t[hi] - t[lo], 1e-6)
    speed = np.abs(rise[hi] - rise[lo]) / dt
    v_max = max(0.5 * peak, 0.4 * min_rom)
    still = (rise >= 0.6 * peak) & (speed <= v_max)
    best, best_start, run_start = 0.0, None, None
    for i, s in enumerate(still):
        if s and run_start is None:
            run_start = i
        if run_start is not None and (not s or i == len(still) - 1):
            stop = i if s else i - 1
            length = t[stop] - t[run_start]
            if length > best:
                best, best_start = length, t[run_start]
            run_start = None
    return float(best), (float(best_start) if best_start is not None else None)
