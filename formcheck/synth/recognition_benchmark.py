"""The recognition benchmark: short rendered clips of every exercise, for ``--exercise auto`` (issue 17).

The recogniser is trained on synthetic landmark tracks; whether it recognises what
MediaPipe makes of a video is only known from rendered video. Each clip here is one
exercise on a random side, filmed from near its recommended view (turned by up to
``MAX_AZIMUTH_DEG``, 2-3.6 m away, the lens near the recommended height), with a random
body, tempo, range, colours and sensor noise, and kept short (3 reps, one hold or about
eight cycles) so that the whole set renders in well under an hour on one core.

Two seeds: ``TUNE_SEED`` clips may be used to choose features or thresholds;
``HOLDOUT_SEED`` clips are only ever scored. Only MediaPipe's landmark track of each clip
and a small truth file (exercise, side) are committed, under ``benchmarks/recognition/``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.synth.clip import ClipSpec, Realism
from formcheck.synth.generate import CameraSpec
from formcheck.synth.motion import MOTIONS, FaultInjection, MotionScript
from formcheck.synth.sets import CYCLE_TEMPO

TUNE_SEED = 1711
HOLDOUT_SEED = 1712
MAX_AZIMUTH_DEG = 20.0
FPS = 15.0
SKINS = ["light", "medium_light", "medium", "tan", "brown", "dark"]


def _colour(rng: np.random.Generator) -> tuple[float, float, float]:
    return tuple(float(c) for c in np.round(rng.uniform(0.05, 0.9, 3), 2))


def _kind_timing(exercise: str, rng: np.random.Generator) -> dict:
    """Reps, phases and pauses by the exercise's kind, short enough to render quickly (<= ~12 s)."""
    kind = MOTIONS[exercise].kind
    if kind == "hold":  # one hold of 4-7 s
        return dict(reps=1, hold_s=round(float(rng.uniform(4.0, 7.0)), 1), rise_s=round(float(rng.uniform(0.8, 1.4)), 2),
                    lower_s=round(float(rng.uniform(0.8, 1.4)), 2), rest_s=1.0)
    if kind == "cyclic":  # about eight back-to-back cycles at the exercise's usual tempo
        down, back = CYCLE_TEMPO.get(exercise, (0.5, 0.5))
        k = float(rng.uniform(0.8, 1.2))
        cycles = min(int(rng.integers(6, 10)), int(10.0 / ((down + back) * k)))  # rowing is slow: <= ~10 s
        return dict(reps=cycles, rise_s=round(down * k, 2), lower_s=round(back * k, 2), rest_s=0.0)
    tempo = float(rng.uniform(0.7, 1.3))
    hold = float(rng.choice([0.0, 0.0, round(float(rng.uniform(1.0, 2.0)), 1)]))
    return dict(reps=3, rise_s=round(0.9 * tempo, 2), lower_s=round(0.9 * tempo, 2), hold_s=hold,
                rest_s=round(float(rng.uniform(0.4, 1.0)), 2))


def recognition_spec(exercise: str, index: int, rng: np.random.Generator) -> ClipSpec:
    """One randomised clip of ``exercise``; its name ends with the true side (or ``both``)."""
    sided = MOTIONS[exercise].sided
    side = "left" if rng.random() < 0.5 else "right"
    script = MotionScript(exercise, side=side, fps=FPS, lead_in_s=round(float(rng.uniform(0.8, 1.5)), 2),
                          lead_out_s=0.8, rom_scale=round(float(rng.uniform(0.85, 1.15)), 2),
                          body_scale=round(float(rng.uniform(0.88, 1.12)), 2), seed=int(rng.integers(1e6)),
                          **_kind_timing(exercise, rng))
    height = MOTIONS[exercise].camera_height + float(rng.uniform(-0.15, 0.25))
    camera = CameraSpec(distance_m=round(float(rng.uniform(2.0, 3.6)), 2), height_m=round(max(height, 0.2), 2),
                        azimuth_deg=round(float(rng.uniform(-MAX_AZIMUTH_DEG, MAX_AZIMUTH_DEG)), 1))
    realism = Realism(noise_sigma=round(float(rng.uniform(0.5, 3.0)), 1),
                      blur_px=round(float(rng.uniform(0.0, 1.0)), 1), jpeg_quality=int(rng.integers(60, 95)))
    name = f"{exercise}_r{index:03d}_{side if sided else 'both'}"
    notes = (f"recognition benchmark: camera {camera.azimuth_deg:+.0f} deg off the {MOTIONS[exercise].view} view, "
             f"{camera.distance_m} m, lens {camera.height_m} m")
    return ClipSpec(name, script, camera, skin=SKINS[int(rng.integers(len(SKINS)))], shirt=_colour(rng),
                    shorts=_colour(rng), realism=realism, notes=notes)


def exercise_clip(seed: int, exercise: str, index: int) -> ClipSpec:
    """Clip ``index`` of ``exercise`` in the set of ``seed`` (the same clip whatever else is rendered)."""
    return recognition_spec(exercise, index, np.random.default_rng([seed, index, sum(map(ord, exercise))]))


def fault_set(seed: int, exercise: str, fault: str, first_index: int, count: int) -> list[ClipSpec]:
    """``count`` clips of ``exercise`` with ``fault`` on rep 2 (rep 1 and 3 clean), numbered from
    ``first_index`` so they are other clips than the clean ones of the same seed; names end ``_<fault>``."""
    specs = []
    for k in range(first_index, first_index + count):
        spec = exercise_clip(seed, exercise, k)
        script = replace(spec.script, faults=(FaultInjection(fault, reps=(2,)),))
        specs.append(replace(spec, name=f"{spec.name}_{fault}", script=script))
    return specs


def recognition_set(seed: int, per_exercise: int = 2) -> list[ClipSpec]:
    """``per_exercise`` clips of every scripted exercise, clip k of every exercise before clip k+1
    (so a run cut short still covers every exercise); seeded per exercise and clip."""
    specs = []
    for k in range(per_exercise):
        for exercise in sorted(MOTIONS):
            specs.append(exercise_clip(seed, exercise, k))
    return specs
