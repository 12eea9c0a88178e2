"""The model files formcheck reads at run time, as the package ``formcheck.models``.

They live in the repository's top-level ``models/`` folder (where ``build_models.py`` and
``scripts/train_recognizer.py`` write them); ``pyproject.toml`` maps this folder into the
wheel as ``formcheck.models``, so an installed formcheck finds them with
``importlib.resources`` (see ``formcheck.model_files``) wherever it is installed.
"""
