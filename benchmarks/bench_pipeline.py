"""formcheck's throughput against bare MediaPipe inference, stage by stage, on the same frames.

    python benchmarks/bench_pipeline.py            # full run: about 10 min on an idle 2-core machine
    python benchmarks/bench_pipeline.py --quick    # about 3 min: native size + 720p, a 2-minute long clip
    python benchmarks/bench_pipeline.py --help     # clip selection, model, strides, --json, --profile

Not part of the test suite. What it measures, in one process and one run (the machine is shared
and noisy, so the figures that count are the ratios, each taken from measurements made side by
side, clip by clip):

1. Bare inference: ``PoseEstimator.detect`` alone on pre-decoded frames (decoded in chunks of 48
   outside the timer, so memory stays bounded), for the lite and the full model.
2. ``analyze`` end to end (``pipeline.analyze_video``, the code the CLI runs), without and with
   the annotated video, on the same clips right after their bare-inference pass; the run is
   split into stages by timing wrappers: pose (inference alone), cleaning (the windowed
   cleaner's steps), engine, annotated video (waiting for the writer thread once the pose pass
   is over), report (report.json, report.html, report.csv) and other (model load, waiting for
   decoded frames); the writer thread's own time (second decode + overlay + encode, running
   alongside) and how much of it it spent waiting for verdicts are printed apart. Overlay and
   encode are also timed alone on the clips' first frames. Ratio = analyze frames/s / bare
   inference frames/s. Targets: >= 0.9 without the annotated video, >= 0.7 with it.
3. Clips: ``sample_videos/*.mp4`` at their own size, then scaled (keeping their aspect ratio,
   padded) to 1280x720 and 1920x1080; scaled copies are written once to ``--cache``.
4. A long clip (10 minutes by default) made by looping a sample clip's frames into a file
   (streamed: never held in memory), analysed without the annotated video: time and RSS every
   minute of video, to show cost grows linearly and memory stays flat (only the landmark
   track, a few KB a frame, grows).
5. Issue 16: ``--fast`` next to ``--stride`` 2 and 3, on every labelled sample clip and the real
   clips of ``--real``: frames/s over bare inference on the same clips, rep counts scored against
   the labels (``formcheck.analyze.evaluate.score_clip``, as ``formcheck eval`` does), and whether
   the report says the same as at stride 1 (counts, holds within 0.3 s, faults); then the
   replay of ``--fast`` (look-back, ``formcheck.analyze.lookback``) and of the causal sampler it
   replaced on the fault benchmark's stored tracks (``sim_fast_sampling.py``). An hour of
   ``analyze`` for memory: ``long_memory.py`` (the pose model replayed).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")
os.environ.setdefault("GLOG_minloglevel", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))  # sim_fast_sampling

import formcheck.analyze.track as fc_analysis  # noqa: E402
import formcheck.report.annotated_video as fc_annotate  # noqa: E402
import formcheck.analyze.stream as fc_follow  # noqa: E402
import formcheck.signals.windowed as fc_windowed  # noqa: E402
import formcheck.analyze.video as fc_pipeline  # noqa: E402
from formcheck.analyze.evaluate import score_clip  # noqa: E402
from formcheck.rules.exercise import get_exercise  # noqa: E402
from formcheck.pose.estimator import PoseEstimator  # noqa: E402
from formcheck.io.capture import native_stderr_silenced  # noqa: E402
from formcheck.io.video import open_source  # noqa: E402
from formcheck.io.writer import VideoWriter  # noqa: E402

CHUNK = 48  # frames decoded ahead of a bare-inference burst
ISOLATED_FRAMES = 60  # frames per clip for the overlay-alone and encode-alone timings


# --------------------------------------------------------------------------- memory


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024


def reset_peak_rss() -> None:
    with contextlib.suppress(OSError):  # Linux: writing 5 resets VmHWM to the current RSS
        Path("/proc/self/clear_refs").write_text("5")


def _status_kb(key: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    import resource
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# --------------------------------------------------------------------------- clips


@dataclass
class Clip:
    path: Path
    exercise: str
    truth: dict | None
    frames: int = 0
    size: tuple[int, int] = (0, 0)


def find_clips(pattern: str, limit: int | None) -> list[Clip]:
    clips = []
    for p in sorted(glob.glob(pattern)):
        path = Path(p)
        truth_path = path.with_suffix("").with_name(path.stem + ".truth.json")
        truth = json.loads(truth_path.read_text()) if truth_path.exists() else None
        exercise = truth["exercise"] if truth else _guess_exercise(path.stem)
        if exercise is None:
            print(f"  skipping {path.name}: no .truth.json and no exercise id in its name")
            continue
        clips.append(Clip(path, exercise, truth))
    if not clips:
        sys.exit(f"no clips match {pattern}: render the sample set (scripts/make_synth_set.py) or pass --clips")
    if not limit or limit >= len(clips):
        return clips
    by_exercise: dict[str, list[Clip]] = {}
    for c in clips:
        by_exercise.setdefault(c.exercise, []).append(c)
    picked: list[Clip] = []
    while len(picked) < limit:  # round robin over the exercises, so every one is represented
        for group in by_exercise.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    return picked


def _guess_exercise(stem: str) -> str | None:
    from formcheck.rules.exercise import builtin_exercises

    ids = sorted(builtin_exercises(), key=len, reverse=True)
    return next((i for i in ids if stem.startswith(i)), None)


def scaled_copy(clip: Clip, height: int, cache: Path) -> Clip:
    """``clip`` scaled to ``height`` (aspect kept) and padded to 16:9, written once as mp4v."""
    width = height * 16 // 9
    out = cache / f"{clip.path.stem}_{width}x{height}.mp4"
    if not out.exists() or out.stat().st_mtime < clip.path.stat().st_mtime:
        tmp = out.with_suffix(".partial.mp4")
        with open_source(clip.path) as src:
            fps = src.info.fps or 30.0
            writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
            for f in src:
                writer.write(_fit(f.image, width, height))
            writer.release()
        os.replace(tmp, out)
    return Clip(out, clip.exercise, clip.truth)


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    h, w = image.shape[:2]
    s = min(width / w, height / h)
    nw, nh = int(round(w * s)) // 2 * 2, int(round(h * s)) // 2 * 2
    canvas = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - nw) // 2, (height - nh) // 2
    canvas[y0:y0 + nh, x0:x0 + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas


def looped_clip(clip: Clip, minutes: float, cache: Path) -> tuple[Clip, int]:
    """A ``minutes``-long file made by decoding ``clip`` again and again (streamed to disk)."""
    with open_source(clip.path) as src:
        fps = src.info.fps or 30.0
        size = (src.info.width, src.info.height)
    total = int(round(minutes * 60 * fps))
    out = cache / f"{clip.path.stem}_loop_{minutes:g}min.mp4"
    if not out.exists() or out.stat().st_mtime < clip.path.stat().st_mtime:
        tmp = out.with_suffix(".partial.mp4")
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        n = 0
        while n < total:
            with open_source(clip.path) as src:
                for f in src:
                    if n >= total:
                        break
                    writer.write(f.image)
                    n += 1
        writer.release()
        os.replace(tmp, out)
    return Clip(out, clip.exercise, None), total


# --------------------------------------------------------------------------- what-if encoder


class _PyAVStream:
    """VP8 through PyAV with libvpx's realtime settings (OpenCV's writer cannot pass encoder options)."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int], cpu_used: int) -> None:
        from fractions import Fraction

        import av

        self._av = av
        self.container = av.open(str(path), "w", format="webm")
        self.stream = self.container.add_stream("libvpx", rate=Fraction(fps).limit_denominator(1001))
        self.stream.width, self.stream.height = size
        self.stream.pix_fmt = "yuv420p"
        self.stream.bit_rate = int(1_200_000 * size[0] * size[1] / (854 * 480))
        self.stream.options = {"deadline": "realtime", "cpu-used": str(cpu_used)}
        self.stream.codec_context.thread_count = 1  # libvpx's own threads only add contention on 2 cores
        self._open = True

    def write(self, image: np.ndarray) -> None:
        for packet in self.stream.encode(self._av.VideoFrame.from_ndarray(image, format="bgr24")):
            self.container.mux(packet)

    def release(self) -> None:
        if self._open:
            self._open = False
            for packet in self.stream.encode():
                self.container.mux(packet)
            self.container.close()


def pyav_writer_class(cpu_used: int):
    """formcheck's VideoWriter (atomic .webm) with the PyAV realtime VP8 encoder inside: a what-if."""

    class PyAVVideoWriter(VideoWriter):
        def _open(self, frame_size: tuple[int, int]) -> None:
            super()._open(frame_size)  # the temporary file and the checks; then swap the encoder
            self._writer.release()
            self._writer = _PyAVStream(self._tmp, self.fps, self._size, cpu_used)

    return PyAVVideoWriter


@contextlib.contextmanager
def annotate_writer(writer_class):
    """Make formcheck.report.annotated_video write its video with ``writer_class`` (None: unchanged)."""
    if writer_class is None:
        yield
        return
    saved = fc_annotate.VideoWriter, fc_follow.VideoWriter
    fc_annotate.VideoWriter = fc_follow.VideoWriter = writer_class
    try:
        yield
    finally:
        fc_annotate.VideoWriter, fc_follow.VideoWriter = saved


# --------------------------------------------------------------------------- stage timing


class StageTimer:
    """Wraps the pipeline's functions (module attributes) to time each stage of analyze_video."""

    TARGETS = [  # (module or class, attribute, stage); issue 8: one pass, the video written alongside
        (PoseEstimator, "detect", "pose"),
        (fc_windowed.WindowedCleaner, "_step", "cleaning"),
        (fc_analysis.SessionStream, "_run_engine", "engine"),
        (fc_follow.FollowingWriter, "_write", "writer thread"),  # decode+overlay+encode, concurrent
        (fc_pipeline, "build_report", "report"),
        (fc_pipeline, "write_feedback_files", "report"),  # includes the wait above: subtracted
        (fc_annotate, "collect_thumbnails", "thumbnails"),  # --no-video only: a decode up to the last peak
    ]

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._saved = []

    def __enter__(self) -> StageTimer:
        for module, name, stage in self.TARGETS:
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._wrap(original, stage))

        original_result = fc_follow.FollowingWriter.result  # and how long the writer had nothing to draw
        self._saved.append((fc_follow.FollowingWriter, "result", original_result))
        timer = self

        def result(writer, *args, **kwargs):
            try:
                return original_result(writer, *args, **kwargs)
            finally:
                timer.times["writer idle"] = timer.times.get("writer idle", 0.0) + writer.feed.waited_s
        fc_follow.FollowingWriter.result = self._wrap(result, "annotated video")
        return self

    def __exit__(self, *exc) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)

    def _wrap(self, fn, stage):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times[stage] = self.times.get(stage, 0.0) + time.perf_counter() - start
        return timed


@dataclass
class Totals:
    frames: int = 0
    bare_s: float = 0.0
    decode_s: float = 0.0
    overlay_ms: list = field(default_factory=list)
    encode_ms: list = field(default_factory=list)
    runs: dict = field(default_factory=dict)  # "no video"/"video" -> stage -> seconds
    cpu: dict = field(default_factory=dict)  # "no video"/"video" -> (cpu seconds, wall seconds)
    peak_rss: dict = field(default_factory=dict)
    report_max_s: dict = field(default_factory=dict)  # kind -> longest report stage of one clip

    def add_run(self, kind: str, stages: dict[str, float], cpu_s: float) -> None:
        run = self.runs.setdefault(kind, {})
        for k, v in stages.items():
            run[k] = run.get(k, 0.0) + v
        c, w = self.cpu.get(kind, (0.0, 0.0))
        self.cpu[kind] = (c + cpu_s, w + stages["total"])


def bare_inference(path: Path, model: str) -> tuple[int, float, float]:
    """(frames, seconds in detect, seconds decoding) with detect alone on pre-decoded frames."""
    detect_s = decode_s = 0.0
    n = 0
    with PoseEstimator(model) as est, open_source(path) as src:
        frames = iter(src)
        while True:
            start = time.perf_counter()
            chunk = list(islice(frames, CHUNK))
            decode_s += time.perf_counter() - start
            if not chunk:
                break
            for f in chunk:
                start = time.perf_counter()
                est.detect(f.image, f.t_s)
                detect_s += time.perf_counter() - start
            n += len(chunk)
    return n, detect_s, decode_s


def analyze_timed(clip: Clip, model: str, video_out: bool, out: Path, stride: int = 1,
                  writer_class=None) -> tuple[dict, dict, float]:
    """analyze_video end to end with stage times; returns (stages, report, cpu seconds)."""
    exercise = get_exercise(clip.exercise)
    out.mkdir(parents=True, exist_ok=True)
    cpu0 = time.process_time()
    with StageTimer() as timer, annotate_writer(writer_class):
        start = time.perf_counter()
        analysis = fc_pipeline.analyze_video(clip.path, exercise, out, model, video_out=video_out, stride=stride)
        total = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    t = timer.times
    stages = {"pose": t.get("pose", 0.0), "cleaning": t.get("cleaning", 0.0), "engine": t.get("engine", 0.0),
              "annotated video": t.get("annotated video", 0.0),
              "report": t.get("report", 0.0) - t.get("annotated video", 0.0)}
    stages["other"] = total - sum(stages.values())  # waiting for decoded frames, the stream's bookkeeping
    stages["writer thread"] = t.get("writer thread", 0.0)  # overlaps the others: not in the total
    stages["writer idle"] = t.get("writer idle", 0.0)  # of which waiting for verdicts
    stages["total"] = total
    return stages, analysis.report, cpu


def overlay_and_encode(clip: Clip, report_dir: Path, frames: int) -> tuple[list[float], list[float]]:
    """Per-frame ms of the overlay alone (scale + draw) and of VP8 encoding alone, first ``frames`` frames."""
    from formcheck.analyze.track import analyze_track
    from formcheck.pose.landmarks import PoseTrack

    track = PoseTrack.from_npz(report_dir / fc_pipeline.TRACK_NAME)
    result = analyze_track(get_exercise(clip.exercise), track)
    draw = fc_annotate.overlay_function()
    pixels = result.track.pixel_xy
    with open_source(clip.path) as src:
        size = fc_annotate.output_size(src.info.width, src.info.height)
        images = [f.image for f in islice(src, min(frames, len(track)))]
    overlay_ms, drawn = [], []
    for k, image in enumerate(images):
        start = time.perf_counter()
        small, scale = fc_annotate.scaled_copy(image, fc_annotate.MAX_VIDEO_PIXELS, size)
        lm = pixels[k] * scale if result.track.detected[k] else None
        drawn.append(draw(small, lm, result.verdicts[k], result.exercise))
        overlay_ms.append(1000 * (time.perf_counter() - start))
    encode_ms = []
    with tempfile.TemporaryDirectory() as tmp, native_stderr_silenced():
        writer = VideoWriter(Path(tmp) / "x.webm", 24.0, size)
        for image in drawn:
            start = time.perf_counter()
            writer.write(image)
            encode_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        writer.close()  # flushes the encoder's last frames
        encode_ms[-1] += 1000 * (time.perf_counter() - start)
    return overlay_ms, encode_ms


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- sections


def section_bare_models(clips: list[Clip]) -> dict:
    print("\n== Bare MediaPipe inference (PoseEstimator.detect on pre-decoded frames) ==")
    out = {}
    for model in ("lite", "full"):
        frames = detect_s = 0
        for clip in clips:
            n, d, _ = bare_inference(clip.path, model)
            frames += n
            detect_s += d
        out[model] = frames / detect_s
        print(f"  {model:4s}: {1000 * detect_s / frames:5.1f} ms/frame = {out[model]:5.1f} frames/s ({frames} frames)")
    return out


def section_resolution(label: str, clips: list[Clip], model: str, work: Path,
                       reports: dict | None = None, what_if_writer=None) -> dict:
    """Bare inference and analyze (without and with the annotated video), clip by clip.

    ``reports`` (optional) collects each clip's report and analyze time, for the stride section.
    """
    print(f"\n== {label}: {len(clips)} clips, model {model} ==")
    reports = {} if reports is None else reports
    runs = [("no video", False, None), ("video", True, None)]
    if what_if_writer is not None:
        runs.append(("video, PyAV VP8 realtime (what-if)", True, what_if_writer))
    tot = Totals()
    for clip in clips:
        n, detect_s, decode_s = bare_inference(clip.path, model)
        tot.frames += n
        tot.bare_s += detect_s
        tot.decode_s += decode_s
        per_clip = {}
        for kind, video_out, writer in runs:
            reset_peak_rss()
            stages, report, cpu = analyze_timed(clip, model, video_out, work / label / kind / clip.path.stem,
                                                writer_class=writer)
            tot.add_run(kind, stages, cpu)
            tot.peak_rss[kind] = max(tot.peak_rss.get(kind, 0.0), peak_rss_mb())
            per_clip[kind] = stages["total"]
            tot.report_max_s[kind] = max(tot.report_max_s.get(kind, 0.0), stages["report"])
            if kind == "no video":
                reports[clip.path] = (report, stages["total"])
        ov, en = overlay_and_encode(clip, work / label / "no video" / clip.path.stem, ISOLATED_FRAMES)
        tot.overlay_ms += ov
        tot.encode_ms += en
        with open_source(clip.path) as src:
            size = f"{src.info.width}x{src.info.height}"
        print(f"  {clip.path.name} ({size}, {n} frames): ms/frame bare {1000 * detect_s / n:.1f}, analyze "
              f"{1000 * per_clip['no video'] / n:.1f} (ratio {detect_s / per_clip['no video']:.2f}), with video "
              f"{1000 * per_clip['video'] / n:.1f} (ratio {detect_s / per_clip['video']:.2f})"
              + "".join(f", {k} {1000 * v / n:.1f} (ratio {detect_s / v:.2f})" for k, v in per_clip.items()
                        if k not in ("no video", "video")), flush=True)
    bare_fps = tot.frames / tot.bare_s
    print(f"  bare inference: {1000 * tot.bare_s / tot.frames:.2f} ms/frame = {bare_fps:.1f} frames/s")
    print(f"  stage cost, ms per frame ({tot.frames} frames):")
    heads = {"no video": "analyze", "video": "+ video", "video, PyAV VP8 realtime (what-if)": "+ PyAV"}
    print(f"    {'stage':18s}" + "".join(f" {heads[k]:>9s}" for k, _, _ in runs))
    print(f"    {'decode (alone)':18s} {1000 * tot.decode_s / tot.frames:9.2f}   (in the reader thread when analysing)")
    for stage in ("pose", "cleaning", "engine", "annotated video", "report", "other", "total", "writer thread",
                  "writer idle"):
        print(f"    {stage:18s}" + "".join(f" {1000 * tot.runs[k].get(stage, 0.0) / tot.frames:9.2f}" for k, _, _ in runs))
    print("    (annotated video = waiting for the writer after the pose pass; writer thread = its own decode,"
          " overlay and encode, concurrent with the rest; writer idle = of that, waiting for verdicts)")
    print(f"    {'overlay (alone)':18s} {np.mean(tot.overlay_ms):9.2f}   (scale to <= 854x480 + draw, "
          f"first {ISOLATED_FRAMES} frames of each clip)")
    print(f"    {'encode (alone)':18s} {np.mean(tot.encode_ms):9.2f}   (VP8 .webm, same frames)")
    result = {"frames": tot.frames, "bare_fps": bare_fps,
              "decode_ms": 1000 * tot.decode_s / tot.frames,
              "overlay_ms": float(np.mean(tot.overlay_ms)), "encode_ms": float(np.mean(tot.encode_ms))}
    for kind, _, _ in runs:
        fps = tot.frames / tot.runs[kind]["total"]
        cpu_s, wall_s = tot.cpu[kind]
        ratio = fps / bare_fps
        target = 0.9 if kind == "no video" else 0.7
        print(f"  analyze {'without annotated video' if kind == 'no video' else 'with ' + kind}: {fps:.1f} frames/s, "
              f"ratio to bare inference {ratio:.2f} (target >= {target}: {'met' if ratio >= target else 'NOT met'}); "
              f"CPU {cpu_s / wall_s:.2f} cores busy; peak RSS {tot.peak_rss[kind]:.0f} MB; report stage "
              f"at most {tot.report_max_s[kind]:.2f} s per clip (target < 2 s)")
        result[kind] = {"fps": fps, "ratio": ratio, "cores": cpu_s / wall_s, "peak_rss_mb": tot.peak_rss[kind],
                        "report_max_s": tot.report_max_s[kind],
                        "stages_ms": {k: 1000 * v / tot.frames for k, v in tot.runs[kind].items()}}
    return result


def section_long(clip: Clip, minutes: float, model: str, video_out: bool, work: Path, cache: Path) -> dict:
    long_clip, total = looped_clip(clip, minutes, cache)
    print(f"\n== Long clip: {clip.path.name} looped to {minutes:g} min ({total} frames), model {model}, "
          f"{'with' if video_out else 'without'} annotated video ==")
    marks: list[tuple[int, float, float]] = []  # (frames read, seconds, RSS MB)
    with open_source(long_clip.path) as src:
        fps = src.info.fps or 30.0
    per_minute = int(round(60 * fps))
    start = time.perf_counter()

    def on_frame(done: int, _total) -> None:
        if done // per_minute > len(marks) - 1 or done == total:
            marks.append((done, time.perf_counter() - start, rss_mb()))

    bare_n, bare_s = 0, 0.0  # bare inference on the first minute, right before
    with PoseEstimator(model) as est, open_source(long_clip.path) as src:
        frames = iter(src)
        while bare_n < min(total, per_minute):
            chunk = list(islice(frames, min(CHUNK, min(total, per_minute) - bare_n)))
            if not chunk:
                break
            for f in chunk:
                t0 = time.perf_counter()
                est.detect(f.image, f.t_s)
                bare_s += time.perf_counter() - t0
            bare_n += len(chunk)
    bare_ms = 1000 * bare_s / bare_n
    start = time.perf_counter()
    exercise = get_exercise(long_clip.exercise)
    rss0 = rss_mb()
    reset_peak_rss()
    marks.append((0, 0.0, rss0))
    with StageTimer() as timer:
        out = work / "long"
        out.mkdir(parents=True, exist_ok=True)
        analysis = fc_pipeline.analyze_video(long_clip.path, exercise, out, model, progress=on_frame,
                                             video_out=video_out)
        wall = time.perf_counter() - start
    peak = peak_rss_mb()
    print(f"  {'minute':>6s} {'frames':>7s} {'s this minute':>14s} {'RSS MB':>7s}")
    prev_n, prev_t = 0, 0.0
    minute_s = []
    for n, t, rss in marks[1:]:
        if n == prev_n:
            continue
        minute_s.append((t - prev_t) * per_minute / (n - prev_n))
        print(f"  {n / per_minute:6.1f} {n:7d} {t - prev_t:14.1f} {rss:7.0f}")
        prev_n, prev_t = n, t
    t = timer.times
    post = wall - t.get("pose", 0.0)
    growth = (marks[-1][2] - marks[1][2]) / max(1, marks[-1][0] - marks[1][0]) * 1024
    print(f"  pose pass {t.get('pose', 0.0):.1f} s ({1000 * t.get('pose', 0.0) / total:.2f} ms/frame); per minute of "
          f"video min {min(minute_s):.1f} s, max {max(minute_s):.1f} s (linear: each minute costs the same)")
    print(f"  cleaning {t.get('cleaning', 0.0):.2f} s, engine {t.get('engine', 0.0):.2f} s, "
          f"waiting for the annotated video {t.get('annotated video', 0.0):.1f} s, report+files "
          f"{t.get('report', 0.0) - t.get('annotated video', 0.0):.2f} s (rep pictures "
          f"{t.get('thumbnails', 0.0):.2f} s), rest {post - t.get('cleaning', 0.0) - t.get('engine', 0.0) - t.get('report', 0.0):.2f} s; total {wall:.1f} s = "
          f"{1000 * wall / total:.2f} ms/frame; reps counted {analysis.report['summary']['rep_count']}")
    print(f"  bare inference on the first minute: {bare_ms:.2f} ms/frame; ratio analyze / bare = "
          f"{bare_ms / (1000 * wall / total):.2f}")
    per_hour = growth * fps * 3600 / 1024
    print(f"  RSS: {rss0:.0f} MB before, {marks[1][2]:.0f} MB after the first minute, {marks[-1][2]:.0f} MB at the "
          f"end of the pose pass: {marks[-1][2] - marks[1][2]:+.1f} MB over minutes 1-{minutes:g} = {growth:.2f} KB "
          f"per frame, {per_hour:.0f} MB per hour of {fps:g} fps video if it stays linear (target: minute 1 to 60 "
          f"<= 50 MB); peak {peak:.0f} MB (writing the report: the whole track read back once)")
    return {"minutes": minutes, "frames": total, "wall_s": wall, "ms_per_frame": 1000 * wall / total,
            "bare_ms_per_frame": bare_ms, "ratio": bare_ms / (1000 * wall / total),
            "pose_s": t.get("pose", 0.0), "per_minute_s": minute_s, "rss_mb": [m[2] for m in marks],
            "peak_rss_mb": peak, "kb_per_frame": growth, "mb_per_hour": per_hour}


def _run_mode(clip: Clip, mode: str, model: str, work: Path) -> tuple[dict, float]:
    """analyze without the annotated video at stride N ("stride N") or with --fast ("fast"): (report, seconds)."""
    stride, fast = (1, True) if mode == "fast" else (int(mode.split()[1]), False)
    start = time.perf_counter()
    report = fc_pipeline.analyze_video(clip.path, get_exercise(clip.exercise),
                                       _fresh(work / mode.replace(" ", "") / clip.path.stem), model,
                                       video_out=False, stride=stride, fast=fast).report
    return report, time.perf_counter() - start


def section_sampling(label: str, clips: list[Clip], model: str, strides: list[int], work: Path,
                     stride1: dict) -> dict:
    """--fast and --stride N against every frame (stride 1), analyze without the annotated video.

    Per mode: frames/s as a ratio to bare inference on the same clips (target for --fast: >= 2),
    counts scored against the labels as ``formcheck eval`` does, and whether the report says the
    same as at stride 1 (counts and per side, holds within 0.3 s, the same faults on the same
    reps: ``benchmarks/sim_fast_sampling.differences``). ``stride1``: clip -> (report, seconds)
    already measured. Bare inference is measured on the same clips first.
    """
    from sim_fast_sampling import differences, outcome

    labelled = [c for c in clips if c.truth]
    print(f"\n== --fast and --stride on {label}: {len(labelled)} labelled clips, model {model}, no annotated video ==")
    frames = bare_s = 0
    for clip in labelled:
        n, detect_s, _ = bare_inference(clip.path, model)
        frames, bare_s = frames + n, bare_s + detect_s
    bare_fps = frames / bare_s
    print(f"  bare inference on these clips: {1000 * bare_s / frames:.2f} ms/frame ({frames} frames)")
    out = {"bare_fps": bare_fps, "frames": frames}
    full: dict = {}
    for mode in ["stride 1", "fast", *[f"stride {s}" for s in strides]]:
        exact, secs, same, inferred, lines, misses, hold_err = 0, 0.0, 0, 0, [], [], 0.0
        faults = [0, 0, 0]
        for clip in labelled:
            if mode == "stride 1" and clip.path in stride1:
                report, took = stride1[clip.path]
            else:
                report, took = _run_mode(clip, mode, model, work)
            secs += took
            got = outcome(report)
            if mode == "stride 1":
                full[clip.path] = got
            diff = differences(full[clip.path], got)
            same += not diff
            if diff:
                misses.append(f"{clip.path.stem}: {'; '.join(diff)}")
            if len(got["holds"]) == len(full[clip.path]["holds"]) and got["holds"]:
                hold_err = max(hold_err, max(abs(x - y) for x, y in zip(got["holds"], full[clip.path]["holds"])))
            inferred += report.get("sampling", {}).get("inferred", 0)
            score = score_clip(clip.truth, report)
            exact += score.exact
            faults = [a + b for a, b in zip(faults, (score.tp, score.fp, score.fn))] if score.faults_labelled else faults
            lines.append(f"{clip.path.stem} {score.counted}/{score.expected}")
        ratio = frames / secs / bare_fps
        out[mode] = {"exact": exact, "clips": len(labelled), "seconds": secs, "ratio_to_bare": ratio,
                     "same_as_stride_1": same, "faults_tp_fp_fn": faults, "max_hold_diff_s": hold_err,
                     "inferred_fraction": inferred / frames if mode == "fast" else None, "misses": misses}
        extra = f"; model on {100 * inferred / frames:.0f}% of frames" if mode == "fast" else ""
        print(f"  {mode:8s}: {frames / secs:6.1f} frames/s = {ratio:.2f}x bare inference{extra}; exact counts "
              f"{exact}/{len(labelled)}; faults found {faults[0]}, false {faults[1]}, missed {faults[2]}; same report "
              f"as stride 1 on {same}/{len(labelled)} clips (largest hold difference {hold_err:.2f} s)", flush=True)
        for miss in misses:
            print(f"      differs: {miss}")
    return out


def real_clips(folder: Path) -> list[Clip]:
    """The labelled real clips of ../shared/real (third-party: read in place), if present."""
    labels = folder / "labels.json"
    if not labels.exists():
        return []
    from formcheck.rules.exercise import builtin_exercises

    known = builtin_exercises()
    return [Clip(folder / lab["path"], lab["exercise"], lab) for lab in json.loads(labels.read_text())
            if lab["exercise"] in known and (folder / lab["path"]).exists()]


def section_batch(clips: list[Clip], model: str, work: Path) -> dict:
    """run_batch over the same clips with 1 and 2 worker processes (reports written, no video)."""
    from formcheck.analyze.batch import run_batch

    from collections import Counter

    common = Counter(c.exercise for c in clips).most_common(1)[0][0]  # one exercise for the whole batch
    group = [c for c in clips if c.exercise == common][:4]
    print(f"\n== Batch: {len(group)} {group[0].exercise} clips, model {model}, without annotated video ==")
    out = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        rows = run_batch([c.path for c in group], get_exercise(group[0].exercise), work / f"batch{jobs}",
                         model=model, jobs=jobs, video_out=False)
        out[jobs] = time.perf_counter() - start
        ok = sum(r.status == "ok" for r in rows)
        print(f"  --jobs {jobs}: {out[jobs]:.1f} s for {len(rows)} videos ({ok} ok)"
              + ("" if jobs == 1 else f"; {out[1] / out[jobs]:.2f}x as fast as --jobs 1 (2 CPUs; "
                                      f"includes starting the worker processes)"), flush=True)
    return out


def section_profile(clip: Clip, model: str, work: Path) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n(--profile needs pyinstrument: pip install pyinstrument)")
        return
    print(f"\n== pyinstrument profile: analyze with annotated video, {clip.path.name} ==")
    profiler = Profiler(interval=0.002)
    profiler.start()
    fc_pipeline.analyze_video(clip.path, get_exercise(clip.exercise), work / "profile", model, video_out=True)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", default=str(ROOT / "sample_videos" / "*.mp4"), help="glob of clips (default: sample_videos)")
    ap.add_argument("--max-clips", type=int, default=8, help="use at most this many clips (0: all)")
    ap.add_argument("--scaled-clips", type=int, default=3, help="clips scaled to each of --resolutions")
    ap.add_argument("--model", default="full", choices=("lite", "full"), help="model for the analyze runs")
    ap.add_argument("--resolutions", default="native,720,1080", help="native and/or heights to scale to")
    ap.add_argument("--long-minutes", type=float, default=10.0, help="length of the looped clip (0: skip)")
    ap.add_argument("--long-video", action="store_true", help="also write the annotated video of the long clip")
    ap.add_argument("--strides", default="2,3", help="strides to score next to --fast (empty: skip both)")
    ap.add_argument("--real", default=str(ROOT.parent / "shared" / "real"),
                    help="folder of labelled real clips (labels.json) for the --fast section (skipped if absent)")
    ap.add_argument("--sim", default="holdout", help="stored-track sets to replay --fast on (empty: skip)")
    ap.add_argument("--quick", action="store_true", help="native + 720p (2 clips), 2-minute long clip")
    ap.add_argument("--profile", action="store_true", help="profile one analyze with pyinstrument")
    ap.add_argument("--no-batch", action="store_true", help="skip the --jobs 1 vs 2 batch timing")
    ap.add_argument("--no-bare", action="store_true", help="skip the lite/full bare-inference section")
    ap.add_argument("--what-if-pyav", type=int, metavar="CPU_USED", default=None,
                    help="also time the annotated video encoded by PyAV's libvpx in realtime mode with this "
                         "cpu-used (e.g. 8 or 16; needs 'av' importable): what annotate.py would gain")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "formcheck-bench"),
                    help="where scaled and looped clips are kept between runs")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args()
    if args.quick:
        args.resolutions, args.long_minutes = "native,720", min(args.long_minutes, 2.0)
        args.max_clips, args.scaled_clips = min(args.max_clips or 4, 4), 1
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    clips = find_clips(args.clips, args.max_clips)
    what_if = None
    if args.what_if_pyav is not None:
        try:
            import av  # noqa: F401
        except ImportError:
            sys.exit("--what-if-pyav needs PyAV importable (pip install av, or PYTHONPATH to a copy)")
        what_if = pyav_writer_class(args.what_if_pyav)
    print(f"formcheck pipeline benchmark: {len(clips)} clips, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"load average {os.getloadavg()[0]:.1f} (ratios are the figures to compare: each is measured side by side)")
    started = time.perf_counter()
    figures: dict = {"cpus": os.cpu_count(), "load_average_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        work = Path(tmp)
        if not args.no_bare:
            figures["bare_fps"] = section_bare_models(clips)
        figures["resolutions"] = {}
        stride1: dict = {}
        for res in [r.strip() for r in args.resolutions.split(",") if r.strip()]:
            if res == "native":
                group, label = clips, "native size"
            else:
                group = [scaled_copy(c, int(res), cache) for c in clips[:args.scaled_clips]]
                label = f"{int(res) * 16 // 9}x{res}"
            figures["resolutions"][label] = section_resolution(label, group, args.model, work,
                                                               stride1 if res == "native" else None, what_if)
        if args.long_minutes > 0:
            figures["long"] = section_long(clips[0], args.long_minutes, args.model, args.long_video, work, cache)
        strides = [int(s) for s in args.strides.split(",") if s.strip()]
        if strides:  # issue 16: --fast next to fixed strides, on every labelled sample clip and the real clips
            figures["sampling"] = {"sample_videos": section_sampling("sample_videos", find_clips(args.clips, 0),
                                                                     args.model, strides, work, stride1)}
            real = real_clips(Path(args.real))
            if real:
                figures["sampling"]["real"] = section_sampling(f"real clips ({args.real})", real, args.model,
                                                               strides, work, {})
        if args.sim:
            import sim_fast_sampling
            from formcheck.analyze.lookback import LookbackOptions
            from formcheck.analyze.sampling import SamplingOptions

            print("\n== --fast replayed on stored full-rate MediaPipe tracks of the randomised fault benchmark "
                  "(no model: benchmarks/sim_fast_sampling.py) ==")
            figures["sampling_replay"] = {name: {m: {k: v for k, v in t.items() if k != "misses"} for m, t in
                                                 sim_fast_sampling.run_set(name, SamplingOptions(), strides, False,
                                                                           LookbackOptions()).items()}
                                          for name in args.sim.split(",") if name.strip()}
        if not args.no_batch:
            figures["batch"] = section_batch(find_clips(args.clips, 0), args.model, work)
        if args.profile:
            section_profile(clips[0], args.model, work)
    figures["load_average_end"] = os.getloadavg()[0]
    figures["seconds"] = time.perf_counter() - started
    print(f"\nbenchmark took {figures['seconds'] / 60:.1f} min; load average {os.getloadavg()[0]:.1f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=1, default=float))


if __name__ == "__main__":
    main()
