"""Offline analysis of a landmark track: clean -> signals -> engine -> session result.

This is the middle of the pipeline with no video and no model in it, so everything the
product concludes can be tested on synthetic landmark sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from formcheck.signals.cleaning import CleaningOptions
from formcheck.rules.engine import ExerciseEngine, FrameInput, FrameVerdict
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.signals.measures import SignalSet, compute_signals
from formcheck.pose.tracking import TrackingReport, assess_tracking
from formcheck.signals.windowed import WindowedCleaner
from formcheck.analyze.view_limits import apply_view_limits
from formcheck.analyze.row_spool import GrowingColumn, RowSpool
from formcheck.live.store import VerdictLog


@dataclass
class SessionResult:
    """Everything one analysed session produced, before it is written as a report."""

    exercise: Exercise
    track: PoseTrack  # cleaned
    signals: SignalSet
    engine: ExerciseEngine
    verdicts: Sequence[FrameVerdict]  # a list, or a VerdictLog (the same, kept as numpy columns)
    tracking: TrackingReport
    # Faults the camera's view cannot judge (formcheck.analyze.view_limits), with the reason.
    not_checked: list[dict] = field(default_factory=list)
    camera_turn_deg: float | None = None


def frame_inputs(signals: SignalSet, detected: np.ndarray) -> Iterator[FrameInput]:
    """One FrameInput per frame, with None where nobody was detected."""
    names = list(signals.values)
    for k, t in enumerate(signals.t_s):
        if not detected[k]:
            yield FrameInput(float(t), None, None)
            continue
        cues = None if signals.side_cues is None else signals.side_cues[k]
        yield FrameInput(float(t), {n: signals.values[n][k] for n in names}, signals.side_joint_xy[k], cues)


def default_cleaning(exercise: Exercise, cleaning: CleaningOptions | None = None) -> CleaningOptions:
    """The cleaning options for an exercise: its own ``smoothing_hz`` cutoff when it declares one."""
    if cleaning is None:
        cleaning = CleaningOptions()
        if exercise.smoothing_hz:
            cleaning = replace(cleaning, cutoff_hz=exercise.smoothing_hz)
    return cleaning


def analyze_track(exercise: Exercise, raw: PoseTrack, clean: bool = True,
                  cleaning: CleaningOptions | None = None) -> SessionResult:
    """Run the whole engine over a recorded track (zero-phase cleaning first).

    Without explicit ``cleaning`` options, an exercise that declares ``smoothing_hz`` (fast
    cyclic movements such as pedalling) gets that low-pass cutoff instead of the default.
    The same :class:`SessionStream` the video pipeline feeds frame by frame (issue 8).
    """
    stream = SessionStream(exercise, raw.image_size, clean=clean, cleaning=cleaning)
    stream.push(raw.t_s, raw.image_xyz, raw.world_xyz, raw.visibility, raw.presence, raw.detected)
    return stream.finish(raw)


# --- issue 8: the analysis while the pose model runs ------------------------------------------
def needs_whole_track(exercise: Exercise) -> bool:
    """Whether the engine can run only once the whole track is known (a "near" signal picks its side over it)."""
    return any(sig.sides == "near" for sig in exercise.signals.values())


_RAW_ROW = (33, 8)  # image xyz, world xyz, visibility, presence (as live sessions spool them)
_CLEAN_ROW = (33, 6)  # image xyz, world xyz


class SessionStream:
    """Raw pose rows in, in order; cleaned rows and the engine's verdicts out, a lag behind.

    Cleaning runs in windows (:mod:`formcheck.signals.windowed`), signals and the engine per settled
    block, so the annotated video can be drawn during the pose pass. ``analyze_track`` pushes a
    whole track through the same object: offline, live-file and eval share one definition.
    An exercise with a "near" signal picks its side over the whole track, so its engine runs
    at :meth:`finish` (the video is then drawn after the pose pass, as before).

    Issue 16: the raw and cleaned rows go to disk as they come (:class:`RowSpool`, in
    ``spool_dir`` or the system's temporary folder) and the verdicts into numpy columns
    (``VerdictLog``, as a live session keeps them), so memory does not grow with the video's
    length; the whole track is read back once, at :meth:`finish`, for the report.
    """

    def __init__(self, exercise: Exercise, image_size: tuple[int, int], clean: bool = True,
                 cleaning: CleaningOptions | None = None, spool_dir: str | Path | None = None):
        self.exercise = exercise
        self.image_size = image_size
        self.cleaner = WindowedCleaner(image_size, default_cleaning(exercise, cleaning)) if clean else None
        self.engine = ExerciseEngine(exercise)
        self.verdicts = VerdictLog(exercise, self.engine)
        self.whole_track = needs_whole_track(exercise)
        self._t = GrowingColumn(np.float64)
        self._detected = GrowingColumn(np.bool_)
        self._raw = RowSpool(_RAW_ROW, spool_dir)
        self._clean = RowSpool(_CLEAN_ROW, spool_dir)
        self.flushed: list[tuple[int, np.ndarray]] = []  # (first_row, pixel_xy) blocks cleaned by finish()

    @property
    def rows(self) -> int:
        """Rows pushed so far."""
        return len(self._t)

    def push(self, t, image_xyz, world_xyz, visibility, presence, detected) -> list[tuple[int, np.ndarray]]:
        """Add rows; returns ``(first_row, pixel_xy)`` for each newly cleaned block (verdicts in ``self.verdicts``)."""
        t = np.atleast_1d(np.asarray(t, float))
        image = np.asarray(image_xyz, np.float32).reshape(-1, 33, 3)
        world = np.asarray(world_xyz, np.float32).reshape(-1, 33, 3)
        vis = np.asarray(visibility, np.float32).reshape(-1, 33)
        pres = np.asarray(presence, np.float32).reshape(-1, 33)
        detected = np.atleast_1d(np.asarray(detected, bool))
        first = self.rows
        self._raw.append(np.concatenate([image, world, vis[:, :, None], pres[:, :, None]], axis=2))
        self._t.extend(t)
        self._detected.extend(detected)
        if self.cleaner is None:
            return self._cleaned([(first, image, world)])
        return self._cleaned(self.cleaner.push(t, image, world, vis, detected))

    def finish(self, raw: PoseTrack | None = None) -> SessionResult:
        """Flush the last rows, close open reps and holds; the whole session's result.

        ``raw``: the track pushed, if the caller has it (else it is rebuilt from the rows).
        """
        if self.cleaner is not None:  # the last rows: their pixels are kept for the video writer
            self.flushed = self._cleaned(self.cleaner.finish())
        raw = raw if raw is not None else self.raw_track()
        track = self._clean_track(raw)
        self._raw.close()
        self._clean.close()
        if self.whole_track:
            self._run_engine(track)
        self.engine.finish()
        signals = compute_signals(self.exercise, track)
        camera, not_checked = apply_view_limits(self.exercise, raw, self.engine)
        return SessionResult(self.exercise, track, signals, self.engine, self.verdicts,
                             assess_tracking(self.exercise, raw, self.engine), not_checked,
                             None if camera is None else round(camera.turn_deg, 1))

    def raw_track(self) -> PoseTrack:
        """Every row pushed, as a PoseTrack (what landmarks.npz keeps): read back from the spool."""
        if not self.rows:
            return PoseTrack.empty(0, self.image_size)
        rows = self._raw.rows()
        return PoseTrack(self._t.values.copy(), rows[:, :, 0:3], rows[:, :, 3:6], rows[:, :, 6], rows[:, :, 7],
                         self.image_size, self._detected.values.copy())

    def _clean_track(self, raw: PoseTrack) -> PoseTrack:
        if not len(self._clean):  # nothing pushed
            return raw
        rows = self._clean.rows()
        return replace(raw, image_xyz=rows[:, :, 0:3], world_xyz=rows[:, :, 3:6])

    def _cleaned(self, blocks) -> list[tuple[int, np.ndarray]]:
        out = []
        for first, image, world in blocks:
            image, world = np.asarray(image, np.float32), np.asarray(world, np.float32)
            self._clean.append(np.concatenate([image, world], axis=2))
            if not self.whole_track:
                self._run_engine(self._block_track(first, image, world))
            out.append((first, image[:, :, :2] * np.array(self.image_size, np.float32)))
        return out

    def _block_track(self, first: int, image: np.ndarray, world: np.ndarray) -> PoseTrack:
        """Cleaned rows ``first..`` with their raw visibility and detection flags."""
        stop = first + len(image)
        raw = self._raw.rows(first, stop)  # recent rows: still in memory or the page cache
        return PoseTrack(self._t.values[first:stop], image, world, raw[:, :, 6], raw[:, :, 7], self.image_size,
                         self._detected.values[first:stop])

    def _run_engine(self, track: PoseTrack) -> None:
        signals = compute_signals(self.exercise, track)
        detected = track.detected & np.isfinite(track.image_xyz[:, :, 0]).any(axis=1)
        for f in frame_inputs(signals, detected):
            self.verdicts.append(self.engine.update(f))
# --- end issue 8 ---
