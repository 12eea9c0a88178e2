"""How long the feedback report adds to an analysis, and what the annotated video costs.

    python benchmarks/bench_report.py                 # synthetic one-minute bridge session
    python benchmarks/bench_report.py --video CLIP -e bridge   # also a real clip (runs the pose model once)

1. Report generation (report.json + report.html with its plot and thumbnails + report.csv) for
   a one-minute synthetic session at 30 frames/s; the target is under 2 s. The first run
   includes importing jinja2 and matplotlib (what one ``formcheck analyze`` pays); the others
   show the steady cost.
2. The annotated video, in ms per frame, against decoding the same video alone.

Timings depend on the machine's load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def one_minute_session():
    from formcheck.analyze.track import analyze_track
    from formcheck.rules.exercise import get_exercise
    from formcheck.synth.generate import CameraSpec, place_camera, track_from_performance
    from formcheck.synth.motion import FaultInjection, MotionScript, perform

    script = MotionScript("bridge", reps=16, hold_s=1.0, fps=30.0,
                          faults=(FaultInjection("hips_not_raised", reps=(4, 9)),))
    perf = perform(script)
    camera = place_camera(perf, CameraSpec(width=640, height=480))
    track = track_from_performance(perf, camera)
    t = time.perf_counter()
    result = analyze_track(get_exercise("bridge"), track)
    return result, time.perf_counter() - t


def time_report(result, out: Path, thumbnails: dict) -> dict[str, float]:
    from formcheck.report.csv_table import write_csv
    from formcheck.report.html import write_html_report
    from formcheck.report.build import build_report, write_json_atomic

    times = {}
    t = time.perf_counter()
    report = build_report(result, source="session.mp4", model="full")
    write_json_atomic(out / "report.json", report)
    times["json"] = time.perf_counter() - t
    t = time.perf_counter()
    write_html_report(report, out, result, "annotated.webm", thumbnails)
    times["html"] = time.perf_counter() - t
    t = time.perf_counter()
    write_csv(report, out)
    times["csv"] = time.perf_counter() - t
    times["total"] = sum(times.values())
    return times


def skeleton_clip(result, path: Path, size=(640, 480)) -> Path:
    """A stand-in recording: the landmarks drawn over a textured background (codecs hate flat frames less)."""
    import cv2

    from formcheck.report.annotated_video import draw_skeleton
    from formcheck.io.writer import VideoWriter

    rng = np.random.default_rng(0)
    background = cv2.GaussianBlur(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8), (0, 0), 3)
    fps = (len(result.track) - 1) / (result.track.t_s[-1] - result.track.t_s[0])
    with VideoWriter(path, fps, size) as writer:
        for k in range(len(result.track)):
            image = background.copy()
            writer.write(draw_skeleton(image, result.track.pixel_xy[k] if result.track.detected[k] else None))
    return path


def time_video(video: Path, result, out: Path) -> dict[str, float]:
    from formcheck.report.annotated_video import write_annotated_video
    from formcheck.io.video import open_source

    t = time.perf_counter()
    with open_source(video) as src:
        size = (src.info.width, src.info.height)
        n = sum(1 for _ in src)
    decode = (time.perf_counter() - t) / n
    t = time.perf_counter()
    done = write_annotated_video(video, result, out / "annotated.webm")
    annotate = (time.perf_counter() - t) / done.frames
    return {"frames": n, "size": size, "decode_ms": 1000 * decode, "annotate_ms": 1000 * annotate,
            "thumbnails": len(done.thumbnails), "result": done}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--video", type=Path, help="also time the annotated video of this clip")
    parser.add_argument("-e", "--exercise", default="bridge")
    args = parser.parse_args()

    result, analysis_s = one_minute_session()
    duration = result.track.t_s[-1] - result.track.t_s[0]
    print(f"session: {duration:.1f} s, {len(result.track)} frames, {len(result.engine.reps)} reps "
          f"(analysis of the landmarks {analysis_s:.2f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        video = time_video(skeleton_clip(result, out / "source.webm"), result, out)
        thumbnails = video.pop("result").thumbnails
        runs = [time_report(result, out, thumbnails) for _ in range(max(1, args.runs))]
        html_kb = (out / "report.html").stat().st_size / 1024
        json_kb = (out / "report.json").stat().st_size / 1024
    first, rest = runs[0], runs[1:] or runs
    steady = {k: statistics.median(r[k] for r in rest) for k in first}
    print(f"report generation, first run (imports included): {first['total']:.2f} s "
          f"(json {first['json']:.2f}, html {first['html']:.2f}, csv {first['csv']:.3f})")
    print(f"report generation, median of later runs:        {steady['total']:.2f} s "
          f"(json {steady['json']:.2f}, html {steady['html']:.2f}, csv {steady['csv']:.3f}); "
          f"report.html {html_kb:.0f} kB, report.json {json_kb:.0f} kB")
    print(f"target < 2 s: {'met' if first['total'] < 2.0 else 'NOT met'}")
    print(f"annotated video, synthetic {video['size'][0]}x{video['size'][1]}: {video['annotate_ms']:.1f} ms/frame "
          f"vs decode alone {video['decode_ms']:.1f} ms/frame ({video['frames']} frames)")

    if args.video:
        from formcheck.analyze.track import analyze_track
        from formcheck.rules.exercise import get_exercise
        from formcheck.analyze.video import track_video

        track, _ = track_video(args.video)
        real = analyze_track(get_exercise(args.exercise), track)
        with tempfile.TemporaryDirectory() as tmp:
            v = time_video(args.video, real, Path(tmp))
        print(f"annotated video, {args.video.name} {v['size'][0]}x{v['size'][1]}: {v['annotate_ms']:.1f} ms/frame "
              f"vs decode alone {v['decode_ms']:.1f} ms/frame ({v['frames']} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
