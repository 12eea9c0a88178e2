"""Which physical leg works, whatever MediaPipe calls it: side cues that do not trust left/right labels.

MediaPipe swaps the left/right labels of the legs between reps (NOTES: a side view of
one-legged kicks), so "the landmark labelled left moved" is not "the left leg moved".
What does not depend on the labels:

* the body's orientation in the image, from midpoints (shoulders, hips, ears, heels, toes)
  whose value is the same whichever way the labels go: the head direction along the trunk
  and the anterior direction (the nose ahead of the ears, the toes ahead of the heels);
* for a body seen from the side, which of the two legs is nearer the camera (lower depth,
  better seen) - a property of the landmark's place, not of its name;
* for a body seen from the front (side-lying), which leg is on top.

From the orientation follows which side of the body faces the camera (seen from the side)
or which way is the body's left in the image (seen from the front); with the moving leg's
near/far or top/bottom place, that names the working side.

Cue columns per frame (``side_cues``): ``LEFT_NEAR`` (+1: the body's left faces the
camera, -1: its right; in between when unsure), ``LEFT_X``/``LEFT_Y`` (unit image direction
of the body's left for a body facing the camera), then the named-left and named-right side
joint's depth and visibility.
"""

from __future__ import annotations

import warnings

import numpy as np

from formcheck.pose.landmarks import INDEX, PoseTrack

LEFT_NEAR, LEFT_X, LEFT_Y, Z_LEFT, Z_RIGHT, VIS_LEFT, VIS_RIGHT = range(7)
CUE_COLUMNS = 7


def _mid(px: np.ndarray, base: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # neither side seen: NaN
        return np.nanmean(np.stack([px[:, INDEX[f"left_{base}"]], px[:, INDEX[f"right_{base}"]]]), axis=0)


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _across(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The part of ``v`` across the unit ``axis``."""
    return v - np.sum(v * axis, axis=-1, keepdims=True) * axis


def side_cues(track: PoseTrack, joint: str = "knee") -> np.ndarray:
    """(T, 7) label-free orientation cues and the side joints' depth and visibility (see module doc)."""
    px = track.pixel_xy
    trunk = _mid(px, "shoulder") - _mid(px, "hip")
    head = _unit(trunk)
    # The nose sits ahead of the ears, the toes ahead of the heels: each offset across the
    # trunk, in trunk lengths, votes for the anterior side; the face counts more (feet can
    # point down or back when lying face down).
    size = np.linalg.norm(trunk, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        face = _across(px[:, INDEX["nose"]] - _mid(px, "ear"), head) / size
        feet = _across(_mid(px, "foot_index") - _mid(px, "heel"), head) / size
    votes = np.stack([face, 0.5 * feet])
    anterior = np.nansum(votes, axis=0)
    anterior[~np.isfinite(votes).all(axis=2).any(axis=0)] = np.nan
    cues = np.full((len(track), CUE_COLUMNS), np.nan)
    # The body's left faces the camera when (anterior x head) > 0 in image coordinates
    # (x right, y down): derived from left = dorsal x head with the camera on +z. In
    # trunk lengths: about 0.1 or more is a clear answer.
    cues[:, LEFT_NEAR] = anterior[:, 0] * head[:, 1] - anterior[:, 1] * head[:, 0]
    # Facing the camera, the body's left in the image is the head direction turned a quarter.
    cues[:, LEFT_X] = -head[:, 1]
    cues[:, LEFT_Y] = head[:, 0]
    a, b = INDEX[f"left_{joint}"], INDEX[f"right_{joint}"]
    cues[:, Z_LEFT], cues[:, Z_RIGHT] = track.image_xyz[:, a, 2], track.image_xyz[:, b, 2]
    cues[:, VIS_LEFT], cues[:, VIS_RIGHT] = track.visibility[:, a], track.visibility[:, b]
    return cues


def _nanmedian(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else float("nan")


def physical_side(cues: np.ndarray, moving: int, view: str, xy: np.ndarray | None = None) -> str | None:
    """The working side of a rep from its frames' cues (N, 7), given the named channel that moved.

    ``view`` "front": the moving joint's place along the body's left direction, against the
    other joint (``xy``: (2, [J,] 2) side joint pixels at the peak, named left then right).
    Otherwise (seen from the side): the moving joint is near when it is nearer the camera
    and better seen than the other, and the side facing the camera says which side that is.
    None when the cues cannot tell (the caller keeps the labels' answer).
    """
    if not len(cues) or view not in ("front", "side"):
        return None
    if view == "front":
        if xy is None or not np.isfinite(xy).all():
            return None
        left_dir = np.array([_nanmedian(cues[:, LEFT_X]), _nanmedian(cues[:, LEFT_Y])])
        apart = np.asarray(xy[moving] - xy[1 - moving], float).reshape(-1, 2).mean(axis=0)
        along = float(np.dot(apart, left_dir))
        if not np.isfinite(along) or abs(along) < 1.0:
            return None
        return "left" if along > 0 else "right"
    left_near = _nanmedian(cues[:, LEFT_NEAR])
    z = cues[:, [Z_LEFT, Z_RIGHT]]
    vis = cues[:, [VIS_LEFT, VIS_RIGHT]]
    nearer = _nanmedian(z[:, 1 - moving] - z[:, moving]) / 0.05 + _nanmedian(vis[:, moving] - vis[:, 1 - moving]) / 0.1
    if not np.isfinite(left_near) or abs(left_near) < 0.03 or not np.isfinite(nearer) or abs(nearer) < 0.5:
        return None
    moving_is_near = nearer > 0
    return "left" if moving_is_near == (left_near > 0) else "right"
