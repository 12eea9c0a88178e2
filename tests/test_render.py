"""The synthetic-video renderer draws a body where the landmarks say, the same way every time.

Needs the ``synth`` extra and offscreen OpenGL (EGL + Mesa, scripts/install_render_deps.sh);
skipped with the reason when either is missing.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.landmarks import INDEX, N_LANDMARKS
from formcheck.synth.camera import Camera

CAMERA = Camera(position=(0.3, 1.1, 3.2), target=(0.0, 0.9, 0.0), width=320, height=240)
BODY_JOINTS = ("nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip",
               "left_knee", "right_knee")


def standing_pose(arm_raise_m: float = 0.0) -> np.ndarray:
    """An upright adult facing +z (the camera), 33 world landmarks; ``arm_raise_m`` lifts the left wrist."""
    j = np.zeros((N_LANDMARKS, 3))
    head = {"nose": (0, 1.615, 0.105), "left_ear": (0.075, 1.62, -0.01), "right_ear": (-0.075, 1.62, -0.01),
            "mouth_left": (0.025, 1.58, 0.09), "mouth_right": (-0.025, 1.58, 0.09)}
    for name, p in head.items():
        j[INDEX[name]] = p
    for side, s in (("left", 1.0), ("right", -1.0)):
        for part, dx in (("eye_inner", 0.016), ("eye", 0.032), ("eye_outer", 0.048)):
            j[INDEX[f"{side}_{part}"]] = (s * dx, 1.65, 0.085)
        body = {"shoulder": (0.18, 1.42, 0), "elbow": (0.22, 1.14, -0.02), "wrist": (0.24, 0.88, 0.02),
                "pinky": (0.25, 0.80, 0.0), "index": (0.24, 0.80, 0.04), "thumb": (0.23, 0.84, 0.06),
                "hip": (0.09, 0.92, 0), "knee": (0.10, 0.50, 0.01), "ankle": (0.10, 0.08, 0),
                "heel": (0.10, 0.02, -0.05), "foot_index": (0.11, 0.02, 0.15)}
        for part, (x, y, z) in body.items():
            j[INDEX[f"{side}_{part}"]] = (s * x, y, z)
    for part in ("wrist", "pinky", "index", "thumb"):
        j[INDEX[f"left_{part}"], 1] += arm_raise_m
    return j


@pytest.fixture(scope="module")
def renderer():
    from formcheck.synth.render import BodyRenderer

    try:
        r = BodyRenderer(CAMERA)
        r.render(standing_pose())  # EGL can fail late, at the first draw
    except RuntimeError as exc:  # synth extra missing, or no EGL / Mesa
        pytest.skip(str(exc))
    yield r
    r.close()


def test_frames_have_camera_shape_and_dtype(renderer):
    for k in range(3):
        frame = renderer.render(standing_pose(arm_raise_m=0.05 * k))
        assert frame.shape == (CAMERA.height, CAMERA.width, 3)
        assert frame.dtype == np.uint8


def test_body_covers_its_projected_joints(renderer):
    pose = standing_pose()
    frame = renderer.render(pose)
    # The room stays where the first frame put it, so a body far behind the back wall
    # leaves the empty room: the background.
    empty = renderer.render(pose + np.array([0.0, 0.0, -50.0]))
    for name in BODY_JOINTS:
        u, v = CAMERA.project(pose[INDEX[name]]).round().astype(int)
        diff = np.abs(frame[v, u].astype(int) - empty[v, u].astype(int)).sum()
        assert diff > 30, f"{name} at pixel ({u}, {v}) looks like background (difference {diff})"


def test_render_is_deterministic(renderer):
    a, b = standing_pose(0.0), standing_pose(0.1)
    first = renderer.render(a)
    renderer.render(b)
    assert np.array_equal(renderer.render(a), first)


def test_wrong_shape_is_rejected(renderer):
    with pytest.raises(ValueError, match="33, 3"):
        renderer.render(np.zeros((17, 3)))


def test_apply_realism_is_reproducible_and_changes_the_frame(renderer):
    from formcheck.synth.realism import apply_realism

    frame = renderer.render(standing_pose())
    out1 = apply_realism(frame, np.random.default_rng(3), noise_sigma=3.0, blur_px=2.5, jpeg_quality=70)
    out2 = apply_realism(frame, np.random.default_rng(3), noise_sigma=3.0, blur_px=2.5, jpeg_quality=70)
    assert out1.shape == frame.shape and out1.dtype == np.uint8
    assert np.array_equal(out1, out2)
    assert not np.array_equal(out1, frame)
