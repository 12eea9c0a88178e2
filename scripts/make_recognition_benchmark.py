"""Render the recognition benchmark and keep MediaPipe's landmark track of every clip (needs the synth extra).

    nice -n 5 python scripts/make_recognition_benchmark.py --set holdout --per-exercise 5 --jobs 1

For every clip of ``formcheck.synth.recognition_benchmark`` (2 per exercise by default) it
renders the video (into --videos, not committed), runs the pose model over it and writes,
into ``benchmarks/recognition/<set>/``: ``<name>.mp4.full.npz`` (the landmark track,
compact: what ``scripts/eval_recognition.py --rendered-cache`` and
``tests/test_recognition_benchmark.py`` re-score) and ``<name>.truth.json`` (exercise,
side, reps and holds, without per-frame data). Clips already done are skipped, so an
interrupted run resumes.

``--exercises ID ...`` renders only those exercises' clips (the rule tuning renders:
``--set tune --per-exercise 8 --exercises figure_four_stretch knee_to_chest seated_hip_rotation
fire_hydrant``). ``--fault CODE`` (with one exercise) renders other clips of it with CODE on rep 2,
numbered from ``--first-index``, into ``<set>_faults/`` (``--set holdout --exercises fire_hydrant
--fault trunk_rotation --per-exercise 6``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.synth.clip import TRUTH_SUFFIX, render_clip  # noqa: E402
from formcheck.synth.recognition_benchmark import HOLDOUT_SEED, TUNE_SEED, fault_set, recognition_set  # noqa: E402

SETS = {"tune": TUNE_SEED, "holdout": HOLDOUT_SEED}


def done(out: Path, name: str) -> bool:
    return (out / f"{name}.mp4.full.npz").exists() and (out / f"{name}{TRUTH_SUFFIX}").exists()


def render_and_track(spec, out: Path, videos: Path, keep_video: bool = False) -> dict:
    """Render one clip, track it with the full pose model, keep the compact track and the truth
    without per-frame data in ``out``; returns the per-frame truth (the fault benchmark keeps it too)."""
    from formcheck.analyze.video import track_video

    video = render_clip(spec, videos)
    track, _ = track_video(video, "full")
    out.mkdir(parents=True, exist_ok=True)
    track.to_npz(out / f"{spec.name}.mp4.full.npz", compact=True)
    truth = json.loads((videos / f"{spec.name}{TRUTH_SUFFIX}").read_text())
    per_frame = truth.pop("per_frame")
    (out / f"{spec.name}{TRUTH_SUFFIX}").write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    if not keep_video:
        video.unlink(missing_ok=True)  # the track is what is kept
    return per_frame


def one_clip(spec, out: Path, videos: Path) -> str:
    t0 = time.time()
    render_and_track(spec, out, videos)
    return f"{spec.name} ({time.time() - t0:.0f} s)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=sorted(SETS), default="holdout")
    ap.add_argument("--per-exercise", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "recognition")
    ap.add_argument("--videos", type=Path, default=Path("/tmp/formcheck_recognition_benchmark"))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--exercises", nargs="+", default=None, help="only these exercises")
    ap.add_argument("--fault", default=None, help="with one exercise: clips with this fault on rep 2")
    ap.add_argument("--first-index", type=int, default=8, help="with --fault: the first clip's number")
    args = ap.parse_args()
    folder = args.set if args.fault is None else f"{args.set}_faults"
    out, videos = args.out / folder, args.videos / folder
    if args.fault is not None:
        if not args.exercises or len(args.exercises) != 1:
            ap.error("--fault needs exactly one exercise in --exercises")
        specs = fault_set(SETS[args.set], args.exercises[0], args.fault, args.first_index, args.per_exercise)
    else:
        specs = [s for s in recognition_set(SETS[args.set], args.per_exercise)
                 if args.exercises is None or s.script.exercise in args.exercises]
    work = [s for s in specs if not done(out, s.name)]
    print(f"{len(work)} clips to render into {out} with {args.jobs} processes", flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(one_clip, spec, out, videos) for spec in work]
        for i, fut in enumerate(as_completed(futures), 1):
            print(f"[{i}/{len(work)}] {fut.result()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
