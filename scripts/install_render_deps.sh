#!/bin/sh
# System libraries for formcheck's synthetic-video renderer (pip extra "synth").
#
# pyrender draws offscreen through EGL with Mesa's software rasteriser (llvmpipe), so no GPU
# and no X display are needed. Debian/Ubuntu packages:
#   libegl1          libEGL.so.1 (the glvnd dispatcher pyrender's EGL platform opens)
#   libegl-mesa0     Mesa's EGL vendor library (offers the software "device")
#   libgl1-mesa-dri  the llvmpipe driver itself
#   libopengl0       libOpenGL.so.0: PyOpenGL's EGL platform loads it first and, if it is
#                    missing, silently falls back to GLES, where desktop GL calls fail
#   libgl1           libGL.so.1, the older name of the same entry points
# Idempotent: installs only what is missing. Needs root (or sudo).
set -eu

PACKAGES="libegl1 libegl-mesa0 libgl1-mesa-dri libopengl0 libgl1"

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "installed:$missing"
