"""Fault watching: a fault counts once its signal stays past the threshold long enough.

Shared by reps and holds: each open rep or hold owns one watch per "during" fault.
"""

from __future__ import annotations

import numpy as np

from formcheck.rules.exercise import Fault
from formcheck.rules.verdicts import FaultEvent


class FaultWatch:
    """One fault over one rep or hold: must persist min_duration_s before it counts."""

    def __init__(self, fault: Fault):
        self.fault = fault
        self.since: float | None = None
        self.fired: FaultEvent | None = None
        self.active = False

    def update(self, t: float, value: float) -> None:
        if not np.isfinite(value) or not self.fault.triggered(value):
            self.since, self.active = None, False
            return
        if self.since is None:
            self.since = t
        self.active = t - self.since >= self.fault.min_duration_s
        if self.active and self.fired is None:
            self.fired = fault_event(self.fault, self.since, value)


def fault_event(f: Fault, at: float, value: float) -> FaultEvent:
    return FaultEvent(f.code, f.message, f.cue, at, value, f.confidence)


def fault_scalar(value: np.ndarray, ref: np.ndarray | None, relative: bool) -> float:
    """A fault's value: the signal itself, or the size of its change from the rest reference."""
    v = np.asarray(value, float)
    if relative:
        if ref is None:
            return float("nan")
        d = v - np.asarray(ref, float)
        return float(np.linalg.norm(d))
    return float(v.reshape(-1)[0])


def drop_explained(events: list[FaultEvent], faults: tuple[Fault, ...]) -> list[FaultEvent]:
    """The events left once those explained by another event's fault (``explained_by``) are dropped.

    One movement can trip several checks (a torso rolling back moves the hips too); the
    person is told the root cause, whose cue fixes both.
    """
    found = {e.code for e in events}
    explained = {f.code for f in faults if any(c in found for c in f.explained_by)}
    return [e for e in events if e.code not in explained]


def fault_value(fault: Fault, values: dict, ref_values: dict | None, ch: int) -> float:
    """A fault's value this frame on channel ``ch``, relative to ``ref_values`` when the fault says so."""
    v = values.get(fault.signal)
    if v is None:
        return float("nan")
    row = v[min(ch, v.shape[0] - 1)]
    ref = None
    if ref_values is not None and fault.signal in ref_values:
        r = ref_values[fault.signal]
        ref = r[min(ch, r.shape[0] - 1)]
    return fault_scalar(row, ref, fault.relative)
