"""scripts/setup.sh chooses a Python mediapipe 0.10.21 runs on (3.11 or 3.12), whatever PYTHON says.

The fast tests use ``--check-python`` (print the interpreter it would use, install nothing).
Where nothing usable exists, the script runs with a PATH that holds only the interpreters
(and the fake ``uv``) a test puts there: it needs no other command before choosing.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "scripts" / "setup.sh"
PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


def _version(python: str) -> str | None:
    try:
        run = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout.strip() if run.returncode == 0 else None


def _interpreter(version: str) -> str | None:
    """A runnable CPython ``version`` on this machine (PATH, then pyenv's versions), or None."""
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for python in [shutil.which(f"python{version}"), *sorted(glob.glob(f"{root}/versions/{version}*/bin/python3"))]:
        if python and _version(python) == version:
            return python
    return None


def _usable() -> str | None:
    return _interpreter("3.12") or _interpreter("3.11")


def _setup(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(SETUP), *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd="/")


def _bare_env(tmp_path: Path, *interpreters: str) -> dict:
    """A PATH with only the given interpreters (as python3, python3.13, ...) and an empty HOME."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for python in interpreters:
        (bin_dir / f"python{_version(python)}").symlink_to(python)
        if not (bin_dir / "python3").exists():
            (bin_dir / "python3").symlink_to(python)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": str(bin_dir), "HOME": str(home)}


def test_python_313_in_PYTHON_is_replaced_by_a_usable_one():
    py313, usable = _interpreter("3.13"), _usable()
    if py313 is None or usable is None:
        pytest.skip("needs a Python 3.13 and a 3.11 or 3.12 on this machine")
    run = _setup("--check-python", env={**os.environ, "PYTHON": py313})
    assert run.returncode == 0, run.stderr
    chosen = run.stdout.split(" (Python ")[0]
    assert _version(chosen) in ("3.11", "3.12"), run.stdout
    assert f"PYTHON={py313} is Python 3.13; mediapipe 0.10.21 needs Python 3.11 or 3.12" in run.stderr


def test_a_usable_PYTHON_is_taken_as_given():
    usable = _usable()
    if usable is None:
        pytest.skip("no Python 3.11 or 3.12 here")
    run = _setup("--check-python", env={**os.environ, "PYTHON": usable})
    assert run.returncode == 0 and run.stdout == f"{usable} (Python {_version(usable)})\n", run.stdout + run.stderr
    assert run.stderr == ""


def test_only_python_313_and_no_flag_ends_in_one_clear_line(tmp_path):
    py313 = _interpreter("3.13")
    if py313 is None:
        pytest.skip("no Python 3.13 here")
    run = _setup(env=_bare_env(tmp_path, py313))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "none was found" in run.stderr
    assert "--install-python" in run.stderr and "PYTHON=/path/to/python3.12" in run.stderr


def _fake_uv(tmp_path: Path, install_status: int, found: str = "") -> None:
    uv = tmp_path / "bin" / "uv"
    uv.write_text("#!/bin/bash\n"
                  f'if [ "$1 $2" = "python install" ]; then echo "  cause: no route to github.com" >&2; exit {install_status}; fi\n'
                  f'if [ "$1 $2" = "python find" ]; then echo "{found}"; exit 0; fi\n'
                  "exit 9\n")
    uv.chmod(0o755)


def test_install_python_reports_a_failed_download_in_one_line(tmp_path):
    py313 = _interpreter("3.13")
    if py313 is None:
        pytest.skip("no Python 3.13 here")
    env = _bare_env(tmp_path, py313)
    _fake_uv(tmp_path, install_status=1)
    run = _setup("--check-python", "--install-python", env=env)
    assert run.returncode == 2
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("setup.sh: uv could not download Python 3.12 (no route to github.com): ")
    assert "PYTHON=/path/to/python3.12" in last


def test_install_python_uses_the_interpreter_uv_provides(tmp_path):
    py313, usable = _interpreter("3.13"), _interpreter("3.12")
    if py313 is None or usable is None:
        pytest.skip("needs a Python 3.13 and a 3.12 (standing in for uv's download) on this machine")
    env = _bare_env(tmp_path, py313)
    _fake_uv(tmp_path, install_status=0, found=usable)
    run = _setup("--check-python", "--install-python", env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"{usable} (Python 3.12)\n"
    assert "downloading CPython 3.12 with" in run.stderr


def test_an_unknown_option_is_refused_with_the_valid_ones():
    run = _setup("--gpu", env=dict(os.environ))
    assert run.returncode == 2 and "unknown option --gpu (use --test, --synth, --ray" in run.stderr
