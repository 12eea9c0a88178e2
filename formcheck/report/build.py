"""The per-session report: report.json (a contract other tools read) and its feedback text.

The report says what was done against what the seeds prescribe, what went well and the two
or three most important things to fix, in the seeds' own words.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from formcheck import __version__
from formcheck.analyze.track import SessionResult
from formcheck.rules.dosage import check_dosage
from formcheck.rules.exercise import Exercise

REPORT_VERSION = 1


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def missing_lines(missing: list[str]) -> list[str]:
    """The prescription not met: say what was missing, in one line."""
    return [f"Not yet the prescribed dose: {'; '.join(missing)}"] if missing else []


def cut_short_lines(cut_short: list) -> list[str]:
    """A rep still up when the recording stopped: say so, rather than count it or drop it silently."""
    return [f"The recording stopped while rep {r.index} was still up (held {r.hold_s:.1f} s): "
            "its hold is counted, the rep is not." for r in cut_short]


def feedback(ex: Exercise, reps: list[dict], holds: list[dict]) -> tuple[list[str], list[str]]:
    """(what went well, what to fix): the fixes are the seed's cues, most frequent first."""
    counts: Counter = Counter()
    where: dict[str, list[int]] = {}
    cues = {f.code: f.cue for f in ex.faults}
    for r in reps:
        for f in r["faults"]:
            counts[f["code"]] += 1
            where.setdefault(f["code"], []).append(r["index"])
    for h in holds:
        for f in h["faults"]:
            counts[f["code"]] += 1
    to_fix = []
    for code, n in counts.most_common(3):
        reps_txt = (f" ({_plural(len(where[code]), 'rep')} {', '.join(map(str, where[code]))})"
                    if code in where else "")
        to_fix.append(f"{cues.get(code, code)}{reps_txt}")
    well = []
    if reps:
        clean = [r for r in reps if not r["faults"]]
        if len(clean) == len(reps):
            well.append("Good form on the rep" if len(reps) == 1 else f"All {len(reps)} reps with good form")
        elif clean:
            well.append(f"{len(clean)} of {len(reps)} reps with good form")
        peak_codes = {f.code for f in ex.faults if f.check == "peak"}
        if peak_codes and not any(f["code"] in peak_codes for r in reps for f in r["faults"]):
            well.append("Full range of motion on every rep")
        if ex.sided and all(any(r["side"] == s for r in reps) for s in ("left", "right")):
            well.append("Both sides done")
    if holds and all(not h["faults"] for h in holds):
        well.append(f"{len(holds)} steady {_plural(len(holds), 'hold')}")
    return well, to_fix


# --- issue 5 (per-rep report): a small key-angle series so report.html can be re-rendered ---
MAX_SERIES_POINTS = 2000


def key_series(result: SessionResult, max_points: int = MAX_SERIES_POINTS) -> dict:
    """The key signal over time, at most ``max_points`` samples (None where not tracked).

    The value is the one the overlay shows: the larger of the sides for two-sided signals.
    Long sessions are thinned by taking evenly spaced frames (a 1-2 s rep spans many samples).
    """
    t = np.asarray(result.track.t_s, float)
    v = result.signals.values.get(result.exercise.key_signal)
    if v is None or len(t) == 0:
        return {"t_s": [], "key_value": []}
    col = v[:, :, 0]
    with np.errstate(invalid="ignore"):
        key = np.where(np.isfinite(col).any(axis=1), np.nanmax(np.where(np.isfinite(col), col, -np.inf), axis=1),
                       np.nan)
    if len(t) > max_points:
        keep = np.unique(np.linspace(0, len(t) - 1, max_points).round().astype(int))
        t, key = t[keep], key[keep]
    return {"t_s": [round(float(x), 3) for x in t],
            "key_value": [round(float(x), 1) if np.isfinite(x) else None for x in key]}
# --- end issue 5 ---


def json_safe(value):
    """NaN and infinities (from a frame nobody was seen in) become null: JSON cannot carry them."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def build_report(result: SessionResult, source: str, model: str | None = None, *, set_side: str | None = None) -> dict:
    """report.json's content. ``set_side``: the session is one set of that side (a routine's), judged as such."""
    return json_safe(_build_report(result, source, model, set_side))


def _build_report(result: SessionResult, source: str, model: str | None = None, set_side: str | None = None) -> dict:
    ex = result.exercise
    eng = result.engine
    t = result.track.t_s
    duration = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    fps = float((len(t) - 1) / duration) if duration > 0 else None
    reps = [r.to_dict() for r in eng.reps]
    holds = [h.to_dict() for h in eng.holds]
    by_side = {"left": 0, "right": 0, "both": 0}
    for r in eng.reps:
        by_side[r.side or "both"] += 1
    faults = Counter(f["code"] for r in reps for f in r["faults"])
    faults.update(f["code"] for h in holds for f in h["faults"])
    well, to_fix = feedback(ex, reps, holds)
    dosage = check_dosage(ex, eng.reps, eng.holds, side=set_side)
    return {
        "report_version": REPORT_VERSION,
        "formcheck_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "exercise": ex.id,
        "exercise_name": ex.name,
        "kind": ex.kind,
        "view": ex.view,
        "source": source,
        "model": model,
        "duration_s": round(duration, 3),
        "fps": round(fps, 3) if fps else None,
        "key_signal": ex.key_signal,
        "reps": reps,
        "holds": holds,
        # A rep still up when the recording stopped: its hold counts, the rep does not.
        "cut_short_reps": [r.to_dict() for r in eng.cut_short],
        # Faults this camera view cannot judge: neither flagged nor passed (issue 14).
        "not_checked": [dict(e) for e in result.not_checked],
        "camera_turn_deg": result.camera_turn_deg,
        "summary": {
            "rep_count": len(reps),
            "reps_by_side": by_side,
            "hold_s_total": round(sum(h["duration_s"] for h in holds), 2),
            "faults": dict(faults),
            "dosage": {"prescribed": ex.dosage.text,
                       "verdict": dosage.lines + missing_lines(dosage.missing) + cut_short_lines(eng.cut_short),
                       # issue 17: met (None: nothing numeric to meet) and what fell short, holds at the top included
                       "met": dosage.met, "missing": dosage.missing,
                       # issue 5: the numeric targets, so report.html can be re-rendered from report.json
                       "target": {"reps": list(ex.dosage.reps) if ex.dosage.reps else None,
                                  "hold_s": list(ex.dosage.hold_s) if ex.dosage.hold_s else None,
                                  "holds": list(ex.dosage.holds) if ex.dosage.holds else None,
                                  "each_side": ex.dosage.each_side}},
            "went_well": well,
            "to_fix": to_fix,
            "not_checked": list(ex.unchecked) + [e["reason"] for e in result.not_checked],
            # issue 6: cyclic exercises (cycles, cadence_per_min, active_s, bouts, by_side) and holds per side
            "cycles": eng.cycle_summary() if ex.kind == "cyclic" else None,
            "holds_by_side": eng.holds_by_side(),
        },
        "tracking": result.tracking.to_dict(),
        "series": key_series(result),  # issue 5: key angle over time for the report's plot
    }


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that a reader never sees a half-written file (temp file + rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
