"""Property-based tests: random, NaN-filled, out-of-range and adversarial landmark sequences.

Whatever MediaPipe (or a hostile file) hands over, every exercise must finish without an
exception and report only possible figures: no negative durations, times inside the
session, finite numbers that JSON can carry.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.analyze.track import analyze_track
from formcheck.rules.exercise import builtin_exercises
from formcheck.pose.landmarks import N_LANDMARKS, PoseTrack
from formcheck.report.build import build_report

EXERCISES = sorted(builtin_exercises())

special = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e9, -1e9, 0.5])


@st.composite
def tracks(draw):
    n = draw(st.integers(1, 90))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    steps = rng.uniform(0.0, 0.2, n)
    if draw(st.booleans()):
        steps[rng.integers(0, n)] = 0.0  # duplicated timestamp
    t = np.cumsum(steps)
    scale = draw(st.sampled_from([0.01, 0.3, 2.0, 1e6]))
    image = rng.normal(0.5, scale, (n, N_LANDMARKS, 3))
    world = rng.normal(0.0, scale, (n, N_LANDMARKS, 3))
    vis = rng.uniform(-0.5, 1.5, (n, N_LANDMARKS))
    for arr in (image, world, vis):
        k = draw(st.integers(0, 20))
        flat = arr.reshape(-1)
        idx = rng.integers(0, flat.size, k)
        flat[idx] = draw(special)
    detected = rng.uniform(size=n) > draw(st.floats(0.0, 1.0))
    size = (draw(st.integers(1, 4000)), draw(st.integers(1, 4000)))
    return PoseTrack(t, image, world, vis, vis.copy(), size, detected)


def _check_report(report: dict, t_end: float) -> None:
    json.dumps(report, allow_nan=False)  # finite numbers only
    assert report["summary"]["rep_count"] == len(report["reps"]) >= 0
    for rep in report["reps"]:
        assert rep["end_s"] >= rep["start_s"] >= -1e-9
        assert rep["end_s"] <= t_end + 5e-4 + 1e-9  # report times are rounded to the millisecond
        assert rep["rom_deg"] >= 0 and rep["hold_s"] >= 0
    for hold in report["holds"]:
        assert hold["duration_s"] >= 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(track=tracks(), exercise=st.sampled_from(EXERCISES))
def test_any_landmark_sequence_gives_a_possible_report(track, exercise):
    ex = builtin_exercises()[exercise]
    result = analyze_track(ex, track)
    _check_report(build_report(result, "random", "none"), float(track.t_s[-1]))


def test_frozen_person_and_all_nan():
    n = 120
    t = np.arange(n) / 30.0
    still = np.tile(np.random.default_rng(0).uniform(0.3, 0.7, (1, N_LANDMARKS, 3)), (n, 1, 1))
    nan = np.full((n, N_LANDMARKS, 3), np.nan)
    for image in (still, nan):
        track = PoseTrack(t, image, image.copy(), np.ones((n, N_LANDMARKS)), np.ones((n, N_LANDMARKS)), (640, 480))
        for exercise in EXERCISES:
            result = analyze_track(builtin_exercises()[exercise], track)
            assert result.engine.reps == []
            _check_report(build_report(result, "x", None), float(t[-1]))
