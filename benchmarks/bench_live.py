"""Benchmark of the live loop: frames/s end to end and latency, against bare pose inference.

    python benchmarks/bench_live.py [--model lite] [--frames 600] [--width 640] [CLIP]

Runs ``run_live`` with ``fast=True`` (no pacing), no window but the overlay drawn, over a
clip: CLIP, else the first .mp4/.webm in sample_videos/, else a real clip from
../shared/real/ (looped to ``--frames``), else blank frames. The same run then times bare
``PoseEstimator.detect`` on the same frames. Sound cues go to a fake backend that takes
0.5 s per beep, to show the display never waits for a sound.

Issue 4's target: at least 25 frames/s with the lite model on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.live import cues as cues  # noqa: E402
from formcheck.rules.exercise import get_exercise  # noqa: E402
from formcheck.live.loop import run_live  # noqa: E402
from formcheck.pose.estimator import PoseEstimator  # noqa: E402
from formcheck.io.frames import Frame, FrameSource, SourceInfo  # noqa: E402
from formcheck.io.video import open_source  # noqa: E402

REAL = ROOT.parent / "shared" / "real"


def pick_clip(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    for folder, pattern in ((ROOT / "sample_videos", ("*.mp4", "*.webm")),
                            (REAL, ("bridge_5reps_cropped.mp4", "*.mp4"))):
        for pat in pattern:
            found = sorted(f for f in folder.glob(pat) if not f.name.startswith(".")) if folder.is_dir() else []
            if found:
                return found[0]
    return None


class LoopedClip(FrameSource):
    """A clip decoded again and again (never held in memory) until ``frames`` frames, timestamps continuing."""

    def __init__(self, clip: Path | None, frames: int, width: int | None):
        self.clip, self.frames, self.width = clip, frames, width
        w, h, fps = 640, 480, 30.0
        if clip is not None:
            with open_source(clip) as src:
                first = next(iter(src)).image
                h, w = first.shape[:2]
                fps = src.info.fps or 30.0
        if width:
            w, h = width, round(h * width / w)
        self.size, self.fps = (w, h), fps
        super().__init__(SourceInfo(f"{clip.name if clip else 'blank frames'} looped", w, h, fps, frames, None, False))

    def _frames(self):
        n, dt = 0, 1.0 / self.fps
        while n < self.frames:
            if self.clip is None:
                image = np.zeros((self.size[1], self.size[0], 3), np.uint8)
                yield Frame(n, n * dt, image)
                n += 1
                continue
            with open_source(self.clip) as src:
                for f in src:
                    if n >= self.frames:
                        return
                    image = f.image if not self.width else cv2.resize(f.image, self.size, interpolation=cv2.INTER_AREA)
                    yield Frame(n, n * dt, image)
                    n += 1


def bare_inference(clip: Path | None, frames: int, width: int | None, model: str) -> tuple[np.ndarray, float]:
    """detect() alone on the same frames (decoding not timed): wall ms per frame, and CPU ms per frame."""
    times, cpu = [], 0.0
    with PoseEstimator(model) as est:
        for f in LoopedClip(clip, frames, width):
            start, c0 = time.perf_counter(), time.process_time()
            est.detect(f.image, f.t_s)
            times.append(time.perf_counter() - start)
            cpu += time.process_time() - c0
    return 1000 * np.asarray(times), 1000 * cpu / max(len(times), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?")
    ap.add_argument("--model", default="lite", choices=("lite", "full"))
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--width", type=int, default=None, help="resize frames to this width (e.g. 640 for a webcam)")
    ap.add_argument("--exercise", default="bridge")
    args = ap.parse_args()
    clip = pick_clip(args.clip)

    beeps = []

    def slow_speaker(name, samples):  # a sound backend much slower than a frame
        time.sleep(0.5)
        beeps.append(name)

    cues._sound_backend = lambda: slow_speaker
    # bare inference before and after the live run: other processes on a shared machine change
    # the speed over time; CPU time per frame (all our threads) is the steadier comparison
    n_bare = min(args.frames, 300)
    bare1, cpu1 = bare_inference(clip, n_bare, args.width, args.model)
    load0 = os.getloadavg()[0]
    source = LoopedClip(clip, args.frames, args.width)
    with tempfile.TemporaryDirectory() as out:
        start, c0 = time.perf_counter(), time.process_time()
        report = run_live(source, get_exercise(args.exercise), model=args.model, out_dir=Path(out),
                          show_window=False, fast=True, sound=True, draw=True)
        wall, live_cpu = time.perf_counter() - start, time.process_time() - c0
    bare2, cpu2 = bare_inference(clip, n_bare, args.width, args.model)
    perf = report["live"]["performance"]
    bare = np.concatenate([bare1, bare2])
    bare_fps = 1000.0 / bare.mean()
    bare_cpu = (cpu1 + cpu2) / 2
    live_cpu_ms = 1000 * live_cpu / perf["frames_processed"]  # includes decoding and writing the report
    w, h = source.size
    print(f"clip: {source.info.description} ({w}x{h}), {perf['frames_processed']} frames, model {args.model}, "
          f"{os.cpu_count()} CPUs, load average {load0:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"live loop, end to end (decode + pose + cleaning + engine + overlay): {perf['fps']:.1f} frames/s")
    print(f"latency frame read -> overlay drawn: mean {perf['latency_ms_mean']:.1f} ms, p95 {perf['latency_ms_p95']:.1f} ms")
    print(f"bare {args.model} inference (detect only, before: {1000 / bare1.mean():.1f}, after: {1000 / bare2.mean():.1f} "
          f"frames/s): {bare.mean():.1f} ms mean, {np.median(bare):.1f} ms median = {bare_fps:.1f} frames/s")
    print(f"live / bare inference, frames/s: {perf['fps'] / bare_fps:.2f}; CPU per frame: live {live_cpu_ms:.1f} ms, "
          f"bare {bare_cpu:.1f} ms (x{live_cpu_ms / bare_cpu:.2f})")
    print(f"reps counted: {report['summary']['rep_count']}; beeps to a 0.5 s/beep backend while the loop ran: "
          f"{len(beeps)}; session incl. report: {wall:.1f} s")
    print("target >= 25 frames/s:", "met" if perf["fps"] >= 25 else "NOT met")


if __name__ == "__main__":
    main()
