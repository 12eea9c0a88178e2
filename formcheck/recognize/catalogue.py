"""Which exercises the recogniser tells apart, and the ones it honestly cannot (issue 17).

Two catalogue exercises can be the same movement seen by the same camera. Then the
recogniser has one class for both, named by the first, and says the other is also
possible; naming either one counts as right. Each merge gives its reason, shown in the
docs (``docs/accuracy.md``) and by :func:`merge_reason`.
"""

from __future__ import annotations

#: exercise -> the exercise the recogniser names for it, with why the camera cannot tell them apart.
MERGED: dict[str, tuple[str, str]] = {
    "side_lying_leg_raise": (
        "side_lying_hip_abduction",
        "the same movement seen from the same front camera: the straight top leg lifts toward the ceiling "
        "with the hips stacked. The seeds let the bottom knee bend in the abduction and keep it straight in "
        "the leg raise, but that knee bends toward the lens, where MediaPipe's depth is weakest, and a "
        "person may do either way; the rules of the two are the same",
    ),
}


def recognised_as(exercise: str) -> str:
    """The class the recogniser names ``exercise`` by (itself unless merged)."""
    return MERGED[exercise][0] if exercise in MERGED else exercise


def also_possible(exercise: str) -> tuple[str, ...]:
    """The other exercises a recognised ``exercise`` may be (merged into it), in catalogue order."""
    return tuple(sorted(e for e, (into, _) in MERGED.items() if into == exercise))


def counts_as(truth: str, answer: str) -> bool:
    """Whether the recogniser's ``answer`` is right for an exercise that truly was ``truth``."""
    return recognised_as(truth) == recognised_as(answer)


def merge_reason(exercise: str) -> str | None:
    """Why ``exercise`` is recognised as another one, or None when it has its own class."""
    return MERGED[exercise][1] if exercise in MERGED else None
