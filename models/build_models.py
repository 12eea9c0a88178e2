#!/usr/bin/env python3
"""Build MediaPipe PoseLandmarker ``.task`` bundles offline, from registry packages only.

Why this exists: ``pip install mediapipe`` (1.2.x, what formcheck runs on) ships no model
files, and the Tasks API normally downloads its ``.task`` bundle at run time, which must
never be needed. So the bundles are built here from two Apache-2.0 registry packages and
committed (CI uses the committed files; it never runs this script):

* ``@mediapipe/pose@0.5.1675469404`` from npm: ``pose_landmark_{lite,full,heavy}.tflite``;
* the ``mediapipe==0.10.21`` wheel from PyPI: ``modules/pose_detection/pose_detection.tflite``.

A plain zip of the raw tflite files does not load ("requires specifying
NormalizationOptions metadata"): each model needs image-input metadata, written with
``mediapipe.tasks.python.metadata.metadata_writers``, and the pair must be packed with
``model_asset_bundle_utils.create_model_asset_bundle`` (stored, 4-byte aligned entries, so
MediaPipe can mmap them). Both exist only in mediapipe 0.10.x, which pins numpy<2, so that
part runs in a throwaway venv (``.build-venv/``, gitignored) by re-invoking this script
there with ``--_bundle``. The runtime (mediapipe 1.2.2) loads the result.

Usage: ``python models/build_models.py [--heavy] [--out models]``
Needs ``npm`` on PATH and access to PyPI and the npm registry.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
BUILD_MEDIAPIPE = "0.10.21"
REPO = Path(__file__).resolve().parent.parent
BUILD_VENV = REPO / ".build-venv"
#: Fixed zip entry time: the bundle's bytes then depend only on its inputs.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Input normalisation the models were trained with: detector wants [-1, 1], landmarks [0, 1].
DETECTOR_NORM = (127.5, 127.5)
LANDMARKS_NORM = (0.0, 255.0)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_build_venv(venv: Path) -> Path:
    """Create (or reuse) the venv holding mediapipe 0.10.21, used only to write the bundles."""
    py = venv_python(venv)
    probe = "import mediapipe, sys; sys.exit(mediapipe.__version__ != %r)" % BUILD_MEDIAPIPE
    if py.exists() and subprocess.run([py, "-c", probe], capture_output=True).returncode == 0:
        return py
    print(f"creating build venv {venv} with mediapipe=={BUILD_MEDIAPIPE}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([py, "-m", "pip", "install", "-q", f"mediapipe=={BUILD_MEDIAPIPE}"], check=True)
    return py


def fetch_landmark_models(variants: list[str], dest: Path) -> dict[str, Path]:
    """``npm pack`` the pose package (no install, no scripts run) and extract the landmark models."""
    out = subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=dest, check=True,
                         capture_output=True, text=True).stdout.split()
    tgz = dest / out[-1]
    paths = {}
    with tarfile.open(tgz) as tar:
        for v in variants:
            member = tar.getmember(f"package/pose_landmark_{v}.tflite")
            paths[v] = dest / Path(member.name).name
            paths[v].write_bytes(tar.extractfile(member).read())
    return paths


def write_bundle(landmarks_tflite: Path, out: Path) -> None:
    """Runs inside the build venv: add image-input metadata to both models and pack them."""
    import importlib.resources
    import zipfile

    import mediapipe
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import (
        create_model_asset_bundle)

    if mediapipe.__version__ != BUILD_MEDIAPIPE:
        sys.exit(f"build venv has mediapipe {mediapipe.__version__}, need {BUILD_MEDIAPIPE}")
    detector = importlib.resources.files("mediapipe") / "modules/pose_detection/pose_detection.tflite"

    def with_metadata(model: bytes, name: str, norm: tuple[float, float]) -> bytes:
        writer = metadata_writer.MetadataWriter.create(bytearray(model))
        writer.add_general_info(name, f"from {NPM_PACKAGE} / mediapipe {BUILD_MEDIAPIPE}, Apache-2.0")
        writer.add_image_input(norm_mean=[norm[0]], norm_std=[norm[1]])
        # One metadata entry per output (the writer's default would give them all one name).
        for _ in writer_utils.get_output_tensor_names(bytearray(model)):
            writer.add_feature_output()
        return bytes(writer.populate()[0])

    entries = {
        "pose_detector.tflite": with_metadata(detector.read_bytes(), "pose_detector", DETECTOR_NORM),
        "pose_landmarks_detector.tflite": with_metadata(
            landmarks_tflite.read_bytes(), "pose_landmarks_detector", LANDMARKS_NORM),
    }
    # ZipInfo keys (writestr accepts them) fix the entry time and mode; sorted for a stable order.
    infos = {}
    for name in sorted(entries):
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.create_system, info.external_attr = 3, 0o644 << 16
        infos[info] = entries[name]
    create_model_asset_bundle(infos, str(out))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heavy", action="store_true", help="also build pose_landmarker_heavy.task")
    ap.add_argument("--out", type=Path, default=REPO / "models", help="output folder")
    ap.add_argument("--build-venv", type=Path, default=BUILD_VENV, help="venv for mediapipe 0.10.x")
    ap.add_argument("--_bundle", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._bundle:
        write_bundle(*args._bundle)
        return

    variants = ["lite", "full"] + (["heavy"] if args.heavy else [])
    py = ensure_build_venv(args.build_venv.resolve())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for variant, tflite in fetch_landmark_models(variants, Path(tmp)).items():
            out = args.out.resolve() / f"pose_landmarker_{variant}.task"
            subprocess.run([py, Path(__file__).resolve(), "--_bundle", tflite, out], check=True)
            print(f"{sha256(out)}  {out.stat().st_size:>9} B  {out.name}", flush=True)


if __name__ == "__main__":
    main()
