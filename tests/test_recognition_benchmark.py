"""``--exercise auto`` on the held-out rendered recognition benchmark (issue 17).

``benchmarks/recognition/holdout`` holds MediaPipe's tracks of rendered clips of every
exercise (``scripts/make_recognition_benchmark.py``, a seed never trained or tuned on).
These tests re-score them with the committed recogniser: a clip counts when the answer is
right (its exercise, or one merged with it) AND at least the CLI's confidence threshold.
The floors are the measured figures less a small margin, so a change that makes
recognition worse fails here; the exercises that missed when measured are named.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.recognize.catalogue import MERGED, also_possible, counts_as, recognised_as
from formcheck.recognize.scoring import ClipVerdict, labelled_tracks, per_exercise, score_folder
from formcheck.synth.motion import MOTIONS

HOLDOUT = Path(__file__).resolve().parent.parent / "benchmarks" / "recognition" / "holdout"
#: Measured (docs/accuracy.md, recognition-rendered section): 137 of 140 (5 clips an exercise);
#: the floor allows 3 fewer.
MEASURED_RIGHT = 137
FLOOR = MEASURED_RIGHT - 3
#: exercise -> clips of it that may miss (as measured: fire_hydrant_r001_right, right but 0.37 sure;
#: butterfly_stretch_supine r003 and r004, right but 0.26 and 0.59 sure); every other exercise must
#: be 5 of 5.
KNOWN_MISSES: dict[str, int] = {"fire_hydrant": 1, "butterfly_stretch_supine": 2}


@pytest.fixture(scope="module")
def verdicts() -> list[ClipVerdict]:
    if not labelled_tracks(HOLDOUT):
        pytest.skip(f"no benchmark tracks in {HOLDOUT} (scripts/make_recognition_benchmark.py makes them)")
    return score_folder(HOLDOUT)


def test_every_exercise_is_in_the_benchmark(verdicts):
    assert set(per_exercise(verdicts)) == set(MOTIONS)


def test_held_out_rendered_clips_are_recognised_at_the_measured_rate(verdicts):
    right = sum(v.recognised for v in verdicts)
    misses = [f"{v.clip} -> {v.answer} {v.confidence:.2f}" for v in verdicts if not v.recognised]
    assert right >= FLOOR, f"{right} of {len(verdicts)} right and sure; misses: {misses}"


def test_only_the_known_exercises_miss(verdicts):
    worse = {ex: n - ok for ex, (ok, n) in per_exercise(verdicts).items() if n - ok > KNOWN_MISSES.get(ex, 0)}
    assert not worse, f"more misses than measured: {worse}"


def test_merged_exercises_count_either_way():
    for exercise, (into, reason) in MERGED.items():
        assert recognised_as(exercise) == into and exercise in also_possible(into) and reason
        assert counts_as(exercise, into) and counts_as(into, exercise)
    assert not counts_as("clamshell", "reverse_clamshell")


def test_a_right_answer_below_the_threshold_does_not_count():
    sure = ClipVerdict("c", "side_lying_leg_raise", "left", "side_lying_hip_abduction", 0.8, "left")
    unsure = ClipVerdict("c", "pigeon_pose", "left", "pigeon_pose", 0.55, "left")
    wrong = ClipVerdict("c", "pigeon_pose", "left", "hip_flexor_stretch_kneeling", 0.9, "left")
    assert sure.recognised and not unsure.recognised and unsure.right and not wrong.recognised
