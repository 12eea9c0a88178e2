"""End to end on real people: every labelled real clip of an implemented exercise.

The clips are third-party material read from ../shared/real (skipped when absent). A count
is right when it equals the label's complete_reps or one of its accept_counts; a labelled
hold must be timed within 0.5 s.
"""

from __future__ import annotations

import json

import pytest

from formcheck.analyze.track import analyze_track
from formcheck.rules.exercise import builtin_exercises
from formcheck.analyze.video import track_video
from formcheck.report.build import build_report
from formcheck.analyze.evaluate import score_clip

from conftest import REAL

LABELS = json.loads((REAL / "labels.json").read_text()) if (REAL / "labels.json").exists() else []
IMPLEMENTED = [lab for lab in LABELS if lab["exercise"] in builtin_exercises()]


@pytest.mark.parametrize("label", IMPLEMENTED, ids=[lab["path"] for lab in IMPLEMENTED])
def test_real_clip_matches_hand_labels(label, real_dir):
    track, _ = track_video(real_dir / label["path"], "full")
    exercise = builtin_exercises()[label["exercise"]]
    report = build_report(analyze_track(exercise, track), label["path"], "full")
    score = score_clip(label, report)
    assert score.exact, score.misses
    assert all(err <= 0.5 for err in score.hold_errors), score.misses
