"""Issue 16: ``--fast``'s adaptive sampling: which frames the pose model sees, and what the report keeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.analyze.lookback import LookbackOptions, lookback_poses, lookback_track
from formcheck.analyze.sampling import (AdaptiveSampler, SamplingOptions, interpolated, sample_track,
                                        sampled_poses)
from formcheck.analyze.track import analyze_track
from formcheck.pose.estimator import PoseResult
from formcheck.rules.exercise import get_exercise
from formcheck.synth.generate import CameraSpec, TrackerNoise, synthetic_track
from formcheck.synth.sets import library_script

SIZE = (640, 480)


def _pose(offset_x: float = 0.0, first: int = 23) -> PoseResult:
    """A body lying across the frame; ``offset_x`` (normalised) moves the lower body (points ``first``..32)."""
    xyz = np.zeros((33, 3))
    xyz[:, 0] = np.linspace(0.2, 0.8, 33)
    xyz[:, 1] = 0.5
    xyz[11:13, 1], xyz[23:25, 1] = 0.3, 0.6  # shoulders above hips: a torso of 0.3 * 480 px
    xyz[first:, 0] += offset_x
    return PoseResult(xyz, xyz.copy(), np.ones(33), np.ones(33))


def _steps(xs, fps: float = 30.0) -> list[int]:
    sampler = AdaptiveSampler()
    return [sampler.next_step(k / fps, _pose(x), SIZE, 1 / fps) for k, x in enumerate(xs)]


def test_still_body_is_sampled_sparsely_and_a_turn_densely():
    assert _steps([0.0] * 12)[-1] == 6  # still: every 6th frame at 30 fps (0.2 s)
    steady = [0.01 * k for k in range(12)]  # moving steadily: about 1.3 torso lengths a second
    assert _steps(steady)[-1] == 6
    turn = [0.01 * k for k in range(8)] + [0.07 - 0.01 * k for k in range(1, 5)]  # reverses at frame 7
    assert _steps(turn)[-2:] == [1, 1]
    start = [0.0] * 8 + [0.02 * k for k in range(1, 5)]  # sets off from still
    assert 1 in _steps(start)[8:]


def test_nobody_found_keeps_every_frame_inferred():
    sampler = AdaptiveSampler()
    assert [sampler.next_step(k / 30, None, SIZE, 1 / 30) for k in range(5)] == [1] * 5


def test_low_frame_rates_skip_less():
    sampler = AdaptiveSampler(SamplingOptions(max_gap_s=0.2))
    steps = [sampler.next_step(k / 12, _pose(0.0), SIZE, 1 / 12) for k in range(12)]
    assert steps[-1] == 2  # 12 fps: never more than 0.2 s between inferred frames


def test_sampled_poses_gives_every_frame_and_interpolates_the_skipped():
    t = np.arange(40) / 30.0
    inferred = []

    def detect(_image, t_s):
        inferred.append(t_s)
        return _pose(0.0)

    image = np.zeros((480, 640, 3), np.uint8)
    out = list(sampled_poses(((tt, image) for tt in t), detect, AdaptiveSampler()))
    assert [o[0] for o in out] == list(t)  # every frame, in order, with its own time
    assert len(inferred) < 20 and inferred[-1] == t[-1]  # sparse, and the last frame inferred
    a, b = _pose(0.0), _pose(0.1)
    mid = interpolated((0.0, a), (1.0, b), 0.25)
    assert np.allclose(mid.image_xyz, 0.75 * a.image_xyz + 0.25 * b.image_xyz)
    assert interpolated((0.0, a), (1.0, None), 0.5) is None


@pytest.mark.parametrize("replay,most", [(sample_track, 0.6), (lookback_track, 0.33)], ids=["causal", "lookback"])
@pytest.mark.parametrize("exercise,side", [("clamshell", "right"), ("bridge", "left"), ("side_lying_hip_abduction", "left")])
def test_sampled_track_keeps_counts_and_holds(exercise, side, replay, most):
    """On a synthetic track with reps and a hold at the top: same counts, holds within 0.3 s, fewer inferences."""
    script = library_script(exercise, side, (), seed=5, fps=30.0, reps=5, hold_s=1.5)
    track, _ = synthetic_track(script, CameraSpec(), TrackerNoise(seed=6, pixel_sigma=0.5))
    ex = get_exercise(exercise)
    full = analyze_track(ex, track)
    sparse_track, inferred = replay(track)
    fast = analyze_track(ex, sparse_track)
    assert len(full.engine.reps) == 5
    assert [r.side for r in fast.engine.reps] == [r.side for r in full.engine.reps]
    assert len(fast.engine.holds) == len(full.engine.holds)
    for a, b in zip(full.engine.holds, fast.engine.holds):
        assert abs(a.duration_s - b.duration_s) <= 0.3
    assert inferred < most * len(track)


def test_fast_analysis_of_a_sample_clip(samples_dir, tmp_path):
    """The real model, look-back sampled: the labelled count, and the pose model on under a third of the frames."""
    from formcheck.analyze.video import analyze_video

    clip = Path(samples_dir) / "bridge_clean_left.mp4"
    truth = json.loads(clip.with_name("bridge_clean_left.truth.json").read_text())
    report = analyze_video(clip, get_exercise("bridge"), tmp_path, video_out=False, fast=True).report
    assert report["summary"]["rep_count"] == truth["complete_reps"]
    assert report["sampling"]["frames"] == truth["frames"]
    assert report["sampling"]["mode"] == "lookback"
    assert report["sampling"]["inferred"] < 0.33 * truth["frames"]  # 49 of 284 when written


def test_heavy_jitter_falls_back_to_every_frame():
    """White jitter of 1.5 px a point (more than MediaPipe's, which is smoother frame to frame) looks
    like movement everywhere: the sampler then stays dense, so nothing is lost, only speed."""
    script = library_script("clamshell", "right", (), seed=5, fps=30.0, reps=3)
    track, _ = synthetic_track(script, CameraSpec(), TrackerNoise(seed=6, pixel_sigma=1.5))
    _, inferred = sample_track(track)
    assert inferred > 0.9 * len(track)


# --- look-back --fast (formcheck.analyze.lookback) -----------------------------------------

def _lookback_run(xs, found=None, fps: float = 24.0, options: LookbackOptions = LookbackOptions()):
    """Run lookback_poses over poses ``_pose(x)``; returns (out, scout times, filler times, most frames held)."""
    scout_t, filler_t, held = [], [], [0]
    produced = [0]
    yielded = [0]

    def source():
        for k, x in enumerate(xs):
            produced[0] += 1
            held[0] = max(held[0], produced[0] - yielded[0])
            yield k / fps, np.zeros((480, 640, 3), np.uint8)

    def detector(log):
        def detect(_image, t_s):
            log.append(t_s)
            k = int(round(t_s * fps))
            return None if found is not None and not found[k] else _pose(xs[k], first=25)
        return detect

    out = []
    for item in lookback_poses(source(), detector(scout_t), detector(filler_t), options):
        yielded[0] += 1
        out.append(item)
    return out, scout_t, filler_t, held[0]


def test_lookback_gives_every_frame_in_order_each_estimator_in_increasing_time():
    xs = [0.1 * np.sin(2 * np.pi * k / 48) for k in range(200)]  # 2 s reps at 24 fps
    out, scout_t, filler_t, held = _lookback_run(xs)
    assert [o[0] for o in out] == [k / 24 for k in range(200)]
    assert scout_t == sorted(set(scout_t)) and filler_t == sorted(set(filler_t))  # VIDEO mode: increasing
    assert not set(scout_t) & set(filler_t)  # no frame inferred twice
    assert scout_t[-1] == out[-1][0]  # the last frame inferred: nothing extrapolated
    assert held <= 2 * 6 + 2  # the look-back buffer: two gaps of 0.25 s at 24 fps (and the frame in hand)
    assert all(o[2] is not None for o in out)


def test_lookback_still_body_runs_the_scout_only_and_a_turn_is_filled():
    still, _, filler_still, _ = _lookback_run([0.0] * 120)
    assert filler_still == []  # still: a straight line is exact
    # the knees and feet at 5 px a frame (0.85 torso lengths a second), reversing at frame 59: the
    # anchors' second difference says a straight line is off by ~6 px, over the 4.3 px (0.03 torso) tolerated
    turn = [0.008 * k for k in range(60)] + [0.472 - 0.008 * k for k in range(1, 61)]
    _, scout_t, filler_t, _ = _lookback_run(turn)
    assert filler_t and all(abs(t - 59 / 24) < 0.55 for t in filler_t)  # filled around the turn only
    assert len(scout_t) + len(filler_t) < 0.4 * len(turn)


def test_lookback_interpolates_a_steady_movement_exactly():
    xs = [0.002 * k for k in range(100)]
    out, scout_t, filler_t, _ = _lookback_run(xs)
    assert filler_t == []
    for t_s, _, r in out:
        assert np.allclose(r.image_xyz, _pose(xs[int(round(t_s * 24))], first=25).image_xyz)


def test_lookback_nobody_found_keeps_the_gaps_around_it_inferred():
    found = [True] * 100
    found[48] = False  # a scout frame (every 6th at 24 fps) finds nobody
    out, scout_t, filler_t, _ = _lookback_run([0.0] * 100, found=found)
    inferred = {round(t * 24) for t in scout_t + filler_t}
    assert set(range(37, 54)) <= inferred  # the gaps next to it, and the one before, inferred frame by frame
    assert out[48][2] is None and out[47][2] is not None
