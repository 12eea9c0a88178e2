#!/usr/bin/env bash
# Create .venv and install formcheck into it. Idempotent: a second run only checks.
#   bash scripts/setup.sh            # the product
#   bash scripts/setup.sh --test     # + test tools
#   bash scripts/setup.sh --synth    # + the renderer of synthetic clips (needs Debian EGL/Mesa:
#                                    #   scripts/install_render_deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
for arg in "$@"; do
  case "$arg" in
    --test) extras="${extras:+$extras,}test" ;;
    --synth) extras="${extras:+$extras,}synth" ;;
    *) echo "setup.sh: unknown option $arg (use --test, --synth)" >&2; exit 2 ;;
  esac
done
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))'; then
  echo "setup.sh: formcheck needs Python 3.11 or 3.12 (mediapipe 0.10.21 wheels); set PYTHON=python3.11" >&2
  exit 2
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}"
echo "formcheck is installed in .venv ($(.venv/bin/formcheck --help >/dev/null && echo ok))"
