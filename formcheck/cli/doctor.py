"""``formcheck doctor``: the set-up checks of `formcheck.doctor`, one line each with its fix.

Kept apart from the checks so they can be run (and tested) without the command line. The
exit code is 1 when a check fails (formcheck cannot analyse), 0 when there are only
warnings (e.g. no camera on a server: ``analyze`` still works, ``live`` does not).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from formcheck.cli.common import friendly_errors, out

MARKS = {"ok": "[green]ok  [/green]", "warn": "[yellow]warn[/yellow]", "fail": "[red]fail[/red]"}


@friendly_errors
def doctor(as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False) -> None:
    """Check the set-up: models, video reading, camera, display, history; each problem with its fix."""
    from formcheck.doctor import formcheck_version, run_checks

    checks = run_checks()
    failed = [c for c in checks if c.status == "fail"]
    if as_json:
        typer.echo(json.dumps({"formcheck": formcheck_version(), "checks": [c.to_dict() for c in checks]}, indent=2))
    else:
        out.print(f"formcheck {formcheck_version()}", highlight=False)
        width = max(len(c.name) for c in checks)
        for c in checks:
            fix = f" [dim]->[/dim] fix: {c.fix}" if c.fix else ""
            out.print(f"{MARKS[c.status]}  {c.name:<{width}}  {c.detail}{fix}", highlight=False, soft_wrap=True)
        warned = sum(c.status == "warn" for c in checks)
        out.print(f"{len(failed)} failed, {warned} warnings, {len(checks) - len(failed) - warned} ok", highlight=False)
    if failed:
        raise typer.Exit(1)
