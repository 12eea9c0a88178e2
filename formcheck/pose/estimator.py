"""Pose estimation with MediaPipe's PoseLandmarker: the only module that imports mediapipe.

Keeping mediapipe behind this one module means every later stage works on plain numpy
(``PoseTrack``) and can be tested without a model. The models are ``.task`` bundles committed
in the repo's ``models/`` folder (built offline by ``models/build_models.py``) and shipped in
the wheel as ``formcheck.models`` (found by ``formcheck.model_files``): mediapipe 1.2.x ships
none, and a run-time download must never be needed.

We use VIDEO running mode: it tracks the person from frame to frame (the detector runs only
when tracking is lost), which is faster and steadier than IMAGE mode, but it demands strictly
increasing integer millisecond timestamps, hence the clamping in ``PoseEstimator.detect``.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.io.native_stderr import native_stderr_silenced
from formcheck.model_files import models_dir
from formcheck.pose.landmarks import INDEX, PoseTrack

MODEL_DIR = models_dir()
MODEL_NAMES = ("lite", "full", "heavy")
_HIPS = [INDEX["left_hip"], INDEX["right_hip"]]


class ModelNotFoundError(FormcheckError, ValueError):
    """A ``.task`` bundle is not in ``MODEL_DIR``; the message says how to build it.

    A ``FormcheckError`` too, so that the CLI shows its one line instead of a traceback.
    """


def model_path(name: str) -> Path:
    """Path of the committed bundle ``models/pose_landmarker_{name}.task``.

    Heavy is not committed (no visible gain on real clips at 3x the cost), so it is the one a
    user is most likely to miss: the error names the exact command that builds it.
    """
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown pose model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    path = MODEL_DIR / f"pose_landmarker_{name}.task"
    if not path.is_file():
        flag = " --heavy" if name == "heavy" else ""
        raise ModelNotFoundError(f"pose model file {path} is missing; build it from a clone of formcheck with: "
                                 f"python models/build_models.py{flag} --out {path.parent}")
    return path


@dataclass(frozen=True, eq=False)
class PoseResult:
    """One person in one frame, in ``PoseTrack``'s conventions (see ``formcheck.pose.landmarks``)."""

    image_xyz: np.ndarray  # (33, 3) normalised x, y and relative depth z
    world_xyz: np.ndarray  # (33, 3) metres around the hip centre
    visibility: np.ndarray  # (33,)
    presence: np.ndarray  # (33,)


def select_subject(candidates: list[np.ndarray], previous_hip_xy: np.ndarray | None,
                   image_size: tuple[int, int]) -> int:
    """Index of the person to follow among ``candidates`` ((33, 3) normalised image landmarks).

    With a previous pick, the candidate whose hip centre is nearest to it (in pixels, so the
    aspect ratio counts): a second person walking through must not steal the track. Without
    one (first frame), the largest bounding box: the patient is usually the one nearest the
    camera.
    """
    scale = np.asarray(image_size, dtype=float)
    if previous_hip_xy is not None:
        dists = [np.linalg.norm((c[_HIPS, :2].mean(axis=0) - previous_hip_xy) * scale)
                 for c in candidates]
        return int(np.argmin(dists))
    areas = [np.prod((c[:, :2].max(axis=0) - c[:, :2].min(axis=0)) * scale) for c in candidates]
    return int(np.argmax(areas))


def _to_array(landmarks) -> np.ndarray:
    """MediaPipe landmarks -> (33, 5) array of x, y, z, visibility, presence (None -> NaN)."""
    return np.array([[lm.x, lm.y, lm.z,
                      np.nan if lm.visibility is None else lm.visibility,
                      np.nan if lm.presence is None else lm.presence] for lm in landmarks], dtype=float)


@contextlib.contextmanager
def _matplotlib_stood_in():
    """Import mediapipe without matplotlib: half of its import time is matplotlib.pyplot (~1 s).

    mediapipe's package ``__init__`` imports its legacy ``solutions``, whose ``drawing_utils``
    imports pyplot for a 3-D plotting helper formcheck never calls. Empty stand-in modules take
    matplotlib's place while mediapipe is imported, then leave ``sys.modules``, so a later real
    ``import matplotlib`` (the progress charts) gets the real package. Nothing is stood in
    when matplotlib is already imported.
    """
    if "matplotlib" in sys.modules:
        yield
        return
    stand_ins = {name: types.ModuleType(name) for name in ("matplotlib", "matplotlib.pyplot")}
    stand_ins["matplotlib"].pyplot = stand_ins["matplotlib.pyplot"]
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


class PoseEstimator:
    """MediaPipe PoseLandmarker in VIDEO mode, following one subject; use as a context manager.

    ``model`` is a name in ``MODEL_NAMES`` or a path to a ``.task`` file. ``num_poses=2`` lets
    the subject selection (``select_subject``) ignore a second person. MediaPipe 1.2's options
    have no thread-count setting, so there is none here.
    """

    def __init__(self, model: str | os.PathLike = "full", *, num_poses: int = 1,
                 min_pose_detection_confidence: float = 0.5,
                 min_pose_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        # Imported here so that merely importing formcheck.pose.estimator (e.g. for model_path) stays cheap.
        with native_stderr_silenced(), _matplotlib_stood_in():
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision

        path = model_path(model) if isinstance(model, str) else Path(model)
        if not path.is_file():
            raise ModelNotFoundError(f"pose model file {path} is missing")
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_pose_detection_confidence,
            min_pose_presence_confidence=min_pose_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._mp = mp
        with native_stderr_silenced():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._last_ms: int | None = None
        self._previous_hip_xy: np.ndarray | None = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def _timestamp_ms(self, t_s: float) -> int:
        """Strictly increasing integer ms, as VIDEO mode requires.

        Variable-frame-rate files, duplicated or rounded container timestamps (two frames in the
        same ms) and even a NaN must not crash a whole session: such a frame gets the previous
        timestamp + 1 ms, which changes nothing visible in the tracking.
        """
        ms = round(t_s * 1000.0) if math.isfinite(t_s) else None
        if self._last_ms is not None and (ms is None or ms <= self._last_ms):
            ms = self._last_ms + 1
        self._last_ms = 0 if ms is None else int(ms)
        return self._last_ms

    def detect(self, image_bgr: np.ndarray, t_s: float) -> PoseResult | None:
        """The subject's landmarks in one frame (OpenCV BGR, gray or BGRA uint8), or None."""
        import cv2

        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if image_bgr.dtype != np.uint8:
            raise ValueError(f"expected a uint8 image, got {image_bgr.dtype}")
        code = {2: cv2.COLOR_GRAY2RGB, 3: cv2.COLOR_BGR2RGB}.get(image_bgr.ndim)
        if image_bgr.ndim == 3 and image_bgr.shape[2] == 4:
            code = cv2.COLOR_BGRA2RGB
        rgb = cv2.cvtColor(image_bgr, code)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._last_ms is None:  # the first inference prints more start-up chatter
            with native_stderr_silenced():
                result = self._landmarker.detect_for_video(image, self._timestamp_ms(t_s))
        else:
            result = self._landmarker.detect_for_video(image, self._timestamp_ms(t_s))
        if not result.pose_landmarks:
            return None
        candidates = [_to_array(lms) for lms in result.pose_landmarks]
        h, w = image_bgr.shape[:2]
        k = select_subject([c[:, :3] for c in candidates], self._previous_hip_xy, (w, h))
        image_arr = candidates[k]
        world = _to_array(result.pose_world_landmarks[k])[:, :3]
        self._previous_hip_xy = image_arr[_HIPS, :2].mean(axis=0)
        return PoseResult(image_arr[:, :3], world, image_arr[:, 3], image_arr[:, 4])


def detect_frames(frames: Iterable[tuple[float, np.ndarray]], model: str = "full",
                  estimator: "PoseEstimator | EstimatorLoad | None" = None,
                  **options) -> Iterator[tuple[float, np.ndarray, PoseResult | None]]:
    """``(t_s, bgr_image, result or None)`` for each ``(t_s, bgr_image)`` pair, as it is inferred.

    Issue 8: lets the pipeline analyse each frame while the next one is inferred, instead of
    waiting for the whole track. ``options`` go to ``PoseEstimator``. ``estimator``: one
    already made (or being loaded, :func:`load_estimator`), used and closed here instead.
    """
    if isinstance(estimator, EstimatorLoad):
        estimator = estimator.result()
    with estimator if estimator is not None else PoseEstimator(model, **options) as est:
        for t_s, image in frames:
            yield float(t_s), image, est.detect(image, t_s)


class EstimatorLoad:
    """A :class:`PoseEstimator` being made in a background thread (issue 16).

    Importing MediaPipe and loading the model take about half a second, as long as the pose
    model needs for 30 frames; made in a thread, that time overlaps opening the video, the
    first frames' decoding and the rest of the start-up. ``result()`` waits for it and raises
    what loading raised; ``close()`` waits and closes it (for a caller that stops early).
    """

    def __init__(self, model: str | os.PathLike = "full", **options) -> None:
        import threading

        self._estimator: PoseEstimator | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, args=(model, options), name="formcheck-model-load",
                                        daemon=True)
        self._thread.start()

    def _load(self, model, options) -> None:
        try:
            self._estimator = PoseEstimator(model, **options)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc

    def result(self) -> PoseEstimator:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._estimator is not None
        return self._estimator

    def close(self) -> None:
        self._thread.join()
        if self._estimator is not None:
            self._estimator.close()


def load_estimator(model: str | os.PathLike = "full", **options) -> EstimatorLoad:
    """Start making a ``PoseEstimator`` in a background thread; pass the result to :func:`detect_frames`."""
    return EstimatorLoad(model, **options)


def estimate_track(frames: Iterable[tuple[float, np.ndarray]], model: str = "full",
                   progress: Callable[[int], None] | None = None, **options) -> PoseTrack:
    """Run the estimator over ``(t_s, bgr_image)`` pairs and collect a ``PoseTrack``.

    Frames without a person hold NaN and ``detected == False``; ``image_size`` comes from the
    first frame; ``t_s`` keeps the caller's timestamps (not the clamped ms). ``progress`` is
    called with the number of frames done after each frame. ``options`` go to ``PoseEstimator``
    (``num_poses``, confidence thresholds).
    """
    t_all, results, image_size = [], [], None
    for i, (t_s, image, result) in enumerate(detect_frames(frames, model, **options)):
        image_size = image_size or (int(image.shape[1]), int(image.shape[0]))
        t_all.append(t_s)
        results.append(result)
        if progress is not None:
            progress(i + 1)
    if image_size is None:
        raise ValueError("estimate_track got no frames")
    track = PoseTrack.empty(len(t_all), image_size)
    track.t_s[:] = t_all
    for i, r in enumerate(results):
        if r is not None:
            track.image_xyz[i], track.world_xyz[i] = r.image_xyz, r.world_xyz
            track.visibility[i], track.presence[i] = r.visibility, r.presence
            track.detected[i] = True
    return track
