"""Which leg works in a rep: the side joint that travels furthest, named by the body, not by MediaPipe.

The working channel (the landmark names whose values the per-side faults read) follows
the joint that moves; the side reported follows the physical leg (formcheck.signals.body_side),
because MediaPipe swaps left/right labels between reps.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.landmarks import SIDES
from formcheck.rules.exercise import Exercise
from formcheck.signals.body_side import physical_side



def note_travel(rep: dict, xy: np.ndarray | None) -> None:
    """Keep each side joint's furthest travel from the rest position so far in the rep.

    The furthest over the whole rep, not the travel at the peak: the peak of the rep
    signal can come late (a trunk arching at the top), when the working foot is already
    on its way down.
    """
    ref = rep.get("ref_xy")
    if ref is None or xy is None:
        return
    moved = np.linalg.norm(np.asarray(xy, float) - np.asarray(ref, float), axis=-1)
    if moved.ndim > 1:
        moved = moved.sum(axis=-1)
    if np.isfinite(moved).all():
        rep["travel"] = moved if rep["travel"] is None else np.maximum(rep["travel"], moved)


def moved_side(rep: dict, exercise: Exercise) -> str | None:
    """The side (by label) whose joint travelled furthest (least, for ``side_by = "stays"``)."""
    moved = rep.get("travel")
    if moved is None:
        return None
    pick = np.argmin if exercise.rep.side_by == "stays" else np.argmax
    return SIDES[int(pick(moved))]


def working_channel(rep: dict, exercise: Exercise) -> int:
    """The channel (0 left, 1 right) of the working side, for faults measured per side.

    The side whose joints travelled furthest from the rest position so far in the rep
    (the side that rose, for a two-sided rep signal, when travel cannot tell).
    """
    v = rep["peak_values"].get(exercise.rep.signal) if rep.get("peak_values") else None
    two_sided = v is not None and v.shape[0] > 1
    if not exercise.sided and not two_sided:
        return 0
    side = moved_side(rep, exercise)
    if side:
        return SIDES.index(side)
    return rep["peak_ch"] if two_sided else 0


def rep_side(rep: dict, exercise: Exercise) -> str | None:
    """The working side of a finished rep: the physical leg, the labels' answer when the body cannot tell."""
    if not exercise.sided:
        return None
    if exercise.signals[exercise.rep.signal].sides == "working":
        by_label = SIDES[working_channel(rep, exercise)]
    else:
        by_label = moved_side(rep, exercise)
    cues = [s[5] for s in rep["samples"] if len(s) > 5 and s[5] is not None]
    if not cues or by_label is None or exercise.rep.side_by != "moves":
        return by_label
    seen = physical_side(np.array(cues), SIDES.index(by_label), exercise.view, rep.get("peak_xy"))
    return seen or by_label
