"""The built wheel works on its own: installed into a fresh venv outside the checkout, run from
another folder, it finds its pose models, recogniser, exercises and templates (issue 15).

Slow (a wheel build and a venv install of formcheck's dependencies: about 1-2 minutes with a
warm pip cache), so marked ``slow``; it needs a package index and skips without one, or when
``FORMCHECK_SKIP_WHEEL_TEST=1``. The sources are copied to a temporary folder first, so no
stale ``build/`` of the checkout can leak into the wheel and the checkout is left untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow
SOURCES = ("formcheck", "models", "pyproject.toml", "setup.py", "README.md")


def _run(args: list, cwd: Path, timeout: float = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if os.environ.get("FORMCHECK_SKIP_WHEEL_TEST") == "1":
        pytest.skip("FORMCHECK_SKIP_WHEEL_TEST=1")
    if not (SAMPLES / "bridge_clean_left.mp4").exists():
        pytest.skip("sample_videos/ has no rendered clips")
    tmp = tmp_path_factory.mktemp("wheel")
    probe = _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp / "probe", "setuptools>=77"],
                 tmp, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"no package index reachable (pip download setuptools failed): {probe.stderr.strip()[-200:]}")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", src, "-w", tmp / "dist"], tmp)
    assert built.returncode == 0, built.stderr[-2000:]
    (found,) = (tmp / "dist").glob("formcheck-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh venv with the wheel installed, and an environment that cannot see the checkout."""
    # Without PYTHONPATH: a checkout on it (with its formcheck.egg-info) would make pip take
    # formcheck as installed already, and the venv's formcheck would be the checkout's.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    venv = tmp_path_factory.mktemp("venv") / "v"
    made = _run([sys.executable, "-m", "venv", venv], venv.parent, env=env)
    assert made.returncode == 0, made.stderr
    pip = _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel],
               venv.parent, timeout=1800, env=env)
    assert pip.returncode == 0, pip.stderr[-2000:]
    yield venv, env
    shutil.rmtree(venv, ignore_errors=True)  # about 1 GB: pytest would keep it with its last three runs


def test_the_wheel_carries_models_exercises_routines_and_templates(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for model in ("pose_landmarker_lite.task", "pose_landmarker_full.task", "recognizer.npz", "LICENSE"):
        assert f"formcheck/models/{model}" in names, model
    for folder in ("rules/exercises", "rules/routines"):
        expected = {p.name for p in (ROOT / "formcheck" / folder).glob("*.toml")}
        assert expected and expected <= {Path(n).name for n in names if n.startswith(f"formcheck/{folder}/")}
    templates = {p.name for p in (ROOT / "formcheck" / "report" / "templates").iterdir() if p.is_file()}
    assert {f"formcheck/report/templates/{t}" for t in templates} <= names
    assert not any("__pycache__" in n for n in names)


def test_installed_wheel_analyses_a_sample_from_another_folder(installed, tmp_path):
    venv, env = installed
    where = _run([venv / "bin" / "python", "-c",
                  "import formcheck, formcheck.model_files as m; print(formcheck.__file__); print(m.models_dir())"],
                 tmp_path, env=env)
    package, models = where.stdout.split()
    assert package.startswith(str(venv)) and models.startswith(str(venv)), where.stdout + where.stderr
    run = _run([venv / "bin" / "formcheck", "analyze", SAMPLES / "bridge_clean_left.mp4", "--exercise", "bridge",
                "--out", "bridge-report", "--no-video"], tmp_path, env=env)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
    report = json.loads((tmp_path / "bridge-report" / "report.json").read_text())
    assert report["exercise"] == "bridge" and report["summary"]["rep_count"] == 4
    assert (tmp_path / "bridge-report" / "report.html").stat().st_size > 1000  # the templates were found


def test_installed_wheel_recognises_the_exercise(installed, tmp_path):
    venv, env = installed
    clip = SAMPLES / "clamshell_clean_right.mp4"
    if not clip.exists():
        pytest.skip("sample_videos/clamshell_clean_right.mp4 is not rendered")
    run = _run([venv / "bin" / "formcheck", "analyze", clip, "--exercise", "auto", "--out", "auto-report",
                "--no-video"], tmp_path, env=env)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-1500:]
    report = json.loads((tmp_path / "auto-report" / "report.json").read_text())
    assert report["recognition"]["exercise"] == "clamshell" and report["summary"]["rep_count"] == 4


def test_installed_wheel_runs_as_a_module_and_its_doctor_finds_the_models(installed, tmp_path):
    venv, env = installed
    version = _run([venv / "bin" / "python", "-m", "formcheck", "--version"], tmp_path, env=env)
    assert version.returncode == 0 and version.stdout.startswith("formcheck 0."), version.stdout + version.stderr
    doctor = _run([venv / "bin" / "formcheck", "doctor", "--json"], tmp_path, env=env)
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks["pose models"]["status"] == "ok" and str(venv) in checks["pose models"]["detail"]
    assert checks["recogniser"]["status"] == "ok" and checks["video files"]["status"] == "ok"
