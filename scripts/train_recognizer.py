"""Build models/recognizer.npz: the exercise recogniser's weights (issue 9).

    PYTHONPATH=. python scripts/train_recognizer.py [--clips 16] [--out models/recognizer.npz]

Reproducible: every random choice comes from fixed seeds (training seeds start at
TRAIN_SEED; the held-out evaluation in scripts/eval_recognition.py and the tests use
other seeds). Windows of randomised synthetic performances of every scripted exercise,
plus rest clips, train a softmax regression on standardised features.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.recognize import MODEL_PATH, REST, track_windows, train_logistic  # noqa: E402
from formcheck.synth.motion import MOTIONS  # noqa: E402
from formcheck.synth.recognition_set import exercise_clip, rest_clip, window_labels  # noqa: E402

TRAIN_SEED = 1000


def labelled_windows(clips_per_exercise: int, rest_clips: int, seed: int,
                     exercises: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Feature rows and labels from random clips (seeded per exercise and clip: reproducible)."""
    xs, ys = [], []
    exercises = exercises or sorted(MOTIONS)
    jobs = [(ex, k) for ex in exercises for k in range(clips_per_exercise)]
    jobs += [(REST, k) for k in range(rest_clips)]
    for ex, k in jobs:
        rng = np.random.default_rng([seed, k, sum(map(ord, ex))])
        side = "left" if k % 2 == 0 else "right"
        clip = rest_clip(rng) if ex == REST else exercise_clip(ex, rng, side=side)
        win = track_windows(clip.track)
        for feats, label in zip(win.features, window_labels(clip, win.start_s, win.end_s)):
            if label is not None:
                xs.append(feats)
                ys.append(label)
    return np.asarray(xs), ys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=16, help="training clips per exercise")
    ap.add_argument("--rest-clips", type=int, default=120)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    t0 = time.time()
    x, labels = labelled_windows(args.clips, args.rest_clips, TRAIN_SEED)
    classes = tuple(sorted(MOTIONS)) + (REST,)
    y = np.array([classes.index(lab) for lab in labels])
    print(f"{len(y)} windows from {args.clips} clips per exercise + {args.rest_clips} rest clips "
          f"({time.time() - t0:.0f} s)")
    rec = train_logistic(x, y, classes)
    acc = float((rec.probabilities(x).argmax(axis=1) == y).mean())
    rec.info = {"train_windows": len(y), "train_accuracy": round(acc, 4), "clips_per_exercise": args.clips}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rec.save(args.out)
    print(f"training window accuracy {acc:.3f}; wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
