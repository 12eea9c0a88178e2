"""What one session amounts to: the figures the history keeps of it, computed from report.json.

A physiotherapist follows a programme by a few numbers per session: reps on each side,
holds and the longest one, range of motion, how many reps had a fault, and whether the
prescribed dosage was reached. They are computed here from the session's report.json, by
the same function when a session is recorded and when an old database is upgraded (its
rows are filled in from the stored reports).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

#: A hold counts as meeting the target when within this of it (as report.build.HOLD_TOLERANCE_S; not imported
#: from there so that reading the history does not load the analysis).
HOLD_TOLERANCE_S = 0.25


@dataclass
class SessionFigures:
    """What one session amounts to, the numbers the history table and the progress plots show."""

    exercise: str
    kind: str | None
    source: str
    mode: str  # "analyze" or "live"
    rep_count: int
    reps_left: int
    reps_right: int
    reps_both: int
    hold_count: int
    hold_s_total: float
    hold_s_longest: float
    rom_median_deg: float | None
    rom_max_deg: float | None
    fault_count: int
    fault_rate: float | None  # share of reps (holds, for a hold exercise) with at least one fault
    dosage_met: bool | None  # None when the seeds give no number to meet


def as_number(value) -> float | None:
    """A number of report.json as a float, or None for anything else (a bool is not a number here)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def dosage_met(report: dict) -> bool | None:
    """Did the session reach the low end of the prescription (reps each side, or hold time and count)?

    Sided exercises need the reps on each side ("10-12 each side"); a hold exercise needs the
    longest hold to reach the target time and, when the seeds give one, the number of holds.
    None when report.json carries no numeric target (e.g. "not given" in the seeds). Reports
    since issue 17 carry the judgement itself (``summary.dosage.met``, which also needs the
    prescribed holds at the top of reps); older ones are judged here as they were.
    """
    summary = report.get("summary") or {}
    if "met" in (summary.get("dosage") or {}):  # issue 17: the report's own judgement, holds at the top included
        return summary["dosage"]["met"]
    target = (summary.get("dosage") or {}).get("target") or {}
    by_side = summary.get("reps_by_side") or {}
    verdicts = []
    if target.get("reps") and report.get("kind") in ("reps", "cyclic"):
        low = target["reps"][0]
        sided = by_side.get("both", 0) == 0 and (by_side.get("left", 0) or by_side.get("right", 0))
        if sided or target.get("each_side"):
            verdicts.append(by_side.get("left", 0) >= low and by_side.get("right", 0) >= low)
        else:
            verdicts.append(sum(by_side.values()) >= low)
    if target.get("hold_s") and report.get("kind") == "hold":
        holds = report.get("holds") or []
        longest = max((as_number(h.get("duration_s")) or 0.0 for h in holds), default=0.0)
        verdicts.append(longest >= target["hold_s"][0] - HOLD_TOLERANCE_S)
        if target.get("holds"):
            verdicts.append(len(holds) >= target["holds"][0])
    return all(verdicts) if verdicts else None


def session_figures(report: dict) -> SessionFigures:
    """The history's columns, computed from report.json (the same function fills old rows on upgrade)."""
    summary = report.get("summary") or {}
    reps = report.get("reps") or []
    holds = report.get("holds") or []
    by_side = summary.get("reps_by_side") or {}
    roms = [v for v in (as_number(r.get("rom_deg")) for r in reps) if v is not None]
    hold_times = [as_number(h.get("duration_s")) or 0.0 for h in holds]
    judged = holds if report.get("kind") == "hold" or not reps else reps
    faulty = sum(1 for item in judged if item.get("faults"))
    return SessionFigures(
        exercise=str(report.get("exercise") or "unknown"),
        kind=report.get("kind"),
        source=str(report.get("source") or ""),
        mode="live" if "live" in report else "analyze",
        rep_count=int(summary.get("rep_count", len(reps)) or 0),
        reps_left=int(by_side.get("left", 0) or 0),
        reps_right=int(by_side.get("right", 0) or 0),
        reps_both=int(by_side.get("both", 0) or 0),
        hold_count=len(holds),
        hold_s_total=round(sum(hold_times), 2),
        hold_s_longest=round(max(hold_times, default=0.0), 2),
        rom_median_deg=round(statistics.median(roms), 1) if roms else None,
        rom_max_deg=round(max(roms), 1) if roms else None,
        fault_count=int(sum((summary.get("faults") or {}).values())),
        fault_rate=round(faulty / len(judged), 3) if judged else None,
        dosage_met=dosage_met(report),
    )
