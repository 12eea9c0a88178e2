"""Where in a rep the body is: the smooth ramp of a controlled movement, the lift fraction, the cycle phase.

A script's reps follow a schedule of (start, peak, hold end, end) times
(:func:`formcheck.synth.motion.rep_schedule`); postures are functions of how far the lift
has gone (0 rest, 1 top) or, for cyclic moves, of the phase through the current cycle.
"""

from __future__ import annotations

import numpy as np


def ease(x: np.ndarray) -> np.ndarray:
    """Raised-cosine ramp 0 -> 1: smooth start and stop like a controlled human movement."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def lift_fraction(t: float, schedule) -> tuple[float, int]:
    """Fraction of the full lift (0 rest, 1 top) at time ``t`` and the 1-based rep (0 = none)."""
    for i, (start, peak, hold_end, end) in enumerate(schedule, 1):
        if start <= t < peak:
            return float(ease((t - start) / (peak - start))), i
        if peak <= t < hold_end:
            return 1.0, i
        if hold_end <= t < end:
            return float(1.0 - ease((t - hold_end) / (end - hold_end))), i
    return 0.0, 0


def cycle_phase(t: float, schedule) -> tuple[float, int]:
    """(phase 0-1 through the current cycle, 0-based cycle) at ``t``; phase 0 between cycles.

    Between cycles (before the first, after the last, in a rest) the phase is 0, the start
    position, and the cycle count is the number of cycles done so far.
    """
    done = 0
    for start, _peak, _hold_end, end in schedule:
        if start <= t < end:
            return (t - start) / (end - start), done
        if t >= end:
            done += 1
    return 0.0, done
