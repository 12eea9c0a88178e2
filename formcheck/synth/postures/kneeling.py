"""Kneeling, seen from the side (facing -x): the half-kneeling hip flexor stretch and the pigeon pose."""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, Posture, Proportions, body_frame
from formcheck.synth.postures.kit import (UP, X, Faults, foot_pitch, hip_point, leg_to, lunge_feet, side_sign,
                                          working_legs)


def _half_kneel(frame: np.ndarray, side: str, beta_deg: float, p: Proportions, front_x: float):
    """Half-kneeling with the back (``side``) knee on the floor and its thigh ``beta_deg`` behind vertical."""
    fwd = frame[:, 2]
    back_s, front_s = lunge_feet(frame, side)
    knee = np.array([0.30, 0.06, back_s * p.hip_half_width])
    b = np.radians(beta_deg)
    hip_back = knee + p.thigh * (np.cos(b) * UP + np.sin(b) * fwd)
    pelvis = hip_back - back_s * p.hip_half_width * frame[:, 0]
    back = leg_to(frame, hip_back, knee + p.shank * -fwd + np.array([0.0, 0.01, 0.0]), -UP, p, back_s,
                   foot_toward=foot_pitch(-fwd, 70.0))
    front_ankle = np.array([front_x, p.heel_drop, front_s * p.hip_half_width])
    front = leg_to(frame, hip_point(pelvis, frame, front_s, p), front_ankle, fwd + UP, p, front_s, foot_toward=fwd)
    legs = {"left_leg": back, "right_leg": front} if back_s > 0 else {"left_leg": front, "right_leg": back}
    return pelvis, legs


def hip_flexor_kneeling_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): half-kneeling upright, then lunge forward gently, torso upright.

    ``side`` is the kneeling (back) leg, whose hip flexors are stretched.
    """
    frame = body_frame(UP, -X)
    pelvis, legs = _half_kneel(frame, side, 42.0 * u, p, front_x=-0.30)
    hands = ArmPose(shoulder_flexion=25.0, shoulder_abduction=15.0, elbow_flexion=60.0)
    return Posture(pelvis, frame, trunk_flexion=-5.0 * u + 25.0 * f.get("torso_not_upright", 0.0),
                   left_arm=hands, right_arm=hands, **legs)


def pigeon_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): from kneeling, one leg slides back straight, the other folds in front.

    ``side`` is the front (bent) leg; the trunk leans forward over it.
    """
    fwd = -X
    frame = body_frame(UP, fwd)
    s = side_sign(side)
    pelvis = np.array([0.0, 0.50 - 0.32 * u, 0.0])
    front_hip = hip_point(pelvis, frame, s, p)
    back_hip = hip_point(pelvis, frame, -s, p)
    # Kneeling (u = 0): knees under the hips, shins back along the floor.
    kneel_front = front_hip + np.array([p.shank, -0.44, 0.0])
    fold_front = pelvis + np.array([-0.16, -0.13, -s * 0.22])
    front_ankle = (1 - u) * kneel_front + u * fold_front
    front_pole = (1 - u) * -UP + u * (fwd + s * frame[:, 0])
    front = leg_to(frame, front_hip, front_ankle, front_pole, p, s, foot_toward=foot_pitch(-fwd, 60.0))
    kneel_back = back_hip + np.array([p.shank, -0.44, 0.0])
    long_back = back_hip + np.array([0.84, -0.14, 0.0])
    back = leg_to(frame, back_hip, (1 - u) * kneel_back + u * long_back, -UP, p, -s,
                   foot_toward=foot_pitch(-fwd, 70.0))
    hands = ArmPose(shoulder_flexion=45.0 * u, shoulder_abduction=15.0, elbow_flexion=10.0)
    return Posture(pelvis, frame, trunk_flexion=40.0 * u, left_arm=hands, right_arm=hands,
                   **working_legs(side, front, back))
