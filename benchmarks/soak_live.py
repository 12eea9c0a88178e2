"""Soak test of a live session: does memory stay flat for an hour?

Feeds a synthetic landmark stream (formcheck.synth tracks of reps and rests, looped with
continuous timestamps) through LiveSession one frame at a time, as a camera would, with no
model, video or window, and prints the process's resident memory (RSS, from /proc) every
few simulated minutes, then the growth after warm-up and the cost of writing the report.

    PYTHONPATH=. python benchmarks/soak_live.py                 # one hour at 30 frames/s (108,000 frames)
    PYTHONPATH=. python benchmarks/soak_live.py --minutes 5 --every 1

tests/test_reliability.py runs a five-minute version of the same loop.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from formcheck.rules.exercise import get_exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.live.session import LiveSession, finish_session
from formcheck.pose.estimator import PoseResult
from formcheck.synth.generate import CameraSpec, place_camera, track_from_performance
from formcheck.synth.motion import MotionScript, perform


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux /proc; no psutil needed)."""
    return _status_kb("VmRSS") / 1024.0


def peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024.0


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def stream_track(exercise: str, fps: float) -> PoseTrack:
    """Reps with rests between them, seen from the exercise's recommended view."""
    perf = perform(MotionScript(exercise, reps=6, lead_in_s=2.0, hold_s=1.0, fps=fps))
    return track_from_performance(perf, place_camera(perf, CameraSpec(view="recommended")))


def looped(track: PoseTrack, frames: int) -> Iterator[tuple[float, PoseResult | None]]:
    """``frames`` frames of the track played again and again, time running on across loops."""
    period = float(track.t_s[-1] - track.t_s[0]) + float(track.t_s[1] - track.t_s[0])
    n = len(track)
    for i in range(frames):
        k, loop = i % n, i // n
        pose = (PoseResult(track.image_xyz[k], track.world_xyz[k], track.visibility[k], track.presence[k])
                if track.detected[k] else None)
        yield loop * period + float(track.t_s[k]), pose


def soak(minutes: float, exercise: str = "clamshell", fps: float = 30.0, every_min: float = 10.0,
         on_sample: Callable[[float, float], None] | None = None,
         measure: Callable[[], float] | None = None) -> tuple[LiveSession, list[tuple[float, float]]]:
    """Run the session; returns it and (simulated minute, MB) samples, the first at 1 minute.

    ``measure``: the memory figure in MB (default the process RSS; tests pass tracemalloc's,
    which the allocator's arena steps and the rest of a test run cannot blur).
    """
    measure = measure or rss_mb
    ex = get_exercise(exercise)
    track = stream_track(exercise, fps)
    session = LiveSession(ex, track.image_size)
    total = int(round(minutes * 60 * fps))
    marks = {int(round(60 * fps))} | {int(round(m * 60 * fps)) for m in _frange(every_min, minutes, every_min)}
    samples: list[tuple[float, float]] = []
    for i, (t, pose) in enumerate(looped(track, total), start=1):
        session.step(t, pose)
        if i in marks:
            samples.append((i / fps / 60.0, measure()))
            if on_sample is not None:
                on_sample(*samples[-1])
    return session, samples


def _frange(start: float, stop: float, step: float) -> list[float]:
    out, x = [], start
    while x <= stop + 1e-9:
        out.append(x)
        x += step
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="simulated session length")
    parser.add_argument("--every", type=float, default=10.0, help="print RSS every this many simulated minutes")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--exercise", default="clamshell")
    args = parser.parse_args(argv)

    start_rss, wall = rss_mb(), time.perf_counter()
    print(f"soak: {args.exercise}, {args.minutes:g} simulated minutes at {args.fps:g} frames/s "
          f"({int(args.minutes * 60 * args.fps):,} frames); RSS at start {start_rss:.1f} MB")
    print(f"{'minute':>7} {'frames':>8} {'RSS MB':>8} {'wall s':>7}")

    def show(minute: float, rss: float) -> None:
        print(f"{minute:7.1f} {int(minute * 60 * args.fps):8d} {rss:8.1f} {time.perf_counter() - wall:7.1f}",
              flush=True)

    session, samples = soak(args.minutes, args.exercise, args.fps, args.every, show)
    warm = samples[0][1]
    growth = samples[-1][1] - warm
    per_frame = growth * 2**20 / max(1, (samples[-1][0] - samples[0][0]) * 60 * args.fps)
    print(f"growth after warm-up (minute {samples[0][0]:g} -> {samples[-1][0]:g}): {growth:+.1f} MB "
          f"({per_frame:.0f} bytes/frame); reps counted {session.engine.counts_by_side()}")
    ended = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        report = finish_session(session, Path(out), "soak", "synthetic", {})
        npz_mb = (Path(out) / "landmarks.npz").stat().st_size / 2**20
    print(f"report written in {time.perf_counter() - ended:.1f} s: {report['summary']['rep_count']} reps, "
          f"landmarks.npz {npz_mb:.1f} MB; peak RSS of the whole run {peak_rss_mb():.1f} MB")
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
