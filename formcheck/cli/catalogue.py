"""``formcheck exercises`` and ``formcheck routines``: what can be checked and which programmes can be coached."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from formcheck.cli.common import friendly_errors, out


@friendly_errors
def exercises(as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as JSON.")] = False) -> None:
    """List the exercises formcheck knows, with camera view and dosage."""
    from formcheck.rules.exercise import builtin_exercises

    catalogue = builtin_exercises()
    if as_json:
        print(json.dumps([e.summary() for e in catalogue.values()], indent=1))
        return
    table = Table(title="formcheck exercises")
    for col in ("id", "kind", "camera", "dosage", "faults checked"):
        table.add_column(col, overflow="fold")
    for e in catalogue.values():
        table.add_row(e.id, e.kind, e.camera or e.view, e.dosage.text, ", ".join(f.code for f in e.faults))
    out.print(table)


# --- issue 9: routines ---------------------------------------------------------------------
@friendly_errors
def routines(as_json: Annotated[bool, typer.Option("--json", help="Print the routines as JSON.")] = False) -> None:
    """List the built-in routines (the programmes of the three source articles)."""
    from formcheck.live.routine import builtin_routines, plan

    found = builtin_routines()
    if as_json:
        print(json.dumps([{"id": r.id, "name": r.name, "source": r.source, "note": r.note,
                           "steps": [{"exercise": s.exercise.id, "sides": s.sides, "sets": s.sets, "rest_s": s.rest_s}
                                     for s in r.steps]} for r in found.values()], indent=1))
        return
    table = Table(title="formcheck routines")
    for col in ("id", "name", "exercises (in order)", "sets"):
        table.add_column(col, overflow="fold")
    for r in found.values():
        table.add_row(r.id, r.name, ", ".join(s.exercise.id for s in r.steps), str(len(plan(r))))
    out.print(table)
    out.print("Run one with: formcheck routine ID [--camera N | --source VIDEO]; your own with --routine-file FILE.")
