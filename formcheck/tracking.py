"""Is the tracking good enough to trust the counts? Plain-language warnings with a fix.

Silent miscounting from a bad camera position is the most common complaint about such
tools, so the report says when the person was out of frame, poorly seen, seen from a view
the exercise cannot be judged from, or when the movement did not look like the exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import geometry
from .engine import ExerciseEngine
from .exercise import Exercise
from .landmarks import INDEX, KEY_JOINTS, PoseTrack

_KEY = [INDEX[n] for n in KEY_JOINTS]


@dataclass
class TrackingReport:
    frames: int
    frames_with_pose: int
    mean_visibility: float
    view_ok: bool | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"frames": self.frames, "frames_with_pose": self.frames_with_pose,
                "mean_visibility": round(self.mean_visibility, 3), "view_ok": self.view_ok,
                "warnings": list(self.warnings)}


def _median(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else float("nan")


def lying_view(track: PoseTrack) -> str | None:
    """'side' or 'front' for a person lying down, None when not lying or unclear.

    Seen from the side, a supine or prone body shows its hips one behind the other (a short
    hip line); seen from the front, a side-lying body shows its hips stacked one above the
    other (a hip line about 0.4 trunk lengths long, near vertical).
    """
    px = track.pixel_xy
    hip_l, hip_r = px[:, INDEX["left_hip"]], px[:, INDEX["right_hip"]]
    sh_mid = 0.5 * (px[:, INDEX["left_shoulder"]] + px[:, INDEX["right_shoulder"]])
    hip_mid = 0.5 * (hip_l + hip_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        trunk = np.linalg.norm(sh_mid - hip_mid, axis=-1)
        axis_elev = np.abs(geometry.segment_elevation(hip_mid, sh_mid))
        hip_ratio = np.linalg.norm(hip_l - hip_r, axis=-1) / trunk
        hip_elev = np.abs(geometry.segment_elevation(hip_l, hip_r))
    if not _median(axis_elev) < 40:
        return None
    ratio, elev = _median(hip_ratio), _median(hip_elev)
    if ratio < 0.22:
        return "side"
    if elev > 45:
        return "front"
    return None


def assess_tracking(exercise: Exercise, track: PoseTrack, engine: ExerciseEngine | None = None) -> TrackingReport:
    n = len(track)
    det = track.detected
    n_pose = int(det.sum())
    vis = track.visibility[det][:, _KEY] if n_pose else np.zeros((0, len(_KEY)))
    report = TrackingReport(n, n_pose, float(vis.mean()) if vis.size else 0.0, None)
    w = report.warnings
    if n == 0:
        w.append("The video has no frames.")
        return report
    if n_pose == 0:
        w.append("No person was found in any frame: make sure your whole body is in view, well lit, "
                 "and not too far from the camera.")
        return report
    missing = 1.0 - n_pose / n
    if missing > 0.1:
        w.append(f"No person was found in {missing:.0%} of the frames: keep your whole body in view "
                 "for the whole set.")
    xy = track.image_xyz[det][:, _KEY, :2]
    outside = ((xy < -0.02) | (xy > 1.02)).any(axis=-1).mean(axis=0)
    out_names = sorted({KEY_JOINTS[i].split("_", 1)[1] for i in np.nonzero(outside > 0.2)[0]})
    if out_names:
        w.append(f"Your {', '.join(out_names)} were outside the picture for part of the session: move the "
                 "camera back or turn it so your whole body is in view.")
    if report.mean_visibility < 0.5:
        w.append("Your body was poorly seen (low landmark confidence): add light, avoid clothes the colour "
                 "of the background, and keep the camera steady.")
    if engine is not None:
        for start, end in engine.gaps:
            w.append(f"Tracking was lost from {start:.1f} s to {end:.1f} s; reps in that time may be missed.")
    seen_view = lying_view(track.slice(0, n))
    if exercise.view in ("side", "front") and seen_view is not None:
        report.view_ok = seen_view == exercise.view
        if not report.view_ok:
            w.append(f"The camera seems to see you from the {seen_view}, but a {exercise.name.lower()} is judged "
                     f"from the {exercise.view}: {exercise.setup}")
    if engine is not None and exercise.kind == "reps" and not engine.reps and n_pose > 0:
        w.append(f"No repetitions were found: the movement does not look like a {exercise.name.lower()} "
                 "from this camera view. Check the exercise chosen and the camera position.")
    return report
