"""Offline analysis of a landmark track: clean -> signals -> engine -> session result.

This is the middle of the pipeline with no video and no model in it, so everything the
product concludes can be tested on synthetic landmark sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

import numpy as np

from formcheck.signals.cleaning import CleaningOptions
from formcheck.rules.engine import ExerciseEngine, FrameInput, FrameVerdict
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.signals.measures import SignalSet, compute_signals
from formcheck.pose.tracking import TrackingReport, assess_tracking
from formcheck.signals.windowed import WindowedCleaner
from formcheck.analyze.view_limits import apply_view_limits


@dataclass
class SessionResult:
    """Everything one analysed session produced, before it is written as a report."""

    exercise: Exercise
    track: PoseTrack  # cleaned
    signals: SignalSet
    engine: ExerciseEngine
    verdicts: list[FrameVerdict]
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
_MERGE_BLOCKS = 256


class SessionStream:
    """Raw pose rows in, in order; cleaned rows and the engine's verdicts out, a lag behind.

    Cleaning runs in windows (:mod:`formcheck.signals.windowed`), signals and the engine per settled
    block, so the annotated video can be drawn during the pose pass. ``analyze_track`` pushes a
    whole track through the same object: offline, live-file and eval share one definition.
    An exercise with a "near" signal picks its side over the whole track, so its engine runs
    at :meth:`finish` (the video is then drawn after the pose pass, as before).
    """

    def __init__(self, exercise: Exercise, image_size: tuple[int, int], clean: bool = True,
                 cleaning: CleaningOptions | None = None):
        self.exercise = exercise
        self.image_size = image_size
        self.cleaner = WindowedCleaner(image_size, default_cleaning(exercise, cleaning)) if clean else None
        self.engine = ExerciseEngine(exercise)
        self.verdicts: list[FrameVerdict] = []
        self.whole_track = any(sig.sides == "near" for sig in exercise.signals.values())
        self._raw: list[tuple] = []  # blocks of (t, image, world, visibility, presence, detected), float32
        self._clean: list[tuple[np.ndarray, np.ndarray]] = []  # blocks of (image, world), float32
        self._raw_rows = 0
        self._clean_rows = 0
        self._loose = 0  # trailing raw blocks not merged yet
        self.flushed: list[tuple[int, np.ndarray]] = []  # (first_row, pixel_xy) blocks cleaned by finish()

    @property
    def rows(self) -> int:
        """Rows pushed so far."""
        return self._raw_rows

    def push(self, t, image_xyz, world_xyz, visibility, presence, detected) -> list[tuple[int, np.ndarray]]:
        """Add rows; returns ``(first_row, pixel_xy)`` for each newly cleaned block (verdicts in ``self.verdicts``)."""
        block = (np.atleast_1d(np.asarray(t, float)), np.asarray(image_xyz, np.float32).reshape(-1, 33, 3),
                 np.asarray(world_xyz, np.float32).reshape(-1, 33, 3),
                 np.asarray(visibility, np.float32).reshape(-1, 33), np.asarray(presence, np.float32).reshape(-1, 33),
                 np.atleast_1d(np.asarray(detected, bool)))
        self._raw.append(block)
        self._raw_rows += len(block[0])
        self._loose += 1
        if self._loose >= _MERGE_BLOCKS:  # frame-by-frame pushes: keep a few large blocks, not many tiny ones
            merged = tuple(np.concatenate([b[i] for b in self._raw[-self._loose:]]) for i in range(6))
            self._raw[-self._loose:] = [merged]
            self._loose = 0
        if self.cleaner is None:
            return self._cleaned([(self._raw_rows - len(block[0]), block[1], block[2])])
        return self._cleaned(self.cleaner.push(block[0], block[1], block[2], block[3], block[5]))

    def finish(self, raw: PoseTrack | None = None) -> SessionResult:
        """Flush the last rows, close open reps and holds; the whole session's result.

        ``raw``: the track pushed, if the caller has it (else it is rebuilt from the rows).
        """
        if self.cleaner is not None:  # the last rows: their pixels are kept for the video writer
            self.flushed = self._cleaned(self.cleaner.finish())
        raw = raw if raw is not None else self.raw_track()
        track = self._clean_track(raw)
        self._raw, self._clean = [], []  # now held (as float64) by the two tracks
        if self.whole_track:
            self._run_engine(track)
        self.engine.finish()
        signals = compute_signals(self.exercise, track)
        camera, not_checked = apply_view_limits(self.exercise, raw, self.engine)
        return SessionResult(self.exercise, track, signals, self.engine, self.verdicts,
                             assess_tracking(self.exercise, raw, self.engine), not_checked,
                             None if camera is None else round(camera.turn_deg, 1))

    def raw_track(self) -> PoseTrack:
        """Every row pushed, as a PoseTrack (what landmarks.npz keeps)."""
        if not self._raw:
            return PoseTrack.empty(0, self.image_size)
        parts = [np.concatenate([b[i] for b in self._raw]) for i in range(6)]
        return PoseTrack(*parts[:5], self.image_size, parts[5])

    def _clean_track(self, raw: PoseTrack) -> PoseTrack:
        if not self._clean:  # nothing pushed
            return raw
        return replace(raw, image_xyz=np.concatenate([c[0] for c in self._clean]),
                       world_xyz=np.concatenate([c[1] for c in self._clean]))

    def _cleaned(self, blocks) -> list[tuple[int, np.ndarray]]:
        out = []
        for first, image, world in blocks:
            image, world = np.asarray(image, np.float32), np.asarray(world, np.float32)
            self._clean.append((image, world))
            self._clean_rows += len(image)
            if not self.whole_track:
                self._run_engine(self._block_track(first, image, world))
            out.append((first, image[:, :, :2] * np.array(self.image_size, np.float32)))
        return out

    def _block_track(self, first: int, image: np.ndarray, world: np.ndarray) -> PoseTrack:
        """Cleaned rows ``first..`` with their raw visibility and detection flags."""
        t, vis, pres, det = (self._raw_rows_slice(i, first, len(image)) for i in (0, 3, 4, 5))
        return PoseTrack(t, image, world, vis, pres, self.image_size, det)

    def _raw_rows_slice(self, field_index: int, first: int, n: int) -> np.ndarray:
        """Rows first..first+n of one raw field (they sit in the last few pushed blocks)."""
        parts, end = [], self._raw_rows
        for block in reversed(self._raw):
            start = end - len(block[0])
            if start < first + n and end > first:
                parts.append(block[field_index][max(first - start, 0):first + n - start])
            if start <= first:
                break
            end = start
        return np.concatenate(parts[::-1])

    def _run_engine(self, track: PoseTrack) -> None:
        signals = compute_signals(self.exercise, track)
        detected = track.detected & np.isfinite(track.image_xyz[:, :, 0]).any(axis=1)
        self.verdicts.extend(self.engine.update(f) for f in frame_inputs(signals, detected))
# --- end issue 8 ---
