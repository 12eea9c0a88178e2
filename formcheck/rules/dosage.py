"""The session against its prescription: reps, holds at the top of reps, holds, and what is missing.

One judgement serves the report's dosage lines (``summary.dosage``), the history's "dosage
met" and a routine set's end, so they cannot disagree. A hold at the top of a rep is measured
once, by the engine's ``Rep.hold_s`` (the rep table's "hold" column): the engine's ``holds``
list keeps only the pauses long enough to draw as holds, so judging the target from it made
the dosage line say "longest hold 0.0 s" beside a rep table that said 0.1 s.

A prescribed hold is part of the dosage: a set of reps with "hold 5 s at the top" is met only
when enough of its reps were held, and otherwise says what was missing ("reps 10/10, but
holds at the top averaged 1.2 s of the 5 s prescribed").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean
from typing import Sequence

from formcheck.rules.exercise import Exercise
from formcheck.rules.verdicts import Hold, Rep

#: A hold counts as reaching its target when within this of it (report, page and routine judge holds alike).
HOLD_TOLERANCE_S = 0.25
SIDED = ("left", "right")


@dataclass
class DosageCheck:
    """What was done against the prescription, whether it was met, and what fell short."""

    lines: list[str] = field(default_factory=list)  # done against prescribed, one line per part
    met: bool | None = None  # None: the prescription gives no number to meet
    missing: list[str] = field(default_factory=list)  # what fell short, in words (empty when met)

    def judge(self, ok: bool, missing: str) -> None:
        self.met = ok if self.met is None else self.met and ok
        if not ok:
            self.missing.append(missing)


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _range_text(lo: float, hi: float, unit: str = "") -> str:
    return f"{lo:g}{unit}" if lo == hi else f"{lo:g}-{hi:g}{unit}"


def held_at_top(rep: Rep, hold_s: float) -> bool:
    """The rep's hold at the top reached the prescribed time (within the tolerance)."""
    return rep.hold_s >= hold_s - HOLD_TOLERANCE_S


def check_dosage(ex: Exercise, reps: Sequence[Rep], holds: Sequence[Hold], side: str | None = None) -> DosageCheck:
    """Judge the counted ``reps`` and the ``holds`` against ``ex.dosage``.

    ``side``: the session is one set of this side (a routine's set), so all its reps count
    for it, and the other side is not asked for. Otherwise a sided exercise needs its reps
    on each side.
    """
    check = DosageCheck()
    if ex.kind in ("reps", "cyclic"):
        groups = _rep_groups(ex, reps, side)
        if ex.dosage.reps:
            _judge_reps(check, ex, groups, side)
        if ex.dosage.hold_s and ex.kind == "reps":
            _judge_top_holds(check, ex, groups)
    elif ex.kind == "hold" and ex.dosage.hold_s:
        _judge_holds(check, ex, holds)
    return check


def _rep_groups(ex: Exercise, reps: Sequence[Rep], side: str | None) -> dict[str, list[Rep]]:
    """The reps each side must reach the target with: per side for a sided exercise, else all together."""
    if side is not None or not ex.sided:
        return {side or "all": list(reps)}
    return {s: [r for r in reps if r.side == s] for s in SIDED}


def _judge_reps(check: DosageCheck, ex: Exercise, groups: dict[str, list[Rep]], side: str | None) -> None:
    """'Left 12 of 10-15, Right 9 of 10-15 (1 short)', or '9 of 10-15 reps: 1 short'."""
    low, target = ex.dosage.reps[0], _range_text(*ex.dosage.reps)
    if set(groups) == set(SIDED):
        parts = []
        for s in SIDED:
            n = len(groups[s])
            short = f" ({low - n} short)" if 0 < n < low else ""
            parts.append(f"{s.capitalize()} {n} of {target}{short}")
        check.lines.append(", ".join(parts))
        done = [s for s in SIDED if groups[s]]
        if len(done) == 1:
            other = "right" if done[0] == "left" else "left"
            check.lines.append(f"Only the {done[0]} side was done: then rest, or do the other side ({other})!")
    else:
        n = len(next(iter(groups.values())))
        where = f" on the {side} side" if side else ""
        check.lines.append(f"{n} of {target} reps{where}" + (f": {low - n} short" if n < low else ""))
    for s, group in groups.items():
        on = f" on the {s} side" if s in SIDED else ""
        check.judge(len(group) >= low, f"reps{on} {len(group)}/{low}")


def _judge_top_holds(check: DosageCheck, ex: Exercise, groups: dict[str, list[Rep]]) -> None:
    """Each rep's hold at the top against the prescribed time; met when enough reps were held."""
    lo = ex.dosage.hold_s[0]
    every = [r for group in groups.values() for r in group]
    held = [r for r in every if held_at_top(r, lo)]
    line = f"{len(held)} of {len(every)} {_plural(len(every), 'rep')} held at the top for the " \
           f"{_range_text(*ex.dosage.hold_s, ' s')} target"
    if every:
        line += f" (longest hold {max(r.hold_s for r in every):.1f} s, mean {fmean(r.hold_s for r in every):.1f} s)"
    check.lines.append(line)
    for s, group in groups.items():
        need = ex.dosage.reps[0] if ex.dosage.reps else max(len(group), 1)
        n_held = sum(1 for r in group if held_at_top(r, lo))
        if n_held >= need:
            check.judge(True, "")
            continue
        on = f" on the {s} side" if s in SIDED else ""
        mean = fmean(r.hold_s for r in group) if group else 0.0
        reps_done = f"reps{on} {len(group)}/{need}, but holds at the top" if len(group) >= need \
            else f"holds at the top{on}"  # the reps' own shortfall is already said
        check.judge(False, f"{reps_done} averaged {mean:.1f} s of the {lo:g} s prescribed "
                           f"({n_held} of {len(group)} held)")


def _judge_holds(check: DosageCheck, ex: Exercise, holds: Sequence[Hold]) -> None:
    """A hold exercise: the longest hold against the time, and the number of holds when prescribed."""
    d = ex.dosage
    longest = max((h.duration_s for h in holds), default=0.0)
    total = sum(h.duration_s for h in holds)
    count = f"{len(holds)} of {_range_text(*d.holds)} holds, " if d.holds else f"{len(holds)} holds, "
    check.lines.append(f"{count}longest {longest:.1f} s of {_range_text(*d.hold_s, ' s')} (total {total:.1f} s)")
    check.judge(longest >= d.hold_s[0] - HOLD_TOLERANCE_S,
                f"the longest hold was {longest:.1f} s of the {d.hold_s[0]:g} s prescribed")
    if d.holds:
        check.judge(len(holds) >= d.holds[0], f"holds {len(holds)}/{d.holds[0]}")
