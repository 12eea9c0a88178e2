"""Rendered, labelled exercise clips: video + ground-truth JSON from one motion script.

The truth file uses the same entry format as the hand labels of real clips (path,
exercise, complete_reps, reps, holds) plus injected faults and per-frame true joint
positions and key angles, so ``formcheck eval`` scores rendered and real clips alike.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from formcheck.rules.exercise import get_exercise
from formcheck.signals.measures import compute_signals
from formcheck.synth.camera import Camera
from formcheck.synth.generate import CameraSpec, TrackerNoise, place_camera, track_from_performance
from formcheck.synth.motion import MotionScript, Performance, perform

TRUTH_SUFFIX = ".truth.json"


@dataclass(frozen=True)
class Realism:
    """What a real phone camera adds to a clean render."""

    noise_sigma: float = 2.0  # sensor noise, grey levels
    blur_px: float = 0.0  # motion-like blur
    jpeg_quality: int | None = 80  # compression artefacts before encoding


@dataclass(frozen=True)
class ClipSpec:
    name: str
    script: MotionScript
    camera: CameraSpec = CameraSpec()
    skin: str = "medium"
    shirt: tuple[float, float, float] = (0.20, 0.35, 0.65)
    shorts: tuple[float, float, float] = (0.15, 0.15, 0.18)
    realism: Realism = Realism()
    notes: str = ""
    extra: dict = field(default_factory=dict)


def _round(a: np.ndarray, digits: int) -> list:
    return np.round(np.asarray(a, float), digits).tolist()


def truth_entry(spec: ClipSpec, perf: Performance, camera: Camera, video_name: str) -> dict:
    """Ground truth in the labels format, with per-frame joints and key angles."""
    exact = track_from_performance(perf, camera, TrackerNoise(pixel_sigma=0.0, world_sigma_m=0.0,
                                                              depth_sigma_m=0.0))
    exercise = get_exercise(perf.exercise)
    signals = compute_signals(exercise, exact)
    key = signals.values[exercise.key_signal][:, :, 0]
    return {
        "path": video_name,
        "exercise": perf.exercise,
        "view": spec.camera.view if spec.camera.view != "recommended" else exercise.view,
        "side": perf.side,
        "fps": spec.script.fps,
        "frames": len(perf.t_s),
        "duration_s": round(float(perf.t_s[-1]), 3),
        "complete_reps": len(perf.reps),
        "accept_counts": [],
        "reps": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in perf.reps],
        "holds": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in h.items()} for h in perf.holds],
        "faults": perf.faults,
        "notes": spec.notes,
        "script": asdict(spec.script),
        "camera": asdict(camera),
        "appearance": {"skin": spec.skin, "shirt": spec.shirt, "shorts": spec.shorts},
        "realism": asdict(spec.realism),
        "per_frame": {
            "t_s": _round(perf.t_s, 4),
            "image_xy_px": _round(exact.pixel_xy, 1),
            "world_xyz_m": _round(perf.joints3d, 3),
            "key_signal": exercise.key_signal,
            "key_value": _round(key, 2),
        },
    }


def render_clip(spec: ClipSpec, out_dir: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Render one clip into ``out_dir``: ``<name>.mp4`` and ``<name>.truth.json``."""
    import cv2

    from formcheck.synth.realism import apply_realism
    from formcheck.synth.render import SKIN_TONES, Appearance, BodyRenderer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    perf = perform(spec.script)
    camera = place_camera(perf, spec.camera)
    skin = SKIN_TONES.get(spec.skin, Appearance().skin)
    look = Appearance(skin=skin, shirt=spec.shirt, shorts=spec.shorts)
    video = out_dir / f"{spec.name}.mp4"
    tmp = out_dir / f".{spec.name}.partial.mp4"
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), spec.script.fps,
                             (camera.width, camera.height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {tmp}")
    rng = np.random.default_rng(spec.script.seed + 1000)
    try:
        with BodyRenderer(camera, look) as renderer:
            for k, joints in enumerate(perf.joints3d):
                frame = renderer.render(joints)
                r = spec.realism
                frame = apply_realism(frame, rng, noise_sigma=r.noise_sigma, blur_px=r.blur_px,
                                      jpeg_quality=r.jpeg_quality)
                writer.write(frame)
                if progress:
                    progress(k + 1, len(perf.joints3d))
    finally:
        writer.release()
    tmp.replace(video)
    write_truth(spec, out_dir, perf, camera)
    return video


def write_truth(spec: ClipSpec, out_dir: Path, perf: Performance | None = None,
                camera: Camera | None = None) -> Path:
    """Write ``<name>.truth.json`` (cheap: the motion script is replayed, nothing is rendered)."""
    perf = perf if perf is not None else perform(spec.script)
    camera = camera if camera is not None else place_camera(perf, spec.camera)
    entry = truth_entry(spec, perf, camera, f"{spec.name}.mp4")
    path = Path(out_dir) / f"{spec.name}{TRUTH_SUFFIX}"
    path.write_text(json.dumps(entry, separators=(",", ":")) + "\n")
    return path
