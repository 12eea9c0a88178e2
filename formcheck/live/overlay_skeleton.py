"""The body on the overlay: the skeleton, and the key angle written at the joint it is measured at.

The skeleton shows what the pose model sees (left side orange, right side sky blue), so the
person can tell at a glance when a limb is lost; the key angle sits beside its joint, pushed
away from the body so it never covers a limb.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.live.overlay_style import (AA, LEFT_COLOUR, MIDDLE_COLOUR, RIGHT_COLOUR, SIDE_COLOURS, TEXT,
                                          Style, panel, put_text, text_size)
from formcheck.pose.landmarks import INDEX, LANDMARK_NAMES as _NAMES, SKELETON
from formcheck.rules.engine import SIDES
from formcheck.rules.exercise import Exercise

_BONES = [(INDEX[a], INDEX[b]) for a, b in SKELETON]
_BONE_COLOURS = [LEFT_COLOUR if a.startswith("left") and b.startswith("left")
                 else RIGHT_COLOUR if a.startswith("right") and b.startswith("right") else MIDDLE_COLOUR
                 for a, b in SKELETON]
_JOINTS = sorted({i for bone in _BONES for i in bone})


def draw_skeleton(image: np.ndarray, landmarks_px: np.ndarray, style: Style) -> None:
    """Bones (left orange, right blue, middle white) and joints, skipping unseen points."""
    pts = np.asarray(landmarks_px, float)
    ok = np.isfinite(pts).all(axis=1)
    ipts = np.zeros((len(pts), 2), np.int32)
    ipts[ok] = np.round(pts[ok]).astype(np.int32)
    outline = style.line + 2
    for (a, b), colour in zip(_BONES, _BONE_COLOURS):
        if ok[a] and ok[b]:
            cv2.line(image, tuple(ipts[a]), tuple(ipts[b]), (20, 20, 20), outline, AA)
    for (a, b), colour in zip(_BONES, _BONE_COLOURS):
        if ok[a] and ok[b]:
            cv2.line(image, tuple(ipts[a]), tuple(ipts[b]), colour, style.line, AA)
    r = style.line + 2
    for i in _JOINTS:
        if ok[i]:
            name = _NAMES[i]
            colour = SIDE_COLOURS.get(name.split("_", 1)[0], MIDDLE_COLOUR)
            cv2.circle(image, tuple(ipts[i]), r, colour, -1, AA)
            cv2.circle(image, tuple(ipts[i]), r, (20, 20, 20), 1, AA)


def _resolve(name: str, side: str, pts: np.ndarray) -> np.ndarray:
    """Pixel position of a possibly side-relative point name (``knee``, ``hip_mid``, ``other_ankle``)."""
    if name in INDEX:
        return pts[INDEX[name]]
    if name.endswith("_mid"):
        base = name.removesuffix("_mid")
        return 0.5 * (pts[INDEX[f"left_{base}"]] + pts[INDEX[f"right_{base}"]])
    if name.startswith("other_"):
        other = "right" if side == "left" else "left"
        return pts[INDEX[f"{other}_{name.removeprefix('other_')}"]]
    return pts[INDEX[f"{side}_{name}"]]


def key_anchor(exercise: Exercise, landmarks_px: np.ndarray) -> np.ndarray | None:
    """Where to write the key angle: at the joint it is measured at.

    The vertex for three-point angles, the moving end's joint for two-point ones, between the
    two segments' far ends for angles between segments. A side-relative signal is shown on
    the side that is higher in the image: the lifted leg, or the upper leg lying on the side.
    """
    sig = exercise.signals.get(exercise.key_signal)
    if sig is None:
        return None
    pts = np.asarray(landmarks_px, float)

    def anchor(side: str) -> np.ndarray:
        p = [_resolve(n, side, pts) for n in sig.points]
        if len(p) == 4:
            return 0.5 * (p[1] + p[3])
        if len(p) == 3:
            return p[1]
        return p[-1] if len(p) == 2 else p[0]

    options = [anchor(side) for side in SIDES]
    options = [a for a in options if np.isfinite(a).all()]
    if not options:
        return None
    return min(options, key=lambda a: a[1])


def draw_key_angle(image: np.ndarray, value: float, anchor: np.ndarray, away_from: np.ndarray | None,
                   style: Style) -> None:
    """The key angle in a small pill beside its joint, on the side away from the body's centre.

    Pushing the label outward from the body keeps it off the limbs (above the hips of a
    bridge, beyond the knees of a clamshell); it is kept inside the image.
    """
    text = f"{value:.0f}°"
    scale, thick = style.scale * 1.05, style.thick
    tw, th = text_size(text, scale, thick)
    h, w = image.shape[:2]
    pad = style.pad
    direction = np.array([0.0, -1.0])
    if away_from is not None and np.isfinite(away_from).all():
        d = np.asarray(anchor, float) - away_from
        n = float(np.hypot(*d))
        if n > 1e-6:
            direction = d / n
    reach = 0.5 * np.hypot(tw, th) + 2.5 * pad
    cx, cy = np.asarray(anchor, float) + reach * direction
    x = int(np.clip(cx - tw / 2, 2 * pad, w - tw - 2 * pad))
    y = int(np.clip(cy + th / 2, th + 2 * pad, h - 2 * pad))
    panel(image, x - pad, y - th - pad, x + tw + pad, y + pad, alpha=0.7)
    put_text(image, text, (x, y), scale, TEXT, thick)
