"""Randomised labelled performances for training and testing the exercise recogniser (issue 9).

Every exercise with a motion script is acted out with a random side, tempo, range, body
size, number of reps, hold length and (sometimes) faults, filmed from a random point
around its recommended view at a random distance and lens height, with random tracker
noise, depth compression, dropouts and leg-label swaps. Rest clips hold the start
position of a random exercise, or fidget far below a rep's range. Training and testing
draw from disjoint seeds, so the test never sees a training performance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.pose.landmarks import PoseTrack
from formcheck.synth.camera import Camera
from formcheck.synth.generate import TrackerNoise, track_from_performance
from formcheck.synth.motion import MOTIONS, FaultInjection, MotionScript, Performance, motion_for, perform
from formcheck.synth.sets import CYCLE_TEMPO

REST = "rest"
BASE_AZIMUTH = {"front": 0.0, "side": 0.0, "oblique": 40.0}
SIZES = ((640, 480), (1280, 720), (960, 720), (854, 480))


@dataclass
class LabelledClip:
    track: PoseTrack
    label: str  # exercise id or REST
    side: str | None  # the working side (None: bilateral, or rest)
    active: list[tuple[float, float]]  # (start, end) of each rep/hold/cycle bout
    perf: Performance | None = None


def random_camera(perf: Performance, rng: np.random.Generator, max_off_axis_deg: float = 40.0) -> Camera:
    """A camera near the exercise's recommended view: azimuth, distance, height, lens and size vary."""
    motion = motion_for(perf.exercise)
    first = perf.joints3d[0]
    centre = 0.5 * (first.min(axis=0) + first.max(axis=0))
    centre[1] = max(centre[1], 0.2)
    az = np.radians(BASE_AZIMUTH.get(motion.view, 0.0) + rng.uniform(-max_off_axis_deg, max_off_axis_deg))
    distance = rng.uniform(2.0, 4.2)
    position = centre + distance * np.array([np.sin(az), 0.0, np.cos(az)])
    position[1] = max(0.15, motion.camera_height + rng.uniform(-0.25, 0.35))
    width, height = SIZES[int(rng.integers(len(SIZES)))]
    aim = centre + rng.normal(0.0, 0.05, 3)
    return Camera(tuple(position), tuple(aim), float(rng.uniform(45.0, 65.0)), width, height)


def random_noise(duration_s: float, rng: np.random.Generator) -> TrackerNoise:
    """Jitter, depth noise, a dropout now and then, a leg-label swap now and then."""
    dropouts, swaps = [], []
    if rng.random() < 0.3:
        s = rng.uniform(0, max(duration_s - 1, 0.1))
        dropouts.append((s, s + rng.uniform(0.1, 0.6)))
    if rng.random() < 0.2:
        s = rng.uniform(0, max(duration_s - 1, 0.1))
        swaps.append((s, s + rng.uniform(0.2, 1.5)))
    return TrackerNoise(pixel_sigma=float(rng.uniform(0.5, 4.0)), world_sigma_m=float(rng.uniform(0.005, 0.03)),
                        depth_sigma_m=float(rng.uniform(0.02, 0.08)), dropouts=tuple(dropouts),
                        swap_legs=tuple(swaps), seed=int(rng.integers(2**31)))


def _compress_depth(track: PoseTrack, factor: float) -> PoseTrack:
    """MediaPipe's world depth is often flatter than the truth: shrink world z about the hips."""
    world = track.world_xyz.copy()
    world[..., 2] *= factor
    return replace(track, world_xyz=world)


def random_script(exercise: str, rng: np.random.Generator, side: str | None = None,
                  faults: bool = True, fps: float | None = None) -> MotionScript:
    """A random but plausible performance of ``exercise``."""
    motion = MOTIONS[exercise]
    side = side or ("left" if rng.random() < 0.5 else "right")
    fps = float(rng.choice([12.0, 15.0, 24.0, 25.0, 30.0])) if fps is None else fps
    tempo = float(rng.uniform(0.6, 1.6))
    chosen = ()
    if faults and motion.fault_codes and rng.random() < 0.4:
        code = motion.fault_codes[int(rng.integers(len(motion.fault_codes)))]
        chosen = (FaultInjection(code, reps=(), magnitude=float(rng.uniform(0.5, 1.0))),)
    common = dict(side=side, faults=chosen, fps=fps, rom_scale=float(rng.uniform(0.55, 1.2)),
                  body_scale=float(rng.uniform(0.88, 1.12)), lead_in_s=float(rng.uniform(0.5, 2.0)),
                  lead_out_s=float(rng.uniform(0.5, 2.0)), seed=int(rng.integers(2**31)),
                  sway_deg=float(rng.uniform(0.3, 1.5)))
    if motion.kind == "hold":
        return MotionScript(exercise, reps=int(rng.integers(1, 3)), hold_s=float(rng.uniform(3.0, 12.0)),
                            rise_s=float(rng.uniform(0.6, 1.5)), lower_s=float(rng.uniform(0.6, 1.5)),
                            rest_s=float(rng.uniform(0.8, 2.0)), **common)
    if motion.kind == "cyclic":
        down, back = CYCLE_TEMPO.get(exercise, (0.5, 0.5))
        k = float(rng.uniform(0.75, 1.3))
        return MotionScript(exercise, reps=int(rng.integers(6, 14)), rise_s=down * k, lower_s=back * k, rest_s=0.0,
                            **common)
    hold = float(rng.uniform(0.5, 3.0)) if rng.random() < 0.35 else 0.0
    return MotionScript(exercise, reps=int(rng.integers(3, 8)), rise_s=0.9 * tempo, lower_s=0.9 * tempo,
                        hold_s=hold, rest_s=float(rng.uniform(0.2, 1.5)), **common)


def active_spans(perf: Performance, script: MotionScript) -> list[tuple[float, float]]:
    """When the body is doing the exercise: from the first rep's start to the last rep's end."""
    from formcheck.synth.motion import rep_schedule

    schedule = rep_schedule(script)
    if not schedule:
        return []
    return [(schedule[0][0], schedule[-1][3])]


EXACT = TrackerNoise(pixel_sigma=0.0, world_sigma_m=0.0, depth_sigma_m=0.0)


def film(perf: Performance, rng: np.random.Generator, error_params: dict | None = None) -> PoseTrack:
    """The performance as a tracker reports it, from a random camera near the recommended view.

    With ``error_params`` (the fitted landmark error model, :mod:`formcheck.synth.error_model`)
    the errors are MediaPipe's own kind (biases that follow the pose, slow drift, jumps, label
    swaps), which is what the recogniser meets on video; without, white jitter and the odd
    dropout or swap (:func:`random_noise`). World depth is then flattened at random either way.
    """
    camera = random_camera(perf, rng)
    if error_params is None:
        track = track_from_performance(perf, camera, random_noise(float(perf.t_s[-1]), rng))
    else:
        from formcheck.synth.error_model import apply_error_model

        track = apply_error_model(track_from_performance(perf, camera, EXACT), error_params, rng, None,
                                  perf.exercise)
    return _compress_depth(track, float(rng.uniform(0.5, 1.1)))


def exercise_clip(exercise: str, rng: np.random.Generator, side: str | None = None,
                  faults: bool = True, fps: float | None = None, error_params: dict | None = None) -> LabelledClip:
    script = random_script(exercise, rng, side, faults, fps)
    perf = perform(script)
    return LabelledClip(film(perf, rng, error_params), exercise, perf.side, active_spans(perf, script), perf)


def rest_clip(rng: np.random.Generator, exercise: str | None = None, error_params: dict | None = None) -> LabelledClip:
    """Not exercising: still in some exercise's start position, or fidgeting far below a rep."""
    exercise = exercise or sorted(MOTIONS)[int(rng.integers(len(MOTIONS)))]
    fps = float(rng.choice([12.0, 15.0, 24.0, 30.0]))
    if rng.random() < 0.7 or MOTIONS[exercise].kind == "cyclic":
        script = MotionScript(exercise, reps=0, lead_in_s=float(rng.uniform(5.0, 10.0)), lead_out_s=0.5, fps=fps,
                              body_scale=float(rng.uniform(0.88, 1.12)), sway_deg=float(rng.uniform(0.3, 2.5)),
                              seed=int(rng.integers(2**31)))
    else:
        hold = 1.0 if MOTIONS[exercise].kind == "hold" else 0.0
        script = MotionScript(exercise, reps=4, rom_scale=float(rng.uniform(0.03, 0.1)), hold_s=hold, fps=fps,
                              side="left" if rng.random() < 0.5 else "right", seed=int(rng.integers(2**31)))
    perf = perform(script)
    return LabelledClip(film(perf, rng, error_params), REST, None, [], perf)


def window_labels(clip: LabelledClip, starts: np.ndarray, ends: np.ndarray, min_active: float = 0.5) -> list:
    """A window's label: the clip's exercise if at least ``min_active`` of it is active, rest
    if none of it is, None (left out of training) in between."""
    out = []
    for a, b in zip(starts, ends):
        if clip.label == REST:
            out.append(REST)
            continue
        covered = sum(max(0.0, min(b, e) - max(a, s)) for s, e in clip.active)
        frac = covered / max(b - a, 1e-9)
        out.append(clip.label if frac >= min_active else (REST if frac == 0.0 else None))
    return out


def concatenate(tracks: list[PoseTrack], transition_s: float = 2.0, fps: float = 24.0) -> PoseTrack:
    """One recording from several: each part follows the last after a ``transition_s`` move
    from its last pose to the next part's first pose (landmarks blended), on one clock.

    The parts keep their own image size only if they agree; otherwise the first one's.
    """
    size = tracks[0].image_size
    parts = []
    t_next = 0.0
    for k, tr in enumerate(tracks):
        if k > 0 and transition_s > 0:
            prev = parts[-1]
            n = max(int(round(transition_s * fps)), 2)
            a = np.linspace(0.0, 1.0, n + 2)[1:-1]
            last = -1
            first = 0
            blend = {}
            for name in ("image_xyz", "world_xyz", "visibility", "presence"):
                x0 = getattr(prev, name)[last]
                x1 = getattr(tr, name)[first]
                blend[name] = x0[None] * (1 - a.reshape(-1, *([1] * x0.ndim))) + x1[None] * a.reshape(
                    -1, *([1] * x0.ndim))
            t = t_next + np.arange(n) / fps
            parts.append(PoseTrack(t, blend["image_xyz"], blend["world_xyz"], blend["visibility"],
                                   blend["presence"], size, np.ones(n, bool)))
            t_next = t[-1] + 1.0 / fps
        shifted = tr.t_s - tr.t_s[0] + t_next
        parts.append(PoseTrack(shifted, tr.image_xyz, tr.world_xyz, tr.visibility, tr.presence, size, tr.detected))
        t_next = shifted[-1] + 1.0 / fps
    return PoseTrack(np.concatenate([p.t_s for p in parts]), np.concatenate([p.image_xyz for p in parts]),
                     np.concatenate([p.world_xyz for p in parts]), np.concatenate([p.visibility for p in parts]),
                     np.concatenate([p.presence for p in parts]), size, np.concatenate([p.detected for p in parts]))


TEST_SEED = 777  # held-out clips; training uses other seeds (scripts/train_recognizer.py)


def held_out_clips(per_side: int = 1, rest_clips: int = 4, seed: int = TEST_SEED,
                   exercises: list[str] | None = None, fps: float | None = None,
                   error_params: dict | None = None) -> list[LabelledClip]:
    """Every scripted exercise ``per_side`` times on each side (faults, cameras and noise random),
    then ``rest_clips`` clips of rest; seeded so the set is the same on every run. ``error_params``:
    MediaPipe-like errors from the landmark error model instead of white jitter (see :func:`film`)."""
    clips = []
    for ex in exercises or sorted(MOTIONS):
        for k in range(2 * per_side):
            rng = np.random.default_rng([seed, k, sum(map(ord, ex))])
            clips.append(exercise_clip(ex, rng, side="left" if k % 2 == 0 else "right", fps=fps,
                                       error_params=error_params))
    for k in range(rest_clips):
        clips.append(rest_clip(np.random.default_rng([seed, 99, k]), error_params=error_params))
    return clips
