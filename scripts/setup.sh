#!/usr/bin/env bash
# Create .venv and install formcheck into it. Idempotent: a second run only checks.
#   bash scripts/setup.sh                  # the product
#   bash scripts/setup.sh --test           # + test tools
#   bash scripts/setup.sh --synth          # + the renderer of synthetic clips (needs Debian EGL/Mesa:
#                                          #   scripts/install_render_deps.sh)
#   bash scripts/setup.sh --ray            # + Ray, for batches on a cluster (formcheck analyze DIR --ray)
#   bash scripts/setup.sh --check-python   # only print the Python it would use, and why
#   bash scripts/setup.sh --install-python # no Python 3.11/3.12 here: download 3.12 with uv (PyPI)
#
# Why 3.11 or 3.12: formcheck pins mediapipe 0.10.21 (see README "Why mediapipe 0.10.21"),
# which has wheels for CPython 3.9-3.12 only. Current distributions ship 3.13 as python3
# (Debian 13 has no python3.12 package), so a usable interpreter is searched for: $PYTHON,
# python3.12, python3.11, python3, pyenv's and uv's installed ones. When none is found, uv
# (a PyPI package) can download CPython 3.12: with --install-python, or when asked at a terminal.
# Only bash builtins and `command -v` until the interpreter is chosen (the tests run this
# script with a PATH holding nothing but fake interpreters).
set -euo pipefail
here=${BASH_SOURCE[0]%/*}
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
cd "$here/.."

extras="" check_only=0 install_python=0
for arg in "$@"; do
  case "$arg" in
    --test) extras="${extras:+$extras,}test" ;;
    --synth) extras="${extras:+$extras,}synth" ;;
    --ray) extras="${extras:+$extras,}ray" ;;
    --check-python) check_only=1 ;;
    --install-python) install_python=1 ;;
    *) echo "setup.sh: unknown option $arg (use --test, --synth, --ray, --check-python, --install-python)" >&2; exit 2 ;;
  esac
done

# usable PY: PY runs and is CPython 3.11 or 3.12 (the versions mediapipe 0.10.21 has wheels for).
usable() {
  "$1" -c 'import sys; sys.exit(not (sys.implementation.name == "cpython" and (3, 11) <= sys.version_info[:2] <= (3, 12)))' \
    >/dev/null 2>&1
}

version_of() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo "not runnable"
}

# The candidates, best first: $PYTHON, interpreters on PATH, then pyenv's and uv's own installs.
candidates() {
  [ -n "${PYTHON:-}" ] && echo "$PYTHON"
  local name dir
  for name in python3.12 python3.11 python3; do
    command -v "$name" 2>/dev/null || true
  done
  for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11*/bin \
             "${XDG_DATA_HOME:-$HOME/.local/share}"/uv/python/cpython-3.12*/bin \
             "${XDG_DATA_HOME:-$HOME/.local/share}"/uv/python/cpython-3.11*/bin; do
    [ -x "$dir/python3" ] && echo "$dir/python3"
  done
  return 0
}

find_python() {
  local py
  while IFS= read -r py; do
    if usable "$py"; then echo "$py"; return 0; fi
  done < <(candidates)
  return 1
}

# Download CPython 3.12 with uv: uv from PATH, else into a small bootstrap venv (.uv-venv, gitignored).
install_python_with_uv() {
  local uv=""
  if command -v uv >/dev/null 2>&1; then
    uv=$(command -v uv)
  else
    local boot
    for boot in python3 python; do
      if command -v "$boot" >/dev/null 2>&1 && "$boot" -m venv .uv-venv >/dev/null 2>&1 \
         && .uv-venv/bin/python -m pip install -q --disable-pip-version-check uv >/dev/null 2>&1; then
        uv=.uv-venv/bin/uv
        break
      fi
    done
  fi
  if [ -z "$uv" ]; then
    echo "setup.sh: cannot get uv to download Python 3.12 (no uv on PATH; 'python3 -m venv' + 'pip install uv' failed): install uv (pipx install uv, or apt install python3-venv) and run again" >&2
    return 1
  fi
  echo "setup.sh: downloading CPython 3.12 with $uv (python-build-standalone, from GitHub)" >&2
  local log
  if ! log=$("$uv" python install 3.12 2>&1); then
    log=${log%$'\n'} && log=${log##*$'\n'} && log=${log#"${log%%[![:space:]]*}"} && log=${log#cause: }
    echo "setup.sh: uv could not download Python 3.12 ($log): install Python 3.11 or 3.12 yourself and run: PYTHON=/path/to/python3.12 bash scripts/setup.sh" >&2
    return 1
  fi
  "$uv" python find 3.12
}

if [ -n "${PYTHON:-}" ] && ! usable "$PYTHON"; then
  given=$(version_of "$PYTHON")
  [ "$given" = "not runnable" ] && given="does not run" || given="is Python $given"
  echo "setup.sh: PYTHON=$PYTHON $given; mediapipe 0.10.21 needs Python 3.11 or 3.12: looking for one" >&2
fi
if ! py=$(find_python); then
  if [ "$install_python" -eq 0 ] && [ -t 0 ] && [ -t 1 ] && [ "$check_only" -eq 0 ]; then
    read -r -p "No Python 3.11 or 3.12 found (mediapipe 0.10.21 has no wheels for newer ones). Download Python 3.12 with uv (about 30 MB)? [y/N] " answer
    case "$answer" in [yY]*) install_python=1 ;; esac
  fi
  if [ "$install_python" -eq 0 ]; then
    echo "setup.sh: formcheck needs Python 3.11 or 3.12 (mediapipe 0.10.21 has wheels for no newer one) and none was found: run 'bash scripts/setup.sh --install-python' to download 3.12 with uv, or set PYTHON=/path/to/python3.12" >&2
    exit 2
  fi
  py=$(install_python_with_uv) || exit 2
  usable "$py" || { echo "setup.sh: uv gave '$py', which is not a usable Python 3.12" >&2; exit 2; }
fi

if [ "$check_only" -eq 1 ]; then
  echo "$py (Python $(version_of "$py"))"
  exit 0
fi
if [ -x .venv/bin/python ] && ! usable .venv/bin/python; then
  echo "setup.sh: .venv has Python $(version_of .venv/bin/python), which mediapipe 0.10.21 does not support: rebuilding it with $py" >&2
  rm -rf .venv
fi
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
# PYTHONWARNINGS: setuptools warns that an editable install with a mapped package folder
# (models/ -> formcheck.models) could be shadowed by same-named folders in the working
# directory; that folder is this project, so the warning (a screenful) says nothing here.
PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}"
echo "formcheck is installed in .venv with Python $(version_of .venv/bin/python) ($(.venv/bin/formcheck --version >/dev/null && echo ok)); check the set-up with: .venv/bin/formcheck doctor"
