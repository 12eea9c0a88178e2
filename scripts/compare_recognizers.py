"""Compare candidate recogniser weights on tuning data only (how models/recognizer.npz was chosen, issue 17).

    PYTHONPATH=. python scripts/compare_recognizers.py MODEL.npz [MODEL.npz ...]

For each weights file (built by ``scripts/train_recognizer.py --out``): the tuning renders
(``benchmarks/recognition/tune``, seed TUNE_SEED: how many are right AND at least
MIN_CONFIDENCE sure) and synthetic clips through the landmark error model (seed
VALIDATION_SEED, 1 per side per exercise + 10 rest clips). Neither is the held-out
benchmark: the held-out figures in docs/accuracy.md are measured once, on the chosen model.
The tuning streams are scored by ``scripts/eval_stream_recognition.py --seed 9001 9002
--model MODEL.npz``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.pose.landmarks import PoseTrack  # noqa: E402
from formcheck.recognize.catalogue import counts_as  # noqa: E402
from formcheck.recognize.model import use_recognizer  # noqa: E402
from formcheck.recognize.scoring import clip_answer, labelled_tracks  # noqa: E402
from formcheck.recognize.segmentation import MIN_CONFIDENCE, REST  # noqa: E402
from formcheck.synth.error_model import load_model  # noqa: E402
from formcheck.synth.recognition_set import held_out_clips  # noqa: E402

VALIDATION_SEED = 3001  # apart from training (1000), the held-out synthetic clips (777) and the benchmarks


def sure_and_right(truth: str, label: str, confidence: float) -> bool:
    if truth == REST:
        return label == REST
    return counts_as(truth, label) and confidence >= MIN_CONFIDENCE


def score(items: list[tuple[str, PoseTrack, str]]) -> tuple[int, list[str]]:
    """(right and sure, misses) of (name, track, true exercise) items with the current weights."""
    good, misses = 0, []
    for name, track, truth in items:
        label, conf, _ = clip_answer(track)
        if sure_and_right(truth, label, conf):
            good += 1
        else:
            misses.append(f"{name}: {label} {conf:.2f}")
    return good, misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--renders", type=Path, default=ROOT / "benchmarks" / "recognition" / "tune")
    args = ap.parse_args()
    renders = [(name, PoseTrack.from_npz(f), truth["exercise"]) for name, f, truth in labelled_tracks(args.renders)]
    clips = held_out_clips(per_side=1, rest_clips=10, seed=VALIDATION_SEED, error_params=load_model())
    synthetic = [(f"{c.label}#{k}", c.track, c.label) for k, c in enumerate(clips)]
    for model in args.models:
        use_recognizer(model)
        for title, items in (("tuning renders", renders), ("synthetic, error model", synthetic)):
            good, misses = score(items)
            print(f"{model.name}: {title} {good}/{len(items)} right and >= {MIN_CONFIDENCE}")
            for m in misses:
                print(f"    {m}")


if __name__ == "__main__":
    main()
