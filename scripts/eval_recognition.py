"""How well does ``--exercise auto`` recognise exercises? (issue 9)

    PYTHONPATH=. python scripts/eval_recognition.py [--per-side 2] [--cache /tmp/formcheck-recognize-cache]
                                                   [--real /work/shared/real] [--rendered-cache DIR] [--json FILE]
                                                   [--error-model] [--write-doc docs/accuracy.md]

1. Held-out synthetic landmark clips (seeds disjoint from training): every scripted
   exercise on both sides with random faults, cameras, bodies, tempo and tracker noise,
   plus rest clips. Prints clip accuracy, side accuracy and the confusion matrix. With
   --error-model the clips carry MediaPipe's fitted errors instead of white jitter.
2. The rendered clips in sample_videos/ (real MediaPipe output on rendered people): pose
   tracks are cached under --cache (computed on first use, minutes).
3. The real clips in --real (labels.json names each clip's exercise), read in place.
4. Optionally, cached MediaPipe tracks of other rendered clips (``<clip>.mp4.full.npz``,
   with a ``<clip>.truth.json`` or a name starting with its exercise id) in --rendered-cache,
   e.g. the recognition benchmark ``benchmarks/recognition/holdout``: per exercise, how many
   clips are right AND at least MIN_CONFIDENCE sure. --write-doc puts that table into the
   marked section of docs/accuracy.md.

An answer is right when it names the exercise or one the camera cannot tell from it
(``formcheck.recognize.catalogue``).
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
from formcheck.recognize.catalogue import counts_as, recognised_as  # noqa: E402
from formcheck.recognize.scoring import ClipVerdict, clip_answer, labelled_tracks, markdown_table  # noqa: E402
from formcheck.recognize.segmentation import MIN_CONFIDENCE, REST  # noqa: E402
from formcheck.synth.motion import MOTIONS  # noqa: E402
from formcheck.synth.recognition_set import TEST_SEED, held_out_clips  # noqa: E402

DOC_BEGIN, DOC_END = "<!-- recognition-rendered:begin -->", "<!-- recognition-rendered:end -->"


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


def synthetic(per_side: int, rest_clips: int, error_model: bool = False, seed: int = TEST_SEED) -> dict:
    t0 = time.time()
    params = None
    if error_model:
        from formcheck.synth.error_model import load_model

        params = load_model()
    clips = held_out_clips(per_side=per_side, rest_clips=rest_clips, seed=seed, error_params=params)
    truth, pred, sides_ok, sides_n, unnamed, unsure = [], [], 0, 0, 0, 0
    for clip in clips:
        label, conf, side = clip_answer(clip.track)
        truth.append(recognised_as(clip.label))
        pred.append(label)
        unsure += label != REST and conf < MIN_CONFIDENCE
        if clip.label != REST and counts_as(clip.label, label):
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
    print(f"\n== 1. held-out synthetic clips{' (landmark error model)' if error_model else ''}: {len(clips)} "
          f"({per_side} per side per exercise + {rest_clips} rest), {time.time() - t0:.0f} s")
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
        label, conf, side = clip_answer(track)
        doubt = label != REST and conf < MIN_CONFIDENCE
        ok = counts_as(want, label)
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
    """Labelled tracks (truth files) in ``folder``, else clips named after their exercise and side."""
    labelled = labelled_tracks(folder)
    if labelled:
        items = [(name, PoseTrack.from_npz(f), truth["exercise"], truth.get("side")) for name, f, truth in labelled]
    else:
        by_length = sorted(MOTIONS, key=len, reverse=True)
        items = []
        for f in sorted(folder.glob("*.full.npz")):
            name = f.name.split(".")[0]
            exercise = next((e for e in by_length if name.startswith(e + "_")), None)
            if exercise:
                side = name.rsplit("_", 1)[-1] if MOTIONS[exercise].sided else None
                items.append((name, PoseTrack.from_npz(f), exercise, side))
    figures = on_clips(f"4. other rendered clips, cached tracks in {folder}", items)
    verdicts = [ClipVerdict(r["clip"], r["truth"], r["truth_side"] or "both", r["answer"], r["confidence"], r["side"])
                for r in figures["clips"]]
    print(f"\nright and >= {MIN_CONFIDENCE} per exercise:\n{markdown_table(verdicts)}")
    figures["table"] = markdown_table(verdicts)
    return figures


def write_doc(doc: Path, folder: Path, table: str, command: str) -> None:
    """Replace (or append) the marked recognition-rendered section of ``doc``."""
    from formcheck.recognize.catalogue import MERGED

    merged = "".join(f"\n- `{a}` is recognised as `{b}`: {why}." for a, (b, why) in MERGED.items())
    clips = len(list(folder.glob("*.truth.json")))
    section = (f"{DOC_BEGIN}\n## Recognition on held-out rendered clips (`--exercise auto`)\n\n"
               f"Made by `{command}` (issue 17; kept by `scripts/accuracy_report.py`). MediaPipe's tracks of "
               f"the rendered clips in `{folder}` (`scripts/make_recognition_benchmark.py`: {clips} short clips, "
               f"the same number of every exercise, 3 reps, one 4-7 s hold or about 8 cycles at 15 fps, random side, body, tempo, colours, "
               f"camera within 20 degrees of the recommended view at 2-3.6 m; seed `HOLDOUT_SEED` of "
               f"`formcheck/synth/recognition_benchmark.py`, apart from every training and tuning seed; never tuned on). "
               f"A clip counts when the answer is its exercise AND the confidence is at least {MIN_CONFIDENCE} "
               f"(below it the CLI asks for `--exercise`).\n\n{table}\n\nMerged, because the camera cannot tell "
               f"them apart:{merged}\n{DOC_END}")
    text = doc.read_text() if doc.exists() else ""
    if DOC_BEGIN in text and DOC_END in text:
        head, rest = text.split(DOC_BEGIN, 1)
        text = head + section + rest.split(DOC_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text)


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
    ap.add_argument("--error-model", action="store_true", help="held-out synthetic clips with MediaPipe's "
                    "fitted errors (models/landmark_error_model.json) instead of white jitter")
    ap.add_argument("--seed", type=int, default=TEST_SEED, help="seed of the synthetic clips (another than the "
                    "default makes a tuning set: choose features and settings there, report on the default)")
    ap.add_argument("--skip-samples", action="store_true", help="skip sections 2 and 3 (sample videos, real clips)")
    ap.add_argument("--write-doc", type=Path, default=None, help="put the --rendered-cache table into this file's "
                    "recognition-rendered section")
    args = ap.parse_args()
    if args.model:
        from formcheck.recognize.model import use_recognizer

        use_recognizer(args.model)
    figures = {}
    if not args.skip_synthetic:
        figures["synthetic"] = synthetic(args.per_side, args.rest_clips, args.error_model, args.seed)
    if not args.skip_samples:
        figures["sample_videos"] = sample_videos(args.cache)
        figures["real"] = real_clips(args.real, args.cache)
    if args.rendered_cache:
        figures["rendered_cache"] = rendered_cache(args.rendered_cache)
        if args.write_doc:
            command = "PYTHONPATH=. python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])
            write_doc(args.write_doc, args.rendered_cache, figures["rendered_cache"]["table"], command)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
