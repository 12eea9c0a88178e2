"""How well does ``--exercise auto`` recognise exercises? (issue 9)

    PYTHONPATH=. python scripts/eval_recognition.py [--per-side 2] [--cache /tmp/formcheck-recognize-cache]
                                                   [--real /work/shared/real] [--rendered-cache DIR] [--json FILE]

1. Held-out synthetic landmark clips (seeds disjoint from training): every scripted
   exercise on both sides with random faults, cameras, bodies, tempo and tracker noise,
   plus rest clips. Prints clip accuracy, side accuracy and the confusion matrix.
2. The rendered clips in sample_videos/ (real MediaPipe output on rendered people): pose
   tracks are cached under --cache (computed on first use, minutes).
3. The real clips in --real (labels.json names each clip's exercise), read in place.
4. Optionally, cached MediaPipe tracks of other rendered clips (``<clip>.mp4.full.npz``,
   the clip name starting with its exercise id) in --rendered-cache.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.pose.landmarks import PoseTrack  # noqa: E402
from formcheck.recognize.segmentation import REST, recognize  # noqa: E402
from formcheck.recognize.set_analysis import analyse_sets  # noqa: E402
from formcheck.synth.motion import MOTIONS  # noqa: E402
from formcheck.synth.recognition_set import held_out_clips  # noqa: E402


def clip_answer(track: PoseTrack) -> tuple[str, float, str | None, bool]:
    """(exercise or rest, confidence, side from the engine, unsure) for one recording."""
    rec = recognize(track)
    analysed = analyse_sets(track, rec)  # the engine confirms each set (or turns it into rest)
    best = rec.best
    if best is None:
        conf = float(rec.probabilities[:, rec.classes.index(REST)].mean()) if len(rec.probabilities) else 1.0
        return REST, conf, None, False
    side = next((a.segment.side for a in analysed if a.segment is best), None)
    return best.exercise, best.confidence, side, rec.unsure()


def confusion(truth: list[str], pred: list[str], classes: list[str]) -> np.ndarray:
    m = np.zeros((len(classes), len(classes)), int)
    for t, p in zip(truth, pred):
        m[classes.index(t), classes.index(p)] += 1
    return m


def print_confusion(m: np.ndarray, classes: list[str]) -> None:
    """Rows: the truth; columns: the answer (numbered like the rows); only non-empty columns."""
    used = [j for j in range(len(classes)) if m[:, j].any() or m[j].any()]
    width = max(len(c) for c in classes)
    print(" " * (width + 4) + " ".join(f"{j:>3d}" for j in used))
    for i in used:
        cells = " ".join(f"{m[i, j]:>3d}" if m[i, j] else "  ." for j in used)
        print(f"{i:>2d} {classes[i]:<{width}} {cells}")


def synthetic(per_side: int, rest_clips: int) -> dict:
    t0 = time.time()
    clips = held_out_clips(per_side=per_side, rest_clips=rest_clips)
    truth, pred, sides_ok, sides_n, unnamed, unsure = [], [], 0, 0, 0, 0
    for clip in clips:
        label, conf, side, doubt = clip_answer(clip.track)
        truth.append(clip.label)
        pred.append(label)
        unsure += doubt
        if clip.label != REST and label == clip.label:
            if side is None:  # a hold whose rule names no side
                unnamed += 1
                continue
            sides_n += 1
            sides_ok += side == (clip.side or "both")
    classes = sorted(MOTIONS) + [REST]
    m = confusion(truth, pred, classes)
    acc = float(np.trace(m) / m.sum())
    ex_rows = [i for i, c in enumerate(classes) if c != REST]
    ex_acc = float(sum(m[i, i] for i in ex_rows) / m[ex_rows].sum())
    print(f"\n== 1. held-out synthetic clips: {len(clips)} ({per_side} per side per exercise + {rest_clips} rest), "
          f"{time.time() - t0:.0f} s")
    print_confusion(m, classes)
    print(f"accuracy {acc:.3f} (exercises only {ex_acc:.3f}); side right on {sides_ok}/{sides_n} correctly "
          f"recognised clips that name one ({unnamed} holds name none); {unsure} answers below the "
          "confidence threshold")
    misses = [(t, p) for t, p in zip(truth, pred) if t != p]
    for t, p in misses:
        print(f"  miss: {t} -> {p}")
    return {"clips": len(clips), "accuracy": round(acc, 4), "exercise_accuracy": round(ex_acc, 4),
            "side_correct": sides_ok, "side_total": sides_n, "side_unnamed": unnamed, "unsure": unsure,
            "classes": classes, "confusion": m.tolist()}


def cached_track(video: Path, cache: Path) -> PoseTrack:
    """MediaPipe's track of a video, from the cache when it is newer than the video."""
    cached = cache / f"{video.name}.full.npz"
    if cached.exists() and cached.stat().st_mtime >= video.stat().st_mtime:
        return PoseTrack.from_npz(cached)
    from formcheck.analyze.video import track_video

    print(f"  tracking {video.name} (cached in {cache}) ...", flush=True)
    track, _ = track_video(video, "full")
    cache.mkdir(parents=True, exist_ok=True)
    track.to_npz(cached)
    return track


def on_clips(title: str, items: list[tuple[str, PoseTrack, str, str | None]]) -> dict:
    """items: (name, track, true exercise, true side or None)."""
    rows, right = [], 0
    print(f"\n== {title}: {len(items)} clips")
    for name, track, want, want_side in items:
        label, conf, side, doubt = clip_answer(track)
        ok = label == want
        right += ok
        note = " (unsure: the CLI asks for --exercise)" if doubt else ""
        side_txt = f", side {side} (truth {want_side or 'both'})" if ok else ""
        print(f"  {'ok  ' if ok else 'MISS'} {name}: {label} {conf:.2f}{side_txt}{note}"
              + ("" if ok else f" — truth {want}"))
        rows.append({"clip": name, "truth": want, "answer": label, "confidence": round(conf, 3), "side": side,
                     "truth_side": want_side, "unsure": doubt})
    acc = right / len(items) if items else None
    print(f"accuracy {right}/{len(items)}" + (f" = {acc:.3f}" if items else ""))
    return {"accuracy": acc, "clips": rows}


def sample_videos(cache: Path) -> dict:
    items = []
    for truth in sorted((ROOT / "sample_videos").glob("*.truth.json")):
        label = json.loads(truth.read_text())
        video = truth.with_name(label["path"])
        items.append((video.name, cached_track(video, cache), label["exercise"], label.get("side")))
    return on_clips("2. rendered sample videos (MediaPipe on rendered people)", items)


def real_clips(folder: Path, cache: Path) -> dict:
    labels_file = folder / "labels.json"
    if not labels_file.exists():
        print(f"\n== 3. real clips: {labels_file} not found, skipped")
        return {"accuracy": None, "clips": []}
    items = []
    for label in json.loads(labels_file.read_text()):
        video = folder / label["path"]
        items.append((label["path"], cached_track(video, cache), label["exercise"], label.get("side")))
    return on_clips("3. real clips (third-party, read in place)", items)


def rendered_cache(folder: Path) -> dict:
    by_length = sorted(MOTIONS, key=len, reverse=True)
    items = []
    for f in sorted(folder.glob("*.full.npz")):
        name = f.name.split(".")[0]
        exercise = next((e for e in by_length if name.startswith(e + "_")), None)
        if exercise:
            side = name.rsplit("_", 1)[-1] if MOTIONS[exercise].sided else None
            items.append((name, PoseTrack.from_npz(f), exercise, side))
    return on_clips(f"4. other rendered clips, cached tracks in {folder}", items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-side", type=int, default=2, help="held-out clips per exercise and side")
    ap.add_argument("--rest-clips", type=int, default=20)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/formcheck-recognize-cache"))
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real")
    ap.add_argument("--rendered-cache", type=Path, default=None)
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--model", type=Path, default=None, help="recogniser weights (default models/recognizer.npz)")
    args = ap.parse_args()
    if args.model:
        from formcheck.recognize import model as recognize_module

        recognize_module._DEFAULT[:] = [recognize_module.Recognizer.load(args.model)]
    figures = {}
    if not args.skip_synthetic:
        figures["synthetic"] = synthetic(args.per_side, args.rest_clips)
    figures["sample_videos"] = sample_videos(args.cache)
    figures["real"] = real_clips(args.real, args.cache)
    if args.rendered_cache:
        figures["rendered_cache"] = rendered_cache(args.rendered_cache)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
