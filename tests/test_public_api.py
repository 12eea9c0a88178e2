"""The public Python API in formcheck/__init__.py (issue 13): names, lazy imports, and one analysis through it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import formcheck
from formcheck.synth.generate import synthetic_track
from formcheck.synth.motion import MotionScript


@pytest.fixture(scope="module")
def bridge_track():
    track, _ = synthetic_track(MotionScript("bridge", reps=3))
    return track


def test_every_public_name_resolves():
    assert formcheck.__version__
    for name in formcheck.__all__:
        assert getattr(formcheck, name) is not None, name
    assert set(formcheck.__all__) <= set(dir(formcheck))
    namespace: dict = {}
    exec("from formcheck import *", namespace)
    assert set(formcheck.__all__) <= set(namespace)


def test_public_names_are_the_pipeline_s_own():
    from formcheck.pose.landmarks import PoseTrack
    from formcheck.rules.exercise import Exercise, get_exercise

    assert formcheck.PoseTrack is PoseTrack
    assert formcheck.Exercise is Exercise
    assert formcheck.get_exercise is get_exercise
    assert issubclass(formcheck.InputError, formcheck.FormcheckError)
    assert issubclass(formcheck.ExerciseFileError, formcheck.InputError)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        formcheck.no_such_thing  # noqa: B018


def test_import_formcheck_is_cheap():
    """``import formcheck`` loads no pipeline stage, no MediaPipe, no OpenCV (and no numpy)."""
    code = ("import json, sys, formcheck; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('formcheck', 'mediapipe', 'cv2', 'numpy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["formcheck"]


def test_analysing_a_track_loads_no_pose_model_or_opencv():
    code = ("import sys, formcheck; "
            "from formcheck.synth.generate import synthetic_track; "
            "from formcheck.synth.motion import MotionScript; "
            "track, _ = synthetic_track(MotionScript('bridge', reps=3)); "
            "report = formcheck.build_report(formcheck.analyze_track('bridge', track)); "
            "print(report['summary']['rep_count'], 'mediapipe' in sys.modules, 'cv2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["3", "False", "False"]


def test_analyze_track_counts_the_scripted_reps(bridge_track):
    result = formcheck.analyze_track("bridge", bridge_track)
    assert isinstance(result, formcheck.SessionResult)
    assert len(result.engine.reps) == 3
    report = formcheck.build_report(result, source="synthetic bridge")
    assert report["summary"]["rep_count"] == 3
    assert report["exercise"] == "bridge"
    assert report["source"] == "synthetic bridge"
    json.dumps(report, allow_nan=False)  # plain JSON data
    # An Exercise object works as well as its id.
    again = formcheck.analyze_track(formcheck.get_exercise("bridge"), bridge_track)
    assert len(again.engine.reps) == 3


def test_exercises(tmp_path):
    listed = formcheck.list_exercises()
    ids = [e.id for e in listed]
    assert ids == sorted(ids) and "bridge" in ids and "clamshell" in ids
    assert set(ids) == set(formcheck.builtin_exercises())
    with pytest.raises(formcheck.InputError, match="unknown exercise"):
        formcheck.get_exercise("no_such_exercise")
    bad = tmp_path / "bad.toml"
    bad.write_text("id = 3\n", encoding="utf-8")
    with pytest.raises(formcheck.ExerciseFileError):
        formcheck.load_exercise_file(bad)


def test_custom_exercise_file_as_the_exercise(tmp_path, bridge_track):
    source = Path(formcheck.__path__[0]) / "rules" / "exercises" / "bridge.toml"
    mine = tmp_path / "my_bridge.toml"
    mine.write_text(source.read_text(encoding="utf-8").replace('id = "bridge"', 'id = "my_bridge"'), encoding="utf-8")
    assert formcheck.load_exercise_file(mine).id == "my_bridge"
    for given in (mine, str(mine)):
        result = formcheck.analyze_track(given, bridge_track)
        assert result.exercise.id == "my_bridge" and len(result.engine.reps) == 3


def test_track_and_report_files_round_trip(tmp_path, bridge_track):
    bridge_track.to_npz(tmp_path / "landmarks.npz")
    track = formcheck.read_track(tmp_path / "landmarks.npz")
    assert isinstance(track, formcheck.PoseTrack) and len(track) == len(bridge_track)
    report = formcheck.build_report(formcheck.analyze_track("bridge", track))
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    assert formcheck.read_report(tmp_path) == report  # the folder
    assert formcheck.read_report(tmp_path / "report.json") == report  # or the file


def test_read_report_refuses_what_is_not_a_report(tmp_path):
    with pytest.raises(formcheck.InputError, match="no such report"):
        formcheck.read_report(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(formcheck.InputError, match="not valid JSON"):
        formcheck.read_report(broken)
    other = tmp_path / "other.json"
    other.write_text('{"routine_report_version": 1}', encoding="utf-8")
    with pytest.raises(formcheck.InputError, match="routine"):
        formcheck.read_report(other)
    newer = tmp_path / "newer.json"
    newer.write_text('{"report_version": 999}', encoding="utf-8")
    with pytest.raises(formcheck.InputError, match="newer"):
        formcheck.read_report(newer)


def test_analyze_video_checks_the_output_folder_before_any_work(tmp_path):
    (tmp_path / "report.json").write_text("{}", encoding="utf-8")
    with pytest.raises(formcheck.InputError, match="already exists"):
        formcheck.analyze_video(tmp_path / "not_read.mp4", "bridge", out_dir=tmp_path)


def test_analyze_video_on_a_sample(samples_dir, tmp_path):
    truth = json.loads((samples_dir / "bridge_clean_left.truth.json").read_text())
    out = tmp_path / "report"
    analysis = formcheck.analyze_video(samples_dir / truth["path"], "bridge", out_dir=out, video_out=False)
    assert isinstance(analysis, formcheck.Analysis)
    assert analysis.report["summary"]["rep_count"] == truth["complete_reps"]
    assert formcheck.read_report(out) == json.loads((out / "report.json").read_text())
    # The stored track gives the same count without the pose model.
    again = formcheck.analyze_track("bridge", formcheck.read_track(out / "landmarks.npz"))
    assert len(again.engine.reps) == truth["complete_reps"]
