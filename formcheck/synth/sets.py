"""The labelled clip sets: the small committed sample set and the larger random variation set.

The committed set holds, for every scripted exercise, a clean clip and one clip per fault
from the recommended view, both sides across the set, and a few hard cases. The variation
set repeats every clip with random camera distance and height, colours, tempo, range and
noise: it is where tuning to the committed clips would show.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.rules.exercise import get_exercise
from formcheck.synth.clip import ClipSpec, Realism
from formcheck.synth.generate import CameraSpec
from formcheck.synth.motion import MOTIONS, ORIGINAL_MOTIONS, FaultInjection, MotionScript

SAMPLE_FPS = 24.0
SHIRTS = [(0.20, 0.35, 0.65), (0.65, 0.15, 0.15), (0.15, 0.45, 0.25), (0.85, 0.85, 0.85), (0.12, 0.12, 0.12)]
SKINS = ["light", "medium", "tan", "brown", "dark"]
HOLDS = {"clamshell": 2.0, "bridge": 2.0, "prone_hip_extension": 2.0}


def _script(exercise: str, side: str, faults=(), seed: int = 0, **kw) -> MotionScript:
    return MotionScript(exercise, reps=kw.pop("reps", 4), side=side, faults=tuple(faults), fps=SAMPLE_FPS,
                        hold_s=kw.pop("hold_s", HOLDS.get(exercise, 0.0) if side == "right" else 0.0),
                        seed=seed, **kw)


def sample_set() -> list[ClipSpec]:
    """The committed sample clips: the first four exercises (the rest: :func:`library_set`)."""
    specs: list[ClipSpec] = []
    for i, (exercise, motion) in enumerate(sorted((e, MOTIONS[e]) for e in ORIGINAL_MOTIONS)):
        side = "left" if i % 2 == 0 else "right"
        specs.append(ClipSpec(f"{exercise}_clean_{side}", _script(exercise, side, seed=i),
                              notes="clean, recommended view"))
        checked = {f.code for f in get_exercise(exercise).faults}
        for j, code in enumerate(motion.fault_codes):
            if code not in checked:  # declared not_checked: a clip of it would test nothing
                continue
            fside = "right" if (i + j) % 2 == 0 else "left"
            specs.append(ClipSpec(f"{exercise}_{code}_{fside}",
                                  _script(exercise, fside, [FaultInjection(code, reps=(2, 3))], seed=10 * i + j),
                                  shirt=SHIRTS[(i + j) % len(SHIRTS)], notes=f"{code} injected on reps 2 and 3"))
    specs += [
        ClipSpec("bridge_far_camera_left", _script("bridge", "left", seed=101), CameraSpec(distance_m=4.2),
                 notes="hard: far camera, small subject"),
        ClipSpec("bridge_oblique_right", _script("bridge", "right", seed=102), CameraSpec(view="oblique"),
                 notes="hard: oblique view"),
        ClipSpec("prone_hip_extension_dark_skin_left", _script("prone_hip_extension", "left", seed=103),
                 skin="dark", shirt=(0.85, 0.85, 0.85), shorts=(0.55, 0.45, 0.30),
                 notes="hard: darker skin, light shirt"),
        ClipSpec("clamshell_dark_clothes_right", _script("clamshell", "right", seed=104), skin="brown",
                 shirt=(0.10, 0.10, 0.10), shorts=(0.10, 0.10, 0.12), notes="hard: dark clothes"),
    ]
    return specs


def variation_set(copies: int = 5, seed: int = 0) -> list[ClipSpec]:
    """Every sample clip again ``copies`` times with random camera, colours, tempo and noise."""
    rng = np.random.default_rng(seed)
    out = []
    for base in sample_set():
        for k in range(copies):
            s = base.script
            tempo = float(rng.uniform(0.6, 1.5))
            script = replace(s, rise_s=round(s.rise_s * tempo, 2), lower_s=round(s.lower_s * tempo, 2),
                             rest_s=round(float(rng.uniform(0.4, 1.5)), 2),
                             rom_scale=round(float(rng.uniform(0.9, 1.15)), 2),
                             body_scale=round(float(rng.uniform(0.9, 1.1)), 2), seed=int(rng.integers(1e6)))
            camera = replace(base.camera, distance_m=round(float(rng.uniform(2.2, 3.6)), 2),
                             height_m=round(float(rng.uniform(0.25, 0.7)), 2))
            realism = Realism(noise_sigma=round(float(rng.uniform(0.5, 4.0)), 1),
                              blur_px=round(float(rng.uniform(0.0, 1.5)), 1),
                              jpeg_quality=int(rng.integers(50, 95)))
            out.append(replace(base, name=f"{base.name}_v{k}", script=script, camera=camera,
                               skin=SKINS[int(rng.integers(len(SKINS)))],
                               shirt=tuple(float(c) for c in np.round(rng.uniform(0.05, 0.9, 3), 2)),
                               realism=realism, notes=base.notes + f"; variation {k}"))
    return out


# --------------------------------------------------------------------------------------
# The rest of the catalogue (issue 6)

#: Tempo of the cyclic exercises (seconds down, seconds back): about 60-75 cycles a minute,
#: rowing at about 27 strokes a minute.
CYCLE_TEMPO = {"stationary_bike": (0.4, 0.4), "elliptical": (0.45, 0.45), "rowing_machine": (0.9, 1.3),
               "leg_swing": (0.55, 0.55), "banded_walk": (0.5, 0.5)}
#: Reps exercises whose seed prescribes a hold at the top (held on the right-side clips).
LIBRARY_HOLDS = {"standing_hip_extension": 2.0, "standing_hip_abduction": 2.0, "seated_hip_rotation": 2.0,
                 "pelvic_tilt": 2.0}


def library_script(exercise: str, side: str, faults=(), seed: int = 0, fps: float = SAMPLE_FPS,
                   **kw) -> MotionScript:
    """A labelled performance of any exercise beyond the first four, by its kind.

    Reps: 4 reps (faults on reps 2 and 3). Holds: 3 holds of 3 s (faults on hold 2).
    Cyclic: 6 back-to-back cycles at the exercise's usual tempo (faults on cycles 3 and 4).
    """
    motion = MOTIONS[exercise]
    base = dict(side=side, faults=tuple(faults), fps=fps, seed=seed)
    if motion.kind == "hold":
        base.update(reps=3, hold_s=3.0, rise_s=0.8, lower_s=0.8, rest_s=1.0)
    elif motion.kind == "cyclic":
        down, back = CYCLE_TEMPO.get(exercise, (0.5, 0.5))
        base.update(reps=6, rise_s=down, lower_s=back, rest_s=0.0)
    else:
        base.update(reps=4, hold_s=LIBRARY_HOLDS.get(exercise, 0.0) if side == "right" else 0.0)
    base.update(kw)
    return MotionScript(exercise, **base)


def library_faults(exercise: str, code: str) -> tuple[FaultInjection, ...]:
    kind = MOTIONS[exercise].kind
    reps = (2,) if kind == "hold" else ((3, 4) if kind == "cyclic" else (2, 3))
    return (FaultInjection(code, reps=reps),)


def library_set() -> list[ClipSpec]:
    """Clips for the other 24 exercises: a clean clip and one per scripted fault, sides alternating."""
    specs: list[ClipSpec] = []
    others = sorted(e for e in MOTIONS if e not in ORIGINAL_MOTIONS)
    for i, exercise in enumerate(others):
        motion = MOTIONS[exercise]
        side = "left" if i % 2 == 0 else "right"
        specs.append(ClipSpec(f"{exercise}_clean_{side}", library_script(exercise, side, seed=200 + i),
                              notes=f"clean {motion.kind}, recommended view"))
        checked = {f.code for f in get_exercise(exercise).faults}
        for j, code in enumerate(motion.fault_codes):
            if code not in checked:  # declared not_checked: a clip of it would test nothing
                continue
            fside = "right" if (i + j) % 2 == 0 else "left"
            faults = library_faults(exercise, code)
            where = ", ".join(map(str, faults[0].reps))
            unit = {"hold": "hold", "cyclic": "cycles"}.get(motion.kind, "reps")
            specs.append(ClipSpec(f"{exercise}_{code}_{fside}",
                                  library_script(exercise, fside, faults, seed=300 + 10 * i + j),
                                  shirt=SHIRTS[(i + j) % len(SHIRTS)], notes=f"{code} injected on {unit} {where}"))
    return specs
