"""Render a labelled synthetic clip set (needs the synth extra and EGL; see README).

    python scripts/make_synth_set.py samples --out sample_videos          # the committed set
    python scripts/make_synth_set.py variations --out /tmp/synth --copies 5  # the larger set

Clips already rendered (video and truth present) are skipped, so an interrupted run resumes.
Each worker process owns one offscreen renderer (NOTES: one per process).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

from formcheck.synth.clip import TRUTH_SUFFIX, render_clip, write_truth  # noqa: E402
from formcheck.synth.sets import sample_set, variation_set  # noqa: E402


def _render(spec, out: Path) -> str:
    t0 = time.time()
    render_clip(spec, out)
    return f"{spec.name} ({time.time() - t0:.0f} s)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", choices=["samples", "variations"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", default="", help="render only clips whose name contains this")
    ap.add_argument("--truth-only", action="store_true",
                    help="rewrite the ground-truth files of clips already rendered (no rendering)")
    args = ap.parse_args()
    specs = sample_set() if args.set == "samples" else variation_set(args.copies, args.seed)
    if args.truth_only:
        for s in specs:
            if args.only in s.name and (args.out / f"{s.name}.mp4").exists():
                write_truth(s, args.out)
                print(f"truth: {s.name}")
        return 0
    specs = [s for s in specs if args.only in s.name
             and not ((args.out / f"{s.name}.mp4").exists() and (args.out / f"{s.name}{TRUTH_SUFFIX}").exists())]
    print(f"rendering {len(specs)} clips into {args.out} with {args.jobs} processes", flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_render, s, args.out) for s in specs]
        for i, fut in enumerate(as_completed(futures), 1):
            print(f"[{i}/{len(specs)}] {fut.result()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
