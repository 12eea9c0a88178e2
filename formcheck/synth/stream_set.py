"""Labelled live streams: held-out exercise sets joined by the moves a person makes between them (issue 17).

A stream is a few sets of different exercises, one after the other, as someone doing a
programme in front of one camera would do them: each set starts and ends with a rest in
its start position (a random few seconds, with the body's small sway), and between two
sets the body moves from the one position to the other through the positions in between
(getting up from the floor goes through sitting, lying down the same way back, turning
over goes through lying on the back, kneeling down through all fours), each leg of the
move eased in and out over a random 1-3 s, with a pause now and then. Every part is put
through the landmark error model fitted on MediaPipe's output on rendered clips
(formcheck.synth.error_model), so the stream looks like a tracker's, not like the script.

The performances draw from ``STREAM_SEED``, apart from the recogniser's training seeds
(scripts/train_recognizer.py) and from its held-out clips (``recognition_set.TEST_SEED``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.pose.landmarks import PoseTrack
from formcheck.synth.generate import TrackerNoise, track_from_performance
from formcheck.synth.motion import MOTIONS, MotionScript, perform, rep_schedule
from formcheck.synth.recognition_set import SIZES, random_camera, random_script

STREAM_SEED = 4717
EXACT = TrackerNoise(pixel_sigma=0.0, world_sigma_m=0.0, depth_sigma_m=0.0)
# The body position each exercise starts from, and the positions a move between two passes through.
FAMILY = {"side_lying": ("clamshell", "reverse_clamshell", "side_lying_leg_raise", "side_lying_hip_abduction"),
          "supine": ("bridge", "single_leg_bridge", "hip_thrust", "pelvic_tilt", "knee_to_chest",
                     "figure_four_stretch", "butterfly_stretch_supine"),
          "prone": ("prone_hip_extension",),
          "all_fours": ("donkey_kick", "fire_hydrant"),
          "kneeling": ("hip_flexor_stretch_kneeling", "pigeon_pose"),
          "seated": ("seated_hip_rotation", "butterfly_stretch_seated", "rowing_machine"),
          "standing": ("standing_hip_extension", "standing_hip_abduction", "quadriceps_stretch", "yoga_squat",
                       "hip_flexor_stretch_standing", "leg_swing", "banded_walk", "stationary_bike", "elliptical")}
# A key pose for each position on the way: the start position of a representative exercise.
KEY_POSE = {"supine": "bridge", "seated": "butterfly_stretch_seated", "standing": "standing_hip_abduction",
            "all_fours": "donkey_kick", "kneeling": "hip_flexor_stretch_kneeling"}
FLOOR = ("side_lying", "supine", "prone")


def family_of(exercise: str) -> str:
    return next((f for f, members in FAMILY.items() if exercise in members), "standing")


def route(a: str, b: str) -> list[str]:
    """The positions passed through between two families (not counting the two ends)."""
    if a == b:
        return ["supine"] if a in ("side_lying", "prone") else []  # turning over, or rolling onto the back
    if a in FLOOR and b in FLOOR:
        return [] if "supine" in (a, b) else ["supine"]
    if a in FLOOR and b == "standing":
        return ["seated"]
    if a == "standing" and b in FLOOR:
        return ["seated"]
    if {a, b} == {"all_fours", "standing"} or {a, b} == {"kneeling", "standing"}:
        return ["kneeling"] if "all_fours" in (a, b) else []
    return []


@dataclass
class StreamSet:
    exercise: str
    side: str  # left | right | both
    start_s: float  # the first rep's (hold's, cycle's) start
    end_s: float  # the last one's end
    reps: int  # reps (holds for a hold exercise, cycles for a cyclic one) performed


@dataclass
class LabelledStream:
    track: PoseTrack
    sets: list[StreamSet]


def _part(script: MotionScript, rng: np.random.Generator, size: tuple[int, int], params: dict | None,
          exercise: str) -> PoseTrack:
    """A performance filmed from around its recommended view, with MediaPipe-like errors."""
    from formcheck.synth.error_model import apply_error_model

    perf = perform(script)
    camera = replace(random_camera(perf, rng), width=size[0], height=size[1])
    exact = track_from_performance(perf, camera, EXACT)
    return exact if params is None else apply_error_model(exact, params, rng, None, exercise)


def _key_pose(family: str, rng: np.random.Generator, size, params) -> PoseTrack:
    script = MotionScript(KEY_POSE[family], reps=0, lead_in_s=0.6, lead_out_s=0.0, fps=30.0,
                          seed=int(rng.integers(2**31)), sway_deg=1.0)
    return _part(script, rng, size, params, KEY_POSE[family])


def _move(frames: list[PoseTrack], rng: np.random.Generator, fps: float) -> list[tuple[np.ndarray, ...]]:
    """Eased moves from each key frame to the next (1-3 s each, sometimes a pause on the way)."""
    out = []
    for a, b in zip(frames[:-1], frames[1:]):
        n = max(int(rng.uniform(1.0, 3.0) * fps), 2)
        u = np.linspace(0.0, 1.0, n + 2)[1:-1]
        u = u * u * (3 - 2 * u)  # ease in and out
        x0 = [np.nan_to_num(getattr(a, k)[-1]) for k in ("image_xyz", "world_xyz", "visibility", "presence")]
        x1 = [np.nan_to_num(getattr(b, k)[0]) for k in ("image_xyz", "world_xyz", "visibility", "presence")]
        for uk in u:
            out.append(tuple(p * (1 - uk) + q * uk for p, q in zip(x0, x1)))
        if rng.random() < 0.3:  # a pause on the way
            out += [out[-1]] * int(rng.uniform(0.5, 2.0) * fps)
    return out


def labelled_stream(exercises: list[str], seed: int, params: dict | None, index: int = 0,
                    fps: float = 30.0) -> LabelledStream:
    """One stream of ``exercises`` in order (sides random) with moves between them, on one clock."""
    rng = np.random.default_rng([seed, index])
    size = SIZES[int(rng.integers(len(SIZES)))]
    parts: list[PoseTrack] = []
    sets: list[StreamSet] = []
    t_next = 0.0
    for k, ex in enumerate(exercises):
        side = "left" if rng.random() < 0.5 else "right"
        script = replace(random_script(ex, rng, side, fps=fps), lead_in_s=float(rng.uniform(1.5, 5.0)),
                         lead_out_s=float(rng.uniform(1.0, 5.0)))
        part = _part(script, rng, size, params, ex)
        if parts:
            a, b = family_of(exercises[k - 1]), family_of(ex)
            keys = [parts[-1]] + [_key_pose(f, rng, size, params) for f in route(a, b)] + [part]
            moved = _move(keys, rng, fps)
            if moved:
                arr = [np.stack(c) for c in zip(*moved)]
                t = t_next + np.arange(len(moved)) / fps
                parts.append(PoseTrack(t, arr[0], arr[1], arr[2], arr[3], size, np.ones(len(moved), bool)))
                t_next = t[-1] + 1.0 / fps
        schedule = rep_schedule(script)
        shift = t_next - float(part.t_s[0])
        sides = "both" if not MOTIONS[ex].sided else side
        sets.append(StreamSet(ex, sides, schedule[0][0] + shift, schedule[-1][3] + shift, len(schedule)))
        parts.append(replace(part, t_s=part.t_s + shift))
        t_next = float(parts[-1].t_s[-1]) + 1.0 / fps
    track = PoseTrack(np.concatenate([p.t_s for p in parts]), *(np.concatenate([getattr(p, k) for p in parts])
                      for k in ("image_xyz", "world_xyz", "visibility", "presence")), size,
                      np.concatenate([p.detected for p in parts]))
    return LabelledStream(track, sets)


def stream_plan(streams: int, sets_per_stream: int, seed: int = STREAM_SEED,
                exercises: list[str] | None = None) -> list[list[str]]:
    """Which exercises each stream does: every exercise about equally often, never twice in a row."""
    pool = sorted(exercises or MOTIONS)
    rng = np.random.default_rng([seed, 0])
    order: list[str] = []
    while len(order) < streams * sets_per_stream:
        order += list(rng.permutation(pool))
    plans = []
    for s in range(streams):
        chunk = order[s * sets_per_stream:(s + 1) * sets_per_stream]
        for i in range(1, len(chunk)):
            if chunk[i] == chunk[i - 1]:
                chunk[i] = next(e for e in pool if e != chunk[i - 1] and e not in chunk)
        plans.append([str(e) for e in chunk])
    return plans
