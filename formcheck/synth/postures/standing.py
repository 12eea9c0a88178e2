"""Standing: hip extension and abduction, leg swings, the quadriceps stretch, squat, lunge stretch, banded walk."""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, LegPose, Posture, Proportions, body_frame
from formcheck.synth.postures.kit import (UP, X, Z, Faults, foot_pitch, hip_point, leg_to, lunge_feet, side_sign,
                                          working_arms, working_legs)
from formcheck.synth.timing import ease

STAND_HIP_H = 0.93  # hip centre height of a person standing straight (legs + heel)


def standing_hip_extension_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Behind a chair, side view (facing -x): the straight leg extends backward."""
    frame = body_frame(UP, -X)
    work = LegPose(hip_flexion=-25.0 * u, knee_flexion=40.0 * f.get("knee_bent", 0.0), ankle_dorsiflexion=-10.0 * u)
    chair = ArmPose(shoulder_flexion=45.0, shoulder_abduction=10.0, elbow_flexion=30.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame, trunk_flexion=3.0 * u + 22.0 * f.get("arching_back", 0.0),
                   **working_legs(side, work, LegPose()), left_arm=chair, right_arm=chair)


def standing_hip_abduction_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Beside a wall, front view (facing +z): one straight leg lifts out to the side."""
    frame = body_frame(UP, Z)
    work = LegPose(hip_abduction=30.0 * u, hip_flexion=35.0 * f.get("leg_forward", 0.0))
    wall = ArmPose(shoulder_abduction=55.0, elbow_flexion=20.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame,
                   trunk_lateral=-side_sign(side) * 15.0 * f.get("trunk_lean", 0.0),
                   **working_legs(side, work, LegPose()), **working_arms(side, ArmPose(), wall))


def leg_swing_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing +x): one straight leg swings from behind (u = 0) to in front (u = 1)."""
    frame = body_frame(UP, X)
    work = LegPose(hip_flexion=-20.0 + 55.0 * u, knee_flexion=5.0, ankle_dorsiflexion=5.0)
    hand = ArmPose(shoulder_abduction=50.0, elbow_flexion=20.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame, trunk_flexion=-18.0 * f.get("trunk_sway", 0.0),
                   **working_legs(side, work, LegPose()), **working_arms(side, ArmPose(), hand))


def quadriceps_stretch_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x), standing: pull the ankle to the glute, knees together."""
    frame = body_frame(UP, -X)
    work = LegPose(knee_flexion=140.0 * u, hip_flexion=35.0 * f.get("knees_apart", 0.0), ankle_dorsiflexion=-30.0 * u)
    grab = ArmPose(shoulder_flexion=-35.0 * u, shoulder_abduction=12.0, elbow_flexion=10.0 + 25.0 * u)
    balance = ArmPose(shoulder_abduction=10.0 + 50.0 * u, elbow_flexion=10.0)
    return Posture(np.array([0.0, STAND_HIP_H, 0.0]), frame, trunk_flexion=2.0 + 25.0 * f.get("trunk_lean", 0.0),
                   **working_legs(side, work, LegPose()), **working_arms(side, grab, balance))


def yoga_squat_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): feet wide and flat, the hips sink into a deep squat."""
    fwd = -X
    frame = body_frame(UP, fwd)
    lift = f.get("heels_lifting", 0.0)
    pelvis = np.array([0.16 * u, STAND_HIP_H - 0.55 * u + 0.05 * lift, 0.0])
    legs = {}
    for name, sign in (("left_leg", 1.0), ("right_leg", -1.0)):
        hip = hip_point(pelvis, frame, sign, p)
        ankle = np.array([0.0, p.heel_drop + 0.07 * lift, sign * 0.17])
        legs[name] = leg_to(frame, hip, ankle, fwd + 0.4 * sign * frame[:, 0], p, sign,
                             foot_toward=foot_pitch(fwd, 28.0 * lift))
    arms = ArmPose(shoulder_flexion=60.0 * u, shoulder_abduction=15.0, elbow_flexion=70.0 * u + 10.0)
    return Posture(pelvis, frame, trunk_flexion=38.0 * u, left_arm=arms, right_arm=arms, **legs)


def hip_flexor_standing_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x): a big step forward, then bend the front knee and push the back hip forward.

    ``side`` is the back leg, the one whose hip is stretched.
    """
    fwd = -X
    frame = body_frame(UP, fwd)
    pelvis = np.array([-0.04 - 0.14 * u, 0.80 - 0.18 * u, 0.0])
    back_s, front_s = lunge_feet(frame, side)
    feet = {back_s: np.array([0.38, p.heel_drop, back_s * 0.11]), front_s: np.array([-0.48, p.heel_drop, front_s * 0.11])}
    legs = {}
    for sign, ankle in feet.items():
        hip = hip_point(pelvis, frame, sign, p)
        toward = foot_pitch(fwd, 35.0 * u) if sign == back_s else fwd  # the back heel comes up
        leg = leg_to(frame, hip, ankle, fwd, p, sign, foot_toward=toward)
        legs["left_leg" if sign > 0 else "right_leg"] = leg
    arms = ArmPose(shoulder_abduction=12.0, elbow_flexion=15.0)
    return Posture(pelvis, frame, trunk_flexion=25.0 * f.get("chest_not_upright", 0.0), left_arm=arms,
                   right_arm=arms, **legs)


def banded_walk_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str, phase: float = 0.0,
                         cycle: int = 0) -> Posture:
    """Front view (facing +z), band round the thighs: small side steps toward ``side``.

    A cycle starts with the feet wide; the trailing foot closes to shoulder width
    (phase 0.5), then the leading foot steps out again, so each cycle moves one step.
    """
    frame = body_frame(UP, Z)
    d = side_sign(side) * frame[:, 0]  # direction of travel: the person's left or right
    step = 0.18 * u  # u: the range scale (1 = clean step width)
    wide, narrow = 0.38 + step, 0.38 - 0.18 * f.get("feet_too_close", 0.0)
    c = cycle * step
    if phase < 0.5:
        x = ease(phase / 0.5)
        lead, trail = c + wide / 2, c - wide / 2 + x * (wide - narrow)
        lift_trail, lift_lead = 0.05 * np.sin(np.pi * x), 0.0
    else:
        x = ease((phase - 0.5) / 0.5)
        lead, trail = c + wide / 2 + x * step, c + wide / 2 - narrow
        lift_trail, lift_lead = 0.0, 0.05 * np.sin(np.pi * x)
    pelvis = (0.5 * (lead + trail)) * d + np.array([0.0, 0.86, 0.0])
    legs = {}
    for pos, lift, lead_leg in ((lead, lift_lead, True), (trail, lift_trail, False)):
        sign = side_sign(side) if lead_leg else -side_sign(side)
        hip = hip_point(pelvis, frame, sign, p)
        ankle = pos * d + np.array([0.0, p.heel_drop + lift, 0.02])
        legs["left_leg" if sign > 0 else "right_leg"] = leg_to(frame, hip, ankle, Z, p, sign, foot_toward=Z)
    arms = ArmPose(shoulder_flexion=30.0, shoulder_abduction=15.0, elbow_flexion=60.0)
    return Posture(pelvis, frame, trunk_flexion=12.0, left_arm=arms, right_arm=arms, **legs)
