"""Motion scripts: an exercise performed by the kinematic body, with known truth.

A script says what a patient did (reps, tempo, holds, range, side, which faults on which
reps); :func:`perform` turns it into world landmark positions per frame plus the truth
(rep intervals, hold intervals, fault intervals). The same output feeds the landmark
generator (engine tests) and the renderer (synthetic videos), so both share one truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from formcheck.pose.landmarks import LANDMARK_NAMES
from formcheck.synth.body import Posture, Proportions, landmarks_3d, rot
from formcheck.synth.postures import kneeling, machines, prone, seated, side_lying, standing, supine
from formcheck.synth.timing import cycle_phase, lift_fraction


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
    "bridge": ExerciseMotion(lambda u, f, p, s, side: supine.bridge_posture(u, f, p, s), False,
                             ("hips_not_raised", "over_arching"), "side", mirror_for_right=True),
    "prone_hip_extension": ExerciseMotion(prone.prone_posture, True,
                                          ("lifting_too_high", "lumbar_arching", "knee_not_bent"), "side",
                                          mirror_for_right=True),
    "side_lying_hip_abduction": ExerciseMotion(side_lying.abduction_posture, True,
                                               ("leg_too_high", "top_knee_bent", "hips_not_stacked", "leg_forward"),
                                               "front", camera_height=0.35),
    "clamshell": ExerciseMotion(side_lying.clamshell_posture, True,
                                ("torso_rotation", "feet_separating", "hips_moving"), "front", camera_height=0.35),
}
ORIGINAL_MOTIONS = tuple(MOTIONS)  # the first four, whose committed sample clips must not change

MOTIONS.update({
    # side-lying, front view
    "reverse_clamshell": ExerciseMotion(side_lying.reverse_clamshell_posture, True,
                                        ("knees_separating", "torso_rotation"), "front", camera_height=0.35),
    "side_lying_leg_raise": ExerciseMotion(
        lambda u, f, p, s, side: side_lying.abduction_posture(u, f, p, s, side, straight_bottom=True), True,
        ("leg_too_high", "top_knee_bent", "hips_not_stacked", "leg_forward"), "front", camera_height=0.35),
    # supine, side view
    "single_leg_bridge": ExerciseMotion(supine.single_leg_bridge_posture, True,
                                        ("hips_not_raised", "extended_leg_not_aligned"), "side"),
    "hip_thrust": ExerciseMotion(supine.hip_thrust_posture, False, ("hips_below_shoulders",), "side",
                                 camera_height=0.5),
    "pelvic_tilt": ExerciseMotion(supine.pelvic_tilt_posture, False, (), "side"),
    "knee_to_chest": ExerciseMotion(supine.knee_to_chest_posture, True, (), "side", kind="hold"),
    "figure_four_stretch": ExerciseMotion(supine.figure_four_posture, True, (), "side", kind="hold"),
    "butterfly_stretch_supine": ExerciseMotion(supine.butterfly_supine_posture, False, (), "side", kind="hold"),
    # all fours
    "donkey_kick": ExerciseMotion(prone.donkey_kick_posture, True, ("knee_straightening", "back_arching"), "side",
                                  camera_height=0.55),
    "fire_hydrant": ExerciseMotion(prone.fire_hydrant_posture, True, ("knee_straightening", "trunk_rotation"),
                                   "oblique", camera_height=0.9),
    # kneeling
    "hip_flexor_stretch_kneeling": ExerciseMotion(kneeling.hip_flexor_kneeling_posture, True, ("torso_not_upright",),
                                                  "side", camera_height=0.6, kind="hold"),
    "pigeon_pose": ExerciseMotion(kneeling.pigeon_posture, True, (), "side", camera_height=0.5, kind="hold"),
    # standing
    "standing_hip_extension": ExerciseMotion(standing.standing_hip_extension_posture, True,
                                             ("arching_back", "knee_bent"), "side", camera_height=0.9,
                                             mirror_for_right=True),
    "standing_hip_abduction": ExerciseMotion(standing.standing_hip_abduction_posture, True,
                                             ("trunk_lean", "leg_forward"), "front", camera_height=0.9),
    "quadriceps_stretch": ExerciseMotion(standing.quadriceps_stretch_posture, True, ("knees_apart", "trunk_lean"),
                                         "side", camera_height=0.9, kind="hold", mirror_for_right=True),
    "yoga_squat": ExerciseMotion(standing.yoga_squat_posture, False, ("heels_lifting",), "side", camera_height=0.7,
                                 kind="hold"),
    "hip_flexor_stretch_standing": ExerciseMotion(standing.hip_flexor_standing_posture, True, ("chest_not_upright",),
                                                  "side", camera_height=0.9, kind="hold"),
    "leg_swing": ExerciseMotion(standing.leg_swing_posture, True, ("trunk_sway",), "side", camera_height=0.9,
                                kind="cyclic"),
    "banded_walk": ExerciseMotion(standing.banded_walk_posture, True, ("feet_too_close",), "front", camera_height=0.9,
                                  kind="cyclic", phased=True),
    # seated
    "seated_hip_rotation": ExerciseMotion(seated.seated_hip_rotation_posture, True, (), "front", camera_height=0.6),
    "butterfly_stretch_seated": ExerciseMotion(seated.butterfly_seated_posture, False, ("back_not_straight",), "front",
                                               camera_height=0.6, kind="hold"),
    # machines (the machine itself is not drawn)
    "stationary_bike": ExerciseMotion(machines.stationary_bike_posture, False,
                                      ("knee_straight_at_bottom", "knee_too_bent_at_bottom"), "side",
                                      camera_height=0.8, kind="cyclic", phased=True),
    "elliptical": ExerciseMotion(machines.elliptical_posture, False, (), "side", camera_height=0.9, kind="cyclic",
                                 phased=True),
    "rowing_machine": ExerciseMotion(machines.rowing_posture, False, (), "side", camera_height=0.5, kind="cyclic"),
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
            phase, cycle = cycle_phase(t, schedule)
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
