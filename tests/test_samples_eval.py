"""`formcheck eval sample_videos` with the issue's thresholds: the committed clips end to end.

Rendered clips through the real pose model: every clean clip counted exactly, holds within
0.5 s, injected faults found with precision and recall of at least 0.9, none on clean clips.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from formcheck.cli.main import app


def test_eval_sample_videos_meets_thresholds(samples_dir, tmp_path):
    result = CliRunner().invoke(app, ["eval", str(samples_dir), "--json", "--cache", str(tmp_path / "cache"),
                                      "--min-exact", "1.0", "--min-precision", "0.9", "--min-recall", "0.9",
                                      "--max-hold-error", "0.5"])
    start = result.output.index("{")
    summary = json.loads(result.output[start:result.output.rindex("}") + 1])
    misses = [(c["path"], c["misses"]) for c in summary["clips"] if c["misses"]]
    assert result.exit_code == 0, misses
    overall = summary["overall"]
    assert overall["clips"] >= 16
    for clip in summary["clips"]:
        if "_clean_" in clip["path"]:
            assert clip["faults"]["fp"] == 0, clip
