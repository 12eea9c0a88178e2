"""The combined report of a routine: routine_report.json and routine_report.html.

One entry per planned set (step, exercise, side), in the routine's order: what was done
against the set's target, the faults, and whether it was completed, stopped early (with
why) or not done. Each set's full report (the same as ``formcheck live`` writes) sits in
``sets/NN_exercise_side/`` and is linked by its relative path. The HTML is one offline file
in report.html's style: Jinja2 autoescaping for every text from outside (routine names,
custom exercise names, cues) and a Content-Security-Policy with no script and no network.
The page is the template ``templates/routine_report.html.j2`` (see
:mod:`formcheck.report.page_kit`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from formcheck import __version__
from formcheck.report.build import write_json_atomic
from formcheck.report.page_kit import PAGE_CSS, created_text, inline_file, render_page, write_text_atomic

ROUTINE_REPORT_VERSION = 1
JSON_NAME = "routine_report.json"
HTML_NAME = "routine_report.html"
SETS_DIR = "sets"
TEMPLATE = "routine_report.html.j2"
ROUTINE_CSS = "routine_report.css"


def set_entry(planned, record=None, report: dict | None = None, folder: str | None = None) -> dict:
    """One set's line: target, what was done (from the set's own report), faults, status."""
    entry = {"set": planned.number, "step": planned.step, "exercise": planned.exercise.id,
             "exercise_name": planned.exercise.name, "kind": planned.exercise.kind, "side": planned.side,
             "set_number": planned.set_number, "sets": planned.sets, "target": planned.target.to_dict(),
             "status": "not done", "reason": None, "started_s": None, "ended_s": None, "done": None,
             "faults": {}, "to_fix": [], "warnings": [], "report": None}
    if record is None:
        return entry
    entry.update(status=record.status, reason=record.reason, started_s=_round(record.started_s),
                 ended_s=_round(record.ended_s), report=folder and f"{folder}/report.json")
    if report is not None:
        s = report["summary"]
        holds = [h["duration_s"] for h in report["holds"]]
        entry["done"] = {"reps": s["rep_count"], "reps_by_side": s["reps_by_side"],
                         "reps_on_side": s["reps_by_side"].get(planned.side, 0) if planned.side else None,
                         "holds": len(holds), "holds_at_target": record.holds_met if planned.target.holds else None,
                         "longest_hold_s": round(max(holds, default=0.0), 2), "hold_s_total": s["hold_s_total"],
                         "moving_s": round(record.moving_s, 1) if planned.target.duration_s else None,
                         # a set is one side: the routine plans the other, so no "do the other side" here
                         "dosage": [line for line in s["dosage"]["verdict"] if not line.startswith("Only the ")]}
        entry["faults"] = s["faults"]
        entry["to_fix"] = s["to_fix"]
        entry["warnings"] = report["tracking"]["warnings"][:3]
    return entry


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def build_routine_report(routine, planned_sets: list, entries: list[dict], source: str, model: str | None,
                         ended: str) -> dict:
    """routine_report.json: the routine, one entry per planned set (done or not), totals."""
    done = {e["set"]: e for e in entries}
    sets = [done.get(p.number) or set_entry(p) for p in planned_sets]
    faults: Counter = Counter()
    for e in sets:
        faults.update(e["faults"])
    status = Counter(e["status"] for e in sets)
    return {
        "routine_report_version": ROUTINE_REPORT_VERSION,
        "formcheck_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "routine": {"id": routine.id, "name": routine.name, "source": routine.source, "file": routine.origin,
                    "steps": len(routine.steps)},
        "source": source,
        "model": model,
        "ended": ended,
        "sets": sets,
        "summary": {"sets": len(sets), "completed": status["completed"], "stopped_early": status["stopped early"],
                    "hold_short": status["hold short"],  # issue 17: reps done, prescribed holds at the top not
                    "not_done": status["not done"] + status["in progress"],
                    "reps": sum((e["done"] or {}).get("reps", 0) for e in sets),
                    "holds": sum((e["done"] or {}).get("holds", 0) for e in sets),
                    "faults": dict(faults)},
    }


def write_routine_report(report: dict, out_dir: Path) -> None:
    """Both files, atomically; the HTML is best effort (the JSON holds every count)."""
    out_dir = Path(out_dir)
    write_json_atomic(out_dir / JSON_NAME, report)
    write_text_atomic(out_dir / HTML_NAME, render_routine_html(report))


# --------------------------------------------------------------------------------------
# HTML

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def target_text(t: dict) -> str:
    if t.get("duration_s"):
        return f"{t['duration_s'] / 60:g} min"
    if t.get("holds"):
        return f"{t['holds']} × {t['hold_s']:g} s hold"
    held = f", {t['hold_s']:g} s at the top" if t.get("hold_s") else ""
    return f"{t['reps']} reps{held}"


def done_text(e: dict) -> str:
    d = e["done"]
    if d is None:
        return "-"
    if e["target"].get("duration_s"):
        return f"{(d['moving_s'] or 0) / 60:.1f} min moving, {d['reps']} cycles"
    if e["kind"] == "hold":
        return f"{d['holds']} holds, longest {d['longest_hold_s']:.1f} s"
    on_side = d.get("reps_on_side")
    if on_side is not None and on_side != d["reps"]:  # a one-side set: reps on the other side do not count
        return f"{on_side} reps on the {e['side']} ({d['reps'] - on_side} on the other side)"
    return f"{d['reps']} reps"


def _well_and_fix(report: dict) -> tuple[list[str], list[str]]:
    """Across the sets: the most frequent cues to work on, and what went well."""
    cues: Counter = Counter()
    for e in report["sets"]:
        for line in e["to_fix"][:2]:
            cues[f"{e['exercise_name']}: {line}"] += 1
    to_fix = [line for line, _ in cues.most_common(4)]
    s = report["summary"]
    well = []
    if s["completed"]:
        well.append(f"{s['completed']} of {s['sets']} sets reached their target")
    clean = [e for e in report["sets"] if e["status"] == "completed" and not e["faults"]]
    if clean:
        well.append(f"{len(clean)} {'set' if len(clean) == 1 else 'sets'} without a form fault")
    return well, to_fix


def render_routine_html(report: dict) -> str:
    """routine_report.html: the template ``routine_report.html.j2`` in report.html's style plus its own rules."""
    well, to_fix = _well_and_fix(report)
    return render_page(TEMPLATE, r=report, s=report["summary"], well=well, to_fix=to_fix,
                       created=created_text(report.get("created")), csp=_CSP,
                       css=inline_file(PAGE_CSS) + inline_file(ROUTINE_CSS),
                       target_text=target_text, done_text=done_text)
