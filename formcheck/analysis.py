"""Offline analysis of a landmark track: clean -> signals -> engine -> session result.

This is the middle of the pipeline with no video and no model in it, so everything the
product concludes can be tested on synthetic landmark sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from .cleaning import CleaningOptions, clean_track
from .engine import ExerciseEngine, FrameInput, FrameVerdict
from .exercise import Exercise
from .landmarks import PoseTrack
from .signals import SignalSet, compute_signals
from .tracking import TrackingReport, assess_tracking


@dataclass
class SessionResult:
    """Everything one analysed session produced, before it is written as a report."""

    exercise: Exercise
    track: PoseTrack  # cleaned
    signals: SignalSet
    engine: ExerciseEngine
    verdicts: list[FrameVerdict]
    tracking: TrackingReport


def frame_inputs(signals: SignalSet, detected: np.ndarray) -> Iterator[FrameInput]:
    """One FrameInput per frame, with None where nobody was detected."""
    names = list(signals.values)
    for k, t in enumerate(signals.t_s):
        if not detected[k]:
            yield FrameInput(float(t), None, None)
            continue
        yield FrameInput(float(t), {n: signals.values[n][k] for n in names}, signals.side_joint_xy[k])


def analyze_track(exercise: Exercise, raw: PoseTrack, clean: bool = True,
                  cleaning: CleaningOptions | None = None) -> SessionResult:
    """Run the whole engine over a recorded track (zero-phase cleaning first).

    Without explicit ``cleaning`` options, an exercise that declares ``smoothing_hz`` (fast
    cyclic movements such as pedalling) gets that low-pass cutoff instead of the default.
    """
    if cleaning is None:
        cleaning = CleaningOptions()
        if exercise.smoothing_hz:
            cleaning = replace(cleaning, cutoff_hz=exercise.smoothing_hz)
    track = clean_track(raw, cleaning) if clean else raw
    signals = compute_signals(exercise, track)
    engine = ExerciseEngine(exercise)
    detected = track.detected & np.isfinite(track.image_xyz[:, :, 0]).any(axis=1)
    verdicts = [engine.update(f) for f in frame_inputs(signals, detected)]
    engine.finish()
    return SessionResult(exercise, track, signals, engine, verdicts, assess_tracking(exercise, raw, engine))
