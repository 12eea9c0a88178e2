"""The ``formcheck`` command line.

Every error meant for the user is one line and a non-zero exit (2 for bad input); a
traceback only with ``--debug``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")  # quiet FFmpeg; must precede the first cv2 import
os.environ.setdefault("GLOG_minloglevel", "2")  # quiet MediaPipe's start-up chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import typer
from rich.console import Console
from rich.table import Table

from .errors import FormcheckError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Pose-tracking form checker for hip rehabilitation exercises.")
out = Console()
err = Console(stderr=True)
_state = {"debug": False}


class Model(str, Enum):
    lite = "lite"
    full = "full"
    heavy = "heavy"


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
            if _state["debug"]:
                raise
            typer.echo(f"formcheck: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                       err=True)
            raise typer.Exit(1)

    return wrapper


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


def _load_exercise(exercise: str | None, exercise_file: Path | None):
    from .exercise import get_exercise, load_exercise_file

    if exercise_file is not None:
        return load_exercise_file(exercise_file)
    if not exercise:
        raise InputError("choose an exercise with --exercise ID (see 'formcheck exercises') or --exercise-file")
    return get_exercise(exercise)


@app.command()
@friendly_errors
def exercises(as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as JSON.")] = False) -> None:
    """List the exercises formcheck knows, with camera view and dosage."""
    from .exercise import builtin_exercises

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


def _print_report(report: dict) -> None:
    table = Table(title=f"{report['exercise_name']}: {report['summary']['rep_count']} reps")
    for col in ("rep", "side", "start", "duration", "ROM", "peak", "hold", "faults"):
        table.add_column(col, overflow="fold")
    for r in report["reps"]:
        table.add_row(str(r["index"]), r["side"] or "-", f"{r['start_s']:.1f} s", f"{r['duration_s']:.1f} s",
                      f"{r['rom_deg']:.0f}°", f"{r['peak_value']:.0f}°", f"{r['hold_s']:.1f} s",
                      "; ".join(f["cue"] for f in r["faults"]) or "good form")
    out.print(table)
    s = report["summary"]
    for h in report["holds"]:
        if report["kind"] == "hold":
            out.print(f"Hold {h['start_s']:.1f}-{h['end_s']:.1f} s: {h['duration_s']:.1f} s")
    for line in s["dosage"]["verdict"]:
        out.print(f"[bold]Dosage:[/bold] {line}")
    for line in s["went_well"]:
        out.print(f"[green]Went well:[/green] {line}")
    for line in s["to_fix"]:
        out.print(f"[yellow]To fix:[/yellow] {line}")
    for line in report["tracking"]["warnings"]:
        out.print(f"[red]Tracking:[/red] {line}")


@app.command()
@friendly_errors
def analyze(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, mov, avi, webm, GIF) or a folder of images.")],
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck exercises').")] = None,
    exercise_file: Annotated[Optional[Path], typer.Option("--exercise-file", help="A custom exercise TOML file.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: next to the video).")] = None,
    model: Annotated[Model, typer.Option(help="Pose model: full (default), lite (faster), heavy.")] = Model.full,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing report.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json to stdout instead of a table.")] = False,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated video (faster).")] = False,
) -> None:
    """Analyse a recorded exercise video: count reps, time holds, flag faults, write the report (HTML, JSON, CSV)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from .pipeline import analyze_video, default_out_dir, prepare_out_dir
    from .pose import model_path

    ex = _load_exercise(exercise, exercise_file)
    if not video.exists():
        raise InputError(f"no such file: {video}")
    model_path(model.value)  # fail now if the model is missing, before any work
    target = prepare_out_dir(out_dir or default_out_dir(video), force)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed} frames"), TimeRemainingColumn(), console=err,
                  transient=True, disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task(f"Analysing {video.name}", total=None)

        def on_frame(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        analysis = analyze_video(video, ex, target, model.value, on_frame, video_out=not no_video)
    if as_json:
        print(json.dumps(analysis.report, indent=1))
        return
    _print_report(analysis.report)
    html = target / "report.html"
    out.print(f"Report: {html if html.exists() else target / 'report.json'}")


def run() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
