"""``--fast`` replayed on stored full-rate MediaPipe tracks: does it change what the report says?

    PYTHONPATH=. .venv/bin/python benchmarks/sim_fast_sampling.py                 # tune + holdout, 160 tracks
    PYTHONPATH=. .venv/bin/python benchmarks/sim_fast_sampling.py --sets holdout  # judge only

No model runs: each stored track (``benchmarks/faults/<set>/*.mp4.full.npz``, every frame of
a randomised benchmark clip through MediaPipe) is analysed at full rate, with the adaptive
sampler replayed on it (``formcheck.analyze.sampling.sample_track``), and with fixed strides
2 and 3 (every Nth row, as ``--stride`` feeds the engine). Each sparse result is compared
with the full-rate one: rep count and per side identical, every hold within 0.3 s, the same
faults on the same reps and holds. Also scored against the clip's labels as ``formcheck eval``
does. The sampler's settings were chosen on ``tune``; ``holdout`` is the set to judge on.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.analyze.evaluate import score_clip  # noqa: E402
from formcheck.analyze.lookback import LookbackOptions, lookback_track  # noqa: E402
from formcheck.analyze.sampling import SamplingOptions, sample_track  # noqa: E402
from formcheck.analyze.track import analyze_track  # noqa: E402
from formcheck.pose.landmarks import PoseTrack  # noqa: E402
from formcheck.report.build import build_report  # noqa: E402
from formcheck.rules.exercise import get_exercise  # noqa: E402

HOLD_TOLERANCE_S = 0.3


def outcome(report: dict) -> dict:
    """What --fast must keep: counts, holds, faults per rep and hold."""
    return {"reps": report["summary"]["rep_count"], "by_side": report["summary"]["reps_by_side"],
            "holds": [h["duration_s"] for h in report["holds"]],
            "faults": sorted([("rep", r["index"], f["code"]) for r in report["reps"] for f in r["faults"]]
                             + [("hold", k, f["code"]) for k, h in enumerate(report["holds"]) for f in h["faults"]])}


def differences(full: dict, sparse: dict) -> list[str]:
    """How a sparse analysis's outcome differs from the full-rate one (empty: it holds up)."""
    out = []
    if full["reps"] != sparse["reps"] or full["by_side"] != sparse["by_side"]:
        out.append(f"reps {full['reps']} {full['by_side']} -> {sparse['reps']} {sparse['by_side']}")
    if len(full["holds"]) != len(sparse["holds"]):
        out.append(f"holds {len(full['holds'])} -> {len(sparse['holds'])}")
    else:
        out += [f"hold {a:.2f} -> {b:.2f} s" for a, b in zip(full["holds"], sparse["holds"])
                if abs(a - b) > HOLD_TOLERANCE_S]
    if full["faults"] != sparse["faults"]:
        lost = Counter(map(tuple, full["faults"])) - Counter(map(tuple, sparse["faults"]))
        new = Counter(map(tuple, sparse["faults"])) - Counter(map(tuple, full["faults"]))
        out.append(f"faults lost {sorted(lost)} new {sorted(new)}")
    return out


def hold_error(full: dict, sparse: dict) -> float:
    if len(full["holds"]) != len(sparse["holds"]) or not full["holds"]:
        return 0.0
    return max(abs(a - b) for a, b in zip(full["holds"], sparse["holds"]))


def analyse(exercise, track: PoseTrack) -> dict:
    return build_report(analyze_track(exercise, track), source="sim", model="full")


def sparse(mode: str, track: PoseTrack, options: SamplingOptions, lookback: LookbackOptions):
    """(the track a sparse mode gives the engine, rows the model ran on)."""
    if mode == "lookback":
        return lookback_track(track, lookback)
    if mode == "fast":
        return sample_track(track, options)
    keep = np.arange(0, len(track), int(mode.split()[1]))
    return PoseTrack(track.t_s[keep], track.image_xyz[keep], track.world_xyz[keep], track.visibility[keep],
                     track.presence[keep], track.image_size, track.detected[keep]), len(keep)


def run_set(name: str, options: SamplingOptions, strides: list[int], verbose: bool,
            lookback: LookbackOptions | None = None, causal: bool = True) -> dict:
    paths = sorted(glob.glob(str(ROOT / "benchmarks" / "faults" / name / "*.mp4.full.npz")))
    modes = [*(["lookback"] if lookback else []), *(["fast"] if causal else []), *[f"stride {s}" for s in strides]]
    tally = {m: {"same": 0, "rows": 0, "inferred": 0, "exact": 0, "max_hold_err": 0.0, "misses": []} for m in modes}
    exact_full = 0
    for p in paths:
        stem = Path(p).name.replace(".mp4.full.npz", "")
        label = json.loads((Path(p).parent / f"{stem}.truth.json").read_text())
        exercise = get_exercise(label["exercise"])
        track = PoseTrack.from_npz(p)
        full_report = analyse(exercise, track)
        full = outcome(full_report)
        exact_full += score_clip(label, full_report).exact
        for mode in modes:
            sparse_track, inferred = sparse(mode, track, options, lookback)
            report = analyse(exercise, sparse_track)
            got = outcome(report)
            diff = differences(full, got)
            t = tally[mode]
            t["rows"] += len(track)
            t["inferred"] += inferred
            t["same"] += not diff
            t["exact"] += score_clip(label, report).exact
            t["max_hold_err"] = max(t["max_hold_err"], hold_error(full, got))
            if diff:
                t["misses"].append(f"{stem}: {'; '.join(diff)}")
    print(f"\n== {name}: {len(paths)} stored tracks; full rate: exact counts {exact_full}/{len(paths)} ==")
    for mode in modes:
        t = tally[mode]
        print(f"  {mode:9s}: same outcome as full rate {t['same']}/{len(paths)}; exact counts vs labels "
              f"{t['exact']}/{len(paths)}; model on {100 * t['inferred'] / t['rows']:.1f}% of frames "
              f"(1/{t['rows'] / t['inferred']:.2f}); largest hold difference {t['max_hold_err']:.2f} s")
        for miss in t["misses"][: None if verbose else 8]:
            print(f"      {miss}")
        if not verbose and len(t["misses"]) > 8:
            print(f"      ... {len(t['misses']) - 8} more (--verbose)")
    return tally


def sweep(name: str, grid: list[LookbackOptions]) -> list[tuple[LookbackOptions, int, float, int, float]]:
    """Look-back settings side by side on one set: (options, same outcome, fraction inferred, exact, hold diff)."""
    paths = sorted(glob.glob(str(ROOT / "benchmarks" / "faults" / name / "*.mp4.full.npz")))
    clips = []
    for p in paths:
        stem = Path(p).name.replace(".mp4.full.npz", "")
        label = json.loads((Path(p).parent / f"{stem}.truth.json").read_text())
        track = PoseTrack.from_npz(p)
        exercise = get_exercise(label["exercise"])
        clips.append((label, exercise, track, outcome(analyse(exercise, track))))
    rows = []
    for options in grid:
        same = exact = inferred = frames = 0
        hold = 0.0
        for label, exercise, track, full in clips:
            sparse_track, n = lookback_track(track, options)
            report = analyse(exercise, sparse_track)
            got = outcome(report)
            same += not differences(full, got)
            exact += score_clip(label, report).exact
            hold = max(hold, hold_error(full, got))
            inferred, frames = inferred + n, frames + len(track)
        rows.append((options, same, inferred / frames, exact, hold))
        print(f"  {name}: anchor {options.anchor_s:.2f} s, tolerance {options.tolerance:.3f}, speed change "
              f"{options.speed_change:.2f}, dense on visibility "
              f"{options.dense_on_visibility}: same {same}/{len(clips)}, model on {100 * inferred / frames:.1f}%, "
              f"exact {exact}/{len(clips)}, largest hold difference {hold:.2f} s", flush=True)
    return rows


def fragility(name: str, every: int) -> int:
    """Tracks whose outcome changes when 1 frame in ``every`` is replaced by its neighbours' mean (the rest kept).

    The floor under "same outcome as full rate": no sampler can be held to fewer changes than
    this nearly-full-rate perturbation makes.
    """
    changed = 0
    paths = sorted(glob.glob(str(ROOT / "benchmarks" / "faults" / name / "*.mp4.full.npz")))
    for p in paths:
        stem = Path(p).name.replace(".mp4.full.npz", "")
        exercise = get_exercise(json.loads((Path(p).parent / f"{stem}.truth.json").read_text())["exercise"])
        track = PoseTrack.from_npz(p)
        full = outcome(analyse(exercise, track))
        nudged = PoseTrack(track.t_s, track.image_xyz.copy(), track.world_xyz.copy(), track.visibility.copy(),
                           track.presence.copy(), track.image_size, track.detected)
        for k in range(every // 2, len(track) - 1, every):
            if track.detected[k - 1] and track.detected[k + 1]:
                for arr in (nudged.image_xyz, nudged.world_xyz, nudged.visibility, nudged.presence):
                    arr[k] = 0.5 * (arr[k - 1] + arr[k + 1])
        diff = differences(full, outcome(analyse(exercise, nudged)))
        changed += bool(diff)
        if diff:
            print(f"      {stem}: {'; '.join(diff)}")
    print(f"  {name}: 1 frame in {every} interpolated from its neighbours: outcome changed on {changed}/{len(paths)}")
    return changed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="tune,holdout")
    ap.add_argument("--strides", default="2,3")
    ap.add_argument("--max-step", type=int, default=SamplingOptions().max_step)
    ap.add_argument("--anchor-s", type=float, default=LookbackOptions().anchor_s, help="look-back: scout spacing")
    ap.add_argument("--tolerance", type=float, default=LookbackOptions().tolerance,
                    help="look-back: straight-line error allowed, torso lengths")
    ap.add_argument("--dense-on-visibility", action="store_true")
    ap.add_argument("--speed-change", type=float, default=LookbackOptions().speed_change)
    ap.add_argument("--no-causal", action="store_true", help="skip the causal sampler")
    ap.add_argument("--sweep", default="", help="look-back settings to compare, 'anchor:tolerance,...' (e.g. "
                                                 "0.2:0.02,0.3:0.05); with --dense-on-visibility for all")
    ap.add_argument("--fragility", default="", help="e.g. '10,4': the outcome changes when 1 frame in N is interpolated")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.fragility:
        for name in args.sets.split(","):
            for every in args.fragility.split(","):
                fragility(name.strip(), int(every))
        return
    if args.sweep:
        grid = [LookbackOptions(anchor_s=float(a), tolerance=float(t), dense_on_visibility=args.dense_on_visibility,
                                speed_change=float(rest[0]) if rest else args.speed_change)
                for a, t, *rest in (item.split(":") for item in args.sweep.split(","))]
        for name in args.sets.split(","):
            sweep(name.strip(), grid)
        return
    options = SamplingOptions(max_step=args.max_step)
    lookback = LookbackOptions(anchor_s=args.anchor_s, tolerance=args.tolerance,
                               dense_on_visibility=args.dense_on_visibility, speed_change=args.speed_change)
    strides = [int(s) for s in args.strides.split(",") if s.strip()]
    print(f"causal sampler: {options}\nlook-back: {lookback}")
    for name in args.sets.split(","):
        run_set(name.strip(), options, strides, args.verbose, lookback, not args.no_causal)


if __name__ == "__main__":
    main()
