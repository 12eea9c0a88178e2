"""What every posture is built from: the room's axes, left/right bookkeeping, and leg inverse kinematics.

Postures are functions of the lift fraction ``u`` (0 start position, 1 top of the rep) and of
the faults being acted out (:data:`Faults`, each a magnitude already multiplied by ``u``).
The working leg and arm of a sided exercise go on ``side``; :func:`leg_to` bends a leg so its
ankle lands where the exercise puts it, with the knee pointing where a real knee would.
"""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, LegPose, Proportions, rot

Faults = dict[str, float]  # code -> magnitude * u at this instant

UP = np.array([0.0, 1.0, 0.0])
X = np.array([1.0, 0.0, 0.0])
Z = np.array([0.0, 0.0, 1.0])


def side_sign(side: str) -> float:
    """+1 for the left side, -1 for the right: the sign of the body's left axis for that side."""
    return 1.0 if side == "left" else -1.0


def working_legs(side: str, work: LegPose, other: LegPose) -> dict:
    """Posture keyword arguments with the ``work`` leg on ``side`` and ``other`` on the other side."""
    return {"left_leg": work, "right_leg": other} if side == "left" else {"left_leg": other, "right_leg": work}


def working_arms(side: str, work: ArmPose, other: ArmPose) -> dict:
    """Posture keyword arguments with the ``work`` arm on ``side`` and ``other`` on the other side."""
    return {"left_arm": work, "right_arm": other} if side == "left" else {"left_arm": other, "right_arm": work}


def hip_point(pelvis: np.ndarray, frame: np.ndarray, sign: float, p: Proportions) -> np.ndarray:
    """The hip joint on the ``sign`` side (+1 left) of the pelvis centre."""
    return np.asarray(pelvis, float) + sign * p.hip_half_width * frame[:, 0]


def leg_to(frame: np.ndarray, hip: np.ndarray, ankle: np.ndarray, pole: np.ndarray, p: Proportions,
            sign: float, foot_toward: np.ndarray | None = None) -> LegPose:
    """Leg angles that put the ankle at ``ankle`` with the knee bending toward ``pole`` (3D IK).

    The knee lies on the circle of points a thigh from the hip and a shank from the ankle;
    ``pole`` picks the point on it. Flexion and abduction aim the thigh, knee flexion sets
    the hip-ankle distance and hip rotation turns the shank about the thigh onto the ankle.
    ``foot_toward`` points the foot (heel to toe) as near that direction as the ankle allows.
    """
    left, up, fwd = frame[:, 0], frame[:, 1], frame[:, 2]
    hip = np.asarray(hip, float)
    d = np.asarray(ankle, float) - hip
    dist = float(np.clip(np.linalg.norm(d), 1e-6, p.thigh + p.shank - 1e-4))
    axis = d / max(float(np.linalg.norm(d)), 1e-9)
    along = (p.thigh**2 - p.shank**2 + dist**2) / (2 * dist)
    radius = np.sqrt(max(p.thigh**2 - along**2, 0.0))
    q = np.asarray(pole, float) - (np.asarray(pole, float) @ axis) * axis
    q = q / max(float(np.linalg.norm(q)), 1e-9)
    knee = hip + along * axis + radius * q
    thigh = (knee - hip) / p.thigh
    shank = (hip + dist * axis - knee) / p.shank
    abd = float(np.degrees(np.arcsin(np.clip(sign * (thigh @ left), -1.0, 1.0))))
    flex = float(np.degrees(np.arctan2(thigh @ fwd, -(thigh @ up))))
    r_hip = rot(left, -flex) @ rot(fwd, sign * abd)
    knee_flex = float(np.degrees(np.arccos(np.clip(thigh @ shank, -1.0, 1.0))))
    leg_left = r_hip @ left
    r_knee = rot(leg_left, knee_flex) @ r_hip
    s0 = r_knee @ -up
    s0p, sp = s0 - (s0 @ thigh) * thigh, shank - (shank @ thigh) * thigh
    turn = float(np.degrees(np.arctan2(np.cross(s0p, sp) @ thigh, s0p @ sp)))
    leg = LegPose(hip_flexion=flex, hip_abduction=abd, knee_flexion=knee_flex, hip_rotation=sign * turn)
    if foot_toward is not None:
        r_turn = rot(thigh, turn)
        axis_f = r_turn @ leg_left
        v0 = r_turn @ r_knee @ fwd
        t = np.asarray(foot_toward, float)
        t = t - (t @ axis_f) * axis_f
        if np.linalg.norm(t) > 1e-9:
            ang = np.degrees(np.arctan2(np.cross(v0, t) @ axis_f, v0 @ t))
            leg.ankle_dorsiflexion = float(-ang)
    return leg


def foot_pitch(forward: np.ndarray, toes_down_deg: float) -> np.ndarray:
    """A horizontal forward direction tipped toes-down by ``toes_down_deg``."""
    f = np.asarray(forward, float)
    return np.cos(np.radians(toes_down_deg)) * f - np.sin(np.radians(toes_down_deg)) * UP


def lunge_feet(frame: np.ndarray, side: str) -> tuple[float, float]:
    """(back leg sign, front leg sign) of a lunge or half-kneel whose back leg is ``side``."""
    return (1.0, -1.0) if side == "left" else (-1.0, 1.0)  # (back leg sign, front leg sign)


def butterfly_legs(frame: np.ndarray, pelvis: np.ndarray, ankle_at: np.ndarray, knees_up: np.ndarray,
                    open_deg: float, p: Proportions) -> dict:
    """Both legs with the soles together at ``ankle_at``, knees turned ``open_deg`` out from ``knees_up``."""
    legs = {}
    a = np.radians(open_deg)
    for name, sign in (("left_leg", 1.0), ("right_leg", -1.0)):
        pole = np.cos(a) * knees_up + np.sin(a) * sign * frame[:, 0]
        ankle = ankle_at + sign * 0.05 * frame[:, 0]
        legs[name] = leg_to(frame, hip_point(pelvis, frame, sign, p), ankle, pole, p, sign,
                             foot_toward=-sign * frame[:, 0])
    return legs
