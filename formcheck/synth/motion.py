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

from ..landmarks import INDEX, LANDMARK_NAMES
from .body import ArmPose, LegPose, Posture, Proportions, body_frame, landmarks_3d, rot


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


@dataclass(frozen=True)
class ExerciseMotion:
    """How the kinematic body performs one exercise."""

    posture: Callable[..., Posture]
    sided: bool  # one working side at a time (else bilateral; side = side facing the camera)
    fault_codes: tuple[str, ...]
    view: str  # the recommended camera view
    camera_height: float = 0.45
    mirror_for_right: bool = False  # bilateral lying moves: mirror the scene to show the other side


MOTIONS: dict[str, ExerciseMotion] = {
    "bridge": ExerciseMotion(lambda u, f, p, s, side: _bridge_posture(u, f, p, s), False,
                             ("hips_not_raised", "over_arching"), "side", mirror_for_right=True),
    "prone_hip_extension": ExerciseMotion(_prone_posture, True,
                                          ("lifting_too_high", "lumbar_arching", "knee_not_bent"), "side"),
    "side_lying_hip_abduction": ExerciseMotion(_abduction_posture, True,
                                               ("leg_too_high", "top_knee_bent", "hips_not_stacked", "leg_forward"),
                                               "front", camera_height=0.35),
    "clamshell": ExerciseMotion(_clamshell_posture, True,
                                ("torso_rotation", "feet_separating", "hips_moving"), "front", camera_height=0.35),
}


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
    side = script.side if script.side in ("left", "right") else "left"
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
        posture = motion.posture(u, faults, p, sway, side)
        j = landmarks_3d(posture, p)
        centre = np.asarray(posture.pelvis)
        joints[k] = centre + (j - centre) @ rot(np.array([0.0, 1.0, 0.0]), sway).T
    if motion.mirror_for_right and script.side == "right":
        joints = joints[:, _MIRROR_SWAP] * np.array([-1.0, 1.0, 1.0])
    rep_side = side if motion.sided else None
    reps, holds, faults_truth = [], [], []
    for i, (start, peak, hold_end, end) in enumerate(schedule, 1):
        reps.append({"index": i, "side": rep_side, "start_s": start, "peak_s": peak, "end_s": end,
                     "hold_s": hold_end - peak})
        if hold_end - peak > 0:
            holds.append({"side": rep_side, "start_s": peak, "end_s": hold_end})
        for fi in script.faults:
            if fi.applies_to(i):
                faults_truth.append({"code": fi.code, "rep": i, "start_s": start + 0.5 * script.rise_s,
                                     "end_s": hold_end + 0.5 * script.lower_s})
    return Performance(t_s, joints, reps, holds, faults_truth, script.exercise, rep_side)
