"""Drawing the coaching overlay on a frame: skeleton, key angle, counters, hold timer, cues.

Drawing only: everything shown comes from the arguments (a ``FrameVerdict`` and the
exercise), never from live state, so the live window and the annotated video of
``analyze`` draw the same picture for the same verdict. Small annotators (one function per
element, supervision-style) are composed by :func:`draw_overlay`: the body in
formcheck.live.overlay_skeleton, the panels in formcheck.live.overlay_panels, both drawn with
the colours, text and panels of formcheck.live.overlay_style.
"""

from __future__ import annotations

import numpy as np

from formcheck.live.overlay_panels import (CONTROLS_HELP, CONTROLS_HELP_BILATERAL, draw_bottom, draw_counters,
                                           draw_fault, draw_guidance, draw_status)
from formcheck.live.overlay_skeleton import draw_key_angle, draw_skeleton, key_anchor
from formcheck.live.overlay_style import Style
from formcheck.pose.landmarks import N_LANDMARKS
from formcheck.rules.engine import FrameVerdict
from formcheck.rules.exercise import Exercise


def draw_overlay(image_bgr: np.ndarray, landmarks_px: np.ndarray | None, verdict: FrameVerdict,
                 exercise: Exercise, fps: float | None = None, guidance: str | None = None,
                 controls: bool = False) -> np.ndarray:
    """Annotate one frame (in place) and return it.

    ``landmarks_px`` is (33, 2) pixels (NaN for unseen points) or None; ``guidance`` is the
    setup check's message, drawn as a banner; ``controls`` adds the key help.
    """
    style = Style.for_image(image_bgr)
    if landmarks_px is not None:
        pts = np.asarray(landmarks_px, float)
        if pts.shape != (N_LANDMARKS, 2):
            raise ValueError(f"landmarks_px must have shape ({N_LANDMARKS}, 2), got {pts.shape}")
        draw_skeleton(image_bgr, pts, style)
        if verdict.key_value is not None and np.isfinite(verdict.key_value):
            anchor = key_anchor(exercise, pts)
            if anchor is not None:
                seen = np.isfinite(pts).all(axis=1)
                centre = pts[seen].mean(axis=0) if seen.any() else None
                draw_key_angle(image_bgr, verdict.key_value, anchor, centre, style)
    draw_counters(image_bgr, exercise, verdict, style)
    draw_status(image_bgr, verdict, fps, style)
    keys = (CONTROLS_HELP if exercise.sided else CONTROLS_HELP_BILATERAL) if controls else None
    bottom = draw_bottom(image_bgr, verdict, keys, style)
    cues = list(dict.fromkeys(f.cue for f in verdict.active_faults))
    if cues:
        draw_fault(image_bgr, cues, bottom, style)
    if guidance:
        draw_guidance(image_bgr, guidance, style)
    return image_bgr
