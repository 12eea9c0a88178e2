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


HOLD_GAP_S = 0.35  # a hold survives a moment of jitter this long, as long as it stays high
HOLD_SPEED_FRACTION = 0.2  # still: slower than this fraction of the rep's own rising speed


def _speed(t: np.ndarray, v: np.ndarray, half: float) -> np.ndarray:
    """|dv/dt| as a central difference over +/- ``half`` seconds (one frame at least)."""
    lo = np.searchsorted(t, t - half)
    hi = np.clip(np.searchsorted(t, t + half, side="right") - 1, 0, len(t) - 1)
    lo = np.minimum(lo, np.maximum(np.arange(len(t)) - 1, 0))
    hi = np.maximum(hi, np.minimum(np.arange(len(t)) + 1, len(t) - 1))
    return np.abs(v[hi] - v[lo]) / np.maximum(t[hi] - t[lo], 1e-6)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1))


def plateau(t: np.ndarray, rise: np.ndarray, peak: float, min_rom: float) -> tuple[float, float | None]:
    """Time spent still at the top of a rep: high (>= 60% of the rise) and slow.

    Slow is judged against the rep's own movement: slower than a fifth of its rising speed,
    measured over about a frame, so the hold starts where the lift has really stopped (a
    wider window, or a fixed speed limit, counted the last tenths of the lift and of the
    lowering as held: clamshell holds came out 0.5 s long). Jitter that breaks the
    stillness for a moment (up to ``HOLD_GAP_S``) while the rep stays high does not end the
    hold, and a slow sag during a long hold (NOTES: real bridges sag 15-25 degrees) still
    counts as holding.
    """
    if len(t) < 3:
        return 0.0, None
    # "High" against a robust top (a single jittery frame must not raise the bar).
    top = min(peak, float(np.percentile(rise[np.isfinite(rise)], 97)))
    high = rise >= 0.6 * top
    fast = np.percentile(_speed(t, rise, 0.1)[np.isfinite(rise)], 95)
    v_max = max(HOLD_SPEED_FRACTION * fast, 0.15 * min_rom)
    still = high & (_speed(t, rise, 0.04) <= v_max)
    runs = _runs(still)
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and t[a] - t[merged[-1][1]] <= HOLD_GAP_S and high[merged[-1][1]:a + 1].all():
            merged[-1][1] = b
        else:
            merged.append([a, b])
    best = max(merged, key=lambda r: t[r[1]] - t[r[0]], default=None)
    if best is None or best[1] == best[0]:
        return 0.0, None
    return float(t[best[1]] - t[best[0]]), float(t[best[0]])
