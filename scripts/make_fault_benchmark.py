"""Render the fault benchmark and keep MediaPipe's landmark track of every clip (needs the synth extra).

    python scripts/make_fault_benchmark.py --clips 80 --jobs 2     # tune + holdout, 80 clips each

For every clip of ``formcheck.synth.benchmark`` it renders the video (into --videos, not
committed), runs the pose model over it and writes, into ``benchmarks/faults/<set>/``:
``<name>.mp4.full.npz`` (the landmark track, float32: what ``formcheck eval`` re-scores),
``<name>.truth.json`` (the labels, without per-frame data) and ``<name>.truth.npz`` (the
true image position of every joint per frame: what the landmark error model is fitted on).
Clips already done are skipped, so an interrupted run resumes. The two sets are interleaved
so that a run cut short still leaves both with clips.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

from formcheck.synth.benchmark import HOLDOUT_SEED, TUNE_SEED, benchmark_set  # noqa: E402
from formcheck.synth.clip import TRUTH_SUFFIX  # noqa: E402
from make_recognition_benchmark import render_and_track  # noqa: E402  (scripts/, beside this one)

SETS = {"tune": TUNE_SEED, "holdout": HOLDOUT_SEED}


def _done(out: Path, name: str) -> bool:
    return (out / f"{name}.mp4.full.npz").exists() and (out / f"{name}{TRUTH_SUFFIX}").exists()


def _one(spec, out: Path, videos: Path) -> str:
    t0 = time.time()
    per_frame = render_and_track(spec, out, videos, keep_video=True)
    np.savez_compressed(out / f"{spec.name}.truth.npz", t_s=np.asarray(per_frame["t_s"], np.float32),
                        image_xy_px=np.asarray(per_frame["image_xy_px"], np.float32))
    return f"{spec.name} ({time.time() - t0:.0f} s)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/faults"))
    ap.add_argument("--videos", type=Path, default=Path("/tmp/formcheck_fault_benchmark"))
    ap.add_argument("--clips", type=int, default=80, help="clips in each set")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    work = []
    per_set = {name: benchmark_set(seed, args.clips) for name, seed in SETS.items()}
    for i in range(args.clips):
        for name in SETS:
            spec = per_set[name][i]
            if not _done(args.out / name, spec.name):
                work.append((spec, args.out / name, args.videos / name))
    print(f"{len(work)} clips to render into {args.out} with {args.jobs} processes", flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_one, *w) for w in work]
        for i, fut in enumerate(as_completed(futures), 1):
            print(f"[{i}/{len(work)}] {fut.result()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
