"""Model files are found in the checkout when formcheck runs from one, else in the installed package.

The installed case (a wheel in a fresh venv) is tests/test_wheel.py.
"""

from __future__ import annotations

from pathlib import Path

from formcheck import model_files
from formcheck.pose.estimator import MODEL_DIR, model_path
from formcheck.recognize.model import MODEL_PATH

from conftest import ROOT


def test_a_checkout_uses_its_own_models_folder():
    assert model_files.models_dir() == ROOT / "models"
    assert MODEL_DIR == ROOT / "models" and MODEL_PATH == ROOT / "models" / "recognizer.npz"
    for name in ("lite", "full"):
        assert model_path(name).stat().st_size > 1_000_000


def test_a_checkout_is_recognised_by_its_pyproject_and_models_package(tmp_path):
    package = tmp_path / "formcheck"
    package.mkdir()
    assert model_files.checkout_models(package) is None  # nothing beside it: an installed package
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    assert model_files.checkout_models(package) is None  # site-packages may hold someone's "models"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'formcheck'\n")
    assert model_files.checkout_models(package) == tmp_path / "models"


def test_model_file_names_a_file_in_the_models_folder():
    assert model_files.model_file("recognizer.npz") == model_files.models_dir() / "recognizer.npz"
    assert isinstance(model_files.model_file("missing.bin"), Path)
