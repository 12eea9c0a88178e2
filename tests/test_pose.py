"""Tests of formcheck.pose.estimator against the committed model bundles.

The person image is scikit-image's public-domain ``astronaut`` (we commit no third-party
image): those tests skip when scikit-image is not installed. Everything else runs on
generated images.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose import estimator as pose
from formcheck.pose.landmarks import INDEX, PoseTrack

COMMITTED = ["lite", "full"]  # heavy is deliberately not committed


@pytest.fixture(scope="module")
def astronaut_bgr() -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(data.astronaut()[:, :, ::-1])  # RGB -> BGR, as OpenCV gives


BLANK = np.zeros((480, 640, 3), np.uint8)


@pytest.mark.parametrize("model", COMMITTED)
def test_committed_model_exists_and_blank_image_has_nobody(model):
    assert pose.model_path(model).stat().st_size > 1_000_000
    with pose.PoseEstimator(model) as estimator:
        assert estimator.detect(BLANK, 0.0) is None


@pytest.mark.parametrize("model", COMMITTED)
def test_astronaut_landmarks_are_sensible(model, astronaut_bgr):
    with pose.PoseEstimator(model) as estimator:
        r = estimator.detect(astronaut_bgr, 0.0)
    assert r is not None
    assert r.image_xyz.shape == r.world_xyz.shape == (33, 3)
    assert r.visibility.shape == r.presence.shape == (33,)
    assert np.isfinite(r.image_xyz).all() and np.isfinite(r.world_xyz).all()
    px = r.image_xyz[:, :2] * 512  # the image is 512 x 512
    nose, ls, rs = px[INDEX["nose"]], px[INDEX["left_shoulder"]], px[INDEX["right_shoulder"]]
    # Head near (222, 128) px, shoulders ~240 px down; she faces the camera, so her left
    # shoulder is on the image's right.
    assert np.allclose(nose, (222, 128), atol=25)
    assert nose[1] < min(ls[1], rs[1]) - 60
    assert ls[0] > nose[0] > rs[0]
    assert r.visibility[[INDEX["nose"], INDEX["left_shoulder"], INDEX["right_shoulder"]]].min() > 0.9
    shoulder_width_m = np.linalg.norm(r.world_xyz[INDEX["left_shoulder"]] - r.world_xyz[INDEX["right_shoulder"]])
    assert 0.2 < shoulder_width_m < 0.6


def test_repeated_decreasing_and_nan_timestamps_do_not_raise():
    with pose.PoseEstimator("lite") as estimator:
        for t in [0.0, 0.0, 0.0004, -1.0, float("nan"), 0.033, 0.033]:
            assert estimator.detect(BLANK, t) is None
        assert estimator._last_ms == 33 + 1


def test_estimate_track_marks_frames_without_person(astronaut_bgr):
    frames = [(0.0, np.zeros_like(astronaut_bgr)), (0.04, astronaut_bgr), (0.04, astronaut_bgr)]
    done = []
    track = pose.estimate_track(frames, model="lite", progress=done.append)
    assert isinstance(track, PoseTrack) and len(track) == 3
    assert done == [1, 2, 3]
    assert track.image_size == (512, 512)
    assert track.t_s.tolist() == [0.0, 0.04, 0.04]  # the caller's timestamps, not clamped ones
    assert track.detected.tolist() == [False, True, True]
    assert np.isnan(track.image_xyz[0]).all() and np.isfinite(track.image_xyz[1:]).all()


def test_estimate_track_without_any_person_and_without_frames():
    track = pose.estimate_track(((i / 30, BLANK) for i in range(3)), model="lite")
    assert track.image_size == (640, 480) and not track.detected.any()
    with pytest.raises(ValueError, match="no frames"):
        pose.estimate_track([], model="lite")


def _person(hip_xy, size):
    """A fake (33, 3) landmark set: a box of ``size`` around hips at ``hip_xy``."""
    xyz = np.zeros((33, 3))
    xyz[:, :2] = hip_xy
    xyz[0, :2] = np.asarray(hip_xy) - size / 2
    xyz[1, :2] = np.asarray(hip_xy) + size / 2
    return xyz


def test_select_subject_largest_first_then_nearest_previous_hips():
    small, big = _person((0.2, 0.5), 0.1), _person((0.7, 0.5), 0.4)
    assert pose.select_subject([small, big], None, (640, 480)) == 1
    # Once following the subject at x=0.25, a bigger person elsewhere does not steal the track.
    assert pose.select_subject([big, small], np.array([0.25, 0.5]), (640, 480)) == 1


def test_missing_model_error_names_file_and_build_command(monkeypatch, tmp_path):
    monkeypatch.setattr(pose, "MODEL_DIR", tmp_path)
    with pytest.raises(pose.ModelNotFoundError) as err:
        pose.model_path("heavy")
    message = str(err.value)
    assert isinstance(err.value, ValueError) and "\n" not in message
    assert "pose_landmarker_heavy.task" in message
    assert "python models/build_models.py --heavy" in message
    with pytest.raises(pose.ModelNotFoundError, match="build_models.py"):
        pose.PoseEstimator("full")
    with pytest.raises(ValueError, match="unknown pose model"):
        pose.model_path("medium")
