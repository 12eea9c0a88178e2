"""Package list for setuptools: every ``formcheck*`` package, plus ``formcheck.models``.

Why this file exists: the model files live in the repository's top-level ``models/`` folder,
which ``pyproject.toml`` maps into the package as ``formcheck.models`` (``package-dir``).
Package discovery only sees folders under their own names, so that one package is added
here (namespace discovery, as ``packages.find`` did, so ``report/templates`` stays a data folder of
its own); everything else (metadata, package data) is in ``pyproject.toml``.
"""

from setuptools import find_namespace_packages, setup

setup(packages=find_namespace_packages(include=["formcheck", "formcheck.*"]) + ["formcheck.models"])
