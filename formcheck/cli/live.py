"""``formcheck live`` and ``formcheck routine``: coaching in front of a webcam, one set or a whole programme."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from formcheck.cli.common import (DbOption, ExerciseFileOption, ForceOption, LiveModel, err, friendly_errors,
                                  load_exercise, out)
from formcheck.cli.history_writer import HistoryWriter
from formcheck.cli.tables import print_report, print_report_location
from formcheck.errors import InputError

# Options ``live`` and ``routine`` both take.
CameraOption = Annotated[Optional[int], typer.Option("--camera", help="Webcam number (default 0).")]
SourceOption = Annotated[Optional[str], typer.Option("--source", help="A video file (played as a camera) or a stream URL.")]
LiveModelOption = Annotated[LiveModel, typer.Option(help="Pose model: lite (default, fastest) or full.")]
NoWindowOption = Annotated[bool, typer.Option("--no-window", help="No window (reports and sounds only).")]
FastOption = Annotated[bool, typer.Option("--fast", help="Play a --source file as fast as possible, not in real time.")]
NoSoundOption = Annotated[bool, typer.Option("--no-sound", help="No beeps.")]


def _need_display(no_window: bool) -> None:
    """Without a display OpenCV's window aborts the process (Qt: no platform plugin): say so first."""
    if not no_window and sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                                    or os.environ.get("WAYLAND_DISPLAY")):
        raise InputError("no display to show the window on (DISPLAY is not set): add --no-window")


def _camera_ready(camera: Optional[int], source: Optional[str], no_window: bool, model: LiveModel) -> int | str:
    """What to open (--source, else --camera, else webcam 0), once nothing can fail after the camera is on."""
    from formcheck.pose.estimator import model_path

    if camera is not None and source is not None:
        raise InputError("choose either --camera or --source, not both")
    _need_display(no_window)
    model_path(model.value)  # fail now if the model is missing, before opening the camera
    return source if source is not None else (camera if camera is not None else 0)


# --- issue 4: live coaching ----------------------------------------------------------------
@friendly_errors
def live(
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck exercises'), or auto to recognise it (and each next one) from the movement.")] = None,
    exercise_file: ExerciseFileOption = None,
    camera: CameraOption = None,
    source: SourceOption = None,
    model: LiveModelOption = LiveModel.lite,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: ./formcheck-live/<time>).")] = None,
    no_window: NoWindowOption = False,
    record: Annotated[bool, typer.Option("--record", help="Also save the camera video (live.webm).")] = False,
    fast: FastOption = False,
    speech: Annotated[bool, typer.Option("--speech", help="Speak the cues (needs espeak-ng or pyttsx3).")] = False,
    no_sound: NoSoundOption = False,
    force: ForceOption = False,
    # --- issue 9: history options ---
    db: DbOption = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this session in the history.")] = False,
    # --- end issue 9 ---
) -> None:
    """Coach a set live from a webcam: setup check, overlay, beeps; the report is written when you stop."""
    from datetime import datetime

    from formcheck.analyze.video import prepare_out_dir
    from formcheck.live.loop import run_live

    ex = None if exercise == "auto" and exercise_file is None else load_exercise(exercise, exercise_file)
    spec = _camera_ready(camera, source, no_window, model)
    target = prepare_out_dir(out_dir or Path("formcheck-live") / datetime.now().strftime("%Y%m%d-%H%M%S"), force)
    if ex is None:  # issue 17: --exercise auto
        _live_auto(spec, target, model.value, not no_window, record, fast, not no_sound, speech,
                   HistoryWriter(db, no_history))
        return
    if not no_window:
        err.print("Keys: q/Esc quit, space pause, s switch side, r reset the set.")
    started_at = _performed_at(source)  # issue 9: dated by its start; issue 17: a --source file by the file
    report = run_live(spec, ex, model=model.value, out_dir=target, show_window=not no_window, record=record,
                      fast=fast, sound=not no_sound, speech=speech)
    HistoryWriter(db, no_history).record_live(report, target, started_at)  # issue 9
    print_report(report)
    print_report_location(target)
# --- end issue 4 ---


# --- issue 17: live --exercise auto --------------------------------------------------------
def _live_auto(spec, target: Path, model: str, window: bool, record: bool, fast: bool, sound: bool, speech: bool,
               history: HistoryWriter) -> None:
    """Sets that follow the recognised exercise; each set's report goes into the history like a live session."""
    from datetime import datetime, timedelta

    from formcheck.live.auto_loop import SETS_NAME, run_live_auto

    if window:
        err.print("Keys: q/Esc quit, space pause, s switch side, r reset the set; 1/2/3 pick the exercise when asked.")
    started_at = datetime.now().astimezone()
    summary = run_live_auto(spec, model=model, out_dir=target, show_window=window, record=record, fast=fast,
                            sound=sound, speech=speech)
    for row, report in zip(summary["sets"], summary["reports"]):  # each set dated by its own start
        history.record_live(report, target / Path(row["report"]).parent,
                            started_at + timedelta(seconds=max(row["start_s"], 0.0)))
    if not summary["sets"]:
        out.print("No exercise was recognised: start it in view of the camera, or name it with --exercise ID.")
    table = Table(title=f"{len(summary['sets'])} sets recognised")
    for col in ("set", "exercise", "side", "from", "to", "reps", "hold", "faults", "report"):
        table.add_column(col, overflow="fold")
    for r in summary["sets"]:
        faults = ", ".join(f"{k} x{n}" for k, n in (r["faults"] or {}).items()) or "-"
        table.add_row(str(r["set"]), r["name"], r["side"] or "-", f"{r['start_s']:.0f} s", f"{r['end_s']:.0f} s",
                      str(r["reps"]), f"{r['hold_s']:.1f} s", faults, r["report"] or "-")
    out.print(table)
    out.print(f"Summary: {target / SETS_NAME}")
# --- end issue 17 ---


# --- issue 9: routines ---------------------------------------------------------------------
@friendly_errors
def routine(
    name: Annotated[Optional[str], typer.Argument(help="Routine id (see 'formcheck routines').")] = None,
    routine_file: Annotated[Optional[Path], typer.Option("--routine-file", help="A custom routine TOML file.")] = None,
    camera: CameraOption = None,
    source: SourceOption = None,
    model: LiveModelOption = LiveModel.lite,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: ./formcheck-routine/<time>).")] = None,
    no_window: NoWindowOption = False,
    fast: FastOption = False,
    speech: Annotated[bool, typer.Option("--speech", help="Speak the prompts and cues (needs espeak-ng or pyttsx3).")] = False,
    no_sound: NoSoundOption = False,
    force: ForceOption = False,
    db: DbOption = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record these sets in the history.")] = False,
    follow: Annotated[bool, typer.Option("--follow", help="Recognise what you do: move on when the next planned exercise is recognised, and say when something else is done.")] = False,
) -> None:
    """Coach a whole routine live: exercise after exercise, both sides, the article's dosage, rests; one combined report."""
    from formcheck.live.routine_loop import run_routine

    chosen = _chosen_routine(name, routine_file)
    spec = _camera_ready(camera, source, no_window, model)
    target = _routine_folder(out_dir, force)
    if not no_window:
        err.print("Keys: q/Esc quit, space pause, n next (skip the set or the rest), s switch side, r reset the set.")
    started_at = _performed_at(source)  # issue 17: a routine played from a file is dated by the file
    report = run_routine(spec, chosen, model=model.value, out_dir=target, show_window=not no_window, fast=fast,
                         sound=not no_sound, speech=speech, follow=follow)
    _record_routine_sets(report, target, HistoryWriter(db, no_history), started_at)
    _print_routine_report(report)
    out.print(f"Report: {target / 'routine_report.html'}")


def _performed_at(source: Optional[str]):
    """When the exercise was done: a --source file's recording time (as analyze dates a video), else now."""
    from datetime import datetime

    from formcheck.history.store import recording_time

    if source is not None and Path(source).is_file():
        return recording_time(source)
    return datetime.now().astimezone()


def _chosen_routine(name: Optional[str], routine_file: Optional[Path]):
    """A built-in routine by id, or the user's own from --routine-file: exactly one of the two."""
    from formcheck.live.routine import get_routine, load_routine_file

    if routine_file is not None and name is not None:
        raise InputError("choose either a routine id or --routine-file, not both")
    if routine_file is None and not name:
        raise InputError("choose a routine: formcheck routine ID (see 'formcheck routines') or --routine-file FILE")
    return load_routine_file(routine_file) if routine_file is not None else get_routine(name)


def _routine_folder(out_dir: Optional[Path], force: bool) -> Path:
    """The routine's report folder; an earlier routine report there is kept unless --force."""
    from datetime import datetime

    from formcheck.analyze.video import prepare_out_dir
    from formcheck.report.routine_page import JSON_NAME

    target = out_dir or Path("formcheck-routine") / datetime.now().strftime("%Y%m%d-%H%M%S")
    if (Path(target) / JSON_NAME).exists() and not force:
        raise InputError(f"{Path(target) / JSON_NAME} already exists: use --force to overwrite it or --out "
                         "to choose another folder")
    return prepare_out_dir(target, force=True)


def _record_routine_sets(report: dict, target: Path, history: HistoryWriter, started_at) -> None:
    """Each set that was started goes into the history like a live session of its exercise."""
    for entry in report["sets"]:
        if not entry.get("report"):
            continue
        path = target / entry["report"]
        try:
            set_report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        history.record_live(set_report, path.parent, started_at)


def _print_routine_report(report: dict) -> None:
    """A row per set: what was asked, what was done, faults, and whether it was completed, skipped or stopped."""
    from formcheck.report.routine_page import done_text, target_text

    s = report["summary"]
    table = Table(title=f"{report['routine']['name']}: {s['completed']} of {s['sets']} sets completed")
    for col in ("step", "exercise", "side", "target", "done", "faults", "status"):
        table.add_column(col, overflow="fold")
    for e in report["sets"]:
        faults = ", ".join(f"{k} x{n}" for k, n in e["faults"].items()) or "-"
        status = e["status"] + (f" ({e['reason']})" if e["reason"] else "")
        table.add_row(str(e["step"]), e["exercise_name"], e["side"] or "-", target_text(e["target"]), done_text(e),
                      faults, status)
    out.print(table)
# --- end issue 9 ---
