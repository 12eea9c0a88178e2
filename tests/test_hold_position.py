"""Holds judged on both thighs, and holds whose left leg is hidden (issue 17: honest hold times).

A figure four pulls the supporting knee and brings the crossed leg along; at rest the crossed
thigh alone can sit in the pulled range, so its position needs every tracked thigh
(``sides = "all"``). A hold whose key signal is hidden on the left must still be timed from the
right. The held-out rendered clips (``benchmarks/recognition/holdout``, never tuned on; the
thresholds were chosen on the tuning seed's renders and streams) must keep their holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.rules.exercise import get_exercise
from formcheck.rules.holds import HoldTracker, key_sample, position_state

HOLDOUT = Path(__file__).resolve().parent.parent / "benchmarks" / "recognition" / "holdout"
NAN = float("nan")


def _figure_four(left_hip: float, right_hip: float, trunk: float = 0.0) -> dict:
    return {"hip_angle_deg": np.array([[left_hip], [right_hip]]), "trunk_level_deg": np.array([[trunk]])}


def test_a_figure_four_needs_both_thighs_pulled():
    ex = get_exercise("figure_four_stretch")
    assert position_state(ex, _figure_four(88.0, 124.0)) is False  # crossed thigh low, feet on the floor
    assert position_state(ex, _figure_four(75.0, 95.0)) is True  # both pulled
    assert position_state(ex, _figure_four(NAN, 75.0)) is True  # the far thigh hidden: the near one judges
    assert position_state(ex, _figure_four(75.0, 95.0, trunk=60.0)) is False  # sitting up


def test_the_key_sample_falls_back_to_the_tracked_side():
    assert key_sample(np.array([[NAN], [75.0]]), None) == 75.0
    assert key_sample(np.array([[70.0], [75.0]]), None) == 70.0
    assert key_sample(np.array([[70.0], [75.0]]), 1) == 75.0
    assert np.isnan(key_sample(np.array([[NAN], [NAN]]), None)) and np.isnan(key_sample(None, None))


def test_a_hold_with_the_left_thigh_hidden_is_timed():
    """MediaPipe lost the far thigh for a whole pull: the hold is still 6 s, settled on the right one."""
    ex = get_exercise("figure_four_stretch")
    holds: list = []
    tracker = HoldTracker(ex, holds)
    for t in np.arange(0.0, 10.0, 1 / 15):
        pulled = 2.0 <= t < 8.0
        tracker.update(float(t), _figure_four(NAN if pulled else 122.0, 75.0 if pulled else 126.0))
    tracker.close()
    assert len(holds) == 1 and holds[0].duration_s == pytest.approx(6.0, abs=0.2)


@pytest.fixture(scope="module")
def held_out() -> list:
    """``formcheck eval benchmarks/recognition/holdout``'s clip scores (the project's own scoring)."""
    from formcheck.analyze.accuracy import score_set

    if not list(HOLDOUT.glob("*.truth.json")):
        pytest.skip(f"no benchmark tracks in {HOLDOUT}")
    return score_set(HOLDOUT)[0]


def test_held_out_rendered_holds_are_found_and_timed(held_out):
    """Measured: 45 of 45 holds found, 40 within 0.3 s (before the two rules changed: 42 found, 37)."""
    holds = [s for s in held_out if get_exercise(s.exercise).kind == "hold"]
    found = sum(not any("not found" in m for m in s.misses) for s in holds)
    close = sum(all(e <= 0.3 for e in s.hold_errors) for s in holds)
    assert len(holds) == 45
    assert found >= 44 and close >= 38


def test_held_out_rendered_clips_of_every_exercise_count_and_flag(held_out):
    """``formcheck eval benchmarks/recognition/holdout`` and ``.../holdout_faults`` (measured: counts
    140/140, holds 40 of 45 within 0.3 s, 1 false fault flag; rolled fire hydrant reps 4 of 6 flagged,
    no false flag). Floors one short of the measure; before issue 17's rule changes: 138, 37, 6."""
    from formcheck.analyze.accuracy import score_set, set_summary

    clean = set_summary(held_out)
    assert clean["clips"] == 140 and clean["exact_counts"] >= 139
    assert clean["holds_within_0.3s"] >= 39 and clean["fault_fp"] <= 2
    _, rolled = score_set(HOLDOUT.with_name("holdout_faults"))
    assert rolled["fault_tp"] >= 3 and rolled["fault_fp"] <= 1
