"""Cyclic exercise on machines, seen from the side (facing -x): bike, elliptical, rower (the machine is not drawn).

The bike and the elliptical are phased: the posture takes the phase through the cycle, so
the pedals go down the front and up the back; ``u`` then scales the range.
"""

from __future__ import annotations

import numpy as np

from formcheck.synth.body import ArmPose, Posture, Proportions, body_frame
from formcheck.synth.postures.kit import UP, X, Faults, hip_point, leg_to


def _pedal_legs(frame: np.ndarray, pelvis: np.ndarray, near_ankle: np.ndarray, far_ankle: np.ndarray,
                p: Proportions, pole: np.ndarray) -> dict:
    """Legs to two foot positions; the near side (toward the camera) is the left one here."""
    fwd = frame[:, 2]
    legs = {}
    for name, sign, ankle in (("left_leg", 1.0, near_ankle), ("right_leg", -1.0, far_ankle)):
        a = np.asarray(ankle, float) + sign * p.hip_half_width * frame[:, 0]
        legs[name] = leg_to(frame, hip_point(pelvis, frame, sign, p), a, pole, p, sign, foot_toward=fwd)
    return legs


def stationary_bike_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str, phase: float = 0.0,
                             cycle: int = 0) -> Posture:
    """Side view (facing -x) on a bike (not drawn): the near pedal is at the top at phase 0, bottom at 0.5.

    The saddle is set for this body so the knee is "slightly bent at the lowest point"
    (150 degrees) when clean; a saddle too high leaves it nearly straight (178), too low
    well bent (120). The bike scales with the body; ``u`` scales the crank.
    """
    fwd = -X
    frame = body_frame(UP, fwd)
    k = p.thigh / Proportions().thigh
    crank = np.array([0.0, 0.32 * k, 0.0]) + 0.12 * k * fwd
    r = 0.17 * k * max(u, 0.2)
    pedal = lambda a: crank + r * (np.sin(a) * fwd + np.cos(a) * UP) + np.array([0.0, 0.07 * k, 0.0])  # noqa: E731
    knee_at_bottom = 150.0 + 28.0 * f.get("knee_straight_at_bottom", 0.0) - 30.0 * f.get("knee_too_bent_at_bottom", 0.0)
    reach = np.sqrt(p.thigh**2 + p.shank**2 - 2 * p.thigh * p.shank * np.cos(np.radians(knee_at_bottom)))
    bottom = pedal(np.pi)
    pelvis = np.array([0.0, bottom[1] + np.sqrt(max(reach**2 - (0.12 * k) ** 2, 0.0)), 0.0])
    th = 2 * np.pi * phase
    legs = _pedal_legs(frame, pelvis, pedal(th), pedal(th + np.pi), p, fwd + UP)
    bars = ArmPose(shoulder_flexion=65.0, shoulder_abduction=10.0, elbow_flexion=20.0)
    return Posture(pelvis, frame, trunk_flexion=35.0, head_flexion=-20.0, left_arm=bars, right_arm=bars, **legs)


def elliptical_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str, phase: float = 0.0,
                        cycle: int = 0) -> Posture:
    """Side view (facing -x) on an elliptical (not drawn): the feet trace ellipses half a turn apart."""
    fwd = -X
    frame = body_frame(UP, fwd)
    pelvis = np.array([0.0, 1.13, 0.0])
    centre = np.array([0.0, 0.30, 0.0])
    a, b = 0.22 * max(u, 0.2), 0.06
    th = 2 * np.pi * phase
    foot = lambda t: centre + a * np.cos(t) * fwd + b * np.sin(t) * UP  # noqa: E731
    legs = _pedal_legs(frame, pelvis, foot(th), foot(th + np.pi), p, fwd)
    swing = 20.0 * np.cos(th)
    return Posture(pelvis, frame, trunk_flexion=8.0,
                   left_arm=ArmPose(shoulder_flexion=35.0 - swing, shoulder_abduction=10.0, elbow_flexion=70.0),
                   right_arm=ArmPose(shoulder_flexion=35.0 + swing, shoulder_abduction=10.0, elbow_flexion=70.0),
                   **legs)


def rowing_posture(u: float, f: Faults, p: Proportions, rng_sway: float, side: str) -> Posture:
    """Side view (facing -x) on a rower (not drawn): from the catch (u = 0) push the legs long and pull
    the handle to the chest (u = 1)."""
    fwd = -X
    frame = body_frame(UP, fwd)
    ankle = np.array([-0.80, 0.22, 0.0])
    pelvis = np.array([-0.34 + 0.38 * u, 0.36, 0.0])
    legs = _pedal_legs(frame, pelvis, ankle, ankle, p, UP + 0.2 * fwd)
    arms = ArmPose(shoulder_flexion=75.0 - 80.0 * u, shoulder_abduction=12.0, elbow_flexion=5.0 + 110.0 * u)
    return Posture(pelvis, frame, trunk_flexion=30.0 - 50.0 * u, left_arm=arms, right_arm=arms, **legs)
