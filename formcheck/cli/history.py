"""``formcheck history`` and ``formcheck progress``: the recorded sessions, and how they change week by week."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from formcheck.cli.common import DbOption, friendly_errors, out
from formcheck.errors import InputError


def _catalogue_entry(exercise_id: str):
    """The built-in exercise, or None for a custom one (--exercise-file) the catalogue does not know."""
    from formcheck.rules.exercise import get_exercise

    try:
        return get_exercise(exercise_id)
    except Exception:  # noqa: BLE001 - a custom exercise is not in the catalogue
        return None


def _short_path(path: Optional[str]) -> str:
    """A report folder as short as it can be said: relative to here, or from ~."""
    if not path:
        return "-"
    p = Path(path)
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        if base == Path(base.anchor):
            continue  # relative to / is no shorter, only more confusing
        try:
            return prefix + str(p.relative_to(base))
        except ValueError:
            continue
    return path


@friendly_errors
def history_command(
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Only this exercise id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sessions as JSON.")] = False,
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show the last N sessions.")] = 20,
) -> None:
    """List the recorded sessions, newest first: reps per side, holds (longest), range of motion, faults, report folder."""
    from formcheck.history.store import list_sessions, resolve_db_path

    sessions = list(reversed(list_sessions(db, exercise, limit)))
    if as_json:
        print(json.dumps([s.to_dict() for s in sessions], indent=1))
        return
    if not sessions:
        what = f"no {exercise} sessions" if exercise else "no sessions"
        out.print(f"{what} in the history yet ({resolve_db_path(db)}): 'formcheck analyze' and 'formcheck live' "
                  "add them", highlight=False)
        return
    _print_sessions(sessions, exercise)


def _print_sessions(sessions: list, exercise: Optional[str]) -> None:
    """A row per session; the figures never wrap, so a narrow terminal folds only the names and the path."""
    from rich import box

    from formcheck.history.progress import rom_text

    table = Table(title=f"formcheck history{': ' + exercise if exercise else ''} (last {len(sessions)})",
                  box=box.SIMPLE_HEAD)
    # Figures stay whole; the exercise and the path fold. No min_width: a table wider than the
    # terminal has the last character of every line cropped (the path lost a letter a line).
    for col in ("date", "exercise", "reps L/R", "holds", "ROM (best)", "faults", "report"):
        table.add_column(col, **({"overflow": "fold"} if col in ("exercise", "report") else {"no_wrap": True}))
    for s in sessions:
        f = s.figures
        reps = f"{f.reps_left}/{f.reps_right}" if f.reps_left or f.reps_right else str(f.rep_count)
        faults = str(f.fault_count) + ("" if f.fault_rate is None else f" ({100 * f.fault_rate:.0f}%)")
        holds = "-" if not f.hold_count else f"{f.hold_count} ({f.hold_s_longest:.1f} s)"
        table.add_row(s.performed_at.strftime("%Y-%m-%d"), f.exercise + (" (live)" if f.mode == "live" else ""),
                      reps, holds, rom_text(s), faults, _short_path(s.report_dir))
    out.print(table)


@friendly_errors
def progress(
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck history').")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: "
                                                                          "./formcheck-progress/<exercise>).")] = None,
    db: DbOption = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=520, help="How many weeks back to show.")] = 12,
) -> None:
    """Plot range of motion, reps, holds and fault rate over time (progress.png, progress.html) and sessions a week."""
    from datetime import date

    from formcheck.history.progress import write_progress
    from formcheck.history.store import session_days

    today = date.today()
    sessions = _recent_sessions(exercise, db, weeks, today)
    target = out_dir or Path("formcheck-progress") / exercise
    ex = _catalogue_entry(exercise)
    dose = ex.dosage if ex is not None else None
    try:
        files = write_progress(sessions, ex.name if ex is not None else exercise, session_days(db), target, today,
                               weeks, reps_target=dose.reps if dose else None,
                               hold_target_s=dose.hold_s if dose and ex.kind == "hold" else None)
    except OSError as exc:
        raise InputError(f"cannot write to the output folder {target}: {exc.strerror or exc}") from None
    for line in files.summary:
        out.print(line, highlight=False)
    for w in files.weeks:
        colour = "green" if w.met else "default" if w.so_far else "yellow"
        out.print(f"[{colour}]{w.sentence(today)}[/{colour}]", highlight=False)
    out.print(f"Progress: {files.html} (and {files.png.name})", highlight=False)


def _recent_sessions(exercise: str, db: Optional[Path], weeks: int, today) -> list:
    """The exercise's sessions of the last `weeks` weeks; when there are none, bad input that says why."""
    from datetime import timedelta

    from formcheck.history.progress import day_text, week_start
    from formcheck.history.store import list_sessions, resolve_db_path

    recorded = list_sessions(db, exercise)
    if not recorded and _catalogue_entry(exercise) is None:  # a typo, not an exercise not done yet
        raise InputError(f"unknown exercise '{exercise}', and no sessions of it in the history: run 'formcheck "
                         "history' for the recorded ones, 'formcheck exercises' for the catalogue")
    if not recorded:
        raise InputError(f"no {exercise} sessions in the history ({resolve_db_path(db)}): record one with "
                         f"'formcheck analyze VIDEO --exercise {exercise}' or 'formcheck live'")
    since = week_start(today) - timedelta(weeks=weeks - 1)
    sessions = [s for s in recorded if s.day >= since]
    if not sessions:
        raise InputError(f"no {exercise} sessions in the last {weeks} weeks (the last was on "
                         f"{day_text(recorded[-1].day)}): use --weeks N to look further back")
    return sessions
