"""What every ``formcheck`` command shares: the consoles, error handling, and the options that repeat.

Every error meant for the user is one line and a non-zero exit (2 for bad input); a traceback
only with ``--debug``, which the app's callback switches on through `set_debug`.
"""

from __future__ import annotations

import functools
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from formcheck.errors import FormcheckError, InputError

#: Tables and results (stdout); tests may swap it for a narrower console.
out = Console()
#: Progress, prompts and warnings (stderr), so ``--json`` output stays clean.
err = Console(stderr=True)
_state = {"debug": False}


def set_debug(on: bool) -> None:
    """``--debug``: let internal errors through with their traceback."""
    _state["debug"] = on


def debug_on() -> bool:
    return _state["debug"]


class Model(str, Enum):
    lite = "lite"
    full = "full"
    heavy = "heavy"


class LiveModel(str, Enum):
    lite = "lite"
    full = "full"


# Options several commands take, written once so their help reads the same everywhere.
ExerciseFileOption = Annotated[Optional[Path], typer.Option("--exercise-file", help="A custom exercise TOML file.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing report.")]
DbOption = Annotated[Optional[Path], typer.Option("--db", help="History database (default: $FORMCHECK_DB or "
                                                               "~/.local/share/formcheck/history.sqlite3).")]


def friendly_errors(fn):
    """Turn user-facing errors into one line and an exit code; hide tracebacks unless --debug."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as exc:
            typer.echo(f"formcheck: {exc}", err=True)
            raise typer.Exit(2)
        except FormcheckError as exc:
            typer.echo(f"formcheck: {exc}", err=True)
            raise typer.Exit(1)
        except KeyboardInterrupt:
            typer.echo("formcheck: interrupted", err=True)
            raise typer.Exit(130)
        except Exception as exc:  # noqa: BLE001 - last line of defence for the user
            if debug_on():
                raise
            typer.echo(f"formcheck: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                       err=True)
            raise typer.Exit(1)

    return wrapper


def load_exercise(exercise: str | None, exercise_file: Path | None):
    """The exercise from --exercise ID or --exercise-file; neither is bad input, not a crash."""
    from formcheck.rules.exercise import get_exercise, load_exercise_file

    if exercise_file is not None:
        return load_exercise_file(exercise_file)
    if not exercise:
        raise InputError("choose an exercise with --exercise ID (see 'formcheck exercises') or --exercise-file")
    return get_exercise(exercise)
