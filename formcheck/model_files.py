"""Where the model files formcheck ships are found: pose bundles, recogniser, error model.

Why a module of its own: the files live in the repository's top-level ``models/`` folder,
and ``pyproject.toml`` maps that folder into the package as ``formcheck.models``. An
installed formcheck (a wheel, ``pipx install``, ``uv tool install``) finds them with
:mod:`importlib.resources`, never by a path relative to the source tree (which pointed into
``site-packages/`` after a normal install).

Code imported from a source checkout (``pip install -e`` or ``PYTHONPATH=.``) uses that
checkout's own ``models/``, recognised by the ``pyproject.toml`` beside it. That is where
``models/build_models.py`` and ``scripts/train_recognizer.py`` write; and where several
clones share one venv, each reads and writes its own files, not those of whichever clone
the venv's editable install maps ``formcheck.models`` to.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

MODELS_PACKAGE = "formcheck.models"


def checkout_models(package_dir: Path) -> Path | None:
    """The ``models/`` folder of the source checkout holding ``package_dir``, or None when installed."""
    root = package_dir.parent
    models = root / "models"
    if (root / "pyproject.toml").is_file() and (models / "__init__.py").is_file():
        return models
    return None


def models_dir() -> Path:
    """The folder holding the model files: the checkout's ``models/``, else the installed ``formcheck.models``."""
    here = checkout_models(Path(__file__).resolve().parent)
    if here is not None:
        return here
    return Path(str(importlib.resources.files(MODELS_PACKAGE)))


def model_file(name: str) -> Path:
    """Path of one model file by name (it may not exist: callers say how to build it)."""
    return models_dir() / name
