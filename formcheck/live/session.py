"""Live coaching: camera -> pose -> causal cleaning -> the same engine as ``analyze`` -> verdicts.

:class:`LiveSession` is the per-frame pipeline after the pose estimator, plain numpy and no
I/O, so it is tested on synthetic landmarks: setup check, One-Euro cleaning, one-frame
signals, the engine, and the landmark track kept for the report. :func:`finish_session`
turns a session into its report (the same as ``analyze``'s plus a "live" section) and writes
it. The I/O around a session (frame source, pacing, window, keys, sound, recording) is the
live loop, formcheck.live.loop.

Counting uses the same ``ExerciseEngine`` and the same signal code as ``analyze`` (only the
smoothing differs: causal One-Euro here, zero-phase offline), so a live session and the
analysis of its recording agree. Engine time is the frames' own timestamps; the monotonic
clock only paces a file played as a camera and measures frames/s and latency (formcheck.live.timing).

Memory stays flat however long the session (formcheck.live.store): each frame's raw landmarks,
one (33, 8) float32 row (MediaPipe's landmarks are float32, so nothing is lost), go to a
temporary file in one-minute chunks, and each verdict is kept as a few numbers, about 50
bytes a frame in memory in all (~5 MB an hour at 30 frames/s; benchmarks/soak_live.py). The
cleaned track is rebuilt at the end by replaying the same causal cleaner over the spooled
rows, and landmarks.npz is written from them chunk by chunk.
"""
from __future__ import annotations

import os
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.analyze.view_limits import apply_view_limits
from formcheck.analyze.track import SessionResult
from formcheck.errors import FormcheckError
from formcheck.live.store import LandmarkSpool, VerdictLog
from formcheck.pose.landmarks import N_LANDMARKS, PoseTrack
from formcheck.pose.tracking import assess_tracking, setup_check
from formcheck.report.build import build_report, write_json_atomic
from formcheck.rules.engine import ExerciseEngine, FrameInput, FrameVerdict
from formcheck.rules.exercise import Exercise
from formcheck.signals.cleaning import LiveCleaner
from formcheck.signals.measures import compute_signals

SETUP_WINDOW_S = 0.5  # recent frames the setup check looks at
SETUP_PASS_S = 1.0  # the check must pass this long before counting starts
REFRAME_S = 2.0  # after counting started: out of the picture this long shows guidance again
REPORT_NAME = "report.json"
TRACK_NAME = "landmarks.npz"


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
    cues = None if signals.side_cues is None else signals.side_cues[0]
    return FrameInput(t, {n: v[0] for n, v in signals.values.items()}, signals.side_joint_xy[0], cues)


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
    # Only the framing is checked before counting (``live --exercise auto``: the person is already
    # exercising when the set starts; a camera turn the rules cannot judge is in the report).
    setup_framing_only: bool = False
    engine: ExerciseEngine = field(init=False)
    verdicts: VerdictLog = field(init=False)
    counting_from: int | None = None  # index of the first frame of the current set
    # Faults the camera turn seen when counting started cannot judge (formcheck.analyze.view_limits).
    view_not_checked: list = field(default_factory=list)
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
            status = setup_check(self.exercise, self._window_track(), framing_only=self.setup_framing_only)
            guidance = status.message
            self.last_guidance = status.message or self.last_guidance
            if status.ok:
                self._ok_since = t if self._ok_since is None else self._ok_since
                if status.side and not self.side_chosen:
                    self.side = status.side
                if t - self._ok_since >= self.setup_pass_s:
                    self.counting_from, self.started_s, started = len(self) - 1, t, True
                    self._judge_view()
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

    def _judge_view(self) -> None:
        """When counting starts, from the still set-up window: faults this camera turn cannot judge
        are not flagged on screen either (the report lists them as not checked)."""
        _, self.view_not_checked = apply_view_limits(self.exercise, self._window_track(), self.engine)

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
        unjudged = self.engine.unjudged
        self.engine = ExerciseEngine(self.exercise)
        self.engine.unjudged = set(unjudged)
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
        camera, not_checked = apply_view_limits(self.exercise, self.raw_track(start), self.engine)
        seen = {e["code"] for e in not_checked}
        not_checked += [e for e in self.view_not_checked if e["code"] not in seen]
        return SessionResult(self.exercise, clean_set, signals, self.engine, self.verdicts, tracking, not_checked,
                             None if camera is None else round(camera.turn_deg, 1))


# ------------------------------------------------------------------------------ the session's report


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
                   extra: dict, warnings: list[str] = (), set_side: str | None = None) -> dict:
    """Build the report (the same as ``analyze``'s, plus a "live" section) and write it.

    ``set_side``: a routine's set of one side, whose dosage is judged on that side alone.
    """
    result = session.result()
    report = build_report(result, source=source, model=model, set_side=set_side)
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
