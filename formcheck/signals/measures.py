"""Turn cleaned landmarks into an exercise's declared signals (angles, tilts, ratios).

Each signal comes out as an array (T, S, K): T frames, S = 1 for a single value or 2 for
(left, right) when the exercise follows the working side, K = 1 for scalars (2 for
positions). The engine picks the side; this module only measures.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from formcheck.signals import geometry as geometry
from formcheck.rules.exercise import Exercise, Signal
from formcheck.pose.landmarks import INDEX, PoseTrack
from formcheck.signals.body_side import side_cues

SIDE_NAMES = ("left", "right")
_TRUNK = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
_OTHER = {"left": "right", "right": "left"}

_MEASURE_FUNCS = {
    "angle": geometry.joint_angle,
    "floor_angle": geometry.floor_side_angle,
    "ceiling_angle": geometry.ceiling_side_angle,
    "elevation": geometry.segment_elevation,
    "between": geometry.segment_angle,
    "ratio": geometry.distance_ratio,
    "depth_tilt": geometry.depth_tilt,
    "position": geometry.position_in,
    "body_roll": geometry.body_roll,
    "angle_3d": geometry.joint_angle,
    "swing": geometry.segment_swing,
    "height": geometry.height_above,
    "tilt": geometry.line_tilt,
    "least_angle": geometry.least_angle,
}
_WORLD_MEASURES = {"depth_tilt", "body_roll", "angle_3d"}
# Image positions measured from the picture's centre instead of its corner (issue 14). A
# position is divided by a body length that changes a little frame to frame (MediaPipe's hip
# landmarks slide along the thigh as a knee opens); counted from the corner, a 5 % change in
# that length moved a clamshell's hips by 0.2 trunk lengths with the hips still. From the
# centre, where the camera is aimed, the same change moves them by a few hundredths.
_CENTRED_MEASURES = {"position"}
# Image angles and the segments (index pairs into the signal's points) whose direction they
# read: a frame where one is foreshortened to nearly nothing gives no value (issue 14: a
# thigh pointing at the camera flipped a swing between -3 and 173 degrees and counted cycles).
_ANGLE_SEGMENTS = {
    "angle": ((1, 0), (1, 2)), "floor_angle": ((1, 0), (1, 2)), "ceiling_angle": ((1, 0), (1, 2)),
    "elevation": ((0, 1),), "swing": ((0, 1),), "between": ((0, 1), (2, 3)), "tilt": ((0, 1), (2, 3)),
}


@dataclass
class SignalSet:
    """All signals of one exercise over a track: name -> (T, S, K)."""

    t_s: np.ndarray
    values: dict[str, np.ndarray]
    visibility: dict[str, np.ndarray]  # name -> (T, S): how well the points were seen
    side_joint_xy: np.ndarray  # (T, 2, 2) pixels of the left/right joint that names the side
    side_cues: np.ndarray | None = None  # (T, 7) label-free side cues (formcheck.signals.body_side)

    def __len__(self) -> int:
        return len(self.t_s)


def _point(coords: np.ndarray, vis: np.ndarray, name: str, side: str | None):
    """Coordinates and visibility of a possibly side-relative landmark name."""
    if name in INDEX:
        i = INDEX[name]
        return coords[:, i], vis[:, i]
    if name.endswith("_mid"):
        base = name.removesuffix("_mid")
        a, b = INDEX[f"left_{base}"], INDEX[f"right_{base}"]
        return 0.5 * (coords[:, a] + coords[:, b]), np.minimum(vis[:, a], vis[:, b])
    if name.startswith("other_"):
        i = INDEX[f"{_OTHER[side]}_{name.removeprefix('other_')}"]
        return coords[:, i], vis[:, i]
    i = INDEX[f"{side}_{name}"]
    return coords[:, i], vis[:, i]


def _measure(sig: Signal, coords: np.ndarray, vis: np.ndarray, side: str | None):
    pts = [_point(coords, vis, name, side) for name in sig.points]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = _MEASURE_FUNCS[sig.measure](*[p[0] for p in pts])
    seen = np.min(np.stack([p[1] for p in pts]), axis=0)
    value = np.asarray(value, float)
    if value.ndim == 1:
        value = value[:, None]
    value[~np.isfinite(value)] = np.nan
    if sig.measure in _ANGLE_SEGMENTS:
        size = geometry.body_size(*(coords[:, INDEX[n]] for n in _TRUNK))
        least = geometry.MIN_PENDULUM if sig.measure == "swing" else geometry.MIN_SEGMENT
        value[geometry.too_short([p[0] for p in pts], _ANGLE_SEGMENTS[sig.measure], size, least)] = np.nan
    return value, seen


def compute_signal(sig: Signal, track: PoseTrack) -> tuple[np.ndarray, np.ndarray]:
    """One signal over a track: values (T, S, K) and visibility (T, S)."""
    coords = track.world_xyz if sig.measure in _WORLD_MEASURES else track.pixel_xy
    if sig.measure in _CENTRED_MEASURES:
        coords = coords - 0.5 * np.asarray(track.image_size, float)
    vis = track.visibility
    if sig.sides == "none":
        v, s = _measure(sig, coords, vis, None)
        return v[:, None], s[:, None]
    per_side = [_measure(sig, coords, vis, side) for side in SIDE_NAMES]
    values = np.stack([p[0] for p in per_side], axis=1)
    seen = np.stack([p[1] for p in per_side], axis=1)
    if sig.sides == "working":
        return values, seen
    if sig.sides == "near":
        return _nearer_side(values, seen)
    # "visible": both sides measure the same thing; trust the better-seen side more.
    w = np.clip(seen, 1e-3, 1.0) ** 2
    w = np.where(np.isnan(values[..., 0]), 0.0, w)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(values * w[..., None], axis=1) / total[:, None]
    mean[total <= 0] = np.nan
    return mean[:, None], seen.max(axis=1)[:, None]


def _nearer_side(values: np.ndarray, seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The side nearer the camera (better seen) over the whole track given, as one value.

    For bilateral movements whose two sides move out of phase (pedalling, an elliptical
    stride): a mean of the sides would cancel the movement, and switching sides frame by
    frame would jump between the legs. Offline the choice is made once per track (the side
    with the higher median visibility); the live loop passes one frame at a time, so there
    it is made per frame. Ties go to the left.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a side never seen
        score = np.nanmedian(np.where(np.isnan(values[..., 0]), np.nan, seen), axis=0)
    score = np.where(np.isfinite(score), score, -1.0)
    ch = 1 if score[1] > score[0] else 0
    return values[:, ch:ch + 1], seen[:, ch:ch + 1]


def compute_signals(exercise: Exercise, track: PoseTrack) -> SignalSet:
    values, visibility = {}, {}
    for name, sig in exercise.signals.items():
        values[name], visibility[name] = compute_signal(sig, track)
    joint = exercise.rep.side_joint if exercise.rep else "knee"
    px = track.pixel_xy
    # The side joint only: MediaPipe swaps labels joint by joint too (a raised ankle named
    # left while its knee is named right), so adding the ankle's travel misleads.
    side_xy = np.stack([px[:, INDEX[f"left_{joint}"]], px[:, INDEX[f"right_{joint}"]]], axis=1)
    return SignalSet(track.t_s, values, visibility, side_xy, side_cues(track, joint))
