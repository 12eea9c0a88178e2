"""Build models/recognizer.npz: the exercise recogniser's weights (issue 9).

    PYTHONPATH=. python scripts/train_recognizer.py [--clips 40] [--cache /tmp/recognizer-clips]

Reproducible: every random choice comes from fixed seeds (training seeds start at
TRAIN_SEED; the held-out evaluation in scripts/eval_recognition.py and the tests use
other seeds). Windows of randomised synthetic performances of every scripted exercise,
plus rest clips, train a softmax regression on standardised features. Most clips carry
MediaPipe's own kind of errors (the fitted landmark error model,
``models/landmark_error_model.json``), the rest white jitter, so the recogniser meets on
video what it was trained on. Exercises the camera cannot tell apart are trained as one
class (:mod:`formcheck.recognize.catalogue`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.signals.cleaning import clean_track  # noqa: E402
from formcheck.recognize.catalogue import recognised_as  # noqa: E402
from formcheck.recognize.body import resample  # noqa: E402
from formcheck.recognize.features import grid_windows  # noqa: E402
from formcheck.recognize.model import MODEL_PATH, train_logistic  # noqa: E402
from formcheck.recognize.segmentation import REST  # noqa: E402
from formcheck.synth.motion import MOTIONS  # noqa: E402
from formcheck.synth.error_model import load_model  # noqa: E402
from formcheck.synth.recognition_set import exercise_clip, rest_clip, window_labels  # noqa: E402

TRAIN_SEED = 1000
HIDDEN = 0
ERROR_MODEL_SHARE = 0.75  # of the training clips filmed with MediaPipe's fitted errors (the rest: white jitter)


def clip_grid(ex: str, k: int, seed: int, cache: Path | None, error_share: float = 0.0,
              error_params: dict | None = None) -> tuple[tuple, str, list]:
    """((t, world, pix) on the feature grid, label, active spans) of training clip ``k`` of ``ex``;
    a share ``error_share`` of the clips (chosen by seed) gets the landmark error model ``error_params``."""
    errors = error_params is not None and np.random.default_rng([seed, k, sum(map(ord, ex)), 1]).random() < error_share
    path = cache / f"{seed}-{ex}-{k}{'-em' if errors else ''}.npz" if cache else None
    if path is not None and path.exists():
        with np.load(path) as d:
            return (d["t"], d["world"], d["pix"]), str(d["label"]), [tuple(a) for a in d["active"]]
    rng = np.random.default_rng([seed, k, sum(map(ord, ex))])
    side = "left" if k % 2 == 0 else "right"
    params = error_params if errors else None
    clip = rest_clip(rng, error_params=params) if ex == REST else exercise_clip(ex, rng, side=side,
                                                                                error_params=params)
    grid = resample(clean_track(clip.track))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, t=grid[0], world=grid[1], pix=grid[2], label=clip.label,
                            active=np.array(clip.active, float).reshape(-1, 2))
    return grid, clip.label, clip.active


def labelled_windows(clips_per_exercise: int, rest_clips: int, seed: int, cache: Path | None = None,
                     exercises: list[str] | None = None, error_share: float = ERROR_MODEL_SHARE,
                     ) -> tuple[np.ndarray, list[str]]:
    """Feature rows and labels from random clips (seeded per exercise and clip: reproducible);
    a merged exercise's windows carry the label it is recognised as."""
    xs, ys = [], []
    params = load_model() if error_share > 0 else None
    exercises = exercises or sorted(MOTIONS)
    jobs = [(ex, k) for ex in exercises for k in range(clips_per_exercise)]
    jobs += [(REST, k) for k in range(rest_clips)]
    for ex, k in jobs:
        grid, label, active = clip_grid(ex, k, seed, cache, error_share, params)
        win = grid_windows(*grid)
        for feats, lab in zip(win.features, window_labels(SimpleNamespace(label=label, active=active),
                                                          win.start_s, win.end_s)):
            if lab is not None:
                xs.append(feats)
                ys.append(lab if lab == REST else recognised_as(lab))
    return np.asarray(xs), ys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=40, help="training clips per exercise")
    ap.add_argument("--rest-clips", type=int, default=450)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--hidden", type=int, default=HIDDEN, help="tanh units before the softmax (0: plain "
                    "logistic regression)")
    ap.add_argument("--cache", type=Path, default=None, help="keep the generated clips here (faster re-runs)")
    ap.add_argument("--error-share", type=float, default=ERROR_MODEL_SHARE,
                    help="share of clips with MediaPipe's fitted errors (the rest: white jitter)")
    args = ap.parse_args()
    t0 = time.time()
    x, labels = labelled_windows(args.clips, args.rest_clips, TRAIN_SEED, args.cache, error_share=args.error_share)
    classes = tuple(sorted({recognised_as(e) for e in MOTIONS})) + (REST,)
    y = np.array([classes.index(lab) for lab in labels])
    print(f"{len(y)} windows from {args.clips} clips per exercise + {args.rest_clips} rest clips "
          f"({time.time() - t0:.0f} s)")
    rec = train_logistic(x, y, classes, hidden=args.hidden, l2=1e-4 if args.hidden else 1e-3,
                         steps=2000 if args.hidden else 1500)
    acc = float((rec.probabilities(x).argmax(axis=1) == y).mean())
    rec.info = {"train_windows": len(y), "train_accuracy": round(acc, 4), "clips_per_exercise": args.clips,
                "rest_clips": args.rest_clips,
                "hidden": args.hidden, "error_share": args.error_share}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rec.save(args.out)
    print(f"training window accuracy {acc:.3f}; wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
