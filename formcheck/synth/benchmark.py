"""The fault benchmark: many randomised rendered clips of the rep exercises, split by seed.

Each clip is one exercise, one side, and either clean or one fault acted out on rep 2 of 3,
so reps 1 and 3 of every clip test that a fault is not flagged on clean reps. The camera
is placed the way a person at home would: the recommended view turned by up to
``MAX_AZIMUTH_DEG`` about the vertical, 1.8-4 m away, lens 0.2-1.0 m up; bodies, clothes,
tempo, range of motion, hold at the top and sensor noise vary too.

The tuning set (``seed=TUNE_SEED``) is where thresholds may be chosen; the held-out set
(``seed=HOLDOUT_SEED``) is only ever scored. Only MediaPipe's landmark track of each clip
and a slim truth file are committed (``benchmarks/faults/``), so ``formcheck eval`` re-scores
the rules on real detector output in seconds.
"""

from __future__ import annotations

import numpy as np

from formcheck.rules.exercise import get_exercise
from formcheck.synth.clip import ClipSpec, Realism
from formcheck.synth.generate import CameraSpec
from formcheck.synth.motion import FaultInjection, MotionScript

TUNE_SEED = 1401
HOLDOUT_SEED = 1402
#: The rep exercises with scripted faults.
EXERCISES = ("bridge", "clamshell", "prone_hip_extension", "side_lying_hip_abduction")
MAX_AZIMUTH_DEG = 60.0
SKINS = ["light", "medium_light", "medium", "tan", "brown", "dark"]


def _faults(exercise: str) -> list[str]:
    """The faults the exercise checks and the renderer can act out, plus ``clean``."""
    from formcheck.synth.motion import MOTIONS

    checked = {f.code for f in get_exercise(exercise).faults}
    return ["clean", *(c for c in MOTIONS[exercise].fault_codes if c in checked)]


def _colour(rng: np.random.Generator) -> tuple[float, float, float]:
    return tuple(float(c) for c in np.round(rng.uniform(0.05, 0.9, 3), 2))


def _frame_rate(index: int, seed: int) -> float:
    """24 fps for the first clips, then 15 or 20, later 12 or 15 (webcams and phones in low light).

    Drawn from a generator of its own, so every other draw, and so every clip's name, stays
    what it was before frame rates varied.
    """
    if index < 10:
        return 24.0
    rates = [15.0, 20.0] if index < 24 else [12.0, 15.0]  # from clip 24 on: render time on a shared machine
    return float(np.random.default_rng([seed, index]).choice(rates))


def benchmark_spec(exercise: str, fault: str, index: int, rng: np.random.Generator, seed: int = 0) -> ClipSpec:
    """One randomised clip: ``fault`` (or ``clean``) on rep 2 of 3, everything else drawn from ``rng``."""
    side = "left" if rng.random() < 0.5 else "right"
    tempo = float(rng.uniform(0.7, 1.4))
    hold_s = float(rng.choice([0.0, 0.0, round(float(rng.uniform(1.0, 3.0)), 1)]))
    faults = () if fault == "clean" else (FaultInjection(fault, reps=(2,)),)
    script = MotionScript(exercise, reps=3, side=side, faults=faults, fps=_frame_rate(index, seed),
                          rise_s=round(0.9 * tempo, 2), lower_s=round(0.9 * tempo, 2), hold_s=hold_s,
                          rest_s=round(float(rng.uniform(0.5, 1.3)), 2), lead_in_s=1.0, lead_out_s=0.8,
                          rom_scale=round(float(rng.uniform(0.85, 1.15)), 2),
                          body_scale=round(float(rng.uniform(0.88, 1.12)), 2), seed=int(rng.integers(1e6)))
    # Most home set-ups are near the recommended view; a quarter are well off it.
    spread = 25.0 if rng.random() < 0.75 else MAX_AZIMUTH_DEG
    camera = CameraSpec(distance_m=round(float(rng.uniform(1.8, 4.0)), 2),
                        height_m=round(float(rng.uniform(0.2, 1.0)), 2),
                        azimuth_deg=round(float(rng.uniform(-spread, spread)), 1))
    realism = Realism(noise_sigma=round(float(rng.uniform(0.5, 4.0)), 1),
                      blur_px=round(float(rng.uniform(0.0, 1.5)), 1), jpeg_quality=int(rng.integers(50, 95)))
    name = f"{exercise}_{fault}_{side}_b{index:03d}"
    notes = (f"benchmark: {fault} on rep 2 of 3; camera {camera.azimuth_deg:+.0f} deg off the view, "
             f"{camera.distance_m} m, lens {camera.height_m} m")
    return ClipSpec(name, script, camera, skin=SKINS[int(rng.integers(len(SKINS)))], shirt=_colour(rng),
                    shorts=_colour(rng), realism=realism, notes=notes,
                    extra={"azimuth_deg": camera.azimuth_deg, "benchmark_seed": None})


def benchmark_set(seed: int, clips: int) -> list[ClipSpec]:
    """``clips`` randomised clips cycling through every (exercise, fault) pair, in a seeded order."""
    rng = np.random.default_rng(seed)
    pairs = [(e, f) for e in EXERCISES for f in _faults(e)]
    specs = []
    for i in range(clips):
        exercise, fault = pairs[i % len(pairs)]
        spec = benchmark_spec(exercise, fault, i, rng, seed)
        spec.extra["benchmark_seed"] = seed
        specs.append(spec)
    return specs
