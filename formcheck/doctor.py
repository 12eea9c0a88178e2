"""``formcheck doctor``: check what a user's set-up needs, one line per check, each with its fix.

Why: the failures a new user meets are set-up, not form (a wheel without its models, an
OpenCV that cannot decode mp4, no camera in a container, no display over ssh, a history
folder that cannot be written), and each has a one-line fix. Every check here is bounded
in time (the camera probe runs in a daemon thread with a timeout, so a driver that never
answers cannot hang the command) and works headless. Nothing is created: the history check
writes and removes one temporary file in the folder the history would use.
"""

from __future__ import annotations

import glob
import importlib.metadata
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

#: The Python versions mediapipe 0.10.21 has wheels for, as formcheck supports them.
SUPPORTED_PYTHONS = ((3, 11), (3, 12))
PINNED_MEDIAPIPE = "0.10.21"
#: The pose models a working install needs; heavy is optional (not shipped).
REQUIRED_MODELS = ("lite", "full")
CAMERA_TIMEOUT_S = 3.0
PROBE_FRAMES = 6
STATUSES = ("ok", "warn", "fail")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's screen: what was checked, how it went, and the fix when not ok."""

    name: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {self.status!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def package_version(name: str) -> str | None:
    """An installed distribution's version, or None (a source checkout run with PYTHONPATH)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def formcheck_version() -> str:
    """The installed formcheck's version; the package's own ``__version__`` when not installed."""
    from formcheck import __version__

    return package_version("formcheck") or __version__


def check_python() -> Check:
    v = sys.version_info
    detail = f"{v.major}.{v.minor}.{v.micro} ({sys.executable})"
    if (v.major, v.minor) in SUPPORTED_PYTHONS:
        return Check("python", "ok", detail)
    return Check("python", "warn", detail + ": mediapipe 0.10.21 has wheels for 3.11 and 3.12 only",
                 "install formcheck with Python 3.12 (bash scripts/setup.sh --install-python)")


def check_mediapipe() -> Check:
    version = package_version("mediapipe")
    fix = f"pip install mediapipe=={PINNED_MEDIAPIPE}"
    if version is None:
        return Check("mediapipe", "fail", "not installed", fix)
    if version != PINNED_MEDIAPIPE:
        return Check("mediapipe", "warn", f"{version}, not the {PINNED_MEDIAPIPE} formcheck was tested with", fix)
    return Check("mediapipe", "ok", version)


def check_pose_models() -> Check:
    """Each required bundle is found and MediaPipe loads it (the optional heavy one is only reported)."""
    from formcheck.errors import FormcheckError
    from formcheck.pose.estimator import MODEL_DIR, PoseEstimator, model_path

    fix = "reinstall formcheck (the wheel carries the models), or: python models/build_models.py"
    loaded = []
    for name in REQUIRED_MODELS:
        try:
            model_path(name)
            with PoseEstimator(name):
                loaded.append(name)
        except FormcheckError as exc:
            return Check("pose models", "fail", str(exc), fix)
        except Exception as exc:  # noqa: BLE001 - MediaPipe raises RuntimeError on a damaged bundle
            return Check("pose models", "fail", f"{name} does not load: {type(exc).__name__}: {exc}", fix)
    heavy = "heavy too" if (MODEL_DIR / "pose_landmarker_heavy.task").is_file() else "heavy not installed (optional)"
    return Check("pose models", "ok", f"{', '.join(loaded)} load from {MODEL_DIR}; {heavy}")


def check_recognizer() -> Check:
    from formcheck.errors import FormcheckError
    from formcheck.recognize.model import MODEL_PATH, Recognizer

    try:
        model = Recognizer.load()
    except FormcheckError as exc:
        return Check("recogniser", "fail", str(exc), "reinstall formcheck, or: python scripts/train_recognizer.py")
    exercises = [c for c in model.classes if c != "rest"]
    return Check("recogniser", "ok", f"{len(exercises)} exercises and rest ({MODEL_PATH}): --exercise auto works")


def _write_test_clips(folder: Path) -> dict[str, Path]:
    """Tiny moving-square clips in each format a user brings: mp4 (OpenCV's mp4v), GIF (Pillow),
    and webm written by formcheck's own writer of annotated videos (so that is checked too)."""
    import cv2
    import numpy as np
    from PIL import Image

    from formcheck.io.capture import native_stderr_silenced, quiet_opencv
    from formcheck.io.writer import VideoWriter

    frames = []
    for i in range(PROBE_FRAMES):
        image = np.zeros((48, 64, 3), np.uint8)
        image[10:30, 5 + 6 * i:25 + 6 * i] = (40, 200, 90)
        frames.append(image)
    clips = {"mp4": folder / "probe.mp4", "webm": folder / "probe.webm", "gif": folder / "probe.gif"}
    with quiet_opencv(), native_stderr_silenced():
        mp4 = cv2.VideoWriter(str(clips["mp4"]), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
        with VideoWriter(clips["webm"], 10.0) as webm:
            for image in frames:
                mp4.write(image)
                webm.write(image)
        mp4.release()
    gif = [Image.fromarray(image[:, :, ::-1]) for image in frames]
    gif[0].save(clips["gif"], save_all=True, append_images=gif[1:], duration=100, loop=0)
    return clips


def check_video_files() -> Check:
    """OpenCV decodes mp4, webm and GIF through formcheck's own reader, and the annotated-video writer works."""
    import cv2

    from formcheck.errors import FormcheckError
    from formcheck.io.video import open_source

    fix = "pip install --force-reinstall opencv-python==4.11.0.86 opencv-contrib-python==4.11.0.86"
    failed = []
    with tempfile.TemporaryDirectory(prefix="formcheck-doctor-") as tmp:
        try:
            clips = _write_test_clips(Path(tmp))
        except FormcheckError as exc:
            return Check("video files", "fail", f"OpenCV {cv2.__version__}: {exc}", fix)
        for ext, path in clips.items():
            try:
                with open_source(path) as source:
                    count = sum(1 for _ in source)
            except FormcheckError:
                count = 0
            if count < PROBE_FRAMES:
                failed.append(ext)
    if failed:
        return Check("video files", "fail", f"OpenCV {cv2.__version__} cannot read {', '.join(failed)}", fix)
    return Check("video files", "ok", f"OpenCV {cv2.__version__} reads mp4, webm and GIF, writes webm")


def _probe_camera(index: int, answer: dict) -> None:
    import cv2

    from formcheck.io.capture import quiet_opencv

    with quiet_opencv():
        cap = cv2.VideoCapture(index)
        try:
            answer["opened"] = cap.isOpened()
            answer["frame"] = bool(answer["opened"] and cap.read()[0])
        finally:
            cap.release()


def check_camera(index: int = 0, timeout_s: float = CAMERA_TIMEOUT_S) -> Check:
    """Camera ``index`` opens and gives a frame within ``timeout_s`` (a daemon thread: a stuck driver cannot hang us)."""
    fix = "plug in a webcam (in a container pass --device /dev/video0), or use: formcheck live --source VIDEO"
    if sys.platform.startswith("linux") and not glob.glob("/dev/video*"):
        return Check("camera", "warn", "no camera visible (no /dev/video* device)", fix)
    answer: dict = {}
    probe = threading.Thread(target=_probe_camera, args=(index, answer), daemon=True)
    started = time.monotonic()
    probe.start()
    probe.join(timeout_s)
    if probe.is_alive():
        return Check("camera", "warn", f"camera {index} did not answer within {timeout_s:.0f} s",
                     "close other programs using the camera, or try --camera 1")
    if not answer.get("opened"):
        return Check("camera", "warn", f"camera {index} does not open", fix)
    if not answer.get("frame"):
        return Check("camera", "warn", f"camera {index} opens but gives no picture",
                     "close other programs using the camera, or try --camera 1")
    return Check("camera", "ok", f"camera {index} gives frames ({time.monotonic() - started:.1f} s to open)")


def opencv_gui() -> str:
    """The GUI backend of this OpenCV build (``NONE`` for headless wheels), from its build information."""
    import cv2

    for line in cv2.getBuildInformation().splitlines():
        if line.strip().startswith("GUI:"):
            return line.split(":", 1)[1].strip() or "NONE"
    return "unknown"


def check_display(environ: dict | None = None) -> Check:
    """A display for the live window: a desktop session on Linux, and an OpenCV build with a GUI."""
    import os

    env = os.environ if environ is None else environ
    gui = opencv_gui()
    if gui.upper() == "NONE":
        return Check("display", "fail", "this OpenCV has no GUI (a headless build): no live window",
                     "pip uninstall -y opencv-python-headless && pip install --force-reinstall opencv-python==4.11.0.86")
    if sys.platform.startswith("linux"):
        shown = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
        if not shown:
            return Check("display", "warn", "no display (DISPLAY is not set): the live window cannot open",
                         "run from a desktop session or under xvfb-run, or add --no-window to live/routine")
        return Check("display", "ok", f"display {shown}, OpenCV GUI {gui}")
    return Check("display", "ok", f"OpenCV GUI {gui}")


def check_history() -> Check:
    """Where the history lives, and that a file can be written there (one temp file, removed)."""
    from formcheck.history.store import DB_ENV, default_db_path

    db = default_db_path()
    fix = f"set {DB_ENV}=/a/writable/folder/history.sqlite3, or pass --db"
    folder = db.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return Check("history", "fail", f"{db}: {folder} is not a folder", fix)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return Check("history", "fail", f"{db}: cannot write in {folder} ({exc.strerror})", fix)
    if db.exists():
        return Check("history", "ok", f"{db} ({db.stat().st_size // 1024} KB), writable")
    return Check("history", "ok", f"{db} (created on the first session; {folder} is writable)")


#: In screen order: the install, the files a session reads, then what live sessions need.
CHECKS = (check_python, check_mediapipe, check_pose_models, check_recognizer, check_video_files,
          check_camera, check_display, check_history)


def run_checks(checks=None) -> list[Check]:
    """Every check (``CHECKS`` unless given), each one's own failure caught as a ``fail`` line so the rest still run."""
    results = []
    for check in CHECKS if checks is None else checks:
        try:
            results.append(check())
        except Exception as exc:  # noqa: BLE001 - the doctor must report, not crash
            name = check.__name__.removeprefix("check_").replace("_", " ")
            results.append(Check(name, "fail", f"{type(exc).__name__}: {exc}", "run with --debug and report it"))
    return results
