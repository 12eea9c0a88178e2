"""Fit the landmark error model on the fault benchmark's tuning set and check it on the held-out set.

    python scripts/fit_landmark_error_model.py            # fit, write models/landmark_error_model.json, check
    python scripts/fit_landmark_error_model.py --check    # only check the saved model on the held-out clips

The fit reads only ``benchmarks/faults/tune`` (MediaPipe's track of each rendered clip
and the true joint pixels); the held-out clips are only ever compared against, never
fitted on. See ``formcheck.synth.error_model`` for what is modelled.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from formcheck.synth.benchmark import HOLDOUT_SEED, TUNE_SEED
from formcheck.synth.error_check import (compare, format_comparison, format_model, format_rules_comparison,
                                        rules_comparison)
from formcheck.synth.error_fit import benchmark_pairs, fit_error_model
from formcheck.synth.error_model import DEFAULT_PATH, load_model, save_model

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=ROOT / "benchmarks" / "faults")
    ap.add_argument("--model", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--check", action="store_true", help="only compare the saved model with the held-out clips")
    ap.add_argument("--draws", type=int, default=3, help="simulations per held-out clip")
    ap.add_argument("--json", type=Path, help="write the comparison here")
    args = ap.parse_args()
    t0 = time.time()
    if not args.check:
        tune = list(benchmark_pairs(args.bench / "tune", TUNE_SEED))
        if not tune:
            print(f"no finished clips in {args.bench / 'tune'}", file=sys.stderr)
            return 1
        params = fit_error_model(tune, "benchmarks/faults/tune", TUNE_SEED)
        save_model(params, args.model)
        counts = ", ".join(f"{v}: {p['clips']}" for v, p in params["views"].items())
        print(f"fitted on {len(tune)} tuning clips ({counts}) -> {args.model} ({time.time() - t0:.0f} s)")
    params = load_model(args.model)
    print(format_model(params))
    holdout = list(benchmark_pairs(args.bench / "holdout", HOLDOUT_SEED))
    result = compare(holdout, params, draws=args.draws)
    print("simulated vs real (real/sim), errors in body lengths (px at the median body length):")
    print(format_comparison(result))
    rules = rules_comparison(holdout, params, draws=args.draws)
    print("the rules on the same held-out clips: MediaPipe's tracks, simulated tracks, exact tracks:")
    print(format_rules_comparison(rules))
    if args.json:
        rules = {k: {**v, "faults": {f"{g}/{c}": r for (g, c), r in v["faults"].items()},
                     "faults_by_angle": {f"{g}/{c}": r for (g, c), r in v["faults_by_angle"].items()}}
                 for k, v in rules.items()}
        args.json.write_text(json.dumps({"landmarks": result, "rules": rules}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
