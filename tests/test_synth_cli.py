"""`formcheck synth`: a tiny rendered clip with its ground truth, scored by `formcheck eval`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from formcheck.cli.main import app


def _renderer_or_skip():
    pytest.importorskip("pyrender", reason="the synth extra is not installed")
    from formcheck.synth.camera import Camera
    from formcheck.synth.render import BodyRenderer

    try:
        with BodyRenderer(Camera((0, 1, 3), (0, 1, 0), width=64, height=48)):
            pass
    except RuntimeError as exc:  # EGL / Mesa missing
        pytest.skip(str(exc))


def test_synth_writes_video_and_truth_that_eval_reads(tmp_path):
    _renderer_or_skip()
    runner = CliRunner()
    result = runner.invoke(app, ["synth", "bridge", "--out", str(tmp_path), "--reps", "2", "--fps", "12",
                                 "--width", "320", "--image-height", "240", "--fault", "hips_not_raised@2",
                                 "--name", "tiny_bridge"])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "tiny_bridge.truth.json").read_text())
    assert truth["complete_reps"] == 2 and truth["exercise"] == "bridge"
    assert truth["faults"] == [{"code": "hips_not_raised", "rep": 2, "start_s": truth["faults"][0]["start_s"],
                                "end_s": truth["faults"][0]["end_s"]}]
    frames = truth["per_frame"]
    assert len(frames["t_s"]) == truth["frames"] == len(frames["image_xy_px"]) == len(frames["world_xyz_m"])
    assert (tmp_path / "tiny_bridge.mp4").stat().st_size > 10_000


def test_synth_rejects_unknown_fault(tmp_path):
    result = CliRunner().invoke(app, ["synth", "bridge", "--out", str(tmp_path), "--fault", "wobbly"])
    assert result.exit_code == 2
    assert "wobbly" in result.output and "Traceback" not in result.output
