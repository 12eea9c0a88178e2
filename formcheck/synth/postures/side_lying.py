"""Lying on one side facing the camera (front view), the ``top`` leg working: abduction, leg raise, clamshells."""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, LegPose, Posture, Proportions, body_frame, rot
from formcheck.synth.postures.kit import Faults, working_arms, working_legs


def _side_lying_frame(top: str, roll_back_deg: float) -> np.ndarray:
    """Lying on one side facing the camera (+z); the ``top`` leg is up. Roll back rotates away."""
    head = np.array([-1.0, 0.0, 0.0]) if top == "left" else np.array([1.0, 0.0, 0.0])
    frame = body_frame(head, np.array([0.0, 0.0, 1.0]))
    sign = 1.0 if top == "left" else -1.0
    return rot(head, sign * roll_back_deg) @ frame


def abduction_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str,
                       straight_bottom: bool = False) -> Posture:
    """Side-lying, front view: the straight top leg lifts toward the ceiling.

    ``straight_bottom``: the bottom leg straight too (the side-lying leg raise), else bent for balance.
    """
    frame = _side_lying_frame(top, 20.0 * f.get("hips_not_stacked", 0.0))
    abd = 30.0 * u + 32.0 * f.get("leg_too_high", 0.0)
    work = LegPose(hip_abduction=abd, knee_flexion=45.0 * f.get("top_knee_bent", 0.0),
                   hip_flexion=5.0 + 35.0 * f.get("leg_forward", 0.0), ankle_dorsiflexion=10.0)
    bottom = LegPose(hip_flexion=5.0, knee_flexion=3.0) if straight_bottom else LegPose(hip_flexion=30.0, knee_flexion=60.0)
    bottom_arm = ArmPose(shoulder_flexion=170.0, shoulder_abduction=0.0, elbow_flexion=110.0)
    top_arm = ArmPose(shoulder_flexion=60.0, shoulder_abduction=0.0, elbow_flexion=40.0)
    pelvis = np.array([0.0, 0.24, 0.0])
    legs = {"left_leg": work, "right_leg": bottom} if top == "left" else {"left_leg": bottom, "right_leg": work}
    arms = ({"left_arm": top_arm, "right_arm": bottom_arm} if top == "left"
            else {"left_arm": bottom_arm, "right_arm": top_arm})
    return Posture(pelvis, frame, trunk_lateral=0.0, **legs, **arms)


def clamshell_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str) -> Posture:
    """Side-lying, front view, hips and knees bent: the top knee opens while the feet stay together."""
    roll = 25.0 * f.get("torso_rotation", 0.0)
    frame = _side_lying_frame(top, roll)
    clam = 38.0 * u
    work = LegPose(hip_flexion=45.0, knee_flexion=90.0, clam_deg=clam,
                   hip_abduction=25.0 * f.get("feet_separating", 0.0))
    bottom = LegPose(hip_flexion=45.0, knee_flexion=90.0)
    bottom_arm = ArmPose(shoulder_flexion=170.0, shoulder_abduction=0.0, elbow_flexion=110.0)
    top_arm = ArmPose(shoulder_flexion=60.0, shoulder_abduction=0.0, elbow_flexion=40.0)
    shift = 0.10 * f.get("hips_moving", 0.0)
    head_dir = -1.0 if top == "left" else 1.0
    pelvis = np.array([-head_dir * shift, 0.24 + shift, 0.0])
    legs = {"left_leg": work, "right_leg": bottom} if top == "left" else {"left_leg": bottom, "right_leg": work}
    arms = ({"left_arm": top_arm, "right_arm": bottom_arm} if top == "left"
            else {"left_arm": bottom_arm, "right_arm": top_arm})
    return Posture(pelvis, frame, **legs, **arms)


def reverse_clamshell_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str) -> Posture:
    """Side-lying, front view, knees bent and together: rotate the top foot toward the ceiling."""
    frame = _side_lying_frame(top, 25.0 * f.get("torso_rotation", 0.0))
    work = LegPose(hip_flexion=45.0, knee_flexion=90.0, hip_rotation=38.0 * u,
                   clam_deg=28.0 * f.get("knees_separating", 0.0))
    bottom = LegPose(hip_flexion=45.0, knee_flexion=90.0)
    bottom_arm = ArmPose(shoulder_flexion=170.0, shoulder_abduction=0.0, elbow_flexion=110.0)
    top_arm = ArmPose(shoulder_flexion=60.0, shoulder_abduction=0.0, elbow_flexion=40.0)
    return Posture(np.array([0.0, 0.24, 0.0]), frame, **working_legs(top, work, bottom),
                   **working_arms(top, top_arm, bottom_arm))
