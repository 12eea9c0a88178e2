"""A kinematic human body that places the 33 MediaPipe landmarks in 3D.

Motion scripts describe an exercise in physiotherapy terms (pelvis placement, hip flexion,
abduction, knee flexion, trunk roll...); this module turns one such posture into world
joint positions. The landmark generator projects them through a camera, the renderer
draws a body over them, so tests and rendered clips share one ground truth.

Body axes (columns of a 3x3 frame): L = the person's left, U = toward the head,
F = the way the chest faces. World: metres, floor at y = 0, y up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.pose.landmarks import INDEX, N_LANDMARKS


@dataclass(frozen=True)
class Proportions:
    """Segment lengths in metres for an adult of about 1.70 m."""

    hip_half_width: float = 0.10
    shoulder_half_width: float = 0.19
    trunk: float = 0.52  # hip centre to shoulder centre
    neck: float = 0.20  # shoulder centre to head centre
    head_radius: float = 0.10
    upper_arm: float = 0.29
    forearm: float = 0.26
    hand: float = 0.08
    thigh: float = 0.44
    shank: float = 0.43
    foot: float = 0.16
    heel_drop: float = 0.06

    def scaled(self, factor: float) -> "Proportions":
        return Proportions(**{k: v * factor for k, v in self.__dict__.items()})


def rot(axis: np.ndarray, deg: float) -> np.ndarray:
    """Right-handed rotation matrix about a unit axis (Rodrigues)."""
    a = np.asarray(axis, float)
    a = a / np.linalg.norm(a)
    th = np.radians(deg)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(th) * k + (1 - np.cos(th)) * (k @ k)


def body_frame(up: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Orthonormal frame [L, U, F] from a head direction and a facing direction."""
    u = np.asarray(up, float)
    u = u / np.linalg.norm(u)
    f = np.asarray(forward, float)
    f = f - (f @ u) * u
    f = f / np.linalg.norm(f)
    left = np.cross(u, f)
    return np.stack([left, u, f], axis=1)


@dataclass
class LegPose:
    """Joint angles of one leg (degrees) relative to the pelvis frame.

    ``clam_deg`` rotates the whole leg about the hip-to-ankle line, lifting the knee
    outward while the foot stays put: the clamshell movement. ``hip_rotation`` turns the
    shank and foot about the thigh line, the knee staying put; positive is internal rotation
    (with the knee bent, the foot moves outward, away from the other leg: the reverse clamshell).
    """

    hip_flexion: float = 0.0
    hip_abduction: float = 0.0
    knee_flexion: float = 0.0
    ankle_dorsiflexion: float = 0.0
    clam_deg: float = 0.0
    hip_rotation: float = 0.0


@dataclass
class ArmPose:
    shoulder_flexion: float = 0.0
    shoulder_abduction: float = 10.0
    elbow_flexion: float = 10.0


@dataclass
class Posture:
    """Everything needed to place the body: a pelvis, a trunk relative to it, four limbs."""

    pelvis: np.ndarray  # (3,) hip centre in world
    frame: np.ndarray  # (3, 3) pelvis frame [L, U, F]
    trunk_flexion: float = 0.0  # forward bend of the trunk over the pelvis
    trunk_roll: float = 0.0  # axial rotation of the shoulders relative to the pelvis
    trunk_lateral: float = 0.0  # side bend, positive toward the left
    head_flexion: float = 0.0
    left_leg: LegPose = field(default_factory=LegPose)
    right_leg: LegPose = field(default_factory=LegPose)
    left_arm: ArmPose = field(default_factory=ArmPose)
    right_arm: ArmPose = field(default_factory=ArmPose)


def _leg_points(p: Proportions, hip: np.ndarray, frame: np.ndarray, leg: LegPose, sign: float):
    """Knee, ankle, heel and toe of one leg; ``sign`` is +1 for left, -1 for right."""
    left, up, fwd = frame[:, 0], frame[:, 1], frame[:, 2]
    # Flexion swings the thigh forward about L; abduction swings it outward about F.
    r_hip = rot(left, -leg.hip_flexion) @ rot(fwd, sign * leg.hip_abduction)
    thigh_dir = r_hip @ -up
    knee = hip + p.thigh * thigh_dir
    leg_left = r_hip @ left
    r_knee = rot(leg_left, leg.knee_flexion) @ r_hip
    shank_dir = r_knee @ -up
    ankle = knee + p.shank * shank_dir
    r_foot = rot(leg_left, -leg.ankle_dorsiflexion) @ r_knee
    foot_fwd, foot_up = r_foot @ fwd, r_foot @ up
    heel = ankle - p.heel_drop * foot_up - 0.05 * foot_fwd
    toe = ankle - p.heel_drop * foot_up + p.foot * foot_fwd
    if leg.hip_rotation:
        turn = rot(thigh_dir, sign * leg.hip_rotation)
        ankle, heel, toe = (knee + turn @ (point - knee) for point in (ankle, heel, toe))
    if leg.clam_deg:
        axis = ankle - hip
        opened = hip + rot(axis, leg.clam_deg) @ (knee - hip)
        if (opened - knee) @ (sign * left) < 0:  # always open outward, away from the other leg
            opened = hip + rot(axis, -leg.clam_deg) @ (knee - hip)
        knee = opened
    return knee, ankle, heel, toe


def _arm_points(p: Proportions, shoulder: np.ndarray, frame: np.ndarray, arm: ArmPose, sign: float):
    left, up, fwd = frame[:, 0], frame[:, 1], frame[:, 2]
    r_sh = rot(left, -arm.shoulder_flexion) @ rot(fwd, sign * arm.shoulder_abduction)
    elbow = shoulder + p.upper_arm * (r_sh @ -up)
    r_el = rot(r_sh @ left, -arm.elbow_flexion) @ r_sh
    fore = r_el @ -up
    wrist = elbow + p.forearm * fore
    hand_end = wrist + p.hand * fore
    return elbow, wrist, hand_end, r_el @ left


def landmarks_3d(posture: Posture, p: Proportions = Proportions()) -> np.ndarray:
    """World positions (33, 3) of the MediaPipe landmarks for one posture."""
    out = np.zeros((N_LANDMARKS, 3))
    pf = posture.frame
    left, up, fwd = pf[:, 0], pf[:, 1], pf[:, 2]
    pelvis = np.asarray(posture.pelvis, float)
    for side, sign, leg in (("left", 1.0, posture.left_leg), ("right", -1.0, posture.right_leg)):
        hip = pelvis + sign * p.hip_half_width * left
        knee, ankle, heel, toe = _leg_points(p, hip, pf, leg, sign)
        for name, point in (("hip", hip), ("knee", knee), ("ankle", ankle), ("heel", heel), ("foot_index", toe)):
            out[INDEX[f"{side}_{name}"]] = point
    tf = (rot(up, posture.trunk_roll) @ rot(fwd, -posture.trunk_lateral)
          @ rot(left, posture.trunk_flexion)) @ pf
    t_left, t_up, t_fwd = tf[:, 0], tf[:, 1], tf[:, 2]
    neck = pelvis + p.trunk * t_up
    for side, sign, arm in (("left", 1.0, posture.left_arm), ("right", -1.0, posture.right_arm)):
        shoulder = neck + sign * p.shoulder_half_width * t_left
        elbow, wrist, hand_end, hand_left = _arm_points(p, shoulder, tf, arm, sign)
        out[INDEX[f"{side}_shoulder"]] = shoulder
        out[INDEX[f"{side}_elbow"]] = elbow
        out[INDEX[f"{side}_wrist"]] = wrist
        out[INDEX[f"{side}_index"]] = hand_end
        out[INDEX[f"{side}_pinky"]] = hand_end - sign * 0.03 * hand_left
        out[INDEX[f"{side}_thumb"]] = wrist + 0.04 * (hand_end - wrist) / p.hand + sign * 0.03 * hand_left
    hf = rot(t_left, posture.head_flexion) @ tf
    h_left, h_up, h_fwd = hf[:, 0], hf[:, 1], hf[:, 2]
    head = neck + p.neck * t_up
    r = p.head_radius
    out[INDEX["nose"]] = head + 0.95 * r * h_fwd
    for side, sign in (("left", 1.0), ("right", -1.0)):
        eye = head + 0.75 * r * h_fwd + 0.3 * r * h_up + sign * 0.32 * r * h_left
        out[INDEX[f"{side}_eye"]] = eye
        out[INDEX[f"{side}_eye_inner"]] = eye - sign * 0.12 * r * h_left
        out[INDEX[f"{side}_eye_outer"]] = eye + sign * 0.12 * r * h_left
        out[INDEX[f"{side}_ear"]] = head + sign * 0.95 * r * h_left + 0.1 * r * h_up
        out[INDEX[f"mouth_{side}"]] = head + 0.8 * r * h_fwd - 0.35 * r * h_up + sign * 0.22 * r * h_left
    return out
