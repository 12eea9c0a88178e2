"""Lying on the back, seen from the side (head toward -x): bridges, hip thrust, pelvic tilt, supine stretches.

The bridge family shares one geometry: shoulders and feet stay on the floor while the hips
rise, the knees following by inverse kinematics, and the rep's range is set by the
shoulder-hip-knee angle (128 degrees at rest, 176 at a clean peak).
"""

from __future__ import annotations

import functools

import numpy as np

from formcheck.pose.landmarks import INDEX
from formcheck.synth.body import ArmPose, LegPose, Posture, Proportions, body_frame, landmarks_3d, rot
from formcheck.synth.postures.kit import UP, X, Faults, butterfly_legs, hip_point, leg_to, side_sign, working_legs


def _leg_ik(frame: np.ndarray, hip: np.ndarray, ankle: np.ndarray, p: Proportions) -> LegPose:
    """Hip flexion and knee flexion that put a leg's ankle at ``ankle`` (knee bending forward)."""
    left, up, fwd = frame[:, 0], frame[:, 1], frame[:, 2]
    d_vec = ankle - hip
    d_vec = d_vec - (d_vec @ left) * left
    d = np.clip(np.linalg.norm(d_vec), 1e-6, p.thigh + p.shank - 1e-4)
    cos_knee = (p.thigh**2 + p.shank**2 - d**2) / (2 * p.thigh * p.shank)
    knee_flex = 180.0 - np.degrees(np.arccos(np.clip(cos_knee, -1, 1)))
    cos_a = (p.thigh**2 + d**2 - p.shank**2) / (2 * p.thigh * d)
    a = np.degrees(np.arccos(np.clip(cos_a, -1, 1)))
    line_flex = np.degrees(np.arctan2(d_vec @ fwd, -(d_vec @ up)))
    return LegPose(hip_flexion=float(line_flex + a), knee_flexion=float(knee_flex))


def _foot_flat(frame: np.ndarray, leg: LegPose, toward: np.ndarray) -> float:
    """Dorsiflexion that points the foot along ``toward`` (for feet resting on the floor)."""
    left, fwd = frame[:, 0], frame[:, 2]
    r = rot(left, leg.knee_flexion - leg.hip_flexion)
    neutral = r @ fwd
    t = toward - (toward @ left) * left
    t /= np.linalg.norm(t)
    return float(np.degrees(np.arctan2(np.cross(neutral, t) @ left, neutral @ t))) * -1.0


def _bridge_pose_at(h: float, p: Proportions) -> tuple[float, Posture]:
    """Supine bridge with the hip centre at height ``h``: (shoulder-hip-knee angle, posture).

    Shoulders and feet stay on the floor; the hips pivot about the shoulders and the knees
    follow by inverse kinematics, as in a real bridge.
    """
    shoulder = np.array([-p.trunk, 0.10, 0.0])
    dx = np.sqrt(max(p.trunk**2 - (h - shoulder[1]) ** 2, 1e-6))
    hip = np.array([shoulder[0] + dx, h, 0.0])
    frame = body_frame(shoulder - hip, np.array([0.0, 1.0, 0.0]))
    ankle = np.array([0.47, 0.09, 0.0])
    legs = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        offset = sign * p.hip_half_width * frame[:, 0]
        leg = _leg_ik(frame, hip + offset, ankle + offset, p)
        leg.ankle_dorsiflexion = _foot_flat(frame, leg, np.array([1.0, 0.0, 0.0]))
        legs[side] = leg
    trunk_tilt = np.degrees(np.arctan2(h - shoulder[1], dx))
    arms = ArmPose(shoulder_flexion=-trunk_tilt, shoulder_abduction=12.0, elbow_flexion=5.0)
    posture = Posture(hip, frame, left_leg=legs["left"], right_leg=legs["right"],
                      left_arm=arms, right_arm=arms, head_flexion=-trunk_tilt * 0.5)
    j = landmarks_3d(posture, p)
    knee = 0.5 * (j[INDEX["left_knee"]] + j[INDEX["right_knee"]])
    a, b = shoulder - hip, knee - hip
    ang = np.degrees(np.arctan2(a[1], a[0]) - np.arctan2(b[1], b[0])) % 360.0
    return float(ang), posture


@functools.lru_cache(maxsize=256)
def _bridge_height_for(angle_deg: float, p: Proportions) -> float:
    """Hip height giving a shoulder-hip-knee angle (bisection; the angle grows with height)."""
    lo, hi = 0.095, 0.60
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if _bridge_pose_at(mid, p)[0] < angle_deg:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def bridge_posture(u: float, f: Faults, p: Proportions, rng_sway: float) -> Posture:
    """Supine bridge, head toward -x. Clean peak: shoulders, hips and knees in line."""
    peak = 176.0 - 26.0 * f.get("hips_not_raised", 0.0) / max(u, 1e-6) + 22.0 * f.get("over_arching", 0.0) / max(u, 1e-6)
    rest_h = _bridge_height_for(128.0, p)
    peak_h = _bridge_height_for(round(peak, 1), p)
    return _bridge_pose_at(rest_h + u * (peak_h - rest_h), p)[1]


def single_leg_bridge_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: ``side`` knee bent, the other leg straight and in line with the bent thigh."""
    peak = 176.0 - 26.0 * f.get("hips_not_raised", 0.0) / max(u, 1e-6)
    rest_h = _bridge_height_for(128.0, p)
    base = _bridge_pose_at(rest_h + u * (_bridge_height_for(round(peak, 1), p) - rest_h), p)[1]
    bent = getattr(base, f"{side}_leg")
    straight = LegPose(hip_flexion=bent.hip_flexion - 35.0 * f.get("extended_leg_not_aligned", 0.0),
                       knee_flexion=0.0, ankle_dorsiflexion=-30.0)
    base.left_leg, base.right_leg = (bent, straight) if side == "left" else (straight, bent)
    return base


def _hip_thrust_pose_at(h: float, p: Proportions) -> Posture:
    """Shoulder blades on a couch edge 0.45 m up, feet on the floor; hip centre at height ``h``."""
    shoulder = np.array([-p.trunk, 0.45, 0.0])
    dx = np.sqrt(max(p.trunk**2 - (h - shoulder[1]) ** 2, 1e-6))
    hip = np.array([shoulder[0] + dx, h, 0.0])
    frame = body_frame(shoulder - hip, UP)
    ankle = np.array([0.44, 0.09, 0.0])
    legs = {}
    for name, sign in (("left_leg", 1.0), ("right_leg", -1.0)):
        offset = sign * p.hip_half_width * frame[:, 0]
        legs[name] = leg_to(frame, hip + offset, ankle + offset, UP + 0.3 * X, p, sign, foot_toward=X)
    couch = ArmPose(shoulder_flexion=0.0, shoulder_abduction=60.0, elbow_flexion=30.0)
    return Posture(hip, frame, left_arm=couch, right_arm=couch, **legs)


def hip_thrust_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Back against a couch, side view: push through the feet until the hips reach shoulder height."""
    low = f.get("hips_below_shoulders", 0.0) / max(u, 1e-6)
    top = 0.45 - 0.21 * low
    return _hip_thrust_pose_at(0.12 + u * (top - 0.12), p)


def pelvic_tilt_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, knees bent, side view: tighten the abs and tilt the pelvis upward.

    The tilt itself happens between landmarks MediaPipe does not have (the lumbar spine and
    the front of the pelvis); what shows is the small lift of the hips that comes with it.
    """
    return _bridge_pose_at(_bridge_height_for(128.0, p) + 0.04 * u, p)[1]


def _supine_frame() -> np.ndarray:
    return body_frame(-X, UP)  # head toward -x, chest to the ceiling; the left side away from the camera


def knee_to_chest_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: pull one knee to the chest with both hands."""
    frame = _supine_frame()
    work = LegPose(hip_flexion=120.0 * u, knee_flexion=125.0 * u, ankle_dorsiflexion=-30.0)
    rest = LegPose(ankle_dorsiflexion=-40.0)
    hands = ArmPose(shoulder_flexion=15.0 + 55.0 * u, shoulder_abduction=10.0, elbow_flexion=20.0 + 80.0 * u)
    return Posture(np.array([0.0, 0.10, 0.0]), frame, head_flexion=10.0 * u, left_arm=hands, right_arm=hands,
                   **working_legs(side, work, rest))


def _supine_knees_bent(p: Proportions) -> Posture:
    return _bridge_pose_at(_bridge_height_for(128.0, p), p)[1]


def figure_four_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: ankle of ``side`` on the opposite knee, then pull that knee toward the head."""
    base = _supine_knees_bent(p)
    frame, pelvis = base.frame, np.asarray(base.pelvis)
    s = side_sign(side)
    support = getattr(base, "right_leg" if side == "left" else "left_leg")
    support = LegPose(hip_flexion=support.hip_flexion + 55.0 * u, knee_flexion=support.knee_flexion - 15.0 * u,
                      ankle_dorsiflexion=support.ankle_dorsiflexion)
    tmp = Posture(pelvis, frame, **working_legs("right" if side == "left" else "left", support, LegPose()))
    j = landmarks_3d(tmp, p)
    support_knee = j[INDEX[f"{'right' if side == 'left' else 'left'}_knee"]]
    outward = s * frame[:, 0]
    target = support_knee + 0.07 * outward + 0.05 * frame[:, 2]
    crossed = leg_to(frame, hip_point(pelvis, frame, s, p), target, outward + 0.5 * frame[:, 2], p, s,
                      foot_toward=-frame[:, 0] * s)
    hands = ArmPose(shoulder_flexion=60.0 + 30.0 * u, shoulder_abduction=20.0, elbow_flexion=60.0 + 30.0 * u)
    return Posture(pelvis, frame, left_arm=hands, right_arm=hands, head_flexion=10.0 * u,
                   **working_legs(side, crossed, support))


def butterfly_supine_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: knees bent, soles together, then the knees fall out toward the floor."""
    frame = _supine_frame()
    pelvis = np.array([0.0, 0.10, 0.0])
    ankle_at = pelvis + 0.45 * -frame[:, 1] + np.array([0.0, -0.01, 0.0])
    legs = butterfly_legs(frame, pelvis, ankle_at, frame[:, 2], 10.0 + 62.0 * u, p)
    arms = ArmPose(shoulder_abduction=25.0, elbow_flexion=10.0)
    return Posture(pelvis, frame, left_arm=arms, right_arm=arms, **legs)
