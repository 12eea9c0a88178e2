"""The combined report of a routine: routine_report.json and routine_report.html.

One entry per planned set (step, exercise, side), in the routine's order: what was done
against the set's target, the faults, and whether it was completed, stopped early (with
why) or not done. Each set's full report (the same as ``formcheck live`` writes) sits in
``sets/NN_exercise_side/`` and is linked by its relative path. The HTML is one offline file
in report.html's style: Jinja2 autoescaping for every text from outside (routine names,
custom exercise names, cues) and a Content-Security-Policy with no script and no network.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from formcheck import __version__
from formcheck.report.build import write_json_atomic

ROUTINE_REPORT_VERSION = 1
JSON_NAME = "routine_report.json"
HTML_NAME = "routine_report.html"
SETS_DIR = "sets"


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
                    "not_done": status["not done"] + status["in progress"],
                    "reps": sum((e["done"] or {}).get("reps", 0) for e in sets),
                    "holds": sum((e["done"] or {}).get("holds", 0) for e in sets),
                    "faults": dict(faults)},
    }


def write_routine_report(report: dict, out_dir: Path) -> None:
    """Both files, atomically; the HTML is best effort (the JSON holds every count)."""
    out_dir = Path(out_dir)
    write_json_atomic(out_dir / JSON_NAME, report)
    from formcheck.report.html import _write_text_atomic

    _write_text_atomic(out_dir / HTML_NAME, render_routine_html(report))


# --------------------------------------------------------------------------------------
# HTML

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_EXTRA_CSS = """
table.sets { width: 100%; border-collapse: collapse; font-size: 14px; }
table.sets th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted); border-bottom: 2px solid var(--ink); padding: 6px 8px; }
table.sets td { border-bottom: 1px solid var(--rule); padding: 7px 8px; vertical-align: top; }
.status { font-weight: 650; white-space: nowrap; }
.status.completed { color: var(--green); }
.status.stopped { color: var(--verm); }
.status.not { color: var(--muted); }
.why { font-size: 13px; color: var(--muted); }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="formcheck {{ r.formcheck_version }}">
<title>{{ r.routine.name }}: routine report</title>
<style>{{ css }}</style>
</head>
<body>
<main>
<header>
  <div class="title"><div>
    <div class="eyebrow">Routine report</div>
    <h1>{{ r.routine.name }}</h1>
  </div></div>
  <dl class="meta">
    {% if r.routine.source %}<div><dt>From</dt><dd>{{ r.routine.source }}</dd></div>{% endif %}
    <div><dt>Camera</dt><dd>{{ r.source }}</dd></div>
    <div><dt>Done</dt><dd>{{ created }}</dd></div>
    <div><dt>Ended</dt><dd>{{ r.ended }}</dd></div>
  </dl>
</header>
<section class="summary" aria-label="Summary">
  <div class="card dosage">
    <h3>Sets</h3>
    <div class="counts">
      <div class="count"><div class="n">{{ s.completed }} <small>/ {{ s.sets }}</small></div><div class="label">completed</div></div>
      <div class="count"><div class="n">{{ s.stopped_early }}</div><div class="label">stopped early</div></div>
      <div class="count"><div class="n">{{ s.reps }}</div><div class="label">reps</div></div>
    </div>
  </div>
  <div class="card fix">
    <h3>To work on</h3>
    {% if to_fix %}<ol class="marks">{% for line in to_fix %}<li>{{ line }}</li>{% endfor %}</ol>
    {% else %}<p class="none">No form faults were seen in the checks these camera views allow.</p>{% endif %}
  </div>
  <div class="card well">
    <h3>Went well</h3>
    {% if well %}<ul class="marks">{% for line in well %}<li>{{ line }}</li>{% endfor %}</ul>
    {% else %}<p class="none">Nothing to highlight yet.</p>{% endif %}
  </div>
</section>
<section aria-label="Sets">
  <h2>Set by set</h2>
  <table class="sets">
    <thead><tr><th>#</th><th>Exercise</th><th>Side</th><th>Target</th><th>Done</th><th>Faults</th><th>Status</th></tr></thead>
    <tbody>
    {% for e in r.sets %}
    <tr>
      <td>{{ e.step }}{% if e.sets > 1 %}.{{ e.set_number }}{% endif %}</td>
      <td>{% if e.report %}<a href="{{ e.report | replace('report.json', 'report.html') }}">{{ e.exercise_name }}</a>{% else %}{{ e.exercise_name }}{% endif %}</td>
      <td>{{ e.side or 'both legs' }}</td>
      <td>{{ target_text(e.target) }}</td>
      <td>{{ done_text(e) }}{% for line in (e.done.dosage if e.done else []) %}<div class="why">{{ line }}</div>{% endfor %}</td>
      <td>{% for code, n in e.faults.items() %}<div>{{ code | replace('_', ' ') }} &times; {{ n }}</div>{% else %}-{% endfor %}</td>
      <td><span class="status {{ e.status.split()[0] }}">{{ e.status }}</span>{% if e.reason %}<div class="why">{{ e.reason }}</div>{% endif %}</td>
    </tr>
    {% endfor %}
    </tbody>
  </table>
</section>
</main>
</body>
</html>
"""


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
    from markupsafe import Markup

    from formcheck.report.html import _CSS, _created, _environment

    well, to_fix = _well_and_fix(report)
    env = _environment()
    env.globals.update(target_text=target_text, done_text=done_text)
    return env.from_string(_TEMPLATE).render(r=report, s=report["summary"], well=well, to_fix=to_fix,
                                             created=_created(report.get("created")), csp=_CSP,
                                             css=Markup(_CSS + _EXTRA_CSS))
