"""Issue 16: does ``analyze`` stay flat over an hour? RSS every minute of a 60-minute looped clip.

    PYTHONPATH=. .venv/bin/python benchmarks/long_memory.py                      # 60 min, replayed poses
    PYTHONPATH=. .venv/bin/python benchmarks/long_memory.py --minutes 60 --video # with the annotated video
    PYTHONPATH=. .venv/bin/python benchmarks/long_memory.py --minutes 15 --real-model lite

A sample clip is looped into a long file (``bench_pipeline.looped_clip``: mp4v, streamed to disk,
kept in ``--cache``) and the whole ``analyze_video`` path runs on it: decoding in the reader
thread, landmark cleaning, the engine, the row spool, the verdict columns, the rep pictures,
report.json / report.html / report.csv / landmarks.npz and, with ``--video``, the annotated video.

**By default the pose model's output is replayed, not inferred**: the clip is run through the
real model once (VIDEO mode, every frame), and during the long run each decoded frame gets the
landmarks of the clip's frame it is a copy of (frame number modulo the clip's length). An hour
of real inference would cost an hour of a core on an idle machine; what the issue asks about,
memory growing with the frames after the pose model, is all still exercised. The model itself
is not loaded in this mode (RSS is ~100 MB lower than a real run's; the growth is what counts).
``--real-model lite|full`` runs real inference instead, for as many minutes as you can afford.

Printed: RSS after each minute of video, the growth from minute 1 to the last, the peak while
the report is written, and whether every loop of the clip was counted the same (the report of
the long run must say ``loops x`` the clip's reps).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import formcheck.pose.estimator as fc_estimator  # noqa: E402
from bench_pipeline import Clip, find_clips, looped_clip, peak_rss_mb, reset_peak_rss, rss_mb  # noqa: E402
from formcheck.analyze.video import analyze_video  # noqa: E402
from formcheck.io.video import open_source  # noqa: E402
from formcheck.pose.estimator import PoseResult  # noqa: E402
from formcheck.pose.landmarks import PoseTrack  # noqa: E402
from formcheck.rules.exercise import get_exercise  # noqa: E402


class ReplayedPoses:
    """Stands in for a loaded ``PoseEstimator``: the frame at ``t_s`` gets the clip's row (frame number mod its length).

    Also the "load" object ``analyze_video`` waits on (``result()``, ``close()``), and a context
    manager, as ``detect_frames`` uses the estimator.
    """

    def __init__(self, track: PoseTrack, fps: float):
        self.track, self.fps = track, fps

    def result(self) -> "ReplayedPoses":
        return self

    def close(self) -> None:
        pass

    def __enter__(self) -> "ReplayedPoses":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def detect(self, _image: np.ndarray, t_s: float) -> PoseResult | None:
        k = int(round(t_s * self.fps)) % len(self.track)  # by time: --fast infers some frames only
        tr = self.track
        if not tr.detected[k]:
            return None
        return PoseResult(tr.image_xyz[k], tr.world_xyz[k], tr.visibility[k], tr.presence[k])


def clip_track(clip: Clip, model: str, cache: Path) -> PoseTrack:
    """Every frame of ``clip`` through the real model once (cached next to the looped file)."""
    path = cache / f"{clip.path.stem}.{model}.track.npz"
    if path.exists() and path.stat().st_mtime >= clip.path.stat().st_mtime:
        return PoseTrack.from_npz(path)
    with open_source(clip.path) as src:
        track = fc_estimator.estimate_track(((f.t_s, f.image) for f in src), model=model)
    track.to_npz(path)
    return track


def run(clip: Clip, minutes: float, model: str, replay: bool, video: bool, cache: Path, work: Path,
        fast: bool = False) -> dict:
    """The long analysis, RSS sampled after each minute of video; the figures as a dict."""
    long_clip, total = looped_clip(clip, minutes, cache)
    with open_source(clip.path) as src:
        fps, clip_frames = src.info.fps or 30.0, src.info.frame_count
    if replay:
        track = clip_track(clip, model, cache)
        clip_frames = len(track)
        fc_estimator.load_estimator = lambda *_a, **_k: ReplayedPoses(track, fps)  # noqa: E731 - the one stand-in
    for name in ("one", "long"):
        (work / name).mkdir(parents=True, exist_ok=True)
    single = analyze_video(clip.path, get_exercise(clip.exercise), work / "one", model, video_out=False,
                           fast=fast).report
    per_minute = int(round(60 * fps))
    marks: list[tuple[int, float, float]] = [(0, 0.0, rss_mb())]
    start = time.perf_counter()

    def on_frame(done: int, _total) -> None:
        if done // per_minute > len(marks) - 1 or done == total:
            marks.append((done, time.perf_counter() - start, rss_mb()))
            print(f"  minute {done / per_minute:5.1f}: {marks[-1][1]:7.1f} s, RSS {marks[-1][2]:6.1f} MB", flush=True)

    reset_peak_rss()
    report = analyze_video(long_clip.path, get_exercise(clip.exercise), work / "long", model, progress=on_frame,
                           video_out=video, fast=fast).report
    wall, peak = time.perf_counter() - start, peak_rss_mb()
    loops = total / clip_frames
    return {"minutes": minutes, "frames": total, "fps": fps, "replayed": replay, "video": video, "fast": fast,
            "inferred": report.get("sampling", {}).get("inferred"), "wall_s": wall,
            "rss_mb": [m[2] for m in marks], "minute_marks": [m[0] / per_minute for m in marks],
            "peak_rss_mb": peak, "end_rss_mb": rss_mb(), "reps": report["summary"]["rep_count"],
            "clip_reps": single["summary"]["rep_count"], "loops": loops}


def summary(fig: dict) -> str:
    """The figures the issue asks for, as lines."""
    rss, marks = fig["rss_mb"], fig["minute_marks"]
    first = next(k for k, m in enumerate(marks) if m >= 1.0 - 1e-9)
    growth = rss[-1] - rss[first]
    expected = fig["clip_reps"] * fig["loops"]
    return "\n".join([
        f"  {fig['frames']} frames ({fig['minutes']:g} min at {fig['fps']:g} fps) in {fig['wall_s'] / 60:.1f} min; "
        f"pose model {'REPLAYED from a cached track' if fig['replayed'] else 'run for real'}; annotated video "
        f"{'written' if fig['video'] else 'not written'}"
        + (f"; --fast: the model on {fig['inferred']} frames" if fig["fast"] else ""),
        f"  RSS {rss[first]:.1f} MB after minute 1, {rss[-1]:.1f} MB after minute {marks[-1]:g}: {growth:+.1f} MB "
        f"(target <= +50 MB from minute 1 to 60); peak {fig['peak_rss_mb']:.1f} MB while the report is written",
        f"  reps counted {fig['reps']}; the clip alone {fig['clip_reps']} x {fig['loops']:.2f} loops = {expected:.1f}",
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(ROOT / "sample_videos" / "bridge_clean_left.mp4"))
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--video", action="store_true", help="also write the annotated video")
    ap.add_argument("--fast", action="store_true", help="analyse with --fast (look-back sampling)")
    ap.add_argument("--real-model", choices=("lite", "full"), default=None,
                    help="run real inference with this model instead of replaying the cached track")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "formcheck-long-memory"))
    args = ap.parse_args()
    clips = find_clips(args.clip, 1)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="formcheck-long-") as tmp:
        fig = run(clips[0], args.minutes, args.real_model or "full", args.real_model is None, args.video, cache,
                  Path(tmp), args.fast)
    print(summary(fig))


if __name__ == "__main__":
    main()
