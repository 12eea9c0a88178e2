"""Issue 8's speed-ups must not change a single number."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.signal import butter

from formcheck.signals.filters import butter_lowpass as _butter_lowpass, nanmedian_last_axis as _nanmedian_last_axis


def test_sort_based_nanmedian_equals_numpy():
    rng = np.random.default_rng(8)
    for _ in range(300):
        w = rng.normal(size=(int(rng.integers(1, 40)), int(rng.integers(1, 10))))
        w[rng.random(w.shape) < 0.35] = np.nan
        if rng.random() < 0.2:
            w[0] = np.nan  # an all-NaN window
        if rng.random() < 0.2:
            w[-1, 0] = np.inf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(w, axis=-1)
        np.testing.assert_array_equal(_nanmedian_last_axis(w), expected)


def test_cached_filter_design_is_butterworth():
    for wn in (0.1, 0.2083, 0.5):
        b, a = _butter_lowpass(wn)
        b0, a0 = butter(2, wn)
        np.testing.assert_array_equal(b, b0)
        np.testing.assert_array_equal(a, a0)


def test_big_frames_are_shrunk_for_the_pose_model_only():
    """Issue 8: 1080p/4K frames reach MediaPipe at <= 1280 px, same aspect; small ones untouched."""
    import numpy as np

    from formcheck.analyze.video import POSE_MAX_SIDE, pose_frame, pose_size

    assert pose_size(640, 480) == (640, 480)
    assert pose_size(3840, 2160) == (1280, 720)
    assert pose_size(1080, 1920) == (720, 1280)  # portrait keeps its orientation
    small = np.zeros((480, 640, 3), np.uint8)
    assert pose_frame(small) is small
    big = np.full((2160, 3840, 3), 200, np.uint8)
    shrunk = pose_frame(big)
    assert max(shrunk.shape[:2]) == POSE_MAX_SIDE and shrunk.shape[:2] == (720, 1280)
    assert int(shrunk.mean()) == 200
