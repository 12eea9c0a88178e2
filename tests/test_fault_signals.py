"""Issue 14: faults that do not leak into each other.

One movement must not trip another fault's check (a high lift is not a straight knee, a knee
opening is not the hips moving), and each fault must still fire when acted out. Scripted
performances go through MediaPipe's fitted error model (formcheck.synth.error_model), as on
the landmark-level set, from near the recommended view (within the supported 30 degree turn).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analyze.track import analyze_track
from formcheck.pose.landmarks import INDEX
from formcheck.rules.exercise import get_exercise
from formcheck.signals import geometry
from formcheck.signals.measures import compute_signal

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _faults_by_rep(exercise: str, fault: str, turn_deg: float, seed: int) -> dict[int, set[str]]:
    from formcheck.synth.benchmark import benchmark_spec
    from formcheck.synth.error_fit import exact_track_for
    from formcheck.synth.error_model import apply_error_model, load_model

    spec = benchmark_spec(exercise, fault, 0, np.random.default_rng(seed))
    spec = replace(spec, camera=replace(spec.camera, azimuth_deg=turn_deg))
    exact, _, _ = exact_track_for(spec)
    ex = get_exercise(exercise)
    track = apply_error_model(exact, load_model(), np.random.default_rng([seed, 7]), ex.view, exercise)
    res = analyze_track(ex, track)
    found = {r.index: {f.code for f in r.faults} for r in res.engine.reps}
    # A fault past its max_turn_deg for the estimated camera turn is not judged (view_limits):
    # it counts as neither found nor missed here either.
    found["not_checked"] = {e["code"] for e in res.not_checked}
    return found


def _all(found: dict) -> set[str]:
    return set().union(*(v for k, v in found.items() if k != "not_checked"))


def _fired_or_unjudged(fault: str, found: dict) -> bool:
    return fault in _all(found) or fault in found["not_checked"]


@pytest.mark.parametrize("turn", [0.0, 20.0])
@pytest.mark.parametrize("seed", [3, 11])
def test_clamshell_knee_opening_does_not_move_the_hips(turn, seed):
    for fault in ("clean", "feet_separating", "torso_rotation"):
        found = _faults_by_rep("clamshell", fault, turn, seed)
        assert "hips_moving" not in _all(found), (fault, found)
        if fault == "clean":
            assert not _all(found), found


@pytest.mark.parametrize("turn", [0.0, 20.0])
def test_clamshell_faults_fire_when_acted_out(turn):
    for fault in ("hips_moving", "torso_rotation", "feet_separating"):
        found = _faults_by_rep("clamshell", fault, turn, 5)
        assert _fired_or_unjudged(fault, found), (fault, found)


@pytest.mark.parametrize("turn", [0.0, 20.0])
@pytest.mark.parametrize("seed", [3, 11])
def test_prone_high_lift_is_not_a_straight_knee(turn, seed):
    found = _faults_by_rep("prone_hip_extension", "lifting_too_high", turn, seed)
    assert "knee_not_bent" not in _all(found), found
    assert _fired_or_unjudged("lifting_too_high", found), found


def test_prone_straight_knee_fires():
    found = _faults_by_rep("prone_hip_extension", "knee_not_bent", 10.0, 5)
    assert _fired_or_unjudged("knee_not_bent", found), found


def test_side_lying_faults_fire_and_stay_apart():
    found = _faults_by_rep("side_lying_hip_abduction", "leg_too_high", 10.0, 5)
    assert found.get(2, set()) == {"leg_too_high"}, found
    fired = 0
    for seed in (3, 5, 11):
        found = _faults_by_rep("side_lying_hip_abduction", "hips_not_stacked", 10.0, seed)
        fired += _fired_or_unjudged("hips_not_stacked", found)
        assert "leg_too_high" not in _all(found), found
    assert fired >= 2  # recall about 0.95 on the landmark set: one roll in three may read short


def test_more_bent_knee_ignores_leg_labels():
    bent = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])  # hip, knee, ankle: 90 degrees
    straight = np.array([[0.0, 2.0], [1.0, 2.0], [2.0, 2.0]])  # 180 degrees
    a = geometry.least_angle(*(p[None] for p in bent), *(p[None] for p in straight))
    b = geometry.least_angle(*(p[None] for p in straight), *(p[None] for p in bent))
    assert a[0] == pytest.approx(90.0) and b[0] == pytest.approx(90.0)


def test_hip_position_does_not_follow_the_trunk_length():
    """Hips still, trunk length changing by 5 % (a hip landmark sliding): the position barely moves."""
    from formcheck.pose.landmarks import PoseTrack

    sig = get_exercise("clamshell").signals["hip_position"]
    n = 2
    xyz = np.zeros((n, 33, 3))
    xyz[:, :, :2] = 0.5
    for k, stretch in enumerate((1.0, 1.05)):
        for s in ("left", "right"):
            xyz[k, INDEX[f"{s}_hip"], :2] = (0.55, 0.5)
            xyz[k, INDEX[f"{s}_shoulder"], :2] = (0.55 - 0.2 * stretch, 0.5)
    track = PoseTrack(np.arange(n) / 30.0, xyz, np.zeros((n, 33, 3)), np.ones((n, 33)), np.ones((n, 33)),
                      (640, 480), np.ones(n, bool))
    value, _ = compute_signal(sig, track)
    moved = np.linalg.norm(value[1, 0] - value[0, 0])
    assert moved < 0.05, moved
