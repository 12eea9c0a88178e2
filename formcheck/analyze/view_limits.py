"""Judge only what the camera can show: faults outside their reliable camera turn become ``not_checked``.

Each fault declares ``max_turn_deg``, the camera turn from the exercise's recommended view up
to which the fault benchmark found it reliable. When the camera's estimated turn
(:func:`formcheck.pose.camera_angle.estimate_camera_angle`) is past it, the fault is neither
flagged nor counted as passed: the report lists it under ``not_checked`` with the reason and
how to move the camera, instead of guessing.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.camera_angle import CameraAngle, estimate_camera_angle
from formcheck.pose.landmarks import PoseTrack
from formcheck.rules.engine import ExerciseEngine
from formcheck.rules.exercise import Exercise


def unjudged_faults(exercise: Exercise, camera: CameraAngle) -> list[dict]:
    """``{"code", "reason"}`` for each fault the camera's turn puts past its ``max_turn_deg``."""
    out = []
    for f in exercise.faults:
        if f.max_turn_deg is None or camera.turn_deg <= f.max_turn_deg:
            continue
        out.append({"code": f.code, "reason": (
            f"not checked: the camera seems turned about {camera.turn_deg:.0f} degrees from the {exercise.view} "
            f"view, and '{f.message.lower()}' is only judged within {f.max_turn_deg:.0f} degrees of it. "
            f"To have it checked: {exercise.camera or exercise.setup}")})
    return out


def apply_view_limits(exercise: Exercise, raw: PoseTrack, engine: ExerciseEngine) -> tuple[CameraAngle | None, list[dict]]:
    """Estimate the camera's turn on the session's track and drop the faults it cannot judge.

    Returns the estimate (None when there are too few frames to tell) and the ``not_checked``
    entries; the engine's reps and holds no longer carry those faults.
    """
    if len(raw) < 5 or not raw.detected.any():
        return None, []
    try:
        camera = estimate_camera_angle(raw, exercise)
    except (ValueError, FloatingPointError):
        return None, []
    if not np.isfinite(camera.turn_deg):  # no still frames seen well enough to tell
        return None, []
    entries = unjudged_faults(exercise, camera)
    engine.drop_faults({e["code"] for e in entries})
    return camera, entries
