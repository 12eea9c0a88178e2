"""Video in, report out: frame source -> pose -> analysis -> report files.

Shared by ``formcheck analyze``, ``formcheck eval`` and batch runs, so they all produce the
same report for the same video.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from formcheck.analyze.track import SessionResult, analyze_track  # noqa: F401 - analyze_track: kept importable from here
from formcheck.errors import FormcheckError, InputError
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.report.build import build_report, write_json_atomic
from formcheck.io.video import open_source

REPORT_NAME = "report.json"
TRACK_NAME = "landmarks.npz"


@dataclass
class Analysis:
    result: SessionResult
    report: dict
    out_dir: Path | None


def default_out_dir(video: Path) -> Path:
    """Next to the video when that folder is writable, else ./formcheck-report/<name>."""
    beside = video.parent / f"{video.stem}-formcheck"
    if os.access(video.parent, os.W_OK):
        return beside
    return Path("formcheck-report") / video.stem


def prepare_out_dir(out_dir: Path, force: bool) -> Path:
    """Check the output folder before any work, so a long analysis never fails at the end."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"output path {out_dir} is a file, not a folder: choose another --out")
    if (out_dir / REPORT_NAME).exists() and not force:
        raise InputError(f"{out_dir / REPORT_NAME} already exists: use --force to overwrite it or --out "
                         "to choose another folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".formcheck-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"cannot write to the output folder {out_dir}: {exc.strerror or exc}") from None
    return out_dir


#: Decoded frames waiting for the pose model take at most about this much memory.
PREFETCH_BYTES = 64 << 20


def prefetch_depth(width: int, height: int) -> int:
    """Frames to read ahead: the default depth, fewer for big frames (a 4K frame is 25 MB)."""
    from formcheck.io.prefetch import DEFAULT_DEPTH

    return max(1, min(DEFAULT_DEPTH, PREFETCH_BYTES // max(1, width * height * 3)))


#: Frames larger than this on their longest side are shrunk before pose inference.
POSE_MAX_SIDE = 1280


def pose_size(width: int, height: int) -> tuple[int, int]:
    """The size the pose model is given a ``width`` x ``height`` frame at (never enlarged)."""
    scale = min(1.0, POSE_MAX_SIDE / max(1, width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def pose_frame(image: np.ndarray) -> np.ndarray:
    """The frame the pose model sees: at most POSE_MAX_SIDE pixels on its longest side.

    MediaPipe looks at 224-256 px crops of the picture anyway, so a 1080p or 4K frame gains no
    accuracy over 720p; shrinking it here, in the reader thread (the other core), spares the
    pose thread the colour conversion and resize of a huge frame, and the read-ahead queue its
    memory. Landmarks are normalised to the picture, so they keep their meaning.
    """
    h, w = image.shape[:2]
    size = pose_size(w, h)
    if size == (w, h):
        return image
    import cv2

    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def track_video(video: str | Path, model: str = "full",
                progress: Callable[[int, int | None], None] | None = None,
                stride: int = 1) -> tuple[PoseTrack, list]:
    """Pose landmarks for every frame of a video (or image folder); also the skipped frames.

    ``stride`` N > 1 analyses every Nth decoded frame (timestamps still from the container).
    ``progress(frames_read, frame_count)``. Frames are decoded in a reader thread
    (formcheck.io.prefetch), so decoding overlaps inference.
    """
    from formcheck.pose.estimator import estimate_track  # the only module that imports mediapipe
    from formcheck.io.prefetch import prefetch  # issue 8

    if not isinstance(stride, int) or isinstance(stride, bool) or stride < 1:
        raise ValueError(f"stride must be an integer >= 1, got {stride!r}")
    with open_source(video) as src:
        total = src.info.frame_count
        # issue 8: every stride-th frame, decoded ahead in a reader thread (closed before the source)
        with prefetch(((f.t_s, pose_frame(f.image)) for i, f in enumerate(src) if i % stride == 0),
                      prefetch_depth(*pose_size(src.info.width, src.info.height))) as frames:
            track = estimate_track(frames, model=model,
                                   progress=(lambda n: progress(min(n * stride, total or n * stride), total))
                                   if progress else None)
        skipped = list(src.skipped)
    return track, skipped


def analyze_video(video: str | Path, exercise: Exercise, out_dir: Path | None, model: str = "full",
                  progress: Callable[[int, int | None], None] | None = None,
                  video_out: bool = True,
                  video_progress: Callable[[int, int | None], None] | None = None,
                  stride: int = 1, fast: bool = False) -> Analysis:
    """Analyse one video; write report.json, the landmark track and the feedback files into ``out_dir``.

    report.json is written first, so nothing is lost if a later step fails; the annotated
    video (skipped with ``video_out=False``; ``video_progress`` follows its frames), report.html
    and report.csv follow, and a failure there becomes a warning in the report instead of an error.
    ``stride`` N > 1: analyse every Nth frame only (see ``track_video``); the annotated video
    still has every frame, each drawn with the nearest analysed frame's landmarks and verdict.
    ``fast``: the pose model runs only where the movement needs it (``formcheck.analyze.lookback``:
    every 0.25 s, and inside a gap where the motion bends); the other frames get landmarks
    interpolated between their inferred neighbours, so everything after the pose stage sees every frame.

    Issue 8: the analysis runs a few seconds behind the pose model (``SessionStream``) and the
    annotated video is drawn and encoded by a writer thread right behind it
    (``formcheck.analyze.stream``), so both cores work during the single pose pass.
    """
    video = Path(video)
    writer = None
    try:
        stream, feed, writer, crops, skipped, sampler = _pose_pass(video, exercise, out_dir, video_out, model,
                                                                   progress, video_progress, stride, fast)
        if stream is None or stream.rows == 0:
            raise InputError(f"{video} has no frames to analyse")
        raw = stream.raw_track()
        if not raw.detected.any():
            raise InputError(f"no person was found in {video}: film your whole body, well lit, from "
                             f"{exercise.camera or 'the ' + exercise.view + ' view'}")
        result = stream.finish(raw)
        if feed is not None:
            feed.finish(result.engine, stream.flushed)
        if crops is not None:
            crops.settle()
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    report = build_report(result, source=str(video), model=model)
    report["stride"] = stride  # issue 8: 1 = every frame analysed; N = every Nth
    if sampler is not None:  # issue 16: --fast
        report["sampling"] = {"mode": sampler.mode, "frames": sampler.frames, "inferred": sampler.inferred}
    for index, reason in skipped:
        report["tracking"]["warnings"].append(f"Frame {index} could not be read and was skipped ({reason}).")
    if out_dir is not None:
        try:
            raw.to_npz(out_dir / TRACK_NAME)
            write_json_atomic(out_dir / REPORT_NAME, report)
        except OSError as exc:
            if writer is not None:
                writer.cancel()
            raise FormcheckError(f"could not write the report to {out_dir}: {exc.strerror or exc}") from None
        write_feedback_files(report, result, out_dir, video if video_out else None, source=video,
                             progress=video_progress,
                             annotated=(lambda: writer.result(video_progress)) if writer is not None else None,
                             pictures=dict(feed.thumbnails) if crops is not None else None)
    return Analysis(result, report, out_dir)


def _poses(frames, model: str, load, filler=None):
    """``(t_s, image, pose or None)`` per frame, and the sampling stats: every frame inferred, or ``--fast``'s choice.

    ``filler``: the second estimator ``--fast`` infers a gap's frames with (``formcheck.analyze.lookback``).
    """
    from formcheck.analyze.lookback import LookbackStats, lookback_poses
    from formcheck.pose.estimator import detect_frames  # the only module that imports mediapipe

    if filler is None:
        return detect_frames(frames, model, estimator=load), None
    stats = LookbackStats()
    return lookback_poses(frames, load.result().detect, filler.result().detect, stats=stats), stats


def _decoded(src, stride: int, shared_size: tuple[int, int] | None):
    """The reader thread's work: ``(t_s, pose frame or None, packed video frame or None)`` per decoded frame.

    Every ``stride``-th frame goes to the pose model (shrunk, ``pose_frame``); with
    ``shared_size`` every frame also comes out shrunk to the annotated video's size and packed
    for the writer (issue 16: decoded once for both).
    """
    import cv2

    from formcheck.analyze.stream import SharedFrames

    for i, f in enumerate(src):
        pose = pose_frame(f.image) if i % stride == 0 else None
        packed = None
        if shared_size is not None:
            base = pose if pose is not None else f.image
            packed = SharedFrames.pack(cv2.resize(base, shared_size, interpolation=cv2.INTER_AREA))
        if pose is not None or packed is not None:
            yield f.t_s, pose, packed


def _pose_frames(items, shared):
    """``(t_s, pose frame)`` pairs for the model; each packed video frame handed to ``shared`` on the way."""
    for t_s, pose, packed in items:
        if packed is not None:
            shared.put(t_s, packed)
        if pose is not None:
            yield t_s, pose


class _Pass:
    """What the pose pass makes as it goes: the stream, and the writer or the rep-picture crops."""

    def __init__(self, video: Path, exercise: Exercise, out_dir: Path | None, video_out: bool, shared):
        self.video, self.exercise, self.out_dir, self.video_out, self.shared = video, exercise, out_dir, video_out, shared
        self.stream = self.writer = self.feed = self.crops = None

    def start(self, image_size: tuple[int, int]) -> None:
        """On the first inferred frame: the stream, and what follows it."""
        from formcheck.analyze.stream import FollowingWriter, RecentCrops, VerdictFeed
        from formcheck.analyze.track import SessionStream
        from formcheck.report.html import VIDEO_NAME

        self.stream = SessionStream(self.exercise, image_size, spool_dir=self.out_dir)
        if self.out_dir is None:
            return
        self.feed = VerdictFeed(self.stream.verdicts)
        if self.video_out:
            self.writer = FollowingWriter(self.video, self.exercise, self.out_dir / VIDEO_NAME, self.feed,
                                          landmark_size=image_size, shared=self.shared)
            self.writer.start()
        else:
            self.crops = RecentCrops(self.feed)

    def add(self, row: int, t_s: float, image: np.ndarray, r, video_progress) -> None:
        """One frame's pose (None: nobody) into the stream; the writer told how far it may go."""
        if self.stream is None:
            self.start((int(image.shape[1]), int(image.shape[0])))
        stream, feed = self.stream, self.feed
        if feed is not None:
            feed.add_time(t_s)
        if self.crops is not None:
            self.crops.add(row, image, r)
        blocks = (stream.push(t_s, r.image_xyz, r.world_xyz, r.visibility, r.presence, True) if r is not None
                  else stream.push(t_s, _NAN3, _NAN3, _ZEROS, _ZEROS, False))
        if feed is not None and blocks:
            feed.add_rows(blocks, stream.engine)
            if self.crops is not None:
                self.crops.settle()
            if self.writer is not None and video_progress is not None and self.writer.written:
                video_progress(self.writer.written, self.writer.total)


_NAN3 = np.full((33, 3), np.nan)
_ZEROS = np.zeros(33)


def _pose_pass(video: Path, exercise: Exercise, out_dir: Path | None, video_out: bool, model: str, progress,
               video_progress, stride: int, fast: bool = False):
    """One decode: pose per frame, pushed into a SessionStream.

    With an ``out_dir``, the rep pictures are taken on the way: by a writer thread that follows
    the analysis and writes the annotated video, or without ``video_out`` from small crops of
    the frames the pose pass decoded (``follow.RecentCrops``). Issue 16: the model loads in a
    thread meanwhile, and a large source's frames are decoded once for the model and the writer.
    """
    from formcheck.analyze.stream import SharedFrames, share_frames
    from formcheck.analyze.track import needs_whole_track
    from formcheck.io.prefetch import prefetch
    from formcheck.pose.estimator import load_estimator  # the only module that imports mediapipe
    from formcheck.report.annotated_video import output_size

    if not isinstance(stride, int) or isinstance(stride, bool) or stride < 1:
        raise ValueError(f"stride must be an integer >= 1, got {stride!r}")
    load = load_estimator(model)  # issue 16: the model loads while the video opens and decodes
    filler = load_estimator(model) if fast else None  # --fast: a second tracker for the look-back gaps
    state = None
    try:
        with open_source(video) as src:
            total, w, h = src.info.frame_count, src.info.width, src.info.height
            shared = None
            if out_dir is not None and video_out and share_frames(w, h, needs_whole_track(exercise)):
                shared = SharedFrames(output_size(w, h))
            state = _Pass(video, exercise, out_dir, video_out, shared)
            with prefetch(_decoded(src, stride, shared and shared.size), prefetch_depth(*pose_size(w, h))) as items:
                poses, sampler = _poses(_pose_frames(items, shared), model, load, filler)
                for n, (t_s, image, r) in enumerate(poses, start=1):
                    state.add(n - 1, t_s, image, r, video_progress)
                    if progress is not None:
                        progress(min(n * stride, total or n * stride), total)
            skipped = list(src.skipped)
    except BaseException:
        if state is not None and state.writer is not None:
            state.writer.cancel()
        raise
    finally:
        load.close()  # a no-op once detect_frames has closed it
        if filler is not None:
            filler.close()
        if state is not None and state.shared is not None:
            state.shared.close()
    return state.stream, state.feed, state.writer, state.crops, skipped, sampler


# --- issue 5: annotated video, report.html, report.csv -------------------------------------
def write_feedback_files(report: dict, result: SessionResult, out_dir: Path, video: Path | None,
                         source: Path | None = None,
                         progress: Callable[[int, int | None], None] | None = None,
                         annotated: Callable[[], object] | None = None,
                         pictures: dict | None = None) -> list[str]:
    """The annotated video (when ``video`` is given), report.html and report.csv, after report.json.

    ``source``: the recording, to take the rep pictures from when no annotated video is made.
    ``annotated``: returns the annotated video already being written (issue 8: during the pose
    pass, ``formcheck.analyze.stream``) instead of drawing it here in a second pass. ``pictures``: the
    rep pictures already taken (``--no-video``: during the pose pass) instead of decoding ``source``.

    A failure in one of them is added to the report's tracking warnings (and report.json is
    written again) instead of ending the run: the counts are already safe. Returns the new warnings.
    """
    from formcheck.report.annotated_video import collect_thumbnails, write_annotated_video
    from formcheck.report.csv_table import write_csv
    from formcheck.report.html import VIDEO_NAME, write_html_report

    problems: list[str] = []

    def attempt(what: str, step: Callable[[], object]):
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - reported in the report, never fatal
            text = str(exc).strip() or type(exc).__name__
            problems.append(f"The {what} could not be written ({text}): the counts in report.json are unaffected.")
            return None

    thumbnails, video_name = None, None
    if video is not None:
        done = attempt("annotated video", annotated or (
            lambda: write_annotated_video(video, result, out_dir / VIDEO_NAME, progress=progress)))
        if done is not None:
            thumbnails, video_name = done.thumbnails, VIDEO_NAME
    if video_name is None:
        attempt("old annotated video", lambda: (out_dir / VIDEO_NAME).unlink(missing_ok=True))  # would not match
    if video is None and pictures is not None:  # --no-video: taken during the pose pass
        thumbnails = pictures
    elif video is None and source is not None:  # --no-video: still a picture of each rep for the HTML
        thumbnails = attempt("rep pictures", lambda: collect_thumbnails(source, result))
    warnings = report["tracking"]["warnings"]
    warnings.extend(problems)  # before the HTML, so the page shows them
    shown = len(problems)
    attempt("HTML report", lambda: write_html_report(report, out_dir, result, video_name, thumbnails))
    attempt("CSV table", lambda: write_csv(report, out_dir))
    warnings.extend(problems[shown:])
    if problems:
        try:
            write_json_atomic(out_dir / REPORT_NAME, report)
        except OSError:
            pass  # the first report.json stays; the CLI still prints these warnings
    return problems
# --- end issue 5 ---
