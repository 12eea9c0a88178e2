"""The landmark error model: the fit recovers what it is given, replay errs by the fitted amount, the set runs."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.landmarks import INDEX
from formcheck.synth.error_fit import ClipPair, fit_error_model
from formcheck.synth.error_model import (DEFAULT_PATH, apply_error_model, body_size_px, clip_geometry,
                                         coupling_matrix, error_scale, infer_view, load_model, pose_drivers,
                                         swapped_frames)
from formcheck.synth.generate import CameraSpec, TrackerNoise, synthetic_track
from formcheck.synth.motion import MotionScript

EXACT = TrackerNoise(pixel_sigma=0.0, world_sigma_m=0.0, depth_sigma_m=0.0)
HIP, KNEE = INDEX["left_hip"], INDEX["left_knee"]  # canonical slots: near/top role


def _exact(exercise: str, seed: int, distance: float = 2.6):
    script = MotionScript(exercise, reps=3, side="left" if seed % 2 else "right", fps=20.0, seed=seed,
                          lead_in_s=1.0, lead_out_s=0.8)
    track, _ = synthetic_track(script, CameraSpec(distance_m=distance, azimuth_deg=5.0 * (seed % 3)), EXACT)
    return track


def _component(j: int = 33, d: int = 2, bias=0.0, bias_sd=0.0, sigma=0.01, tau=0.4) -> dict:
    full = lambda v: np.broadcast_to(np.asarray(v, float), (j, d)).tolist()  # noqa: E731
    return {"bias_mean": full(bias), "bias_sd": full(bias_sd), "sigma": full(sigma), "tau_s": full(tau),
            "clip_log_sd": 0.0}


def _known_params() -> dict:
    """A model with round numbers: hips 0.06 body lengths toward the head and 0.08 up, knees unbiased."""
    bias = np.zeros((33, 2))
    bias[[INDEX["left_hip"], INDEX["right_hip"]]] = [0.06, -0.08]
    xy = _component(bias=bias, sigma=0.012, tau=0.4)
    coefs = [0.0] * 12
    coefs[1] = 0.1  # the near/top hip slides head-ward as its thigh turns down
    xy["coupling"] = {ex: [[INDEX["left_hip"], 0, 1.0, coefs]] for ex in ("bridge", "clamshell")}
    xy["outliers"] = {"rate": [0.0] * 33, "run_frames": 1.0, "size_log_mean": 0.0, "size_log_sd": 0.1}
    depth = _component(d=1, sigma=0.02, tau=0.3)
    depth["gain"] = 2.0
    episodes = {"episodes_per_s": 0.0, "mean_s": 0.0}
    view = {"xy": xy, "depth": depth, "world": _component(d=3, sigma=0.02, tau=0.5),
            "visibility": _component(d=1, bias=2.0, sigma=0.3, tau=0.5),
            "swaps": {"legs": dict(episodes), "arms": dict(episodes)}, "dropouts": dict(episodes)}
    front = {**view, "swaps": {"legs": {"episodes_per_s": 0.15, "mean_s": 1.5}, "arms": dict(episodes)}}
    return {"views": {"side": view, "front": front}}


def test_geometry_of_exact_tracks():
    side, front = _exact("bridge", 1), _exact("clamshell", 2)
    assert infer_view(side) == "side" and infer_view(front) == "front"
    near, far = _exact("bridge", 1, 2.0), _exact("bridge", 1, 4.0)
    # The body length scales with 1 / distance and does not depend on the view's foreshortening.
    assert body_size_px(near) / body_size_px(far) == pytest.approx(2.0, rel=0.1)
    assert 60 < body_size_px(_exact("bridge", 1, 2.6)) < 150
    g = clip_geometry(side)
    assert sorted(g.perm) == list(range(33)) and g.head_sign in (-1.0, 1.0)
    for seed in (0, 1, 2):  # camera turned 0, 5, 10 degrees
        assert clip_geometry(_exact("bridge", seed)).turn_deg == pytest.approx(5.0 * seed, abs=2.0)
        assert clip_geometry(_exact("clamshell", seed)).turn_deg == pytest.approx(5.0 * seed, abs=2.0)


def test_swaps_are_found_where_the_legs_are_apart():
    exact = _exact("clamshell", 2)
    px = exact.pixel_xy
    swapped = px.copy()
    left, right = [INDEX[f"left_{j}"] for j in ("hip", "knee", "ankle", "heel", "foot_index")], \
        [INDEX[f"right_{j}"] for j in ("hip", "knee", "ankle", "heel", "foot_index")]
    swapped[100:140, left], swapped[100:140, right] = px[100:140, right], px[100:140, left]
    found = swapped_frames(swapped, px, body_size_px(exact))
    decided = np.isfinite(found)
    assert decided.mean() > 0.5
    assert (found[100:140][decided[100:140]] == 1).all() and (found[:100][decided[:100]] == 0).all()


def test_fit_recovers_known_parameters():
    known = _known_params()
    rng = np.random.default_rng(3)
    pairs = []
    for seed in range(8):
        for exercise in ("bridge", "clamshell"):
            exact = _exact(exercise, seed)
            view = "side" if exercise == "bridge" else "front"
            real = apply_error_model(exact, known, rng, view, exercise)
            pairs.append(ClipPair(f"{exercise}{seed}", view, real, exact, 0.0, {"exercise": exercise}))
    fitted = fit_error_model(pairs)
    for view in ("side", "front"):
        vp = fitted["views"][view]
        assert vp["clips"] == 8
        xy = np.array(vp["xy"]["bias_mean"])
        assert xy[HIP] == pytest.approx([0.06, -0.08], abs=0.012)
        assert xy[KNEE] == pytest.approx([0.0, 0.0], abs=0.012)
        # The pose coupling: drivers move together (thigh and trunk in a bridge), so compare
        # what it predicts, not coefficient by coefficient.
        pair = next(p for p in pairs if p.view == view)
        drivers = pose_drivers(pair.exact, clip_geometry(pair.exact, view))
        coupling = coupling_matrix(vp["xy"]["coupling"][pair.label["exercise"]], (33, 2), 12)
        want = 0.1 * drivers[:, 1]
        assert np.std(drivers @ coupling[HIP, 0] - want) < 0.4 * np.std(want)  # ridge shrinks a little
        assert np.std(drivers @ coupling[KNEE, 0]) < 0.3 * np.std(want)
        # Per-joint plus shared noise together: 0.012 in each axis.
        total = np.hypot(np.array(vp["xy"]["sigma"])[KNEE], np.array(vp["xy"]["common_sigma"]))
        assert total == pytest.approx([0.012, 0.012], rel=0.35)
        assert np.median(vp["xy"]["tau_s"]) == pytest.approx(0.4, rel=0.5)
        assert vp["depth"]["gain"] == pytest.approx(2.0, rel=0.1)
        assert np.median(vp["visibility"]["bias_mean"]) == pytest.approx(2.0, abs=0.15)
        assert vp["xy"]["outliers"]["events"] == 0
    assert fitted["views"]["side"]["swaps"]["legs"]["frame_rate"] == 0.0
    legs = fitted["views"]["front"]["swaps"]["legs"]
    assert legs["decidable_frames"] > 200 and 0.03 < legs["frame_rate"] < 0.6
    assert fitted["provenance"]["clips"] == sorted(p.name for p in pairs)


def test_committed_model_errs_by_the_fitted_amount():
    params = load_model(DEFAULT_PATH)
    assert {"side", "front"} <= set(params["views"]) and params["provenance"]["clips"]
    assert all("holdout" not in c for c in params["provenance"]["clips"])
    for spec in params["views"]["side"]["swaps"].values():  # a swapped hip would be the other hip's error
        spec.update(episodes_per_s=0.0, whole_clip_rate=0.0)
    exact = _exact("bridge", 4)
    before = exact.image_xyz.copy()
    g = clip_geometry(exact, "side")
    xy = params["views"]["side"]["xy"]
    # Without an exercise no pose coupling: the clip's bias and noise, its own part widened for its size and turn.
    own = np.square(xy["bias_sd"]) + (np.square(xy["sigma"]) + np.square(xy["common_sigma"])) * np.exp(
        2 * xy["clip_log_sd"] ** 2)
    expected = np.sqrt(np.square(xy["bias_mean"]) + error_scale(g, params["scale"]) ** 2 * own)[HIP]  # near hip
    near_hip = g.perm[HIP]
    rng = np.random.default_rng(0)
    errs = []
    for _ in range(60):
        sim = apply_error_model(exact, params, rng, "side")
        assert sim.image_xyz.shape == exact.image_xyz.shape and np.isfinite(sim.image_xyz[sim.detected]).all()
        d = (sim.pixel_xy - exact.pixel_xy)[sim.detected, near_hip] / g.body_px
        errs.append(np.sqrt(np.mean(d ** 2, axis=0)))
    assert np.array_equal(exact.image_xyz, before)  # the exact track is left alone
    rms = np.sqrt(np.mean(np.square(errs), axis=0))
    assert rms == pytest.approx(expected, rel=0.3, abs=0.003)


def test_tiny_landmark_set_runs_end_to_end():
    from formcheck.analyze.accuracy import set_summary
    from formcheck.synth.landmark_set import format_summary, landmark_specs, run_set

    specs = landmark_specs(8, seed=5)
    results = run_set(specs, load_model(DEFAULT_PATH), seed=5, jobs=1)
    scores = [r.score for r in results]
    assert len(scores) == 8 and not [s.error for s in scores if s.error]
    summary = set_summary(scores)
    assert summary["clips"] == 8 and summary["exact_counts"] >= 4
    assert {"bridge", "clamshell"} <= {s.exercise for s in scores}
    assert "precision" in format_summary(summary)
