"""Shared test fixtures: where the committed samples and the third-party real clips are."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
REAL = ROOT.parent / "shared" / "real"  # third-party clips: read in place, never copied


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL / "labels.json").exists():
        pytest.skip("real labelled clips (../shared/real) are not present")
    return REAL


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not any(SAMPLES.glob("*.truth.json")):
        pytest.skip("sample_videos/ has no rendered clips")
    return SAMPLES


@pytest.fixture(scope="session")
def _history_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("history")


@pytest.fixture(autouse=True)
def _private_history(_history_dir, monkeypatch):
    """Issue 9: every test's analyze/live sessions go to a throw-away database, never the user's real one."""
    monkeypatch.setenv("FORMCHECK_DB", str(_history_dir / "history.sqlite3"))
