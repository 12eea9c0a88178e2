"""Where the model files formcheck ships are found: pose bundles, recogniser, error model.

Why a module of its own: the files live in the repository's top-level ``models/`` folder,
and ``pyproject.toml`` maps that folder into the package as ``formcheck.models``. So a
wheel, ``pipx install``, ``uv tool install`` or ``pip install -e`` all find them with
:mod:`importlib.resources`, never by a path relative to the source tree (which pointed
into ``site-packages/`` after a normal install). One fallback is kept for a source checkout
used without installing it (``PYTHONPATH=.``), where ``formcheck.models`` is not importable:
then ``models/`` next to the ``formcheck`` folder is the same folder.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

MODELS_PACKAGE = "formcheck.models"
#: The model files a working install needs (heavy is optional and not shipped).
REQUIRED_FILES = ("pose_landmarker_lite.task", "pose_landmarker_full.task", "recognizer.npz")


def models_dir() -> Path:
    """The folder holding the model files: the installed ``formcheck.models`` package, else the checkout's ``models/``."""
    try:
        return Path(str(importlib.resources.files(MODELS_PACKAGE)))
    except ModuleNotFoundError:  # a source checkout on PYTHONPATH, not installed
        return Path(__file__).resolve().parent.parent / "models"


def model_file(name: str) -> Path:
    """Path of one model file by name (it may not exist: callers say how to build it)."""
    return models_dir() / name
