"""``formcheck analyze``: recorded exercise videos into reports, one video, a batch, or recognised sets."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from formcheck.cli.common import (DbOption, ExerciseFileOption, ForceOption, Model, err, friendly_errors,
                                  load_exercise, out)
from formcheck.cli.history_writer import HistoryWriter
from formcheck.cli.tables import print_report, print_report_location
from formcheck.errors import InputError


@friendly_errors
def analyze(
    videos: Annotated[list[Path], typer.Argument(  # issue 8: several videos, a folder of videos or a glob = batch
        help="Video file (mp4, mov, avi, webm, GIF) or a folder of images; several videos, a folder of "
             "videos or a quoted glob (\"clips/*.mp4\") analyse each into --out/<name>/.")],
    exercise: Annotated[Optional[str], typer.Option("--exercise", "-e", help="Exercise id (see 'formcheck exercises'), or auto to recognise it.")] = None,
    exercise_file: ExerciseFileOption = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: next to the video; for a batch, "
                                                                          "<folder>-formcheck or ./formcheck-batch).")] = None,
    model: Annotated[Model, typer.Option(help="Pose model: full (default), lite (faster), heavy.")] = Model.full,
    force: ForceOption = False,
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
    fast: Annotated[bool, typer.Option("--fast", help="Run the pose model only where the movement needs it: "
                                                      "every 0.25 s, and in between where the body turns, starts or stops (issue 16).")] = False,
    # --- issue 9: history options ---
    db: DbOption = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this session in the history.")] = False,
    performed_on: Annotated[Optional[str], typer.Option("--date", help="When the exercise was done, for the history: "
                                                                       "YYYY-MM-DD (default: the video file's time).")] = None,
    # --- end issue 9 ---
) -> None:
    """Analyse a recorded exercise video: count reps, time holds, flag faults, write the report (HTML, JSON, CSV)."""
    from formcheck.analyze.batch import is_batch_input
    from formcheck.pose.estimator import model_path

    history = HistoryWriter(db, no_history, performed_on)  # issue 9: before any work, so a bad --date fails fast
    auto = exercise == "auto" and exercise_file is None
    if auto and ray is None and not is_batch_input(videos):
        _analyze_auto(videos, out_dir, model.value, force, as_json, no_video, stride, history)
        return
    if fast and (auto or ray is not None or is_batch_input(videos)):
        raise InputError("--fast analyses one video with a named exercise: leave it out for a batch or --exercise auto")
    ex = None if auto else load_exercise(exercise, exercise_file)  # None: each video of the batch recognised
    if ray is not None or is_batch_input(videos):  # issue 8
        model_path(model.value)  # fail now if the model is missing, before any work
        _analyze_batch(videos, ex, out_dir, model.value, force, as_json, no_video, stride, jobs, ray,
                       on_done=history.record_row)  # issue 9
        return
    _analyze_one(videos[0], ex, out_dir, model.value, force, as_json, no_video, stride, history, fast)


def _analyze_one(video: Path, ex, out_dir: Optional[Path], model: str, force: bool, as_json: bool,
                 no_video: bool, stride: int, history: HistoryWriter, fast: bool = False) -> None:
    """One video: checked before the output folder is made, analysed with a progress bar, then printed."""
    from formcheck.analyze.video import default_out_dir, prepare_out_dir
    from formcheck.io.video import open_source
    from formcheck.pose.estimator import model_path

    if not video.exists():
        raise InputError(f"no such file: {video}")
    with open_source(video):  # a bad input fails here, before the output folder is made
        pass
    model_path(model)  # fail now if the model is missing, before any work
    target = prepare_out_dir(out_dir or default_out_dir(video), force)
    report = _analyze_with_progress(video, ex, target, model, as_json, no_video, stride, fast)
    history.record(report, target, video)  # issue 9: after the report is written; never fails the run
    if as_json:
        print(json.dumps(report, indent=1))
        return
    print_report(report)
    print_report_location(target)


def _analyze_with_progress(video: Path, ex, target: Path, model: str, as_json: bool, no_video: bool,
                           stride: int, fast: bool = False) -> dict:
    """Frames analysed, then frames of the annotated video written, as bars on a terminal (none for --json)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from formcheck.analyze.video import analyze_video

    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed} frames"), TimeRemainingColumn(), console=err,
                  transient=True, disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task(f"Analysing {video.name}", total=None)

        def on_frame(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        video_task = progress.add_task("Writing the annotated video", total=None, visible=False)

        def on_video_frame(done: int, total: int | None) -> None:
            progress.update(video_task, completed=done, total=total, visible=True)

        analysis = analyze_video(video, ex, target, model, on_frame, video_out=not no_video,
                                 video_progress=on_video_frame, stride=stride,  # issue 8: stride
                                 **({"fast": True} if fast else {}))  # issue 16
    return analysis.report


# --- issue 9: recognition ---
def _analyze_auto(videos: list[Path], out_dir: Optional[Path], model: str, force: bool, as_json: bool,
                  no_video: bool, stride: int, history: HistoryWriter | None = None) -> None:
    """--exercise auto: recognise the exercise (or the sets of several) and report each set (each into the history)."""
    from formcheck.analyze.auto import analyze_auto
    from formcheck.analyze.video import default_out_dir, prepare_out_dir
    from formcheck.pose.estimator import model_path

    video = videos[0]  # several videos are a batch (issue 17)
    if not video.exists():
        raise InputError(f"no such file: {video}")
    model_path(model)
    target = prepare_out_dir(out_dir or default_out_dir(video), force)
    with err.status(f"Analysing {video.name}", spinner="dots") if err.is_terminal and not as_json else nullcontext():
        auto = analyze_auto(video, target, model, force=force, video_out=not no_video, stride=stride)
    for report, folder in zip(auto.reports, auto.out_dirs):
        if history is not None:
            history.record(report, folder, video)
    if as_json:
        print(json.dumps(auto.reports[0] if len(auto.reports) == 1 else auto.summary, indent=1))
        return
    if len(auto.reports) == 1:
        print_report(auto.reports[0])
        out.print(auto.reports[0]["recognition"]["text"], highlight=False)
        print_report_location(target)
        return
    _print_recognised_sets(video, auto, target)


def _print_recognised_sets(video: Path, auto, target: Path) -> None:
    """Several exercises in one video: a row per recognised set, each with its own report folder."""
    from formcheck.analyze.auto import SETS_NAME

    table = Table(title=f"{video.name}: {len(auto.reports)} sets recognised")
    for col in ("set", "exercise", "side", "from", "to", "confidence", "reps", "hold", "faults"):
        table.add_column(col, overflow="fold")
    for row in auto.summary["sets"]:
        table.add_row(str(row["set"]), row["name"], row["side"] or "-", f"{row['start_s']:.0f} s",
                      f"{row['end_s']:.0f} s", f"{row['confidence']:.2f}", str(row["reps"]), f"{row['hold_s']:.0f} s",
                      ", ".join(f"{k} x{v}" for k, v in row["faults"].items()) or "-")
    out.print(table)
    out.print(f"Summary: {target / SETS_NAME}; reports in {target}/set<N>-<exercise>/")
# --- end issue 9 ---


# --- issue 8: batch analysis ---
def _analyze_batch(videos: list[Path], ex, out_dir: Optional[Path], model: str, force: bool, as_json: bool,
                   no_video: bool, stride: int, jobs: int, ray: Optional[str], on_done=None) -> None:
    """Many videos: one report folder each under --out, a summary table, batch_summary.json/.csv.

    ``ex`` None: --exercise auto, each video recognised first (issue 17); an unsure one is not a failure.
    """
    from formcheck.analyze.batch import analyze_one, default_batch_out, find_videos, run_batch, summary_lines
    from formcheck.analyze.batch_auto import analyze_one_auto

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
            mark = {"ok": "ok", "unsure": "unsure"}.get(row.status, "FAILED")
            err.print(f"[{finished[0]}/{len(clips)}] {mark} {row.video} ({row.seconds or 0:.1f} s)", highlight=False)

    rows = run_batch(clips, ex, target, model=model, jobs=jobs, video_out=not no_video, stride=stride,
                     force=force, ray=ray, on_row=on_row, worker=analyze_one if ex is not None else analyze_one_auto)
    failed = summary_lines(rows)
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], indent=1))
    else:
        _print_batch(rows, failed, target)
    if failed:
        raise typer.Exit(1)


def _print_batch(rows, failed: list[str], target: Path) -> None:
    """A row per video (exercise, reps, faults, warnings, ok, unsure or failed), then why each was not ok."""
    from formcheck.analyze.batch_auto import unsure_lines

    ok = sum(r.status == "ok" for r in rows)
    table = Table(title=f"formcheck batch: {ok} of {len(rows)} analysed")
    for col in ("video", "exercise", "reps", "faults", "warnings", "status"):
        table.add_column(col, overflow="fold")

    def cell(value) -> str:
        return "-" if value is None else str(value)

    status = {"ok": "ok", "unsure": "[yellow]unsure[/yellow]"}
    for r in rows:
        table.add_row(r.video, _exercise_cell(r), cell(r.reps), cell(r.faults), cell(r.warnings),
                      status.get(r.status, "[red]failed[/red]"))
    out.print(table)
    for line in unsure_lines(rows):
        out.print(f"[yellow]Unsure:[/yellow] {line}", highlight=False)
    for line in failed:
        out.print(f"[red]Failed:[/red] {line}", highlight=False)
    out.print(f"Summary: {Path(target) / 'batch_summary.csv'} (and .json); reports in {target}/<video name>/")


def _exercise_cell(row) -> str:
    """The exercise given, or recognised with its side and confidence ("clamshell, right, 0.93"; unsure: "guess?")."""
    if row.exercise is None:
        return "-"
    side = f", {row.side}" if row.side else ""
    conf = f", {row.confidence:.2f}" if row.confidence is not None else ""
    return f"{row.exercise}{side}{conf}" + ("?" if row.status == "unsure" else "")
# --- end issue 8 ---
