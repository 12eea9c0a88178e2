"""The camera's turn from the recommended view, estimated from the landmarks (issue 14).

Synthetic tracks (exact geometry, light noise) check the geometry; the rendered fault
benchmark (MediaPipe's real tracks, when present) checks the calibrated estimate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.analyze.evaluate import camera_azimuth_deg
from formcheck.pose.camera_angle import (LYING_SIDE_VIEW, SIDE_LYING_FRONT_VIEW, UPRIGHT_FRONT_VIEW,
                                         UPRIGHT_SIDE_VIEW, combine_cues, estimate_camera_angle)
from formcheck.pose.landmarks import LANDMARK_NAMES, PoseTrack
from formcheck.rules.exercise import get_exercise
from formcheck.synth.generate import CameraSpec, synthetic_track
from formcheck.synth.motion import MotionScript

HOLDOUT = Path(__file__).resolve().parent.parent / "benchmarks" / "faults" / "holdout"
TURNS = (0, 20, 40, 60)
# Raw geometry on exact landmarks: the only error left is perspective. The camera aims at
# the middle of the body, so the hips and shoulders are seen along rays up to ~4 degrees off
# the aim (measured: 0-4.5 degrees over these set-ups and turns).
GEOMETRY_TOLERANCE_DEG = 6.0
# The calibration undoes MediaPipe's pull toward the square-on view (turn ~ gain * sqrt(cue)),
# so exact landmarks, which are not pulled, read high at small turns and low at large ones:
# on them the calibrated reading must match the calibration applied to the true turn, to the
# geometry's perspective error times the calibration's slope (below 1 past 20 degrees) ...
CALIBRATED_TOLERANCE_DEG = 8.0
# ... and stay within the calibration's own distortion of exact tracks (measured: +9 at 20
# degrees, -16 at 60 for side-lying, with the fit of the tuning set).
EXACT_TRACK_BOUND_DEG = 20.0
# Held-out rendered clips (MediaPipe's tracks): median error measured 8 degrees over 14-30
# clips while the set grew; this bound leaves room for the set's growth, not for a regression.
HOLDOUT_MEDIAN_BOUND_DEG = 11.0

CASES = [("bridge", LYING_SIDE_VIEW, {}), ("prone_hip_extension", LYING_SIDE_VIEW, {}),
         ("clamshell", SIDE_LYING_FRONT_VIEW, {}), ("side_lying_hip_abduction", SIDE_LYING_FRONT_VIEW, {}),
         ("standing_hip_extension", UPRIGHT_SIDE_VIEW, {}), ("quadriceps_stretch", UPRIGHT_SIDE_VIEW, {"hold_s": 1.0}),
         ("standing_hip_abduction", UPRIGHT_FRONT_VIEW, {})]


def _track(exercise: str, turn: float, side: str = "left", **script) -> PoseTrack:
    track, _ = synthetic_track(MotionScript(exercise, reps=2, side=side, **script), CameraSpec(azimuth_deg=turn))
    return track


@pytest.mark.parametrize("exercise,setup,script", CASES)
def test_geometry_reads_the_turn_on_exact_landmarks(exercise, setup, script):
    for turn in TURNS:
        for sign in (1, -1):
            est = estimate_camera_angle(_track(exercise, sign * turn, **script), get_exercise(exercise),
                                        calibrated=False)
            assert est.body_setup == setup
            assert abs(est.turn_deg - turn) <= GEOMETRY_TOLERANCE_DEG, (exercise, sign * turn, est)


@pytest.mark.parametrize("exercise", ["bridge", "prone_hip_extension", "clamshell", "side_lying_hip_abduction"])
def test_calibrated_turn_grows_with_the_turn(exercise):
    results = [estimate_camera_angle(_track(exercise, turn), get_exercise(exercise)) for turn in TURNS]
    estimates = [r.turn_deg for r in results]
    calibrated_truth = [abs(float(combine_cues({c: np.array(float(t)) for c in r.cues_deg}, r.body_setup)[0]))
                        for r, t in zip(results, TURNS)]
    assert all(abs(e - c) <= CALIBRATED_TOLERANCE_DEG for e, c in zip(estimates, calibrated_truth)), \
        (estimates, calibrated_truth)
    assert all(abs(e - t) <= EXACT_TRACK_BOUND_DEG for e, t in zip(estimates, TURNS)), estimates
    assert estimates == sorted(estimates), estimates
    assert estimates[0] < 5.0  # square on: no turn invented


def test_direction_names_the_end_the_camera_moved_toward():
    # Scripted lying bodies have their feet toward +x, where a positive azimuth turns the camera.
    toward_feet = estimate_camera_angle(_track("bridge", 40), get_exercise("bridge"))
    toward_head = estimate_camera_angle(_track("bridge", -40), get_exercise("bridge"))
    assert (toward_feet.toward, toward_head.toward) == ("feet", "head")
    assert estimate_camera_angle(_track("bridge", 0), get_exercise("bridge")).toward is None


def test_swapped_left_right_labels_change_nothing():
    track = _track("bridge", 30)
    mirror = [LANDMARK_NAMES.index(n.replace("left", "#").replace("right", "left").replace("#", "right"))
              for n in LANDMARK_NAMES]
    swapped = PoseTrack(track.t_s, track.image_xyz[:, mirror], track.world_xyz[:, mirror],
                        track.visibility[:, mirror], track.presence[:, mirror], track.image_size, track.detected)
    a = estimate_camera_angle(track, get_exercise("bridge"))
    b = estimate_camera_angle(swapped, get_exercise("bridge"))
    assert b.turn_deg == pytest.approx(a.turn_deg, abs=1e-6)


def test_result_carries_uncertainty_and_series():
    track = _track("clamshell", 20)
    est = estimate_camera_angle(track, get_exercise("clamshell"))
    assert est.uncertainty_deg > 0 and 0.0 <= est.confidence <= 1.0
    assert est.series_deg.shape == (len(track),) and est.rest_frames > 0
    assert set(est.cues_deg) == {"trunk_world", "trunk_depth"}


def test_nobody_seen_gives_no_estimate():
    est = estimate_camera_angle(PoseTrack.empty(20, (640, 480)), get_exercise("bridge"))
    assert np.isnan(est.turn_deg) and est.confidence == 0.0


def _holdout_errors() -> list[float]:
    errors = []
    for label_path in sorted(HOLDOUT.glob("*.truth.json")):
        track_path = label_path.with_name(label_path.name.replace(".truth.json", ".mp4.full.npz"))
        if not track_path.exists():
            continue
        try:
            label, track = json.loads(label_path.read_text()), PoseTrack.from_npz(track_path)
        except (OSError, ValueError, KeyError):
            continue  # still being written
        est = estimate_camera_angle(track, get_exercise(label["exercise"]))
        errors.append(abs(est.turn_deg - abs(camera_azimuth_deg(label))))
    return errors


def test_holdout_benchmark_median_error():
    errors = _holdout_errors()
    if len(errors) < 5:
        pytest.skip("no rendered held-out clips (benchmarks/faults/holdout)")
    estimated = [e for e in errors if np.isfinite(e)]
    assert len(estimated) >= 0.9 * len(errors)  # "no estimate" (too few still frames seen) is rare
    assert np.median(estimated) <= HOLDOUT_MEDIAN_BOUND_DEG, sorted(np.round(estimated, 1))
