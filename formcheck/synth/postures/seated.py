"""Sitting on the floor facing the camera (front view): seated hip rotation, seated butterfly stretch."""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, LegPose, Posture, Proportions, body_frame
from formcheck.synth.postures.kit import UP, Z, Faults, butterfly_legs, hip_point, leg_to, side_sign, working_legs


def _seated_frame() -> np.ndarray:
    return body_frame(UP, Z)  # sitting on the floor facing the camera; the left side toward +x


def seated_hip_rotation_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Front view: sitting, legs long; the bent leg's foot on the other inner thigh, knee rotates to the floor."""
    frame = _seated_frame()
    s = side_sign(side)
    pelvis = np.array([0.0, 0.11, 0.0])
    other_hip = hip_point(pelvis, frame, -s, p)
    ankle = other_hip + 0.24 * frame[:, 2] + np.array([0.0, -0.02, 0.0]) + s * 0.06 * frame[:, 0]
    a = np.radians(15.0 + 60.0 * u)
    pole = np.cos(a) * UP + np.sin(a) * s * frame[:, 0]
    work = leg_to(frame, hip_point(pelvis, frame, s, p), ankle, pole, p, s, foot_toward=frame[:, 2] - s * frame[:, 0])
    straight = LegPose(hip_flexion=88.0, knee_flexion=0.0, ankle_dorsiflexion=-5.0)
    behind = ArmPose(shoulder_flexion=-25.0, shoulder_abduction=20.0, elbow_flexion=5.0)
    return Posture(pelvis, frame, trunk_flexion=-6.0, left_arm=behind, right_arm=behind,
                   **working_legs(side, work, straight))


def butterfly_seated_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Front view: sitting, soles together; press the knees down, back straight."""
    frame = _seated_frame()
    pelvis = np.array([0.0, 0.11, 0.0])
    ankle_at = pelvis + 0.36 * frame[:, 2] + np.array([0.0, -0.03, 0.0])
    legs = butterfly_legs(frame, pelvis, ankle_at, UP, 20.0 + 58.0 * u, p)
    elbows = ArmPose(shoulder_flexion=35.0, shoulder_abduction=20.0, elbow_flexion=50.0)
    return Posture(pelvis, frame, trunk_flexion=2.0 + 35.0 * f.get("back_not_straight", 0.0),
                   left_arm=elbows, right_arm=elbows, **legs)
