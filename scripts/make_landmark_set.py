"""Score the rules on thousands of landmark-level cases: scripted motion + MediaPipe's fitted error model.

    python scripts/make_landmark_set.py --cases 2000 --jobs 2 --json /tmp/landmark_set.json
    python scripts/make_landmark_set.py --cases 400 --exact     # the same cases without tracker error

Cases are fault-benchmark specs (``formcheck.synth.benchmark.benchmark_spec``: the four rep
exercises, clean or one fault on rep 2 of 3, random side, camera turn, distance, height,
tempo, holds) drawn with --seed; nothing is rendered. Each exact track goes through the
landmark error model (``models/landmark_error_model.json``, fitted on the tuning renders
by ``scripts/fit_landmark_error_model.py``), then the analysis, and is scored against the
script's truth. Prints ``formcheck.analyze.accuracy.set_summary`` and where the time went.
Nothing is written unless --json is given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per worker: the pool is the parallelism

from formcheck.analyze.accuracy import set_summary  # noqa: E402
from formcheck.synth.error_model import DEFAULT_PATH, load_model  # noqa: E402
from formcheck.synth.landmark_set import LANDMARK_SEED, format_summary, landmark_specs, run_set  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=LANDMARK_SEED)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--model", type=Path, default=DEFAULT_PATH, help="fitted landmark error model (JSON)")
    ap.add_argument("--exact", action="store_true", help="no tracker error: the rules on the exact tracks")
    ap.add_argument("--json", type=Path, help="write the summary and every case's score here")
    args = ap.parse_args()
    params = None if args.exact else load_model(args.model)
    t0 = time.time()
    specs = landmark_specs(args.cases, args.seed)
    step = max(args.cases // 10, 1)

    def progress(i: int, n: int) -> None:
        if i % step == 0 or i == n:
            print(f"  {i}/{n} cases ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)

    results = run_set(specs, params, args.seed, args.jobs, progress)
    wall = time.time() - t0
    scores = [r.score for r in results]
    summary = set_summary(scores)
    cost = {k: sum(r.seconds[k] for r in results) for k in results[0].seconds} if results else {}
    failed = [s for s in scores if s.error]
    print(format_summary(summary))
    print(f"{len(results)} cases in {wall:.0f} s wall with {args.jobs} processes; per case "
          + ", ".join(f"{k} {v / max(len(results), 1) * 1000:.0f} ms" for k, v in cost.items()) + " CPU"
          + (f"; {len(failed)} failed (first: {failed[0].error})" if failed else ""))
    if args.json:
        model = None if params is None else {"path": str(args.model), **params.get("provenance", {})}
        out = {"cases": args.cases, "seed": args.seed, "exact": args.exact, "model": model,
               "wall_s": round(wall, 1), "summary": {k: v for k, v in summary.items() if not k.startswith("faults")},
               "faults": [{"exercise": g, "fault": c, **r} for (g, c), r in summary["faults"].items()],
               "faults_by_angle": [{"angle": g, "fault": c, **r} for (g, c), r in summary["faults_by_angle"].items()],
               "clips": [s.to_dict() for s in scores]}
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
