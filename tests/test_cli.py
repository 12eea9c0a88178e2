"""The command line: the catalogue, a full analysis of a sample video, and bad input."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.cli.main import app

from conftest import SAMPLES

runner = CliRunner()


def _one_line_error(result, code=2):
    assert result.exit_code == code, result.output
    text = result.output.strip()
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text
    assert text.startswith("formcheck: ")
    return text


def test_exercises_json_lists_the_catalogue():
    result = runner.invoke(app, ["exercises", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    ids = {e["id"] for e in data}
    assert {"bridge", "clamshell", "prone_hip_extension", "side_lying_hip_abduction"} <= ids
    for e in data:
        assert {"id", "name", "kind", "view", "dosage", "faults"} <= set(e)
    clam = next(e for e in data if e["id"] == "clamshell")
    assert any("rotate" in f["cue"] for f in clam["faults"])


def test_missing_file(tmp_path):
    text = _one_line_error(runner.invoke(app, ["analyze", str(tmp_path / "nope.mp4"), "-e", "bridge"]))
    assert "no such file" in text


def test_not_a_video(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n")
    text = _one_line_error(runner.invoke(app, ["analyze", str(fake), "-e", "bridge", "--out", str(tmp_path / "o")]))
    assert "not a video" in text


def test_unknown_exercise(tmp_path):
    text = _one_line_error(runner.invoke(app, ["analyze", str(tmp_path), "-e", "squat"]))
    assert "unknown exercise" in text


def test_video_with_no_person(tmp_path):
    path = tmp_path / "empty_room.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for i in range(20):
        writer.write(np.full((240, 320, 3), 90 + i, np.uint8))
    writer.release()
    text = _one_line_error(runner.invoke(app, ["analyze", str(path), "-e", "bridge", "--out", str(tmp_path / "o")]))
    assert "no person" in text


def test_output_folder_that_is_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    sample = next(SAMPLES.glob("*.mp4"), None) or tmp_path
    text = _one_line_error(runner.invoke(app, ["analyze", str(sample), "-e", "bridge", "--out", str(blocker)]))
    assert "folder" in text


def test_analyze_sample_video_end_to_end(samples_dir, tmp_path):
    truth_file = samples_dir / "bridge_clean_left.truth.json"
    truth = json.loads(truth_file.read_text())
    video = samples_dir / truth["path"]
    out = tmp_path / "report"
    result = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(out), "--no-video"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["rep_count"] == truth["complete_reps"]
    assert report["exercise"] == "bridge"
    for key in ("source", "duration_s", "fps", "reps", "holds", "summary", "tracking"):
        assert key in report
    for rep, want in zip(report["reps"], truth["reps"]):
        assert rep["start_s"] <= want["peak_s"] <= rep["end_s"]
        assert {"index", "side", "start_s", "peak_s", "end_s", "rom_deg", "hold_s", "faults"} <= set(rep)
    # issue 17: the dosage line's longest hold is the rep table's (it said 0.0 s beside 0.1 s), and the
    # prescribed 5 s hold at the top, never made in this clip, keeps the dosage unmet
    dosage = report["summary"]["dosage"]
    held = next(line for line in dosage["verdict"] if "held at the top" in line)
    assert f"longest hold {max(r['hold_s'] for r in report['reps']):.1f} s" in held
    assert dosage["met"] is False and any("holds at the top averaged" in m for m in dosage["missing"])
    # A second run without --force must not overwrite the report.
    again = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(out)])
    assert "already exists" in _one_line_error(again)
