"""Timing a held position (stretches, static holds): when it starts, when it ends, what went wrong.

A hold is open while every position condition of the exercise is met. Frames where the
position cannot be judged (the person or a needed joint is not tracked) neither end the
hold nor count as out of position: a short tracking loss inside a hold is bridged, up to
``MAX_BRIDGED_LOSS_S``, and said in the hold's ``bridged_s`` so the report can warn. Only a
frame that is tracked and out of position, for longer than the rule's ``grace_s``, ends it.
The hold then ends at the last moment it was seen in position: a recording whose subject
leaves the frame until the end keeps the hold measured up to the last frame that showed it.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.landmarks import SIDES
from formcheck.rules.exercise import Exercise, Fault
from formcheck.rules.fault_watch import FaultWatch, drop_explained, fault_event, fault_value
from formcheck.rules.signal_shapes import settled_span
from formcheck.rules.verdicts import FaultEvent, Hold

MAX_BRIDGED_LOSS_S = 5.0  # a tracking loss longer than this inside a hold ends it


def position_state(exercise: Exercise, values: dict | None) -> bool | None:
    """True in position, False out of it, None when a condition's signal is not measured this frame."""
    if values is None:
        return None
    ch = hold_channel(exercise, values)
    for cond in exercise.hold.position:
        v = values.get(cond.signal)
        if v is None:
            return None
        col = v[:, 0] if ch is None or v.shape[0] < 2 else v[ch:ch + 1, 0]
        finite = col[np.isfinite(col)]
        if not len(finite):
            return None
        met = [cond.holds(float(x)) for x in finite]
        if not (all(met) if cond.sides == "all" else any(met)):
            return False
    return True


def hold_channel(exercise: Exercise, values: dict) -> int | None:
    """The side held (0 left, 1 right) this frame, from the hold's side_signal."""
    rule = exercise.hold
    if rule.side_signal is None:
        return None
    v = values.get(rule.side_signal)
    if v is None or v.shape[0] < 2 or not np.isfinite(v[:, 0]).any():
        return None
    col = np.where(np.isfinite(v[:, 0]), v[:, 0], -np.inf if rule.side_pick == "max" else np.inf)
    return int(np.argmax(col) if rule.side_pick == "max" else np.argmin(col))


def key_sample(key: np.ndarray | None, ch: int | None) -> float:
    """The key signal's value this frame: the held side's, or with no held side the first tracked
    one (the left, else the right: a hidden left leg must not leave the hold without samples)."""
    if key is None:
        return float("nan")
    if ch is not None:
        return float(key[min(ch, key.shape[0] - 1), 0])
    finite = key[np.isfinite(key[:, 0]), 0]
    return float(finite[0]) if len(finite) else float("nan")


class HoldTracker:
    """Opens, extends and closes holds frame by frame; closed holds are appended to ``holds``."""

    def __init__(self, exercise: Exercise, holds: list[Hold]):
        self.ex = exercise
        self.holds = holds
        self.during = [f for f in exercise.faults if f.check == "during"]
        self.open: dict | None = None

    def update(self, t: float, values: dict | None) -> str:
        """Feed one frame (``values`` None: nobody tracked); the phase to show: holding or rest."""
        state = position_state(self.ex, values)
        h = self.open
        if h is None:
            if state:
                self.open = h = {"start": t, "last_in": t, "last_seen": t, "ref": values, "samples": [],
                                 "sides": [0, 0], "bridged": 0.0, "watches": [FaultWatch(f) for f in self.during]}
            else:
                return "rest"
        if state is None:
            if t - h["last_seen"] > MAX_BRIDGED_LOSS_S:
                self.close()
        elif state:
            self._extend(h, t, values)
        elif t - h["last_in"] > self.ex.hold.grace_s:
            self.close()
        return "holding" if self.open is not None else "rest"

    def _extend(self, h: dict, t: float, values: dict) -> None:
        gap = t - h["last_seen"]
        if gap > self.ex.hold.grace_s:  # a tracking loss bridged inside the hold
            h["bridged"] += gap
        h["last_in"] = h["last_seen"] = t
        ch = hold_channel(self.ex, values)
        if ch is not None:
            h["sides"][ch] += 1
        h["samples"].append((t, key_sample(values.get(self.ex.key_signal), ch)))
        for w in h["watches"]:
            w.update(t, fault_value(w.fault, values, h["ref"], ch or 0))

    def close(self) -> None:
        """End the open hold at its last moment in position; keep it when long enough."""
        h, self.open = self.open, None
        if h is None:
            return
        start, end = settled_span(h["samples"], self.ex.hold.settle_speed) or (h["start"], h["last_in"])
        if end - start >= self.ex.hold.min_hold_s:
            faults = drop_explained([w.fired for w in h["watches"] if w.fired is not None], self.ex.faults)
            side = SIDES[int(np.argmax(h["sides"]))] if self.ex.sided and sum(h["sides"]) else None
            self.holds.append(Hold(side, start, end, faults, bridged_s=round(h["bridged"], 2)))

    def active_faults(self) -> list[FaultEvent]:
        if self.open is None:
            return []
        return [fault_event(w.fault, w.since, None) for w in self.open["watches"] if w.active]

    def held_so_far(self) -> float:
        return 0.0 if self.open is None else self.open["last_in"] - self.open["start"]
