"""``formcheck --version`` and ``formcheck doctor``: each check's verdict and fix, headless, bounded in time."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from typer.testing import CliRunner

import formcheck
from formcheck import doctor
from formcheck.cli.main import app

runner = CliRunner()


def test_version_prints_the_package_version_and_what_it_runs_on():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    match = re.fullmatch(r"formcheck (\S+) \(Python (\d+\.\d+\.\d+), mediapipe (\S+)\)\n", result.output)
    assert match, result.output
    assert match.group(1) == doctor.formcheck_version() == formcheck.__version__


def test_doctor_headless_warns_about_the_display_with_its_fix_and_passes(monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path / "new" / "history.sqlite3"))
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output  # warnings only: analyze works
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert list(checks) == ["python", "mediapipe", "pose models", "recogniser", "video files", "camera",
                            "display", "history"]
    assert checks["pose models"]["status"] == "ok" and "lite, full load" in checks["pose models"]["detail"]
    assert checks["recogniser"]["status"] == "ok"
    assert checks["video files"] == {"name": "video files", "status": "ok", "fix": "",
                                     "detail": checks["video files"]["detail"]}
    assert "reads mp4, webm and GIF" in checks["video files"]["detail"]
    if doctor.opencv_gui().upper() != "NONE":
        assert checks["display"]["status"] == "warn" and "--no-window" in checks["display"]["fix"]
    assert checks["history"]["status"] == "ok"
    assert str(tmp_path / "new" / "history.sqlite3") in checks["history"]["detail"]
    assert not (tmp_path / "new").exists()  # the doctor creates nothing
    for c in checks.values():
        assert c["status"] == "ok" or c["fix"], c  # every problem comes with its fix


def test_doctor_screen_has_one_line_per_check(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_python, doctor.check_history))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"formcheck {doctor.formcheck_version()}"
    assert re.match(r"ok\s+python\s+3\.\d+", lines[1]) and re.match(r"ok\s+history\s+/", lines[2])
    assert lines[3] == "0 failed, 0 warnings, 2 ok"


def test_an_unwritable_history_fails_with_the_fix(monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FORMCHECK_DB", str(blocker / "history.sqlite3"))
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_history,))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1, result.output
    assert re.search(r"fail\s+history\s+.*a_file is not a folder -> fix: set FORMCHECK_DB=", result.output)
    assert "Traceback" not in result.output


def test_missing_pose_models_fail_with_how_to_get_them(monkeypatch, tmp_path):
    import formcheck.pose.estimator as estimator

    monkeypatch.setattr(estimator, "MODEL_DIR", tmp_path)
    check = doctor.check_pose_models()
    assert check.status == "fail"
    assert "pose_landmarker_lite.task is missing" in check.detail
    assert "reinstall formcheck" in check.fix


def test_a_camera_that_never_answers_cannot_hang_the_doctor(monkeypatch):
    never = threading.Event()
    monkeypatch.setattr(doctor.glob, "glob", lambda pattern: ["/dev/video0"])
    monkeypatch.setattr(doctor, "_probe_camera", lambda index, answer: never.wait(30))
    started = time.monotonic()
    check = doctor.check_camera(timeout_s=0.3)
    never.set()
    assert time.monotonic() - started < 5
    assert check.status == "warn" and "did not answer within" in check.detail and check.fix


def test_a_camera_that_opens_without_a_picture_is_a_warning(monkeypatch):
    monkeypatch.setattr(doctor.glob, "glob", lambda pattern: ["/dev/video0"])
    monkeypatch.setattr(doctor, "_probe_camera", lambda index, answer: answer.update(opened=True, frame=False))
    check = doctor.check_camera(index=0)
    assert check.status == "warn" and "gives no picture" in check.detail


def test_a_display_is_reported_from_the_environment():
    if doctor.opencv_gui().upper() == "NONE":
        pytest.skip("a headless OpenCV build has no live window at all")
    assert doctor.check_display({"DISPLAY": ":3"}).status == "ok"
    assert doctor.check_display({"WAYLAND_DISPLAY": "wayland-0"}).detail.startswith("display wayland-0")


def test_a_check_that_crashes_becomes_a_fail_line_and_the_rest_still_run():
    def check_broken():
        raise RuntimeError("boom")

    results = doctor.run_checks((check_broken, doctor.check_python))
    assert [(r.name, r.status) for r in results] == [("broken", "fail"), ("python", results[1].status)]
    assert "RuntimeError: boom" in results[0].detail


def test_a_check_status_outside_ok_warn_fail_is_refused():
    with pytest.raises(ValueError, match="ok, warn, fail"):
        doctor.Check("x", "maybe", "detail")
