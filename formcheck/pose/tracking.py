"""Is the tracking good enough to trust the counts? Plain-language warnings with a fix.

Silent miscounting from a bad camera position is the most common complaint about such
tools, so the report says when the person was out of frame, poorly seen, seen from a view
the exercise cannot be judged from, or when the movement did not look like the exercise.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from formcheck.signals import geometry as geometry
from formcheck.rules.engine import ExerciseEngine
from formcheck.rules.exercise import Exercise
from formcheck.pose.landmarks import INDEX, KEY_JOINTS, PoseTrack
from formcheck.pose.view_check import camera_view, lying_view, view_guidance, view_ok, view_warning

__all__ = ["TrackingReport", "SetupStatus", "assess_tracking", "setup_check", "lying_view", "lying_facing",
           "expected_facing", "expects_lying"]

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


FACING_MARGIN = 0.08  # nose this far (in trunk lengths) above or below the ears: face up or down


def lying_facing(track: PoseTrack) -> str | None:
    """'up' (lying on the back), 'down' (face down) or None, for a body lying seen from the side.

    Seen from the side, a face turned to the ceiling puts the nose above the ears, a face
    turned to the floor puts it level with or below them. Measured in trunk lengths and only
    while the trunk lies roughly flat, so sitting, standing or side-lying bodies give None.
    """
    px = track.pixel_xy
    sh_mid = 0.5 * (px[:, INDEX["left_shoulder"]] + px[:, INDEX["right_shoulder"]])
    hip_mid = 0.5 * (px[:, INDEX["left_hip"]] + px[:, INDEX["right_hip"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where neither ear was seen: NaN
        ears = np.nanmean(np.stack([px[:, INDEX["left_ear"]], px[:, INDEX["right_ear"]]]), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        trunk = np.linalg.norm(sh_mid - hip_mid, axis=-1)
        flat = np.abs(geometry.segment_elevation(hip_mid, sh_mid)) < 30
        nose_below = (px[:, INDEX["nose"], 1] - ears[:, 1]) / trunk
    nose_below = np.where(flat, nose_below, np.nan)
    if np.isfinite(nose_below).sum() < max(5, 0.3 * len(track)):
        return None
    value = _median(nose_below)
    if value < -FACING_MARGIN:
        return "up"
    if value > FACING_MARGIN:
        return "down"
    return None


def expected_facing(exercise: Exercise) -> str | None:
    """'up' for exercises done on the back, 'down' for face-down ones, from their setup text.

    A stop-gap, like `expects_lying`, until exercises declare their start posture as data.
    """
    text = exercise.setup.lower()
    if "on your back" in text:
        return "up"
    if "face down" in text or "on your stomach" in text or "on your front" in text:
        return "down"
    return None


def _posture_warning(exercise: Exercise, track: PoseTrack) -> str | None:
    """The person lies face up for a face-down exercise (or the reverse): the wrong exercise chosen."""
    want = expected_facing(exercise)
    seen = lying_facing(track) if want else None
    if seen is None or seen == want:
        return None
    posture = {"up": "on your back", "down": "face down"}
    return (f"You seem to be lying {posture[seen]}, but a {exercise.name.lower()} is done lying "
            f"{posture[want]}: check the exercise chosen. {_first_sentence(exercise.setup)}")


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
    seen_view = camera_view(track)
    report.view_ok = view_ok(exercise.view, seen_view)
    if report.view_ok is False:  # first: every count and form check below rests on the view
        w.insert(0, view_warning(exercise, seen_view))
    posture = _posture_warning(exercise, track)
    if posture:
        w.append(posture)
    if engine is not None and exercise.kind == "reps" and not engine.reps and not engine.cut_short and n_pose > 0:
        w.append(f"No repetitions were found: the movement does not look like a {exercise.name.lower()} "
                 "from this camera view. Check the exercise chosen and the camera position.")
    if engine is not None and exercise.kind == "cyclic" and not engine.reps and n_pose > 0:
        w.append(f"No cycles were found: the movement does not look like {exercise.name.lower()} "
                 "from this camera view. Check the exercise chosen and the camera position.")
    if engine is not None and exercise.kind == "hold" and not engine.holds and n_pose > 0:
        w.append(f"No hold was found: the position does not look like a {exercise.name.lower()} "
                 "from this camera view. Check the exercise chosen and the camera position.")
    return report


# ---------------------------------------------------------------------------------------------
# Live setup check: the same judgements as above, on the last half second, before counting starts


@dataclass
class SetupStatus:
    """Whether the camera set-up lets the engine count, and if not what to do, in plain words."""

    ok: bool
    message: str | None = None  # guidance for the person when not ok
    side: str | None = None  # working side seen (the upper leg of a side-lying body), if any


_EDGE = 0.01  # a joint this close to the image border is taken as outside it
_MIN_EXTENT = 0.15  # key joints spanning less of the image than this: too far away
_ALONG_BODY = 0.7  # trunk shorter than this x body width: seen from the head or feet
_FEET = {"knee", "ankle"}
_HEAD_END = {"shoulder"}


def expects_lying(exercise: Exercise) -> bool:
    """The built-in exercises are all done lying down; their setup text says so.

    A stop-gap until exercises declare their start posture as data.
    """
    text = exercise.setup.lower()
    return text.startswith("lie ") or " lie " in text or "lying" in text


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "."


def setup_check(exercise: Exercise, window: PoseTrack, framing_only: bool = False) -> SetupStatus:
    """Can counting start? Judged on a short window of recent raw frames (e.g. 0.5 s).

    The first problem found is the one reported, so the person fixes one thing at a time:
    seen at all, whole body inside the picture, seen clearly, lying down (lying exercises) and
    seen from the view the exercise needs (every exercise; not along the body from the head or
    feet, where MediaPipe fails: NOTES), not too far away. For a side-lying exercise the upper
    leg is the working side.
    ``framing_only`` stops after the framing checks (seen, inside the picture, seen clearly):
    once counting runs, the posture changes during a rep (a bridge lifts the trunk).
    """
    setup = _first_sentence(exercise.setup)
    det = window.detected & np.isfinite(window.image_xyz[:, :, 0]).any(axis=1)
    if len(window) == 0 or det.mean() < 0.5:
        return SetupStatus(False, f"We can't see you yet. {setup}")
    track = _only(window, det)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a joint never seen in the window
        med = np.nanmedian(track.image_xyz[:, _KEY, :2], axis=0)  # (8, 2) key joints, normalised
        vis = float(np.nanmean(track.visibility[:, _KEY]))
    outside = ~np.isfinite(med).all(axis=1) | (med < _EDGE).any(axis=1) | (med > 1 - _EDGE).any(axis=1)
    parts = {KEY_JOINTS[i].split("_", 1)[1] for i in np.nonzero(outside)[0]}
    if parts & _FEET and parts & _HEAD_END:
        return SetupStatus(False, "Move the camera further away so your whole body is in view.")
    if parts & _FEET:
        return SetupStatus(False, "Move back so your feet are in view.")
    if parts:
        return SetupStatus(False, "Move back so your head and shoulders are in view.")
    if not vis >= 0.4:
        return SetupStatus(False, "We can't see you clearly: add light and keep your whole body in view.")
    if framing_only:
        return SetupStatus(True)
    problem, side = (_lying_start(exercise, track, setup) if expects_lying(exercise)
                     else (_view_problem(exercise, track), None))
    if problem:
        return SetupStatus(False, problem)
    w, h = window.image_size
    extent = (np.nanmax(med, axis=0) - np.nanmin(med, axis=0)) * np.array([w, h])
    if extent.max() < _MIN_EXTENT * max(w, h):
        return SetupStatus(False, "Come closer to the camera: you look very small in the picture.")
    return SetupStatus(True, None, side)


def _lying_start(exercise: Exercise, track: PoseTrack, setup: str) -> tuple[str | None, str | None]:
    """A lying exercise's start checks: (guidance or None, working side seen or None).

    Lying down, and seen from the view the exercise needs; for a side-lying exercise seen from
    the front, the upper leg is the working side.
    """
    px = track.pixel_xy
    turn = ("Turn so you face the camera, lying on your side." if exercise.view == "front"
            else "Turn so the camera sees you from the side.")
    elevation, foreshortening = _trunk_shape(px)
    if foreshortening < _ALONG_BODY:
        return view_guidance(exercise, "end", turn), None  # seen from the head or the feet
    if not elevation < 40:
        return f"Get into the start position: {setup[0].lower()}{setup[1:]}", None
    seen = lying_view(track)
    if exercise.view in ("side", "front") and seen != exercise.view:
        return view_guidance(exercise, seen, turn), None
    if exercise.sided and exercise.view == "front":
        upper_left = _median(px[:, INDEX["left_hip"], 1]) < _median(px[:, INDEX["right_hip"], 1])
        return None, "left" if upper_left else "right"
    return None, None


def _view_problem(exercise: Exercise, track: PoseTrack) -> str | None:
    """Standing, kneeling, seated and cyclic exercises: guidance when the view is clearly wrong.

    Only a clear verdict stops counting (`view_ok` False); a half-turned body passes.
    """
    seen = camera_view(track)
    return view_guidance(exercise, seen) if view_ok(exercise.view, seen) is False else None


def _trunk_shape(px: np.ndarray) -> tuple[float, float]:
    """Median trunk elevation (degrees) and trunk length over body width in the image.

    A body seen along its length (from the head or feet) has a short trunk next to its width.
    """
    ls, rs = px[:, INDEX["left_shoulder"]], px[:, INDEX["right_shoulder"]]
    lh, rh = px[:, INDEX["left_hip"]], px[:, INDEX["right_hip"]]
    sh_mid, hip_mid = 0.5 * (ls + rs), 0.5 * (lh + rh)
    with np.errstate(invalid="ignore", divide="ignore"):
        elevation = np.abs(geometry.segment_elevation(hip_mid, sh_mid))
        width = np.maximum(np.linalg.norm(ls - rs, axis=-1), np.linalg.norm(lh - rh, axis=-1))
        ratio = np.linalg.norm(sh_mid - hip_mid, axis=-1) / width
    return _median(elevation), _median(ratio)


def _only(track: PoseTrack, rows: np.ndarray) -> PoseTrack:
    return PoseTrack(track.t_s[rows], track.image_xyz[rows], track.world_xyz[rows], track.visibility[rows],
                     track.presence[rows], track.image_size, track.detected[rows])
