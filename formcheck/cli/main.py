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

from formcheck.errors import FormcheckError, InputError

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
    from formcheck.rules.exercise import get_exercise, load_exercise_file

    if exercise_file is not None:
        return load_exercise_file(exercise_file)
    if not exercise:
        raise InputError("choose an exercise with --exercise ID (see 'formcheck exercises') or --exercise-file")
    return get_exercise(exercise)


@app.command()
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


def _deg(value) -> str:
    return "-" if value is None else f"{value:.0f}°"


def _print_report(report: dict) -> None:
    table = Table(title=f"{report['exercise_name']}: {report['summary']['rep_count']} reps")
    for col in ("rep", "side", "start", "duration", "ROM", "peak", "hold", "faults"):
        table.add_column(col, overflow="fold")
    for r in report["reps"]:
        table.add_row(str(r["index"]), r["side"] or "-", f"{r['start_s']:.1f} s", f"{r['duration_s']:.1f} s",
                      _deg(r["rom_deg"]), _deg(r["peak_value"]), f"{r['hold_s']:.1f} s",
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
    videos: Annotated[list[Path], typer.Argument(  # issue 8: several videos, a folder of videos or a glob = batch
        help="Video file (mp4, mov, avi, webm, GIF) or a folder of images; several videos, a folder of "
             "videos or a quoted glob (\"clips/*.mp4\") analyse each into --out/<name>/.")],
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck exercises'), or auto to recognise it.")] = None,
    exercise_file: Annotated[Optional[Path], typer.Option("--exercise-file", help="A custom exercise TOML file.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: next to the video; for a batch, "
                                                                          "<folder>-formcheck or ./formcheck-batch).")] = None,
    model: Annotated[Model, typer.Option(help="Pose model: full (default), lite (faster), heavy.")] = Model.full,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing report.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json to stdout instead of a table.")] = False,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated video (faster).")] = False,
    # --- issue 8: stride and batch options ---
    stride: Annotated[int, typer.Option("--stride", min=1, max=30,
                                        help="Analyse every Nth frame only (faster; timestamps stay the video's).")] = 1,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=256,
                                      help="Batch: videos analysed at once, in worker processes.")] = 1,
    ray: Annotated[Optional[str], typer.Option("--ray", help="Batch on a Ray cluster: auto, local or an address "
                                                              "(needs the ray extra: pip install formcheck\\[ray]).")] = None,
    # --- end issue 8 ---
    # --- issue 9: history options ---
    db: Annotated[Optional[Path], typer.Option("--db", help="History database (default: $FORMCHECK_DB or "
                                                            "~/.local/share/formcheck/history.sqlite3).")] = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this session in the history.")] = False,
    performed_on: Annotated[Optional[str], typer.Option("--date", help="When the exercise was done, for the history: "
                                                                       "YYYY-MM-DD (default: the video file's time).")] = None,
    # --- end issue 9 ---
) -> None:
    """Analyse a recorded exercise video: count reps, time holds, flag faults, write the report (HTML, JSON, CSV)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from formcheck.analyze.video import analyze_video, default_out_dir, prepare_out_dir
    from formcheck.pose.estimator import model_path
    from formcheck.io.video import open_source

    # --- issue 9: recognition ---
    history = _HistoryWriter(db, no_history, performed_on)  # issue 9: before any work, so a bad --date fails fast
    if exercise == "auto" and exercise_file is None:
        _analyze_auto(videos, out_dir, model.value, force, as_json, no_video, stride, history)
        return
    # --- end issue 9 ---
    ex = _load_exercise(exercise, exercise_file)
    # --- issue 8: batch ---
    from formcheck.analyze.batch import is_batch_input

    if ray is not None or is_batch_input(videos):
        model_path(model.value)  # fail now if the model is missing, before any work
        _analyze_batch(videos, ex, out_dir, model.value, force, as_json, no_video, stride, jobs, ray,
                       on_done=history.record_row)  # issue 9
        return
    video = videos[0]
    # --- end issue 8 ---
    if not video.exists():
        raise InputError(f"no such file: {video}")
    with open_source(video):  # a bad input fails here, before the output folder is made
        pass
    model_path(model.value)  # fail now if the model is missing, before any work
    target = prepare_out_dir(out_dir or default_out_dir(video), force)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed} frames"), TimeRemainingColumn(), console=err,
                  transient=True, disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task(f"Analysing {video.name}", total=None)

        def on_frame(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        video_task = progress.add_task("Writing the annotated video", total=None, visible=False)

        def on_video_frame(done: int, total: int | None) -> None:
            progress.update(video_task, completed=done, total=total, visible=True)

        analysis = analyze_video(video, ex, target, model.value, on_frame, video_out=not no_video,
                                 video_progress=on_video_frame, stride=stride)  # issue 8: stride
    history.record(analysis.report, target, video)  # issue 9: after the report is written; never fails the run
    if as_json:
        print(json.dumps(analysis.report, indent=1))
        return
    _print_report(analysis.report)
    html = target / "report.html"
    out.print(f"Report: {html if html.exists() else target / 'report.json'}")


# --- issue 9: recognition ---
def _analyze_auto(videos: list[Path], out_dir: Optional[Path], model: str, force: bool, as_json: bool,
                  no_video: bool, stride: int, history: "_HistoryWriter | None" = None) -> None:
    """--exercise auto: recognise the exercise (or the sets of several) and report each set (each into the history)."""
    from formcheck.analyze.auto import SETS_NAME, analyze_auto
    from formcheck.analyze.video import default_out_dir, prepare_out_dir
    from formcheck.pose.estimator import model_path

    if len(videos) != 1 or videos[0].is_dir() and any(videos[0].glob("*.mp4")):
        raise InputError("--exercise auto takes one video at a time: run it once per video")
    video = videos[0]
    if not video.exists():
        raise InputError(f"no such file: {video}")
    model_path(model)
    target = prepare_out_dir(out_dir or default_out_dir(video), force)
    with err.status(f"Analysing {video.name}", spinner="dots") if err.is_terminal and not as_json else _nothing():
        auto = analyze_auto(video, target, model, force=force, video_out=not no_video, stride=stride)
    for report, folder in zip(auto.reports, auto.out_dirs):
        if history is not None:
            history.record(report, folder, video)
    if as_json:
        print(json.dumps(auto.reports[0] if len(auto.reports) == 1 else auto.summary, indent=1))
        return
    if len(auto.reports) == 1:
        _print_report(auto.reports[0])
        out.print(auto.reports[0]["recognition"]["text"], highlight=False)
        html = target / "report.html"
        out.print(f"Report: {html if html.exists() else target / 'report.json'}")
        return
    table = Table(title=f"{video.name}: {len(auto.reports)} sets recognised")
    for col in ("set", "exercise", "side", "from", "to", "confidence", "reps", "hold", "faults"):
        table.add_column(col, overflow="fold")
    for row in auto.summary["sets"]:
        table.add_row(str(row["set"]), row["name"], row["side"] or "-", f"{row['start_s']:.0f} s",
                      f"{row['end_s']:.0f} s", f"{row['confidence']:.2f}", str(row["reps"]), f"{row['hold_s']:.0f} s",
                      ", ".join(f"{k} x{v}" for k, v in row["faults"].items()) or "-")
    out.print(table)
    out.print(f"Summary: {target / SETS_NAME}; reports in {target}/set<N>-<exercise>/")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
# --- end issue 9 ---


# --- issue 8: batch analysis ---
def _analyze_batch(videos: list[Path], ex, out_dir: Optional[Path], model: str, force: bool, as_json: bool,
                   no_video: bool, stride: int, jobs: int, ray: Optional[str], on_done=None) -> None:
    """Many videos: one report folder each under --out, a summary table, batch_summary.json/.csv."""
    from formcheck.analyze.batch import default_batch_out, find_videos, run_batch, summary_lines

    clips = find_videos(videos)
    target = out_dir or default_batch_out(videos)
    where = f"Ray ({ray})" if ray else f"{min(jobs, len(clips))} process{'es' if min(jobs, len(clips)) > 1 else ''}"
    if not as_json:
        err.print(f"Analysing {len(clips)} video{'s' if len(clips) != 1 else ''} with {where} into {target}")
    finished = [0]

    def on_row(row) -> None:
        if on_done is not None:  # issue 9: each finished video into the history, from this process
            on_done(row)
        finished[0] += 1
        if not as_json:
            mark = "ok" if row.status == "ok" else "FAILED"
            err.print(f"[{finished[0]}/{len(clips)}] {mark} {row.video} ({row.seconds or 0:.1f} s)", highlight=False)

    rows = run_batch(clips, ex, target, model=model, jobs=jobs, video_out=not no_video, stride=stride,
                     force=force, ray=ray, on_row=on_row)
    failed = summary_lines(rows)
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], indent=1))
    else:
        table = Table(title=f"formcheck batch: {len(rows) - len(failed)} of {len(rows)} analysed")
        for col in ("video", "reps", "faults", "warnings", "status"):
            table.add_column(col, overflow="fold")
        def cell(value) -> str:
            return "-" if value is None else str(value)

        for r in rows:
            table.add_row(r.video, cell(r.reps), cell(r.faults), cell(r.warnings),
                          "ok" if r.status == "ok" else "[red]failed[/red]")
        out.print(table)
        for line in failed:
            out.print(f"[red]Failed:[/red] {line}", highlight=False)
        out.print(f"Summary: {Path(target) / 'batch_summary.csv'} (and .json); reports in {target}/<video name>/")
    if failed:
        raise typer.Exit(1)
# --- end issue 8 ---


@app.command("eval")
@friendly_errors
def eval_command(
    folder: Annotated[Path, typer.Argument(help="Folder with labels.json and/or *.truth.json and the clips.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    model: Annotated[Model, typer.Option(help="Pose model.")] = Model.full,
    cache: Annotated[Optional[Path], typer.Option(help="Reuse landmark tracks cached in this folder.")] = None,
    min_exact: Annotated[Optional[float], typer.Option(help="Fail below this exact-count rate.")] = None,
    min_precision: Annotated[Optional[float], typer.Option(help="Fail below this fault precision.")] = None,
    min_recall: Annotated[Optional[float], typer.Option(help="Fail below this fault recall.")] = None,
    max_hold_error: Annotated[Optional[float], typer.Option(help="Fail above this mean hold error (s).")] = None,
) -> None:
    """Measure accuracy on labelled clips: counts, holds, faults; exits 1 below the thresholds."""
    from formcheck.analyze.evaluate import check_thresholds, evaluate_folder
    from formcheck.rules.exercise import get_exercise
    from formcheck.pose.landmarks import PoseTrack
    from formcheck.analyze.track import analyze_track
    from formcheck.analyze.video import track_video
    from formcheck.report.build import build_report

    def analyse(label: dict) -> dict:
        video = Path(label["_file"])
        cached = cache / f"{video.name}.{model.value}.npz" if cache else None
        if cached is not None and cached.exists() and cached.stat().st_mtime >= video.stat().st_mtime:
            track = PoseTrack.from_npz(cached)
        else:
            track, _ = track_video(video, model.value)
            if cached is not None:
                cache.mkdir(parents=True, exist_ok=True)
                track.to_npz(cached)
        return build_report(analyze_track(get_exercise(label["exercise"]), track), str(video), model.value)

    def on_clip(score) -> None:
        if not as_json:
            mark = "[green]ok[/green]  " if score.exact and not score.misses else "[red]miss[/red]"
            out.print(f"{mark} {score.path}: {score.counted}/{score.expected} reps"
                      + (f" — {'; '.join(score.misses)}" if score.misses else ""), highlight=False)

    summary = evaluate_folder(folder, analyse, on_clip)
    failed = check_thresholds(summary, min_exact, min_precision, min_recall, max_hold_error)
    if as_json:
        print(json.dumps(summary, indent=1))
    else:
        table = Table(title=f"formcheck eval {folder}")
        cols = ("clips", "exact_count_rate", "count_mae", "obo_rate", "hold_error_s", "fault_precision", "fault_recall")
        table.add_column("exercise")
        for c in cols:
            table.add_column(c.replace("_", " "))
        rows = list(summary["per_exercise"].items()) + [("overall", summary["overall"])]
        for name, figs in rows:
            table.add_row(name, *("-" if figs[c] is None else str(figs[c]) for c in cols))
        out.print(table)
    if failed:
        typer.echo(f"formcheck eval: below threshold: {'; '.join(failed)}", err=True)
        raise typer.Exit(1)


def _parse_fault(text: str):
    """'code' or 'code@2,3' (the reps it is acted on) -> FaultInjection."""
    from formcheck.synth.motion import FaultInjection

    code, _, reps = text.partition("@")
    try:
        rep_list = tuple(int(r) for r in reps.split(",") if r.strip())
    except ValueError:
        raise InputError(f"--fault {text!r}: write CODE or CODE@REP,REP (e.g. torso_rotation@2,3)") from None
    return FaultInjection(code.strip(), rep_list)


@app.command()
@friendly_errors
def synth(
    exercise: Annotated[str, typer.Argument(help="Exercise id with a motion script.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    reps: Annotated[int, typer.Option(min=0, max=100)] = 4,
    side: Annotated[str, typer.Option(help="left or right")] = "left",
    fault: Annotated[Optional[list[str]], typer.Option(help="Fault to act out: CODE or CODE@REP,REP (repeatable).")] = None,
    hold: Annotated[float, typer.Option(help="Hold at the top of each rep, seconds.", min=0, max=120)] = 0.0,
    tempo: Annotated[float, typer.Option(help="Seconds to lift (and to lower).", min=0.2, max=10)] = 0.9,
    rom: Annotated[float, typer.Option(help="Range of motion scale (1 = clean).", min=0.1, max=2)] = 1.0,
    view: Annotated[str, typer.Option(help="recommended | front | side | oblique | feet")] = "recommended",
    distance: Annotated[float, typer.Option(help="Camera distance, metres.", min=0.5, max=20)] = 2.6,
    height: Annotated[Optional[float], typer.Option("--camera-height", help="Lens height, metres.")] = None,
    skin: Annotated[str, typer.Option(help="Skin tone name.")] = "medium",
    width: Annotated[int, typer.Option(min=64, max=3840)] = 640,
    image_height: Annotated[int, typer.Option("--image-height", min=64, max=2160)] = 480,
    fps: Annotated[float, typer.Option(min=1, max=120)] = 24.0,
    noise: Annotated[float, typer.Option(help="Sensor noise (grey levels).", min=0, max=50)] = 2.0,
    blur: Annotated[float, typer.Option(help="Blur, pixels.", min=0, max=20)] = 0.0,
    jpeg: Annotated[Optional[int], typer.Option(help="JPEG quality of each frame (compression artefacts).")] = 80,
    seed: Annotated[int, typer.Option()] = 0,
    name: Annotated[Optional[str], typer.Option(help="Clip name (default from the settings).")] = None,
) -> None:
    """Render a labelled synthetic exercise clip (needs the synth extra) with its ground truth."""
    from rich.progress import Progress

    from formcheck.synth.clip import ClipSpec, Realism, render_clip
    from formcheck.synth.generate import CameraSpec
    from formcheck.synth.motion import MotionScript, motion_for

    try:
        motion_for(exercise)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if side not in ("left", "right"):
        raise InputError("--side must be left or right")
    faults = tuple(_parse_fault(f) for f in (fault or []))
    script = MotionScript(exercise, reps=reps, side=side, faults=faults, hold_s=hold, rise_s=tempo,
                          lower_s=tempo, rom_scale=rom, fps=fps, seed=seed)
    camera = CameraSpec(view=view, distance_m=distance, height_m=height, width=width, height=image_height)
    clip_name = name or f"{exercise}_{side}_{'_'.join(f.code for f in faults) or 'clean'}"
    spec = ClipSpec(clip_name, script, camera, skin=skin, realism=Realism(noise, blur, jpeg))
    try:
        from formcheck.synth.generate import place_camera
        from formcheck.synth.motion import perform

        place_camera(perform(script), camera)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"Rendering {clip_name}", total=None)
        video = render_clip(spec, out_dir, lambda done, total: progress.update(task, completed=done, total=total))
    out.print(f"Wrote {video} and {video.with_suffix('').name}.truth.json")


# --- issue 4: live coaching ----------------------------------------------------------------
class LiveModel(str, Enum):
    lite = "lite"
    full = "full"


@app.command()
@friendly_errors
def live(
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck exercises').")] = None,
    exercise_file: Annotated[Optional[Path], typer.Option("--exercise-file", help="A custom exercise TOML file.")] = None,
    camera: Annotated[Optional[int], typer.Option("--camera", help="Webcam number (default 0).")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="A video file (played as a camera) or a stream URL.")] = None,
    model: Annotated[LiveModel, typer.Option(help="Pose model: lite (default, fastest) or full.")] = LiveModel.lite,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: ./formcheck-live/<time>).")] = None,
    no_window: Annotated[bool, typer.Option("--no-window", help="No window (reports and sounds only).")] = False,
    record: Annotated[bool, typer.Option("--record", help="Also save the camera video (live.webm).")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="Play a --source file as fast as possible, not in real time.")] = False,
    speech: Annotated[bool, typer.Option("--speech", help="Speak the cues (needs espeak-ng or pyttsx3).")] = False,
    no_sound: Annotated[bool, typer.Option("--no-sound", help="No beeps.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing report.")] = False,
    # --- issue 9: history options ---
    db: Annotated[Optional[Path], typer.Option("--db", help="History database (default: $FORMCHECK_DB or "
                                                            "~/.local/share/formcheck/history.sqlite3).")] = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this session in the history.")] = False,
    # --- end issue 9 ---
) -> None:
    """Coach a set live from a webcam: setup check, overlay, beeps; the report is written when you stop."""
    from datetime import datetime

    from formcheck.live.session import run_live
    from formcheck.analyze.video import prepare_out_dir
    from formcheck.pose.estimator import model_path

    ex = _load_exercise(exercise, exercise_file)
    if camera is not None and source is not None:
        raise InputError("choose either --camera or --source, not both")
    _need_display(no_window)
    model_path(model.value)  # fail now if the model is missing, before opening the camera
    target = prepare_out_dir(out_dir or Path("formcheck-live") / datetime.now().strftime("%Y%m%d-%H%M%S"), force)
    spec = source if source is not None else (camera if camera is not None else 0)
    if not no_window:
        err.print("Keys: q/Esc quit, space pause, s switch side, r reset the set.")
    started_at = datetime.now().astimezone()  # issue 9: a live session is dated by its start
    report = run_live(spec, ex, model=model.value, out_dir=target, show_window=not no_window, record=record,
                      fast=fast, sound=not no_sound, speech=speech)
    _HistoryWriter(db, no_history).record_live(report, target, started_at)  # issue 9
    _print_report(report)
    html = target / "report.html"
    out.print(f"Report: {html if html.exists() else target / 'report.json'}")
# --- end issue 4 ---


# --- issue 9: history ---
class _HistoryWriter:
    """Adds finished sessions to the history database for ``analyze`` and ``live``.

    The report folder is the user's work and is already written when this runs: a history
    problem (a locked or read-only database, a newer schema) is one warning line on stderr,
    and the exit code stays the analysis's. After one failure a batch stops trying (one line, not one per video).
    """

    def __init__(self, db: Optional[Path], disabled: bool, performed_on: Optional[str] = None) -> None:
        from formcheck.history.store import parse_date

        self.db, self.enabled, self.failed = db, not disabled, False
        self.when = parse_date(performed_on) if performed_on else None

    def record(self, report: dict, out_dir: Path, video: Optional[Path] = None, when=None) -> None:
        """``when``: the start of a live session; else --date, else the recording's file time."""
        from formcheck.history.store import history_failure, record_session, recording_time, resolve_db_path

        if not self.enabled or self.failed or not report:
            return
        try:
            when = when or self.when or (recording_time(video) if video is not None else None)
            record_session(report, out_dir, when, self.db)
        except Exception as exc:  # noqa: BLE001 - the history must never cost the report
            reason = history_failure(exc)
            if reason is None and _state["debug"]:
                raise
            self.failed = True
            typer.echo(f"formcheck: warning: not added to the history {resolve_db_path(self.db)} "
                       f"({reason or type(exc).__name__ + ': ' + str(exc)}); the report itself is saved", err=True)

    def record_row(self, row) -> None:
        """A finished batch video: its report from the row (or its report.json when a worker did not send it)."""
        if row.status != "ok" or not self.enabled or self.failed:
            return
        report = row.report
        if report is None:
            try:
                report = json.loads((Path(row.out_dir) / "report.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return
        self.record(report, Path(row.out_dir), Path(row.video))

    def record_live(self, report: dict, out_dir: Path, started_at) -> None:
        """A live session counts once counting has started; opening the camera and quitting is not a session."""
        if self.enabled and report and (report.get("live") or {}).get("counting_started_s") is None:
            typer.echo("formcheck: counting never started, so this session is not added to the history", err=True)
            return
        self.record(report, out_dir, when=started_at)


def _need_display(no_window: bool) -> None:
    """Without a display OpenCV's window aborts the process (Qt: no platform plugin): say so first."""
    if not no_window and sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                                    or os.environ.get("WAYLAND_DISPLAY")):
        raise InputError("no display to show the window on (DISPLAY is not set): add --no-window")


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


@app.command("history")
@friendly_errors
def history_command(
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Only this exercise id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sessions as JSON.")] = False,
    db: Annotated[Optional[Path], typer.Option("--db", help="History database (default: $FORMCHECK_DB or "
                                                            "~/.local/share/formcheck/history.sqlite3).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show the last N sessions.")] = 20,
) -> None:
    """List the recorded sessions, newest first: reps per side, holds (longest), range of motion, faults, report folder."""
    from formcheck.history.store import list_sessions, resolve_db_path
    from formcheck.history.progress import rom_text

    sessions = list(reversed(list_sessions(db, exercise, limit)))
    if as_json:
        print(json.dumps([s.to_dict() for s in sessions], indent=1))
        return
    if not sessions:
        what = f"no {exercise} sessions" if exercise else "no sessions"
        out.print(f"{what} in the history yet ({resolve_db_path(db)}): 'formcheck analyze' and 'formcheck live' "
                  "add them", highlight=False)
        return
    from rich import box

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


# --- issue 9: routines ---------------------------------------------------------------------
@app.command()
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


@app.command()
@friendly_errors
def progress(
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck history').")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: "
                                                                          "./formcheck-progress/<exercise>).")] = None,
    db: Annotated[Optional[Path], typer.Option("--db", help="History database (default: $FORMCHECK_DB or "
                                                            "~/.local/share/formcheck/history.sqlite3).")] = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=520, help="How many weeks back to show.")] = 12,
) -> None:
    """Plot range of motion, reps, holds and fault rate over time (progress.png, progress.html) and sessions a week."""
    from datetime import date, timedelta

    from formcheck.history.store import list_sessions, resolve_db_path, session_days
    from formcheck.history.progress import day_text, week_start, write_progress

    today = date.today()
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


@app.command()
@friendly_errors
def routine(
    name: Annotated[Optional[str], typer.Argument(help="Routine id (see 'formcheck routines').")] = None,
    routine_file: Annotated[Optional[Path], typer.Option("--routine-file", help="A custom routine TOML file.")] = None,
    camera: Annotated[Optional[int], typer.Option("--camera", help="Webcam number (default 0).")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="A video file (played as a camera) or a stream URL.")] = None,
    model: Annotated[LiveModel, typer.Option(help="Pose model: lite (default, fastest) or full.")] = LiveModel.lite,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: ./formcheck-routine/<time>).")] = None,
    no_window: Annotated[bool, typer.Option("--no-window", help="No window (reports and sounds only).")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="Play a --source file as fast as possible, not in real time.")] = False,
    speech: Annotated[bool, typer.Option("--speech", help="Speak the prompts and cues (needs espeak-ng or pyttsx3).")] = False,
    no_sound: Annotated[bool, typer.Option("--no-sound", help="No beeps.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing report.")] = False,
    db: Annotated[Optional[Path], typer.Option("--db", help="History database (default: $FORMCHECK_DB or "
                                                            "~/.local/share/formcheck/history.sqlite3).")] = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record these sets in the history.")] = False,
) -> None:
    """Coach a whole routine live: exercise after exercise, both sides, the article's dosage, rests; one combined report."""
    from datetime import datetime

    from formcheck.analyze.video import prepare_out_dir
    from formcheck.pose.estimator import model_path
    from formcheck.live.routine import get_routine, load_routine_file, run_routine
    from formcheck.report.routine_page import JSON_NAME

    if routine_file is not None and name is not None:
        raise InputError("choose either a routine id or --routine-file, not both")
    if routine_file is None and not name:
        raise InputError("choose a routine: formcheck routine ID (see 'formcheck routines') or --routine-file FILE")
    chosen = load_routine_file(routine_file) if routine_file is not None else get_routine(name)
    if camera is not None and source is not None:
        raise InputError("choose either --camera or --source, not both")
    _need_display(no_window)
    model_path(model.value)  # fail now if the model is missing, before opening the camera
    target = out_dir or Path("formcheck-routine") / datetime.now().strftime("%Y%m%d-%H%M%S")
    if (Path(target) / JSON_NAME).exists() and not force:
        raise InputError(f"{Path(target) / JSON_NAME} already exists: use --force to overwrite it or --out "
                         "to choose another folder")
    target = prepare_out_dir(target, force=True)
    spec = source if source is not None else (camera if camera is not None else 0)
    if not no_window:
        err.print("Keys: q/Esc quit, space pause, n next (skip the set or the rest), s switch side, r reset the set.")
    started_at = datetime.now().astimezone()
    report = run_routine(spec, chosen, model=model.value, out_dir=target, show_window=not no_window, fast=fast,
                         sound=not no_sound, speech=speech)
    _record_routine_sets(report, target, _HistoryWriter(db, no_history), started_at)
    _print_routine_report(report)
    out.print(f"Report: {target / 'routine_report.html'}")


def _record_routine_sets(report: dict, target: Path, history: "_HistoryWriter", started_at) -> None:
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
    s = report["summary"]
    table = Table(title=f"{report['routine']['name']}: {s['completed']} of {s['sets']} sets completed")
    for col in ("step", "exercise", "side", "target", "done", "faults", "status"):
        table.add_column(col, overflow="fold")
    from formcheck.report.routine_page import done_text, target_text

    for e in report["sets"]:
        faults = ", ".join(f"{k} x{n}" for k, n in e["faults"].items()) or "-"
        status = e["status"] + (f" ({e['reason']})" if e["reason"] else "")
        table.add_row(str(e["step"]), e["exercise_name"], e["side"] or "-", target_text(e["target"]), done_text(e),
                      faults, status)
    out.print(table)
# --- end issue 9 ---


def run() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
