"""Live coaching: camera -> pose -> causal cleaning -> the same engine as ``analyze`` -> window.

Two layers. :class:`LiveSession` is the per-frame pipeline after the pose estimator, plain
numpy and no I/O: setup check, One-Euro cleaning, one-frame signals, the engine, and the
landmark track kept for the report. :func:`run_live` is the I/O around it: frame source,
pacing, the window and its keys, sound, recording, and the report written however the
session ends (q, Esc, window closed, Ctrl-C, camera unplugged, stream over, even an error).

Counting uses the same ``ExerciseEngine`` and the same signal code as ``analyze`` (only the
smoothing differs: causal One-Euro here, zero-phase offline), so a live session and the
analysis of its recording agree. Engine time is the frames' own timestamps; the monotonic
clock here only paces a file played as a camera and measures frames/s and latency.

Memory stays flat however long the session (formcheck.live.store): each frame's raw landmarks,
one (33, 8) float32 row (MediaPipe's landmarks are float32, so nothing is lost), go to a
temporary file in one-minute chunks, and each verdict is kept as a few numbers, about 50
bytes a frame in memory in all (~5 MB an hour at 30 frames/s; benchmarks/soak_live.py). The
cleaned track is rebuilt at the end by replaying the same causal cleaner over the spooled
rows, and landmarks.npz is written from them chunk by chunk.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.analyze.track import SessionResult
from formcheck.signals.cleaning import LiveCleaner
from formcheck.live.cues import SoundCues, Speaker
from formcheck.rules.engine import ExerciseEngine, FrameInput, FrameVerdict
from formcheck.errors import FormcheckError
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import N_LANDMARKS, PoseTrack
from formcheck.live.store import LandmarkSpool, VerdictLog
from formcheck.report.build import build_report, write_json_atomic
from formcheck.signals.measures import compute_signals
from formcheck.pose.tracking import assess_tracking, setup_check

SETUP_WINDOW_S = 0.5  # recent frames the setup check looks at
SETUP_PASS_S = 1.0  # the check must pass this long before counting starts
REFRAME_S = 2.0  # after counting started: out of the picture this long shows guidance again
REPORT_NAME = "report.json"
TRACK_NAME = "landmarks.npz"
RECORDING_NAME = "live.webm"
WINDOW_NAME = "formcheck live"
DISPLAY_MAX_WIDTH = 1280  # larger camera frames are shown (and drawn on) at this width
RECORD_MAX_WIDTH = 960  # and recorded at this width
KEY_QUIT, KEY_PAUSE, KEY_SIDE, KEY_RESET = (ord("q"), 27), ord(" "), ord("s"), ord("r")


def _row(result) -> np.ndarray:
    """A pose result as one float32 (33, 8) row: image xyz, world xyz, visibility, presence."""
    row = np.full((N_LANDMARKS, 8), np.nan, np.float32)
    if result is not None:
        row[:, 0:3] = result.image_xyz
        row[:, 3:6] = result.world_xyz
        row[:, 6] = result.visibility
        row[:, 7] = result.presence
    return row


def _track(t, rows, detected, size: tuple[int, int]) -> PoseTrack:
    """A PoseTrack from (33, 8) rows: a list of them or one (T, 33, 8) array."""
    if not isinstance(rows, np.ndarray):
        rows = np.stack(rows) if len(rows) else np.zeros((0, N_LANDMARKS, 8))
    return PoseTrack.from_rows(t, rows, detected, size)


def one_frame_input(exercise: Exercise, t: float, image_xyz: np.ndarray | None, world_xyz: np.ndarray | None,
                    visibility: np.ndarray, size: tuple[int, int]) -> FrameInput:
    """The engine's input for one cleaned frame, computed by the same code as the offline analysis."""
    if image_xyz is None or not np.isfinite(image_xyz[:, 0]).any():
        return FrameInput(t, None, None)
    track = PoseTrack(np.array([t]), image_xyz[None], world_xyz[None], visibility[None],
                      np.ones((1, N_LANDMARKS)), size, np.array([True]))
    signals = compute_signals(exercise, track)
    return FrameInput(t, {n: v[0] for n, v in signals.values.items()}, signals.side_joint_xy[0])


@dataclass
class LiveFrame:
    """What one processed frame gives the display."""

    verdict: FrameVerdict
    landmarks_px: np.ndarray | None  # (33, 2) cleaned pixels, NaN where unseen
    guidance: str | None  # setup or re-framing advice, None when all is well
    counting: bool  # False until the setup check has passed
    started_now: bool = False  # this frame is the first one counted


@dataclass
class LiveSession:
    """The live pipeline after the pose estimator, one frame at a time (no I/O, testable).

    Frames before the setup check has passed for ``setup_pass_s`` are tracked and kept, but
    not given to the engine. ``reset`` starts a new set (a new engine); the report covers
    the set in progress, the saved landmark track the whole session. ``verdicts`` (a
    `VerdictLog`, list-like) holds the current set's verdicts. ``spool_dir``: where the raw
    landmark rows are spooled (default: the system's temporary folder); `close` frees it.
    """

    exercise: Exercise
    image_size: tuple[int, int]
    setup_pass_s: float = SETUP_PASS_S
    side: str | None = None  # working side: seen by the setup check or chosen with 's'
    side_chosen: bool = False
    spool_dir: str | Path | None = None
    engine: ExerciseEngine = field(init=False)
    verdicts: VerdictLog = field(init=False)
    counting_from: int | None = None  # index of the first frame of the current set
    started_s: float | None = None
    resets_s: list[float] = field(default_factory=list)
    last_guidance: str | None = None

    def __post_init__(self) -> None:
        self.engine = ExerciseEngine(self.exercise)
        self.verdicts = VerdictLog(self.exercise, self.engine)
        self._cleaner = LiveCleaner()
        self._spool = LandmarkSpool(self.spool_dir)
        self._window: deque = deque()
        self._ok_since: float | None = None
        self._bad_since: float | None = None
        self._idle = {"left": 0, "right": 0, "both": 0}

    def __len__(self) -> int:
        return len(self._spool)

    # ------------------------------------------------------------------ per frame
    def step(self, t: float, pose) -> LiveFrame:
        """One frame: ``pose`` is a PoseResult-like object (image_xyz, world_xyz, visibility, presence) or None."""
        row = _row(pose)
        self._spool.append(float(t), row, pose is not None)
        w, h = self.image_size
        data = row.astype(float)
        vis = np.nan_to_num(data[:, 6])  # as in the saved track, so the replay in cleaned_track matches
        cleaned = self._cleaner(t, data[:, 0:3] if pose is not None else None, data[:, 3:6], vis, w, h)
        img, wld = cleaned if cleaned is not None else (None, None)
        px = None if img is None else img[:, :2] * np.array([w, h], float)
        self._window.append((t, row))
        while self._window and t - self._window[0][0] > SETUP_WINDOW_S:
            self._window.popleft()

        started = False
        guidance = None
        if self.counting_from is None:
            status = setup_check(self.exercise, self._window_track())
            guidance = status.message
            self.last_guidance = status.message or self.last_guidance
            if status.ok:
                self._ok_since = t if self._ok_since is None else self._ok_since
                if status.side and not self.side_chosen:
                    self.side = status.side
                if t - self._ok_since >= self.setup_pass_s:
                    self.counting_from, self.started_s, started = len(self) - 1, t, True
                else:
                    guidance = "Hold still: checking the camera set-up..."
            else:
                self._ok_since = None
        if self.counting_from is None:
            verdict = FrameVerdict(t, "setup", None, dict(self._idle), 0, 0.0, [], None, pose is not None)
            return LiveFrame(verdict, px, guidance, False)

        frame = one_frame_input(self.exercise, t, img, wld, vis, self.image_size)
        verdict = self.engine.update(frame)
        self.verdicts.append(verdict)
        return LiveFrame(verdict, px, self._reframing(t), True, started)

    def _window_track(self) -> PoseTrack:
        return _track([s[0] for s in self._window], [s[1] for s in self._window],
                      [bool(np.isfinite(s[1][:, 0]).any()) for s in self._window], self.image_size)

    def _reframing(self, t: float) -> str | None:
        """While counting: advice only once the person has been out of the picture for a while."""
        if len(self) % 5:  # a few checks per second are plenty
            return self.last_guidance if self._bad_since is not None and t - self._bad_since >= REFRAME_S else None
        status = setup_check(self.exercise, self._window_track(), framing_only=True)
        if status.ok:
            self._bad_since = None
            return None
        self._bad_since = t if self._bad_since is None else self._bad_since
        self.last_guidance = status.message
        return status.message if t - self._bad_since >= REFRAME_S else None

    # ------------------------------------------------------------------ controls
    def reset(self) -> None:
        """Start the set again: a new engine from the next frame (the track keeps everything)."""
        self.engine = ExerciseEngine(self.exercise)
        self.verdicts = VerdictLog(self.exercise, self.engine)
        if self.counting_from is not None:
            self.counting_from = len(self)
            self.resets_s.append(float(self._spool.t_s.values[-1]) if len(self) else 0.0)

    def switch_side(self) -> str | None:
        """The working side the person says they use (a hint on screen: the engine follows the moving leg)."""
        if self.exercise.sided:
            self.side = "right" if self.side == "left" else "left"
            self.side_chosen = True
        return self.side

    # ------------------------------------------------------------------ end of session
    def raw_track(self, start: int = 0) -> PoseTrack:
        """Every frame seen (from ``start``), as the pose estimator gave it: saved as landmarks.npz."""
        sp = self._spool
        return _track(sp.t_s.values[start:].copy(), sp.rows(start), sp.detected.values[start:].copy(),
                      self.image_size)

    def save_track(self, path: str | Path) -> None:
        """Write landmarks.npz from the spooled rows chunk by chunk (never the whole session in memory)."""
        self._spool.save_npz(path, self.image_size)

    def close(self) -> None:
        """Free the spooled landmark rows (the session cannot give its track after this)."""
        self._spool.close()

    def cleaned_track(self, raw: PoseTrack) -> PoseTrack:
        """The causal cleaning replayed over the raw track: the same values the engine saw."""
        cleaner = LiveCleaner()
        img = np.full_like(raw.image_xyz, np.nan)
        wld = np.full_like(raw.world_xyz, np.nan)
        w, h = self.image_size
        for k in range(len(raw)):
            out = cleaner(raw.t_s[k], raw.image_xyz[k] if raw.detected[k] else None, raw.world_xyz[k],
                          raw.visibility[k], w, h)
            if out is not None:
                img[k], wld[k] = out
        detected = raw.detected & np.isfinite(img[:, :, 0]).any(axis=1)
        return PoseTrack(raw.t_s, img, wld, raw.visibility, raw.presence, raw.image_size, detected)

    def _cleaned_set(self, start: int) -> PoseTrack:
        """``cleaned_track`` of frames ``start:``, replaying the cleaner from frame 0 chunk by chunk."""
        cleaner = LiveCleaner()
        n = len(self) - start
        img, wld = np.full((n, N_LANDMARKS, 3), np.nan), np.full((n, N_LANDMARKS, 3), np.nan)
        vis, pres = np.zeros((n, N_LANDMARKS)), np.zeros((n, N_LANDMARKS))
        t_all, det_all = self._spool.t_s.values, self._spool.detected.values
        w, h = self.image_size
        for first, chunk in zip(range(0, len(self), self._spool.chunk_frames), self._spool.chunks(self.image_size)):
            for j in range(len(chunk)):
                k = first + j
                out = cleaner(chunk.t_s[j], chunk.image_xyz[j] if chunk.detected[j] else None,
                              chunk.world_xyz[j], chunk.visibility[j], w, h)
                if k >= start:
                    vis[k - start], pres[k - start] = chunk.visibility[j], chunk.presence[j]
                    if out is not None:
                        img[k - start], wld[k - start] = out
        detected = det_all[start:] & np.isfinite(img[:, :, 0]).any(axis=1)
        return PoseTrack(t_all[start:].copy(), img, wld, vis, pres, self.image_size, detected)

    def result(self) -> SessionResult:
        """Finish the engine and build the same SessionResult as ``analyze`` for the current set."""
        self.engine.finish()
        start = self.counting_from if self.counting_from is not None else 0
        tracking = assess_tracking(self.exercise, self.raw_track(start), self.engine)
        clean_set = self._cleaned_set(start)
        signals = compute_signals(self.exercise, clean_set)
        if self.counting_from is None:
            advice = f" ({self.last_guidance})" if self.last_guidance else ""
            tracking.warnings.insert(0, f"Counting never started: the camera set-up check did not pass{advice}.")
        return SessionResult(self.exercise, clean_set, signals, self.engine, self.verdicts, tracking)


# ---------------------------------------------------------------------------------------------- I/O


class _Pacer:
    """Play a file as if it were a camera: hold each frame until its timestamp is due."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._origin: float | None = None

    def wait(self, t_s: float) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self._origin is None:
            self._origin = now - t_s
            return
        delay = self._origin + t_s - now
        if delay > 0:
            time.sleep(delay)

    def shift(self, seconds: float) -> None:
        """After a pause the file resumes where it stopped, not where the clock says."""
        if self._origin is not None:
            self._origin += seconds


class _Recorder:
    """Writes the camera frames to a .webm in a background thread; the loop never waits for it.

    VP8 encoding costs 10 ms a frame at 480p and 29 ms at 720p (NOTES), so frames wider than
    RECORD_MAX_WIDTH are scaled down (the pose model looks at 256 px anyway, so re-analysis
    loses nothing). When the encoder falls behind, frames are dropped and the previous frame
    is repeated in their place, so the video's timeline stays that of the session.
    """

    def __init__(self, path: Path, fps: float):
        from formcheck.io.video import VideoWriter

        self.writer = VideoWriter(path, fps)
        self.fps = fps
        self.dropped = 0
        self.error: Exception | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=32)
        self._t0: float | None = None
        self._last_t: float | None = None  # of the last frame sent, even if dropped
        self._last: np.ndarray | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-recorder", daemon=True)
        self._thread.start()

    def write(self, t_s: float, image: np.ndarray) -> None:
        self._last_t = t_s
        try:
            self._queue.put_nowait((t_s, image))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.error is None:
                try:
                    self._encode(*item)
                except Exception as exc:  # noqa: BLE001 - reported at the end, the session goes on
                    self.error = exc

    def _encode(self, t_s: float, image: np.ndarray) -> None:
        import cv2

        h, w = image.shape[:2]
        if w > RECORD_MAX_WIDTH:
            size = (RECORD_MAX_WIDTH, 2 * round(h * RECORD_MAX_WIDTH / w / 2))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self._t0 = t_s if self._t0 is None else self._t0
        self._fill(t_s)
        self.writer.write(image)
        self._last = image

    def _fill(self, t_s: float) -> None:
        """Repeat the last frame up to the frame due before ``t_s`` (frames dropped or never sent)."""
        if self._last is None or self._t0 is None:
            return
        due = round((t_s - self._t0) * self.fps)
        for _ in range(min(due - self.writer.frames_written, int(2 * self.fps))):
            self.writer.write(self._last)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self.error is None and self._last_t is not None:
            try:  # frames dropped at the very end
                self._fill(self._last_t + 1.0 / self.fps)
            except Exception as exc:  # noqa: BLE001
                self.error = exc
        self.writer.close()


class _Window:
    """The OpenCV window: show a frame, read a key, notice when the user closed it.

    ``imshow`` would silently re-open a closed window, so a window found closed is never
    shown again.
    """

    def __init__(self, name: str, size: tuple[int, int]):
        import cv2

        self.cv2, self.name = cv2, name
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        cv2.resizeWindow(name, *size)
        self.shown = self._closed = False

    def show(self, image: np.ndarray, wait_ms: int = 1) -> int:
        if self.closed():
            return 255
        self.cv2.imshow(self.name, image)
        self.shown = True
        return self.cv2.waitKey(wait_ms) & 0xFF

    def closed(self) -> bool:
        if self.shown and not self._closed:
            try:
                self._closed = self.cv2.getWindowProperty(self.name, self.cv2.WND_PROP_VISIBLE) < 1
            except self.cv2.error:
                self._closed = True
        return self._closed

    def close(self) -> None:
        try:
            self.cv2.destroyWindow(self.name)
            self.cv2.waitKey(1)
        except self.cv2.error:
            pass


@dataclass
class _Stats:
    """Frames/s and latency (frame read -> overlay drawn), for the screen and the report."""

    latencies_ms: deque = field(default_factory=lambda: deque(maxlen=5000))
    frames: int = 0
    started: float | None = None
    fps: float | None = None
    _last: float | None = None

    def frame_done(self, read_at: float) -> None:
        now = time.perf_counter()
        self.latencies_ms.append(1000.0 * (now - read_at))
        self.frames += 1
        self.started = read_at if self.started is None else self.started
        if self._last is not None and now > self._last:
            rate = 1.0 / (now - self._last)
            self.fps = rate if self.fps is None else 0.9 * self.fps + 0.1 * rate
        self._last = now

    def to_dict(self) -> dict:
        lat = np.asarray(self.latencies_ms, float)
        span = (self._last - self.started) if self.started is not None and self._last is not None else 0.0
        return {"frames_processed": self.frames,
                "fps": round((self.frames - 1) / span, 2) if span > 0 and self.frames > 1 else None,
                "latency_ms_mean": round(float(lat.mean()), 2) if len(lat) else None,
                "latency_ms_p95": round(float(np.percentile(lat, 95)), 2) if len(lat) else None}


def _display_image(image: np.ndarray) -> tuple[np.ndarray, float]:
    """A copy to draw on, at most DISPLAY_MAX_WIDTH wide (drawing and showing 1080p costs more)."""
    import cv2

    h, w = image.shape[:2]
    if w <= DISPLAY_MAX_WIDTH:
        return image.copy(), 1.0
    s = DISPLAY_MAX_WIDTH / w
    return cv2.resize(image, (DISPLAY_MAX_WIDTH, round(h * s)), interpolation=cv2.INTER_AREA), s


def _pause_banner(image: np.ndarray) -> np.ndarray:
    from formcheck.live.overlay import Style, draw_guidance

    out = image.copy()
    draw_guidance(out, "Paused: press space to continue", Style.for_image(out))
    return out


class _Cues:
    """Turns verdict changes into beeps and spoken words (both in background threads)."""

    def __init__(self, exercise: Exercise, sound: SoundCues, speaker: Speaker):
        self.ex, self.sound, self.speaker = exercise, sound, speaker
        self._counts: dict[str, int] | None = None
        self._hold_done = False
        self._faults: set[str] = set()
        self._guidance: str | None = None

    def update(self, live: LiveFrame) -> None:
        v = live.verdict
        if live.guidance != self._guidance and live.guidance:
            self.speaker.say(live.guidance, v.t_s)
        self._guidance = live.guidance
        if live.started_now:
            self.speaker.say("Ready. Start when you are.", v.t_s)
        if not live.counting:
            return
        counts = v.reps_by_side
        if self._counts is not None:
            for side, n in counts.items():
                if n > self._counts.get(side, 0):
                    self.sound.play("rep")
                    self.speaker.say(str(n), v.t_s)
        self._counts = dict(counts)
        goal = self.ex.dosage.hold_s[0] if self.ex.dosage.hold_s else None
        if v.hold_s <= 0:
            self._hold_done = False
        elif goal and v.hold_s >= goal and not self._hold_done:
            self._hold_done = True
            self.sound.play("hold")
            self.speaker.say("Hold done", v.t_s)
        now = {f.code for f in v.active_faults}
        for f in v.active_faults:
            if f.code not in self._faults:
                self.speaker.say(f.cue, v.t_s)
        self._faults = now

    def reset(self) -> None:
        self._counts = None
        self._faults = set()


def _save_track(session: LiveSession, path: Path) -> None:
    """landmarks.npz, atomically: written beside the target, then renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        session.save_track(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def finish_session(session: LiveSession, out_dir: Path | None, source: str, model: str | None,
                   extra: dict, warnings: list[str] = ()) -> dict:
    """Build the report (the same as ``analyze``'s, plus a "live" section) and write it."""
    result = session.result()
    report = build_report(result, source=source, model=model)
    report["tracking"]["warnings"].extend(warnings)
    report["live"] = {
        "counting_started_s": None if session.started_s is None else round(session.started_s, 3),
        "resets_s": [round(t, 3) for t in session.resets_s],
        "working_side": session.side,
        "working_side_chosen": session.side_chosen,
        "frames_seen": len(session),
        **extra,
    }
    if out_dir is not None:
        out_dir = Path(out_dir)
        try:
            _save_track(session, out_dir / TRACK_NAME)
            write_json_atomic(out_dir / REPORT_NAME, report)
        except OSError as exc:
            raise FormcheckError(f"could not write the report to {out_dir}: {exc.strerror or exc}") from None
        _write_feedback(report, result, out_dir)
    return report


def _write_feedback(report: dict, result: SessionResult, out_dir: Path) -> None:
    """report.html and report.csv when that writer exists (its failures become report warnings)."""
    try:
        from formcheck.analyze.video import write_feedback_files
    except ImportError:
        return
    write_feedback_files(report, result, out_dir, None, source=None)


def _open(source):
    from formcheck.io.video import FrameSource, open_source

    return source if isinstance(source, FrameSource) else open_source(source)


def run_live(source, exercise: Exercise, model: str = "lite", out_dir: Path | None = None,
             show_window: bool = True, record: bool = False, fast: bool = False, sound: bool = True,
             speech: bool = False, on_verdict: Callable[[FrameVerdict], None] | None = None, *,
             estimator=None, draw: bool | None = None, window_name: str = WINDOW_NAME) -> dict:
    """Coach one live session and return its report (also written to ``out_dir`` when given).

    ``source``: a camera index, a stream URL, a video file played as a camera (in real time,
    or as fast as possible with ``fast``), or an open ``FrameSource``. ``estimator``: any
    object with ``detect(image_bgr, t_s) -> PoseResult | None`` (default: MediaPipe with
    ``model``), so tests can feed synthetic landmarks. ``on_verdict`` gets each counted
    frame's verdict. ``draw``: draw the overlay even without a window (benchmarks); by
    default only when there is a window. However the session ends, the report of what was
    done is written.
    """
    if record and out_dir is None:
        raise ValueError("record=True needs an out_dir to save the video in")
    loop = _LiveLoop(_open(source), exercise, model, out_dir, show_window, record, fast, sound, speech,
                     on_verdict, estimator, bool(show_window or draw), window_name)
    return loop.run()


class _LiveLoop:
    """The I/O of one live session around a LiveSession: frames in, window and keys, report out."""

    def __init__(self, src, exercise, model, out_dir, show_window, record, fast, sound, speech, on_verdict,
                 estimator, draw, window_name):
        self.src, self.ex, self.model, self.out_dir = src, exercise, model, out_dir
        self.show_window, self.record, self.draw, self.window_name = show_window, record, draw, window_name
        self.on_verdict = on_verdict
        self.own_estimator = estimator is None
        self.estimator = estimator
        self.sound_on, self.speech_on = sound, speech
        self.pacer = _Pacer(enabled=not fast and not src.info.is_live)
        self.stats = _Stats()
        self.session: LiveSession | None = None
        self.sounds = self.speaker = self.cues = self.recorder = self.window = None
        self.paused = False
        self.shown: np.ndarray | None = None
        self.ended = "the stream ended"

    def run(self) -> dict:
        failed = False
        try:
            if self.own_estimator:
                from formcheck.pose.estimator import PoseEstimator

                self.estimator = PoseEstimator(self.model)
            self.sounds, self.speaker = SoundCues(self.sound_on), Speaker(self.speech_on)
            self.cues = _Cues(self.ex, self.sounds, self.speaker)
            frames = iter(self.src)
            while (self._paused_step(frames) if self.paused else self._step(frames)):
                pass
        except KeyboardInterrupt:
            self.ended = "interrupted (Ctrl-C)"
        except BaseException:
            failed = True
            raise
        finally:
            report = self._finish(failed)
        return report

    def _step(self, frames) -> bool:
        """One frame through pose, session, cues and display; False when the session is over."""
        frame = next(frames, None)
        if frame is None:
            return False
        self.pacer.wait(frame.t_s)
        read_at = time.perf_counter()
        if self.session is None:
            self._start(frame.image)
        if self.recorder is not None:
            self.recorder.write(frame.t_s, frame.image)
        live = self._process(frame.t_s, self.estimator.detect(frame.image, frame.t_s))
        self.cues.update(live)
        if live.counting and self.on_verdict is not None:
            self.on_verdict(live.verdict)
        if self.draw:
            self.shown = self._render(frame.image, live)
        self.stats.frame_done(read_at)
        if self._over():
            return False
        return self.window is None or self._key(self.window.show(self.shown))

    # Hooks a program of sets (formcheck.live.routine) overrides to swap the session between sets.
    def _process(self, t_s: float, pose) -> LiveFrame:
        """One frame's pose through the session."""
        return self.session.step(t_s, pose)

    def _render(self, image: np.ndarray, live: LiveFrame) -> np.ndarray:
        """The frame as shown: the overlay for the current exercise."""
        return _draw(image, live, self.ex, self.session, self.stats.fps, self.show_window)

    def _over(self) -> bool:
        """True when the session has ended by itself (a single set never does: the user stops it)."""
        return False

    def _other_key(self, key: int) -> None:
        """A key the single-set loop does not use."""

    def _paused_step(self, frames) -> bool:
        """While paused: a live camera keeps being read (and shown as is) so its buffer stays fresh."""
        started = time.monotonic()
        if self.src.info.is_live:
            frame = next(frames, None)
            if frame is None:
                return False
            self.shown, _ = _display_image(frame.image)
        key = self.window.show(_pause_banner(self.shown), 1 if self.src.info.is_live else 30)
        self.pacer.shift(time.monotonic() - started)
        return self._key(key)

    def _key(self, key: int) -> bool:
        """Act on a key; False when the session is over (quit, or the window closed)."""
        if key in KEY_QUIT:
            self.ended = "quit"
            return False
        if key == KEY_PAUSE:
            self.paused = not self.paused
        elif key == KEY_SIDE and not self.paused:
            self.session.switch_side()
        elif key == KEY_RESET and not self.paused:
            self.session.reset()
            self.cues.reset()
        elif key != 255 and not self.paused:
            self._other_key(key)
        if self.window.closed():
            self.ended = "the window was closed"
            return False
        return True

    def _start(self, image: np.ndarray) -> None:
        h, w = image.shape[:2]
        self.session = LiveSession(self.ex, (w, h))
        if self.record:
            self.recorder = _Recorder(Path(self.out_dir) / RECORDING_NAME, self.src.info.fps or 30.0)
        if self.show_window:
            s = min(1.0, DISPLAY_MAX_WIDTH / w)
            self.window = _Window(self.window_name, (round(w * s), round(h * s)))

    def _finish(self, failed: bool) -> dict:
        """Close everything, then write the report of what was done (unless nothing was)."""
        for closer in (self.window, self.sounds, self.speaker):
            if closer is not None:
                closer.close()
        if self.own_estimator and self.estimator is not None:
            self.estimator.close()
        self.src.close()
        extra = {"ended": "error" if failed else self.ended, "performance": self.stats.to_dict()}
        warnings = [f"Frame {i} could not be read and was skipped ({why})." for i, why in self.src.skipped]
        if self.recorder is not None:
            warnings += self._close_recorder(extra)
        return self._report(failed, extra, warnings)

    def _report(self, failed: bool, extra: dict, warnings: list[str]) -> dict:
        """Write the report of the session (the hook a program of sets replaces with its own)."""
        if self.session is None:
            if failed:
                return {}  # a failure before the first frame: nothing to save
            info = self.src.info
            self.session = LiveSession(self.ex, (max(info.width, 1), max(info.height, 1)))
        name = self.model if self.own_estimator else getattr(self.estimator, "name", type(self.estimator).__name__)
        return finish_session(self.session, self.out_dir, self.src.info.description, name, extra, warnings)

    def _close_recorder(self, extra: dict) -> list[str]:
        rec = self.recorder
        try:
            rec.close()
        except Exception as exc:  # noqa: BLE001 - the counts matter more than the video
            rec.error = rec.error or exc
        extra["recording"] = RECORDING_NAME if rec.error is None and rec.writer.frames_written else None
        extra["recording_dropped_frames"] = rec.dropped
        if rec.error is not None:
            return [f"The camera video could not be saved ({rec.error}): the counts are unaffected."]
        return []


def _draw(image: np.ndarray, live: LiveFrame, exercise: Exercise, session: LiveSession, fps: float | None,
          controls: bool) -> np.ndarray:
    from formcheck.live.overlay import draw_overlay, draw_side_hint

    shown, scale = _display_image(image)
    px = None if live.landmarks_px is None else live.landmarks_px * scale
    draw_overlay(shown, px, live.verdict, exercise, fps=fps, guidance=live.guidance, controls=controls)
    if exercise.sided and session.side:
        draw_side_hint(shown, session.side, automatic=not session.side_chosen)
    return shown
