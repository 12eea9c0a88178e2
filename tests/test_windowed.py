"""Issue 8: the windowed cleaning (and the analysis built on it) against the whole-track reference."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.analyze.track import SessionStream, analyze_track
from formcheck.signals.cleaning import CleaningOptions, clean_track, clean_whole_track
from formcheck.rules.exercise import get_exercise
from formcheck.synth.generate import CameraSpec, TrackerNoise, synthetic_track
from formcheck.synth.sets import library_script
from formcheck.signals.windowed import WindowedCleaner, lag_s


def _messy_track(exercise: str = "bridge", seed: int = 1, reps: int = 10, fps: float = 30.0):
    """A synthetic track well longer than the window, with dropouts, spikes and unseen joints."""
    script = library_script(exercise, "left", (), seed=seed, fps=fps, reps=reps)
    noise = TrackerNoise(seed=seed + 1, pixel_sigma=2.0, dropouts=((3.0, 3.3), (7.0, 8.0), (12.0, 12.2)))
    track, _ = synthetic_track(script, CameraSpec(), noise)
    rng = np.random.default_rng(seed)
    xyz, vis = track.image_xyz.copy(), track.visibility.copy()
    for k in rng.choice(len(track), 30, replace=False):  # jumps: some past the bone-stretch limit
        xyz[k, rng.integers(11, 33)] += rng.normal(0.0, 0.2, 3)
    vis[rng.random(vis.shape) < 0.05] = 0.1  # short visibility drops: gaps to fill
    return replace(track, image_xyz=xyz, visibility=vis)


@pytest.mark.parametrize("exercise,cutoff", [("bridge", 2.5), ("clamshell", 2.5), ("bridge", 5.0)])
def test_windowed_cleaning_matches_the_whole_track_reference(exercise, cutoff):
    track = _messy_track(exercise)
    assert track.t_s[-1] > 3 * lag_s()  # several windows, not one
    opts = CleaningOptions(cutoff_hz=cutoff)
    ref, got = clean_whole_track(track, opts), clean_track(track, opts)
    for name in ("image_xyz", "world_xyz"):
        a, b = getattr(ref, name), getattr(got, name)
        assert np.array_equal(np.isnan(a), np.isnan(b)), name
    assert np.nanmax(np.abs(ref.pixel_xy - got.pixel_xy)) < 0.01  # pixels
    assert np.nanmax(np.abs(ref.world_xyz - got.world_xyz)) < 1e-4  # metres


def test_rows_pushed_one_by_one_clean_exactly_as_a_whole_track():
    """The schedule depends on timestamps only: live pushes and analyze_track agree bit for bit."""
    track = _messy_track(reps=6)
    cleaner = WindowedCleaner(track.image_size)
    blocks = []
    for k in range(len(track)):
        blocks += cleaner.push(track.t_s[k:k + 1], track.image_xyz[k:k + 1], track.world_xyz[k:k + 1],
                               track.visibility[k:k + 1], track.detected[k:k + 1])
        assert all(first + len(xyz) <= k + 1 for first, xyz, _ in blocks)  # never ahead of the input
    blocks += cleaner.finish()
    firsts = [b[0] for b in blocks]
    assert firsts == sorted(firsts) and sum(len(b[1]) for b in blocks) == len(track)
    whole = clean_track(track)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]), whole.image_xyz)


def test_a_stream_fed_frame_by_frame_gives_the_same_session_as_analyze_track():
    track = _messy_track("clamshell", reps=8)
    exercise = get_exercise("clamshell")
    offline = analyze_track(exercise, track)
    stream = SessionStream(exercise, track.image_size)
    pixels = []
    for k in range(len(track)):
        pixels += stream.push(track.t_s[k], track.image_xyz[k], track.world_xyz[k], track.visibility[k],
                              track.presence[k], track.detected[k])
        assert len(stream.verdicts) <= k + 1
    live = stream.finish()
    pixels += stream.flushed  # the video writer draws every row: none may be left without its landmarks
    assert sorted(r for first, px in pixels for r in range(first, first + len(px))) == list(range(len(track)))
    assert [r.to_dict() for r in live.engine.reps] == [r.to_dict() for r in offline.engine.reps]
    assert [v.phase for v in live.verdicts] == [v.phase for v in offline.verdicts]
    assert offline.engine.reps, "the synthetic clamshells should count"


def test_windowed_analysis_keeps_the_reps_of_the_whole_track_cleaning():
    """The counts and rep timings the reference cleaning gave, on a long messy track."""
    from formcheck.rules.engine import ExerciseEngine
    from formcheck.analyze.track import frame_inputs
    from formcheck.signals.measures import compute_signals

    track = _messy_track("bridge", reps=10)
    exercise = get_exercise("bridge")
    ref = clean_whole_track(track)
    engine = ExerciseEngine(exercise)
    detected = ref.detected & np.isfinite(ref.image_xyz[:, :, 0]).any(axis=1)
    for f in frame_inputs(compute_signals(exercise, ref), detected):
        engine.update(f)
    engine.finish()
    got = analyze_track(exercise, track)
    assert len(got.engine.reps) == len(engine.reps) > 0
    for a, b in zip(got.engine.reps, engine.reps):
        assert abs(a.peak_s - b.peak_s) < 0.05 and abs(a.rom - b.rom) < 0.5


@pytest.mark.parametrize("clip_name,exercise_id", [("clamshell_clean_right.mp4", "clamshell"),
                                                    ("bridge_clean_left.mp4", "bridge")])
def test_analyze_with_the_annotated_video_counts_as_without(samples_dir, tmp_path, clip_name, exercise_id):
    """The writer thread follows the analysis; it must never change what the analysis finds."""
    pytest.importorskip("mediapipe")
    from formcheck.analyze.video import analyze_video, prepare_out_dir

    clip = samples_dir / clip_name
    exercise = get_exercise(exercise_id)
    with_video = analyze_video(clip, exercise, prepare_out_dir(tmp_path / "v", False), video_out=True)
    without = analyze_video(clip, exercise, prepare_out_dir(tmp_path / "n", False), video_out=False)
    assert with_video.report["reps"] == without.report["reps"] and with_video.report["reps"]
    assert [v.rep_count for v in with_video.result.verdicts] == [v.rep_count for v in without.result.verdicts]
    assert (tmp_path / "v" / "annotated.webm").stat().st_size > 0
    assert not [w for w in with_video.report["tracking"]["warnings"] if "could not be written" in w]
    assert not (tmp_path / "n" / "annotated.webm").exists()
    reps = len(with_video.report["reps"])
    for out in ("v", "n"):  # a picture of each rep, taken during the pose pass
        assert (tmp_path / out / "report.html").read_text().count("data:image/") == reps, out
