"""Face down: prone hip extension, and on hands and knees (all fours): donkey kick, fire hydrant."""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, LegPose, Posture, Proportions, body_frame, rot
from formcheck.synth.postures.kit import UP, X, Z, Faults, side_sign, working_legs


def prone_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str) -> Posture:
    """Prone, head toward -x, the working knee bent to 90 degrees; lift that thigh."""
    frame = body_frame(np.array([-1.0, 0.0, 0.0]), np.array([0.0, -1.0, 0.0]))
    trunk_lift = 16.0 * f.get("lumbar_arching", 0.0)
    ext = 13.0 * u + 20.0 * f.get("lifting_too_high", 0.0)
    knee = 90.0 - 70.0 * f.get("knee_not_bent", 0.0)
    work = LegPose(hip_flexion=-ext, knee_flexion=knee, ankle_dorsiflexion=-20.0)
    rest = LegPose(hip_flexion=0.0, knee_flexion=5.0, ankle_dorsiflexion=-70.0)
    arms = ArmPose(shoulder_flexion=160.0, shoulder_abduction=35.0, elbow_flexion=120.0)
    legs = {"left_leg": work, "right_leg": rest} if top == "left" else {"left_leg": rest, "right_leg": work}
    return Posture(np.array([0.0, 0.11, 0.0]), frame, trunk_flexion=-trunk_lift, head_flexion=-10.0,
                   left_arm=arms, right_arm=arms, **legs)


def _all_fours(frame: np.ndarray, side: str, work: LegPose, roll_deg: float = 0.0):
    """Hands and knees with the trunk level; the ``side`` leg gets ``work``."""
    frame = rot(frame[:, 1], roll_deg) @ frame
    support = LegPose(hip_flexion=90.0, knee_flexion=90.0, ankle_dorsiflexion=-60.0)
    arms = ArmPose(shoulder_flexion=90.0 - 10.0, shoulder_abduction=5.0, elbow_flexion=5.0)
    return Posture(np.array([0.0, 0.52, 0.0]), frame, trunk_flexion=-10.0, head_flexion=-20.0,
                   left_arm=arms, right_arm=arms, **working_legs(side, work, support))


def donkey_kick_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """All fours, side view (head toward -x): lift one bent leg until the thigh is level."""
    frame = body_frame(-X, -UP)
    arch = f.get("back_arching", 0.0)
    work = LegPose(hip_flexion=90.0 - 90.0 * u - 40.0 * arch, knee_flexion=90.0 - 65.0 * f.get("knee_straightening", 0.0),
                   ankle_dorsiflexion=-20.0)
    posture = _all_fours(frame, side, work)
    posture.trunk_flexion -= 8.0 * arch
    return posture


def fire_hydrant_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """All fours seen from behind and to the side (head toward -z): the bent knee lifts out to the side."""
    frame = body_frame(-Z, -UP)
    work = LegPose(hip_flexion=85.0, hip_abduction=55.0 * u, knee_flexion=90.0 - 60.0 * f.get("knee_straightening", 0.0),
                   ankle_dorsiflexion=-40.0)
    return _all_fours(frame, side, work, roll_deg=side_sign(side) * 14.0 * f.get("trunk_rotation", 0.0))
