"""Developer commands: ``formcheck eval`` measures accuracy on labelled clips, ``formcheck synth`` renders them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from formcheck.cli.common import Model, err, friendly_errors, out
from formcheck.errors import InputError


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

    def on_clip(score) -> None:
        if not as_json:
            mark = "[green]ok[/green]  " if score.exact and not score.misses else "[red]miss[/red]"
            out.print(f"{mark} {score.path}: {score.counted}/{score.expected} reps"
                      + (f" — {'; '.join(score.misses)}" if score.misses else ""), highlight=False)

    summary = evaluate_folder(folder, _clip_analyser(model.value, cache), on_clip)
    failed = check_thresholds(summary, min_exact, min_precision, min_recall, max_hold_error)
    if as_json:
        print(json.dumps(summary, indent=1))
    else:
        _print_accuracy(summary, folder)
    if failed:
        typer.echo(f"formcheck eval: below threshold: {'; '.join(failed)}", err=True)
        raise typer.Exit(1)


def _clip_analyser(model: str, cache: Optional[Path]):
    """Label -> report for one clip: from the landmark track stored beside it (the fault benchmark),
    else from `cache` while newer than the clip, else by running the pose model."""
    from formcheck.analyze.accuracy import analyse_label

    return lambda label: analyse_label(label, model, cache)


def _print_accuracy(summary: dict, folder: Path) -> None:
    """Per exercise and overall: exact counts, count error, off-by-one, hold error, fault precision and recall."""
    table = Table(title=f"formcheck eval {folder}")
    cols = ("clips", "exact_count_rate", "count_mae", "obo_rate", "hold_error_s", "fault_precision", "fault_recall")
    table.add_column("exercise")
    for c in cols:
        table.add_column(c.replace("_", " "))
    rows = list(summary["per_exercise"].items()) + [("overall", summary["overall"])]
    for name, figs in rows:
        table.add_row(name, *("-" if figs[c] is None else str(figs[c]) for c in cols))
    out.print(table)


def _parse_fault(text: str):
    """'code' or 'code@2,3' (the reps it is acted on) -> FaultInjection."""
    from formcheck.synth.motion import FaultInjection

    code, _, reps = text.partition("@")
    try:
        rep_list = tuple(int(r) for r in reps.split(",") if r.strip())
    except ValueError:
        raise InputError(f"--fault {text!r}: write CODE or CODE@REP,REP (e.g. torso_rotation@2,3)") from None
    return FaultInjection(code.strip(), rep_list)


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
