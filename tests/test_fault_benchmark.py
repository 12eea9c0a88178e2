"""The held-out fault benchmark must not fall below its targets (issue 14).

``benchmarks/faults/holdout`` holds MediaPipe's landmark track of each held-out rendered clip
(no threshold was chosen on them), so the rules are re-scored on real detector output in
seconds. Targets are issue 14's, within the supported camera range; where the measured
figure is still short of a target, ``FLOORS`` holds the figure measured when the set was
made, so the test guards against getting worse and docs/accuracy.md says what is short.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.analyze.accuracy import flags_beyond_view, score_set, set_summary
from formcheck.analyze.accuracy_doc import SUPPORTED_TURN_DEG, TARGETS

HOLDOUT = Path(__file__).resolve().parents[1] / "benchmarks" / "faults" / "holdout"
#: Figures measured below target on the held-out set within 30 degrees when it was made
#: (2026-12-04, 69 clips; see docs/accuracy.md): guards against getting worse, not targets.
FLOORS: dict[str, float] = {
    "holds_within_0.3s_rate": 63 / 69,
    "clamshell/torso_rotation/precision": 5 / 6,
    "clamshell/torso_rotation/recall": 5 / 6,
    "prone_hip_extension/knee_not_bent/precision": 5 / 7,
    "prone_hip_extension/lifting_too_high/precision": 3 / 4,
    "flags_beyond_view": 1,  # over the whole held-out set (one lumbar_arching flag at a 46 deg turn)
}


@pytest.fixture(scope="module")
def within():
    if len(list(HOLDOUT.glob("*.truth.json"))) < 20:
        pytest.skip("the held-out benchmark is not there")
    scores, _ = score_set(HOLDOUT)
    inside = [s for s in scores if s.azimuth_deg is not None and abs(s.azimuth_deg) <= SUPPORTED_TURN_DEG]
    return scores, set_summary(inside)


def _floor(name: str, target: float | None = None) -> float:
    return FLOORS.get(name, TARGETS.get(name, 0.0) if target is None else target)


def test_counts(within):
    _, s = within
    assert s["exact_count_rate"] >= _floor("exact_count_rate")


def test_sides(within):
    _, s = within
    assert s["side_accuracy"] >= _floor("side_accuracy")


def test_holds_within_0_3_s(within):
    _, s = within
    assert s["holds_within_0.3s"] / max(s["holds"], 1) >= _floor("holds_within_0.3s_rate")


@pytest.mark.parametrize("metric", ["precision", "recall"])
def test_every_fault(within, metric):
    _, s = within
    short = {f"{ex}/{code}": r[metric] for (ex, code), r in s["faults"].items()
             if r[metric] is not None and r[metric] < _floor(f"{ex}/{code}/{metric}", TARGETS[f"fault_{metric}"]) - 1e-3}  # figures are rounded to 3 places
    assert not short


def test_no_fault_flagged_from_a_view_past_its_limit(within):
    scores, _ = within
    assert len(flags_beyond_view(scores)) <= FLOORS.get("flags_beyond_view", 0)
