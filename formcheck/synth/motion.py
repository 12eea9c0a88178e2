"""Motion scripts: an exercise performed by the kinematic body, with known truth.

A script says what a patient did (reps, tempo, holds, range, side, which faults on which
reps); :func:`perform` turns it into world landmark positions per frame plus the truth
(rep intervals, hold intervals, fault intervals). The same output feeds the landmark
generator (engine tests) and the renderer (synthetic videos), so both share one truth.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from formcheck.pose.landmarks import INDEX, LANDMARK_NAMES
from formcheck.synth.body import ArmPose, LegPose, Posture, Proportions, body_frame, landmarks_3d, rot


@dataclass(frozen=True)
class FaultInjection:
    """A form fault to act out: ``code`` on the listed reps (1-based; empty = every rep)."""

    code: str
    reps: tuple[int, ...] = ()
    magnitude: float = 1.0

    def applies_to(self, rep: int) -> bool:
        return not self.reps or rep in self.reps


@dataclass(frozen=True)
class MotionScript:
    exercise: str
    reps: int = 5
    side: str | None = "left"  # the working side, or the side facing the camera for bilateral moves
    rise_s: float = 0.9  # lifting phase
    lower_s: float = 0.9  # lowering phase
    hold_s: float = 0.0  # pause at the top of each rep
    rest_s: float = 0.8  # pause at the bottom between reps
    lead_in_s: float = 1.2  # still in the start position before the first rep
    lead_out_s: float = 1.0
    rom_scale: float = 1.0  # 1.0 = the clean range of motion of the exercise
    faults: tuple[FaultInjection, ...] = ()
    fps: float = 30.0
    body_scale: float = 1.0
    sway_deg: float = 0.6  # small natural wobble of the pelvis, so stillness is never perfect
    seed: int = 0


@dataclass
class Performance:
    """World landmarks over time plus the truth of what was performed."""

    t_s: np.ndarray  # (T,)
    joints3d: np.ndarray  # (T, 33, 3) world metres, y up
    reps: list[dict]  # {"index", "side", "start_s", "peak_s", "end_s", "hold_s"}
    holds: list[dict]  # {"side", "start_s", "end_s"}
    faults: list[dict]  # {"code", "rep", "start_s", "end_s"}
    exercise: str
    side: str | None


# --------------------------------------------------------------------------------------
# Phase of the movement


def _ease(x: np.ndarray) -> np.ndarray:
    """Raised-cosine ramp 0 -> 1: smooth start and stop like a controlled human movement."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def rep_schedule(s: MotionScript) -> list[tuple[float, float, float, float]]:
    """(start, peak, hold_end, end) seconds of every rep."""
    out, t = [], s.lead_in_s
    for _ in range(s.reps):
        start, peak = t, t + s.rise_s
        hold_end = peak + s.hold_s
        end = hold_end + s.lower_s
        out.append((start, peak, hold_end, end))
        t = end + s.rest_s
    return out


def lift_fraction(t: float, schedule) -> tuple[float, int]:
    """Fraction of the full lift (0 rest, 1 top) at time ``t`` and the 1-based rep (0 = none)."""
    for i, (start, peak, hold_end, end) in enumerate(schedule, 1):
        if start <= t < peak:
            return float(_ease((t - start) / (peak - start))), i
        if peak <= t < hold_end:
            return 1.0, i
        if hold_end <= t < end:
            return float(1.0 - _ease((t - hold_end) / (end - hold_end))), i
    return 0.0, 0


# --------------------------------------------------------------------------------------
# Exercises as postures of the lift fraction u and active fault magnitudes


Faults = dict[str, float]  # code -> magnitude * u at this instant


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


def _bridge_posture(u: float, f: Faults, p: Proportions, rng_sway: float) -> Posture:
    """Supine bridge, head toward -x. Clean peak: shoulders, hips and knees in line."""
    peak = 176.0 - 26.0 * f.get("hips_not_raised", 0.0) / max(u, 1e-6) + 22.0 * f.get("over_arching", 0.0) / max(u, 1e-6)
    rest_h = _bridge_height_for(128.0, p)
    peak_h = _bridge_height_for(round(peak, 1), p)
    return _bridge_pose_at(rest_h + u * (peak_h - rest_h), p)[1]


def _prone_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str) -> Posture:
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


def _side_lying_frame(top: str, roll_back_deg: float) -> np.ndarray:
    """Lying on one side facing the camera (+z); the ``top`` leg is up. Roll back rotates away."""
    head = np.array([-1.0, 0.0, 0.0]) if top == "left" else np.array([1.0, 0.0, 0.0])
    frame = body_frame(head, np.array([0.0, 0.0, 1.0]))
    sign = 1.0 if top == "left" else -1.0
    return rot(head, sign * roll_back_deg) @ frame


def _abduction_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str,
                       straight_bottom: bool = False) -> Posture:
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


def _clamshell_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str) -> Posture:
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


# --------------------------------------------------------------------------------------
# The rest of the catalogue (issue 6). Every posture below is laid out so that the camera
# placed at +z sees it from the exercise's recommended view (see generate.place_camera):
# standing side views face -x or +x, front views face +z, lying side views lie along x.


_UP = np.array([0.0, 1.0, 0.0])
_X = np.array([1.0, 0.0, 0.0])
_Z = np.array([0.0, 0.0, 1.0])
STAND_HIP_H = 0.93  # hip centre height of a person standing straight (legs + heel)


def _sign(side: str) -> float:
    return 1.0 if side == "left" else -1.0


def _legs(side: str, work: LegPose, other: LegPose) -> dict:
    return {"left_leg": work, "right_leg": other} if side == "left" else {"left_leg": other, "right_leg": work}


def _arms(side: str, work: ArmPose, other: ArmPose) -> dict:
    return {"left_arm": work, "right_arm": other} if side == "left" else {"left_arm": other, "right_arm": work}


def _hip_point(pelvis: np.ndarray, frame: np.ndarray, sign: float, p: Proportions) -> np.ndarray:
    return np.asarray(pelvis, float) + sign * p.hip_half_width * frame[:, 0]


def _leg_to(frame: np.ndarray, hip: np.ndarray, ankle: np.ndarray, pole: np.ndarray, p: Proportions,
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


def _foot_pitch(forward: np.ndarray, toes_down_deg: float) -> np.ndarray:
    """A horizontal forward direction tipped toes-down by ``toes_down_deg``."""
    f = np.asarray(forward, float)
    return np.cos(np.radians(toes_down_deg)) * f - np.sin(np.radians(toes_down_deg)) * _UP


# ---------------------------------------------------------------- standing


def _standing_hip_extension_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Behind a chair, side view (facing -x): the straight leg extends backward."""
    frame = body_frame(_UP, -_X)
    work = LegPose(hip_flexion=-25.0 * u, knee_flexion=40.0 * f.get("knee_bent", 0.0), ankle_dorsiflexion=-10.0 * u)
    chair = ArmPose(shoulder_flexion=45.0, shoulder_abduction=10.0, elbow_flexion=30.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame, trunk_flexion=3.0 * u + 22.0 * f.get("arching_back", 0.0),
                   **_legs(side, work, LegPose()), left_arm=chair, right_arm=chair)


def _standing_hip_abduction_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Beside a wall, front view (facing +z): one straight leg lifts out to the side."""
    frame = body_frame(_UP, _Z)
    work = LegPose(hip_abduction=30.0 * u, hip_flexion=35.0 * f.get("leg_forward", 0.0))
    wall = ArmPose(shoulder_abduction=55.0, elbow_flexion=20.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame,
                   trunk_lateral=-_sign(side) * 15.0 * f.get("trunk_lean", 0.0),
                   **_legs(side, work, LegPose()), **_arms(side, ArmPose(), wall))


def _leg_swing_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing +x): one straight leg swings from behind (u = 0) to in front (u = 1)."""
    frame = body_frame(_UP, _X)
    work = LegPose(hip_flexion=-20.0 + 55.0 * u, knee_flexion=5.0, ankle_dorsiflexion=5.0)
    hand = ArmPose(shoulder_abduction=50.0, elbow_flexion=20.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame, trunk_flexion=-18.0 * f.get("trunk_sway", 0.0),
                   **_legs(side, work, LegPose()), **_arms(side, ArmPose(), hand))


def _quadriceps_stretch_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x), standing: pull the ankle to the glute, knees together."""
    frame = body_frame(_UP, -_X)
    work = LegPose(knee_flexion=140.0 * u, hip_flexion=35.0 * f.get("knees_apart", 0.0), ankle_dorsiflexion=-30.0 * u)
    grab = ArmPose(shoulder_flexion=-35.0 * u, shoulder_abduction=12.0, elbow_flexion=10.0 + 25.0 * u)
    balance = ArmPose(shoulder_abduction=10.0 + 50.0 * u, elbow_flexion=10.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame, trunk_flexion=2.0 + 25.0 * f.get("trunk_lean", 0.0),
                   **_legs(side, work, LegPose()), **_arms(side, grab, balance))


def _yoga_squat_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): feet wide and flat, the hips sink into a deep squat."""
    fwd = -_X
    frame = body_frame(_UP, fwd)
    lift = f.get("heels_lifting", 0.0)
    pelvis = np.array([0.16 * u, STAND_HIP_H - 0.55 * u + 0.05 * lift, 0.0])
    legs = {}
    for name, sign in (("left_leg", 1.0), ("right_leg", -1.0)):
        hip = _hip_point(pelvis, frame, sign, p)
        ankle = np.array([0.0, p.heel_drop + 0.07 * lift, sign * 0.17])
        legs[name] = _leg_to(frame, hip, ankle, fwd + 0.4 * sign * frame[:, 0], p, sign,
                             foot_toward=_foot_pitch(fwd, 28.0 * lift))
    arms = ArmPose(shoulder_flexion=60.0 * u, shoulder_abduction=15.0, elbow_flexion=70.0 * u + 10.0)
    return Posture(pelvis, frame, trunk_flexion=38.0 * u, left_arm=arms, right_arm=arms, **legs)


def _lunge_feet(frame: np.ndarray, side: str) -> tuple[float, float]:
    return (1.0, -1.0) if side == "left" else (-1.0, 1.0)  # (back leg sign, front leg sign)


def _hip_flexor_standing_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): a big step forward, then bend the front knee and push the back hip forward.

    ``side`` is the back leg, the one whose hip is stretched.
    """
    fwd = -_X
    frame = body_frame(_UP, fwd)
    pelvis = np.array([-0.04 - 0.14 * u, 0.80 - 0.18 * u, 0.0])
    back_s, front_s = _lunge_feet(frame, side)
    feet = {back_s: np.array([0.38, p.heel_drop, back_s * 0.11]), front_s: np.array([-0.48, p.heel_drop, front_s * 0.11])}
    legs = {}
    for sign, ankle in feet.items():
        hip = _hip_point(pelvis, frame, sign, p)
        toward = _foot_pitch(fwd, 35.0 * u) if sign == back_s else fwd  # the back heel comes up
        leg = _leg_to(frame, hip, ankle, fwd, p, sign, foot_toward=toward)
        legs["left_leg" if sign > 0 else "right_leg"] = leg
    arms = ArmPose(shoulder_abduction=12.0, elbow_flexion=15.0)
    return Posture(pelvis, frame, trunk_flexion=25.0 * f.get("chest_not_upright", 0.0), left_arm=arms,
                   right_arm=arms, **legs)


def _banded_walk_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str, phase: float = 0.0,
                         cycle: int = 0) -> Posture:
    """Front view (facing +z), band round the thighs: small side steps toward ``side``.

    A cycle starts with the feet wide; the trailing foot closes to shoulder width
    (phase 0.5), then the leading foot steps out again, so each cycle moves one step.
    """
    frame = body_frame(_UP, _Z)
    d = _sign(side) * frame[:, 0]  # direction of travel: the person's left or right
    step = 0.18 * u  # u: the range scale (1 = clean step width)
    wide, narrow = 0.38 + step, 0.38 - 0.18 * f.get("feet_too_close", 0.0)
    c = cycle * step
    if phase < 0.5:
        x = _ease(phase / 0.5)
        lead, trail = c + wide / 2, c - wide / 2 + x * (wide - narrow)
        lift_trail, lift_lead = 0.05 * np.sin(np.pi * x), 0.0
    else:
        x = _ease((phase - 0.5) / 0.5)
        lead, trail = c + wide / 2 + x * step, c + wide / 2 - narrow
        lift_trail, lift_lead = 0.0, 0.05 * np.sin(np.pi * x)
    pelvis = (0.5 * (lead + trail)) * d + np.array([0.0, 0.86, 0.0])
    legs = {}
    for pos, lift, lead_leg in ((lead, lift_lead, True), (trail, lift_trail, False)):
        sign = _sign(side) if lead_leg else -_sign(side)
        hip = _hip_point(pelvis, frame, sign, p)
        ankle = pos * d + np.array([0.0, p.heel_drop + lift, 0.02])
        legs["left_leg" if sign > 0 else "right_leg"] = _leg_to(frame, hip, ankle, _Z, p, sign, foot_toward=_Z)
    arms = ArmPose(shoulder_flexion=30.0, shoulder_abduction=15.0, elbow_flexion=60.0)
    return Posture(pelvis, frame, trunk_flexion=12.0, left_arm=arms, right_arm=arms, **legs)


# ---------------------------------------------------------------- kneeling


def _half_kneel(frame: np.ndarray, side: str, beta_deg: float, p: Proportions, front_x: float):
    """Half-kneeling with the back (``side``) knee on the floor and its thigh ``beta_deg`` behind vertical."""
    fwd = frame[:, 2]
    back_s, front_s = _lunge_feet(frame, side)
    knee = np.array([0.30, 0.06, back_s * p.hip_half_width])
    b = np.radians(beta_deg)
    hip_back = knee + p.thigh * (np.cos(b) * _UP + np.sin(b) * fwd)
    pelvis = hip_back - back_s * p.hip_half_width * frame[:, 0]
    back = _leg_to(frame, hip_back, knee + p.shank * -fwd + np.array([0.0, 0.01, 0.0]), -_UP, p, back_s,
                   foot_toward=_foot_pitch(-fwd, 70.0))
    front_ankle = np.array([front_x, p.heel_drop, front_s * p.hip_half_width])
    front = _leg_to(frame, _hip_point(pelvis, frame, front_s, p), front_ankle, fwd + _UP, p, front_s, foot_toward=fwd)
    legs = {"left_leg": back, "right_leg": front} if back_s > 0 else {"left_leg": front, "right_leg": back}
    return pelvis, legs


def _hip_flexor_kneeling_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): half-kneeling upright, then lunge forward gently, torso upright.

    ``side`` is the kneeling (back) leg, whose hip flexors are stretched.
    """
    frame = body_frame(_UP, -_X)
    pelvis, legs = _half_kneel(frame, side, 42.0 * u, p, front_x=-0.30)
    hands = ArmPose(shoulder_flexion=25.0, shoulder_abduction=15.0, elbow_flexion=60.0)
    return Posture(pelvis, frame, trunk_flexion=-5.0 * u + 25.0 * f.get("torso_not_upright", 0.0),
                   left_arm=hands, right_arm=hands, **legs)


def _pigeon_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): from kneeling, one leg slides back straight, the other folds in front.

    ``side`` is the front (bent) leg; the trunk leans forward over it.
    """
    fwd = -_X
    frame = body_frame(_UP, fwd)
    s = _sign(side)
    pelvis = np.array([0.0, 0.50 - 0.32 * u, 0.0])
    front_hip = _hip_point(pelvis, frame, s, p)
    back_hip = _hip_point(pelvis, frame, -s, p)
    # Kneeling (u = 0): knees under the hips, shins back along the floor.
    kneel_front = front_hip + np.array([p.shank, -0.44, 0.0])
    fold_front = pelvis + np.array([-0.16, -0.13, -s * 0.22])
    front_ankle = (1 - u) * kneel_front + u * fold_front
    front_pole = (1 - u) * -_UP + u * (fwd + s * frame[:, 0])
    front = _leg_to(frame, front_hip, front_ankle, front_pole, p, s, foot_toward=_foot_pitch(-fwd, 60.0))
    kneel_back = back_hip + np.array([p.shank, -0.44, 0.0])
    long_back = back_hip + np.array([0.84, -0.14, 0.0])
    back = _leg_to(frame, back_hip, (1 - u) * kneel_back + u * long_back, -_UP, p, -s,
                   foot_toward=_foot_pitch(-fwd, 70.0))
    hands = ArmPose(shoulder_flexion=45.0 * u, shoulder_abduction=15.0, elbow_flexion=10.0)
    return Posture(pelvis, frame, trunk_flexion=40.0 * u, left_arm=hands, right_arm=hands,
                   **_legs(side, front, back))


# ---------------------------------------------------------------- all fours


def _all_fours(frame: np.ndarray, side: str, work: LegPose, roll_deg: float = 0.0):
    """Hands and knees with the trunk level; the ``side`` leg gets ``work``."""
    frame = rot(frame[:, 1], roll_deg) @ frame
    support = LegPose(hip_flexion=90.0, knee_flexion=90.0, ankle_dorsiflexion=-60.0)
    arms = ArmPose(shoulder_flexion=90.0 - 10.0, shoulder_abduction=5.0, elbow_flexion=5.0)
    return Posture(np.array([0.0, 0.52, 0.0]), frame, trunk_flexion=-10.0, head_flexion=-20.0,
                   left_arm=arms, right_arm=arms, **_legs(side, work, support))


def _donkey_kick_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """All fours, side view (head toward -x): lift one bent leg until the thigh is level."""
    frame = body_frame(-_X, -_UP)
    arch = f.get("back_arching", 0.0)
    work = LegPose(hip_flexion=90.0 - 90.0 * u - 40.0 * arch, knee_flexion=90.0 - 65.0 * f.get("knee_straightening", 0.0),
                   ankle_dorsiflexion=-20.0)
    posture = _all_fours(frame, side, work)
    posture.trunk_flexion -= 8.0 * arch
    return posture


def _fire_hydrant_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """All fours seen from behind and to the side (head toward -z): the bent knee lifts out to the side."""
    frame = body_frame(-_Z, -_UP)
    work = LegPose(hip_flexion=85.0, hip_abduction=55.0 * u, knee_flexion=90.0 - 60.0 * f.get("knee_straightening", 0.0),
                   ankle_dorsiflexion=-40.0)
    return _all_fours(frame, side, work, roll_deg=_sign(side) * 14.0 * f.get("trunk_rotation", 0.0))


# ---------------------------------------------------------------- lying


def _supine_frame() -> np.ndarray:
    return body_frame(-_X, _UP)  # head toward -x, chest to the ceiling; the left side away from the camera


def _knee_to_chest_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: pull one knee to the chest with both hands."""
    frame = _supine_frame()
    work = LegPose(hip_flexion=120.0 * u, knee_flexion=125.0 * u, ankle_dorsiflexion=-30.0)
    rest = LegPose(ankle_dorsiflexion=-40.0)
    hands = ArmPose(shoulder_flexion=15.0 + 55.0 * u, shoulder_abduction=10.0, elbow_flexion=20.0 + 80.0 * u)
    return Posture(np.array([0.0, 0.10, 0.0]), frame, head_flexion=10.0 * u, left_arm=hands, right_arm=hands,
                   **_legs(side, work, rest))


def _supine_knees_bent(p: Proportions) -> Posture:
    return _bridge_pose_at(_bridge_height_for(128.0, p), p)[1]


def _figure_four_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: ankle of ``side`` on the opposite knee, then pull that knee toward the head."""
    base = _supine_knees_bent(p)
    frame, pelvis = base.frame, np.asarray(base.pelvis)
    s = _sign(side)
    support = getattr(base, "right_leg" if side == "left" else "left_leg")
    support = LegPose(hip_flexion=support.hip_flexion + 55.0 * u, knee_flexion=support.knee_flexion - 15.0 * u,
                      ankle_dorsiflexion=support.ankle_dorsiflexion)
    tmp = Posture(pelvis, frame, **_legs("right" if side == "left" else "left", support, LegPose()))
    j = landmarks_3d(tmp, p)
    support_knee = j[INDEX[f"{'right' if side == 'left' else 'left'}_knee"]]
    outward = s * frame[:, 0]
    target = support_knee + 0.07 * outward + 0.05 * frame[:, 2]
    crossed = _leg_to(frame, _hip_point(pelvis, frame, s, p), target, outward + 0.5 * frame[:, 2], p, s,
                      foot_toward=-frame[:, 0] * s)
    hands = ArmPose(shoulder_flexion=60.0 + 30.0 * u, shoulder_abduction=20.0, elbow_flexion=60.0 + 30.0 * u)
    return Posture(pelvis, frame, left_arm=hands, right_arm=hands, head_flexion=10.0 * u,
                   **_legs(side, crossed, support))


def _butterfly_legs(frame: np.ndarray, pelvis: np.ndarray, ankle_at: np.ndarray, knees_up: np.ndarray,
                    open_deg: float, p: Proportions) -> dict:
    """Both legs with the soles together at ``ankle_at``, knees turned ``open_deg`` out from ``knees_up``."""
    legs = {}
    a = np.radians(open_deg)
    for name, sign in (("left_leg", 1.0), ("right_leg", -1.0)):
        pole = np.cos(a) * knees_up + np.sin(a) * sign * frame[:, 0]
        ankle = ankle_at + sign * 0.05 * frame[:, 0]
        legs[name] = _leg_to(frame, _hip_point(pelvis, frame, sign, p), ankle, pole, p, sign,
                             foot_toward=-sign * frame[:, 0])
    return legs


def _butterfly_supine_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, side view: knees bent, soles together, then the knees fall out toward the floor."""
    frame = _supine_frame()
    pelvis = np.array([0.0, 0.10, 0.0])
    ankle_at = pelvis + 0.45 * -frame[:, 1] + np.array([0.0, -0.01, 0.0])
    legs = _butterfly_legs(frame, pelvis, ankle_at, frame[:, 2], 10.0 + 62.0 * u, p)
    arms = ArmPose(shoulder_abduction=25.0, elbow_flexion=10.0)
    return Posture(pelvis, frame, left_arm=arms, right_arm=arms, **legs)


def _single_leg_bridge_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
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
    frame = body_frame(shoulder - hip, _UP)
    ankle = np.array([0.44, 0.09, 0.0])
    legs = {}
    for name, sign in (("left_leg", 1.0), ("right_leg", -1.0)):
        offset = sign * p.hip_half_width * frame[:, 0]
        legs[name] = _leg_to(frame, hip + offset, ankle + offset, _UP + 0.3 * _X, p, sign, foot_toward=_X)
    couch = ArmPose(shoulder_flexion=0.0, shoulder_abduction=60.0, elbow_flexion=30.0)
    return Posture(hip, frame, left_arm=couch, right_arm=couch, **legs)


def _hip_thrust_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Back against a couch, side view: push through the feet until the hips reach shoulder height."""
    low = f.get("hips_below_shoulders", 0.0) / max(u, 1e-6)
    top = 0.45 - 0.21 * low
    return _hip_thrust_pose_at(0.12 + u * (top - 0.12), p)


def _pelvic_tilt_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Supine, knees bent, side view: tighten the abs and tilt the pelvis upward.

    The tilt itself happens between landmarks MediaPipe does not have (the lumbar spine and
    the front of the pelvis); what shows is the small lift of the hips that comes with it.
    """
    return _bridge_pose_at(_bridge_height_for(128.0, p) + 0.04 * u, p)[1]


def _reverse_clamshell_posture(u: float, f: Faults, p: Proportions, rng_sway: float, top: str) -> Posture:
    """Side-lying, front view, knees bent and together: rotate the top foot toward the ceiling."""
    frame = _side_lying_frame(top, 25.0 * f.get("torso_rotation", 0.0))
    work = LegPose(hip_flexion=45.0, knee_flexion=90.0, hip_rotation=38.0 * u,
                   clam_deg=28.0 * f.get("knees_separating", 0.0))
    bottom = LegPose(hip_flexion=45.0, knee_flexion=90.0)
    bottom_arm = ArmPose(shoulder_flexion=170.0, shoulder_abduction=0.0, elbow_flexion=110.0)
    top_arm = ArmPose(shoulder_flexion=60.0, shoulder_abduction=0.0, elbow_flexion=40.0)
    return Posture(np.array([0.0, 0.24, 0.0]), frame, **_legs(top, work, bottom), **_arms(top, top_arm, bottom_arm))


# ---------------------------------------------------------------- seated


def _seated_frame() -> np.ndarray:
    return body_frame(_UP, _Z)  # sitting on the floor facing the camera; the left side toward +x


def _seated_hip_rotation_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Front view: sitting, legs long; the bent leg's foot on the other inner thigh, knee rotates to the floor."""
    frame = _seated_frame()
    s = _sign(side)
    pelvis = np.array([0.0, 0.11, 0.0])
    other_hip = _hip_point(pelvis, frame, -s, p)
    ankle = other_hip + 0.24 * frame[:, 2] + np.array([0.0, -0.02, 0.0]) + s * 0.06 * frame[:, 0]
    a = np.radians(15.0 + 60.0 * u)
    pole = np.cos(a) * _UP + np.sin(a) * s * frame[:, 0]
    work = _leg_to(frame, _hip_point(pelvis, frame, s, p), ankle, pole, p, s, foot_toward=frame[:, 2] - s * frame[:, 0])
    straight = LegPose(hip_flexion=88.0, knee_flexion=0.0, ankle_dorsiflexion=-5.0)
    behind = ArmPose(shoulder_flexion=-25.0, shoulder_abduction=20.0, elbow_flexion=5.0)
    return Posture(pelvis, frame, trunk_flexion=-6.0, left_arm=behind, right_arm=behind,
                   **_legs(side, work, straight))


def _butterfly_seated_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Front view: sitting, soles together; press the knees down, back straight."""
    frame = _seated_frame()
    pelvis = np.array([0.0, 0.11, 0.0])
    ankle_at = pelvis + 0.36 * frame[:, 2] + np.array([0.0, -0.03, 0.0])
    legs = _butterfly_legs(frame, pelvis, ankle_at, _UP, 20.0 + 58.0 * u, p)
    elbows = ArmPose(shoulder_flexion=35.0, shoulder_abduction=20.0, elbow_flexion=50.0)
    return Posture(pelvis, frame, trunk_flexion=2.0 + 35.0 * f.get("back_not_straight", 0.0),
                   left_arm=elbows, right_arm=elbows, **legs)


def _pedal_legs(frame: np.ndarray, pelvis: np.ndarray, near_ankle: np.ndarray, far_ankle: np.ndarray,
                p: Proportions, pole: np.ndarray) -> dict:
    """Legs to two foot positions; the near side (toward the camera) is the left one here."""
    fwd = frame[:, 2]
    legs = {}
    for name, sign, ankle in (("left_leg", 1.0, near_ankle), ("right_leg", -1.0, far_ankle)):
        a = np.asarray(ankle, float) + sign * p.hip_half_width * frame[:, 0]
        legs[name] = _leg_to(frame, _hip_point(pelvis, frame, sign, p), a, pole, p, sign, foot_toward=fwd)
    return legs


def _stationary_bike_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str, phase: float = 0.0,
                             cycle: int = 0) -> Posture:
    """Side view (facing -x) on a bike (not drawn): the near pedal is at the top at phase 0, bottom at 0.5.

    The saddle is set for this body so the knee is "slightly bent at the lowest point"
    (150 degrees) when clean; a saddle too high leaves it nearly straight (178), too low
    well bent (120). The bike scales with the body; ``u`` scales the crank.
    """
    fwd = -_X
    frame = body_frame(_UP, fwd)
    k = p.thigh / Proportions().thigh
    crank = np.array([0.0, 0.32 * k, 0.0]) + 0.12 * k * fwd
    r = 0.17 * k * max(u, 0.2)
    pedal = lambda a: crank + r * (np.sin(a) * fwd + np.cos(a) * _UP) + np.array([0.0, 0.07 * k, 0.0])  # noqa: E731
    knee_at_bottom = 150.0 + 28.0 * f.get("knee_straight_at_bottom", 0.0) - 30.0 * f.get("knee_too_bent_at_bottom", 0.0)
    reach = np.sqrt(p.thigh**2 + p.shank**2 - 2 * p.thigh * p.shank * np.cos(np.radians(knee_at_bottom)))
    bottom = pedal(np.pi)
    pelvis = np.array([0.0, bottom[1] + np.sqrt(max(reach**2 - (0.12 * k) ** 2, 0.0)), 0.0])
    th = 2 * np.pi * phase
    legs = _pedal_legs(frame, pelvis, pedal(th), pedal(th + np.pi), p, fwd + _UP)
    bars = ArmPose(shoulder_flexion=65.0, shoulder_abduction=10.0, elbow_flexion=20.0)
    return Posture(pelvis, frame, trunk_flexion=35.0, head_flexion=-20.0, left_arm=bars, right_arm=bars, **legs)


def _elliptical_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str, phase: float = 0.0,
                        cycle: int = 0) -> Posture:
    """Side view (facing -x) on an elliptical (not drawn): the feet trace ellipses half a turn apart."""
    fwd = -_X
    frame = body_frame(_UP, fwd)
    pelvis = np.array([0.0, 1.13, 0.0])
    centre = np.array([0.0, 0.30, 0.0])
    a, b = 0.22 * max(u, 0.2), 0.06
    th = 2 * np.pi * phase
    foot = lambda t: centre + a * np.cos(t) * fwd + b * np.sin(t) * _UP  # noqa: E731
    legs = _pedal_legs(frame, pelvis, foot(th), foot(th + np.pi), p, fwd)
    swing = 20.0 * np.cos(th)
    return Posture(pelvis, frame, trunk_flexion=8.0,
                   left_arm=ArmPose(shoulder_flexion=35.0 - swing, shoulder_abduction=10.0, elbow_flexion=70.0),
                   right_arm=ArmPose(shoulder_flexion=35.0 + swing, shoulder_abduction=10.0, elbow_flexion=70.0),
                   **legs)


def _rowing_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x) on a rower (not drawn): from the catch (u = 0) push the legs long and pull
    the handle to the chest (u = 1)."""
    fwd = -_X
    frame = body_frame(_UP, fwd)
    ankle = np.array([-0.80, 0.22, 0.0])
    pelvis = np.array([-0.34 + 0.38 * u, 0.36, 0.0])
    legs = _pedal_legs(frame, pelvis, ankle, ankle, p, _UP + 0.2 * fwd)
    arms = ArmPose(shoulder_flexion=75.0 - 80.0 * u, shoulder_abduction=12.0, elbow_flexion=5.0 + 110.0 * u)
    return Posture(pelvis, frame, trunk_flexion=30.0 - 50.0 * u, left_arm=arms, right_arm=arms, **legs)


@dataclass(frozen=True)
class ExerciseMotion:
    """How the kinematic body performs one exercise."""

    posture: Callable[..., Posture]
    sided: bool  # one working side at a time (else bilateral; side = side facing the camera)
    fault_codes: tuple[str, ...]
    view: str  # the recommended camera view
    camera_height: float = 0.45
    # Mirror the scene for the right side: the camera then sees the other side of a bilateral
    # move, or (sided moves) the right leg works on the camera's side, as the setup asks.
    mirror_for_right: bool = False
    kind: str = "reps"  # reps | hold (a script's reps are holds) | cyclic (back-to-back cycles)
    # Cyclic moves whose two halves differ (a pedal going down the front and up the back):
    # the posture also takes ``phase`` (0-1 through the cycle) and ``cycle`` (0-based count);
    # its ``u`` is then the range scale and faults follow the cycle's rise and fall.
    phased: bool = False


MOTIONS: dict[str, ExerciseMotion] = {
    "bridge": ExerciseMotion(lambda u, f, p, s, side: _bridge_posture(u, f, p, s), False,
                             ("hips_not_raised", "over_arching"), "side", mirror_for_right=True),
    "prone_hip_extension": ExerciseMotion(_prone_posture, True,
                                          ("lifting_too_high", "lumbar_arching", "knee_not_bent"), "side",
                                          mirror_for_right=True),
    "side_lying_hip_abduction": ExerciseMotion(_abduction_posture, True,
                                               ("leg_too_high", "top_knee_bent", "hips_not_stacked", "leg_forward"),
                                               "front", camera_height=0.35),
    "clamshell": ExerciseMotion(_clamshell_posture, True,
                                ("torso_rotation", "feet_separating", "hips_moving"), "front", camera_height=0.35),
}
ORIGINAL_MOTIONS = tuple(MOTIONS)  # the first four, whose committed sample clips must not change

MOTIONS.update({
    # side-lying, front view
    "reverse_clamshell": ExerciseMotion(_reverse_clamshell_posture, True, ("knees_separating", "torso_rotation"),
                                        "front", camera_height=0.35),
    "side_lying_leg_raise": ExerciseMotion(
        lambda u, f, p, s, side: _abduction_posture(u, f, p, s, side, straight_bottom=True), True,
        ("leg_too_high", "top_knee_bent", "hips_not_stacked", "leg_forward"), "front", camera_height=0.35),
    # supine, side view
    "single_leg_bridge": ExerciseMotion(_single_leg_bridge_posture, True,
                                        ("hips_not_raised", "extended_leg_not_aligned"), "side"),
    "hip_thrust": ExerciseMotion(_hip_thrust_posture, False, ("hips_below_shoulders",), "side", camera_height=0.5),
    "pelvic_tilt": ExerciseMotion(_pelvic_tilt_posture, False, (), "side"),
    "knee_to_chest": ExerciseMotion(_knee_to_chest_posture, True, (), "side", kind="hold"),
    "figure_four_stretch": ExerciseMotion(_figure_four_posture, True, (), "side", kind="hold"),
    "butterfly_stretch_supine": ExerciseMotion(_butterfly_supine_posture, False, (), "side", kind="hold"),
    # all fours
    "donkey_kick": ExerciseMotion(_donkey_kick_posture, True, ("knee_straightening", "back_arching"), "side",
                                  camera_height=0.55),
    "fire_hydrant": ExerciseMotion(_fire_hydrant_posture, True, ("knee_straightening", "trunk_rotation"), "oblique",
                                   camera_height=0.9),
    # kneeling
    "hip_flexor_stretch_kneeling": ExerciseMotion(_hip_flexor_kneeling_posture, True, ("torso_not_upright",), "side",
                                                  camera_height=0.6, kind="hold"),
    "pigeon_pose": ExerciseMotion(_pigeon_posture, True, (), "side", camera_height=0.5, kind="hold"),
    # standing
    "standing_hip_extension": ExerciseMotion(_standing_hip_extension_posture, True, ("arching_back", "knee_bent"),
                                             "side", camera_height=0.9, mirror_for_right=True),
    "standing_hip_abduction": ExerciseMotion(_standing_hip_abduction_posture, True, ("trunk_lean", "leg_forward"),
                                             "front", camera_height=0.9),
    "quadriceps_stretch": ExerciseMotion(_quadriceps_stretch_posture, True, ("knees_apart", "trunk_lean"), "side",
                                         camera_height=0.9, kind="hold", mirror_for_right=True),
    "yoga_squat": ExerciseMotion(_yoga_squat_posture, False, ("heels_lifting",), "side", camera_height=0.7,
                                 kind="hold"),
    "hip_flexor_stretch_standing": ExerciseMotion(_hip_flexor_standing_posture, True, ("chest_not_upright",), "side",
                                                  camera_height=0.9, kind="hold"),
    "leg_swing": ExerciseMotion(_leg_swing_posture, True, ("trunk_sway",), "side", camera_height=0.9, kind="cyclic"),
    "banded_walk": ExerciseMotion(_banded_walk_posture, True, ("feet_too_close",), "front", camera_height=0.9,
                                  kind="cyclic", phased=True),
    # seated
    "seated_hip_rotation": ExerciseMotion(_seated_hip_rotation_posture, True, (), "front", camera_height=0.6),
    "butterfly_stretch_seated": ExerciseMotion(_butterfly_seated_posture, False, ("back_not_straight",), "front",
                                               camera_height=0.6, kind="hold"),
    # machines (the machine itself is not drawn)
    "stationary_bike": ExerciseMotion(_stationary_bike_posture, False,
                                      ("knee_straight_at_bottom", "knee_too_bent_at_bottom"), "side",
                                      camera_height=0.8, kind="cyclic", phased=True),
    "elliptical": ExerciseMotion(_elliptical_posture, False, (), "side", camera_height=0.9, kind="cyclic",
                                 phased=True),
    "rowing_machine": ExerciseMotion(_rowing_posture, False, (), "side", camera_height=0.5, kind="cyclic"),
})


def motion_for(exercise: str) -> ExerciseMotion:
    try:
        return MOTIONS[exercise]
    except KeyError:
        raise ValueError(f"no motion script for {exercise!r}; scripted: {', '.join(sorted(MOTIONS))}") from None


_MIRROR_SWAP = np.array([LANDMARK_NAMES.index(n.replace("left", "#").replace("right", "left").replace("#", "right"))
                         for n in LANDMARK_NAMES])


def perform(script: MotionScript) -> Performance:
    """Act out a script: world landmarks for every frame and the truth of the performance."""
    motion = motion_for(script.exercise)
    unknown = [fi.code for fi in script.faults if fi.code not in motion.fault_codes]
    if unknown:
        raise ValueError(f"{script.exercise} has no scripted fault {unknown}; known: {motion.fault_codes}")
    if motion.kind == "hold" and script.reps and script.hold_s <= 0:
        raise ValueError(f"{script.exercise} is a hold: give hold_s > 0, the time each of its {script.reps} "
                         "hold(s) lasts")
    side = script.side if script.side in ("left", "right") else "left"
    mirrored = motion.mirror_for_right and script.side == "right"
    pose_side = "left" if mirrored else side  # mirroring turns the near left leg into a right one
    schedule = rep_schedule(script)
    duration = (schedule[-1][3] if schedule else script.lead_in_s) + script.lead_out_s
    t_s = np.arange(0.0, duration, 1.0 / script.fps)
    p = Proportions().scaled(script.body_scale)
    rng = np.random.default_rng(script.seed)
    sway_phase = rng.uniform(0, 2 * np.pi, 2)
    joints = np.empty((len(t_s), len(LANDMARK_NAMES), 3))
    for k, t in enumerate(t_s):
        u, rep = lift_fraction(t, schedule)
        u *= script.rom_scale
        faults = {fi.code: fi.magnitude * u / max(script.rom_scale, 1e-6)
                  for fi in script.faults if rep and fi.applies_to(rep)}
        sway = script.sway_deg * np.sin(2 * np.pi * 0.23 * t + sway_phase[0])
        if motion.phased:
            phase, cycle = _cycle_phase(t, schedule)
            posture = motion.posture(script.rom_scale, faults, p, sway, side, phase=phase, cycle=cycle)
        else:
            posture = motion.posture(u, faults, p, sway, pose_side)
        j = landmarks_3d(posture, p)
        centre = np.asarray(posture.pelvis)
        joints[k] = centre + (j - centre) @ rot(np.array([0.0, 1.0, 0.0]), sway).T
    if motion.mirror_for_right and script.side == "right":
        joints = joints[:, _MIRROR_SWAP] * np.array([-1.0, 1.0, 1.0])
    rep_side = side if motion.sided else None
    reps, holds, faults_truth = [], [], []
    unit = "hold" if motion.kind == "hold" else "rep"  # a hold exercise's "reps" are its holds
    for i, (start, peak, hold_end, end) in enumerate(schedule, 1):
        if motion.kind != "hold":
            reps.append({"index": i, "side": rep_side, "start_s": start, "peak_s": peak, "end_s": end,
                         "hold_s": hold_end - peak})
        if hold_end - peak > 0:
            holds.append({"side": rep_side, "start_s": peak, "end_s": hold_end})
        for fi in script.faults:
            if fi.applies_to(i):
                faults_truth.append({"code": fi.code, unit: i, "start_s": start + 0.5 * script.rise_s,
                                     "end_s": hold_end + 0.5 * script.lower_s})
    return Performance(t_s, joints, reps, holds, faults_truth, script.exercise, rep_side)


def _cycle_phase(t: float, schedule) -> tuple[float, int]:
    """(phase 0-1 through the current cycle, 0-based cycle) at ``t``; phase 0 between cycles.

    Between cycles (before the first, after the last, in a rest) the phase is 0, the start
    position, and the cycle count is the number of cycles done so far.
    """
    done = 0
    for start, _peak, _hold_end, end in schedule:
        if start <= t < end:
            return (t - start) / (end - start), done
        if t >= end:
            done += 1
    return 0.0, done
