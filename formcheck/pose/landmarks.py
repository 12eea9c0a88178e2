"""Pose data types shared by every stage after the pose estimator.

MediaPipe's 33-point body topology is the lingua franca of formcheck: the estimator
produces it, the synthetic generator produces it, and the cleaning, geometry and engine
stages consume it as plain numpy arrays. Nothing here imports mediapipe.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(LANDMARK_NAMES)
#: The two sides of the body, in the order of every two-sided signal and side joint array.
SIDES = ("left", "right")
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

#: Bones drawn by overlays and used for bone-length plausibility checks.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
    ("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"), ("right_eye", "right_ear"),
)

#: The body's bones as landmark index pairs (the face left out): a bone that suddenly grows
#: far past its usual length means one of its ends jumped, so the cleaners check these.
BODY_BONES: list[tuple[int, int]] = [(INDEX[a], INDEX[b]) for a, b in SKELETON
                                     if "eye" not in a + b and "nose" not in a + b]
#: Index lists (lists, so ``xyz[:, SHOULDERS]`` picks both joints) for the trunk's two ends.
SHOULDERS: list[int] = [INDEX["left_shoulder"], INDEX["right_shoulder"]]
HIPS: list[int] = [INDEX["left_hip"], INDEX["right_hip"]]

#: The joints that carry the hip exercises; tracking quality is judged on these.
KEY_JOINTS: tuple[str, ...] = (
    "left_shoulder", "right_shoulder", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)


def index_of(name: str) -> int:
    """Landmark index by name, with an error that lists the valid names."""
    try:
        return INDEX[name]
    except KeyError:
        raise ValueError(f"unknown landmark {name!r}; valid names: {', '.join(LANDMARK_NAMES)}") from None


@dataclass
class PoseTrack:
    """Landmarks of one person over time, one row per frame.

    Image coordinates are normalised like MediaPipe's (x by width, y by height, origin top
    left, y down); ``image_size`` turns them into pixels so that angles in the image plane
    respect the aspect ratio. World coordinates are metres around the hip centre, y down,
    as MediaPipe reports them. Frames without a detected person hold NaN and
    ``detected == False``.
    """

    t_s: np.ndarray  # (T,) frame timestamps in seconds, from the container
    image_xyz: np.ndarray  # (T, 33, 3) normalised x, y and MediaPipe's relative depth z
    world_xyz: np.ndarray  # (T, 33, 3) metres, origin at the hip centre
    visibility: np.ndarray  # (T, 33) in [0, 1]
    presence: np.ndarray  # (T, 33) in [0, 1]
    image_size: tuple[int, int]  # (width, height) in pixels
    detected: np.ndarray = field(default=None)  # (T,) bool

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=float)
        n = len(self.t_s)
        expected = {"image_xyz": (n, N_LANDMARKS, 3), "world_xyz": (n, N_LANDMARKS, 3),
                    "visibility": (n, N_LANDMARKS), "presence": (n, N_LANDMARKS)}
        for name, shape in expected.items():
            value = np.asarray(getattr(self, name), dtype=float)
            if value.shape != shape:
                raise ValueError(f"PoseTrack.{name} must have shape {shape}, got {value.shape}")
            setattr(self, name, value)
        # Whatever the estimator or a file hands over: coordinates finite or NaN,
        # confidences in [0, 1] (NaN means not seen).
        for name in ("image_xyz", "world_xyz"):
            value = getattr(self, name)
            value[~np.isfinite(value)] = np.nan
        for name in ("visibility", "presence"):
            setattr(self, name, np.clip(np.nan_to_num(getattr(self, name), nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0))
        if self.detected is None:
            self.detected = np.isfinite(self.image_xyz[:, :, 0]).any(axis=1)
        self.detected = np.asarray(self.detected, dtype=bool)
        if self.detected.shape != (n,):
            raise ValueError(f"PoseTrack.detected must have shape {(n,)}, got {self.detected.shape}")
        w, h = self.image_size
        if w <= 0 or h <= 0:
            raise ValueError(f"PoseTrack.image_size must be positive, got {self.image_size}")

    def __len__(self) -> int:
        return len(self.t_s)

    @classmethod
    def empty(cls, n: int, image_size: tuple[int, int]) -> "PoseTrack":
        """A track of ``n`` frames with nobody detected, to be filled frame by frame."""
        nan3 = np.full((n, N_LANDMARKS, 3), np.nan)
        zeros = np.zeros((n, N_LANDMARKS))
        return cls(np.arange(n, dtype=float), nan3, nan3.copy(), zeros, zeros.copy(), image_size,
                   np.zeros(n, dtype=bool))

    @property
    def pixel_xy(self) -> np.ndarray:
        """(T, 33, 2) image coordinates in pixels."""
        w, h = self.image_size
        return self.image_xyz[:, :, :2] * np.array([w, h], dtype=float)

    def slice(self, start: int, stop: int) -> "PoseTrack":
        """Frames ``start:stop`` as a new track (views, not copies)."""
        s = slice(start, stop)
        return PoseTrack(self.t_s[s], self.image_xyz[s], self.world_xyz[s], self.visibility[s],
                         self.presence[s], self.image_size, self.detected[s])

    @classmethod
    def from_rows(cls, t_s, rows: np.ndarray, detected, image_size: tuple[int, int]) -> "PoseTrack":
        """From (T, 33, 8) rows: image xyz, world xyz, visibility, presence (how live sessions keep them)."""
        data = np.asarray(rows, dtype=float)
        return cls(np.asarray(t_s, float), data[:, :, 0:3], data[:, :, 3:6], np.nan_to_num(data[:, :, 6]),
                   np.nan_to_num(data[:, :, 7]), image_size, np.asarray(detected, bool))

    def to_npz(self, path, compact: bool = False) -> None:
        """Save the landmark track (kept with every report so a session can be re-analysed).

        Atomically: written to a temporary file beside ``path`` and renamed over it, so an
        earlier landmarks.npz survives a full disk or an interruption intact. ``compact``
        stores image coordinates as float32 and the rest as float16 (a committed benchmark
        track: a few times smaller, well inside the detector's own error).
        """
        path = Path(path)
        small = (np.float32, np.float16) if compact else (float, float)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, t_s=self.t_s, image_xyz=self.image_xyz.astype(small[0]),
                                    world_xyz=self.world_xyz.astype(small[1]),
                                    visibility=self.visibility.astype(small[1]),
                                    presence=self.presence.astype(small[1]),
                                    image_size=np.array(self.image_size), detected=self.detected)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the track is an ordinary file
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def from_npz(cls, path) -> "PoseTrack":
        with np.load(path) as data:
            # Stored tracks may be float32/float16 (the committed benchmark): compute in float64.
            return cls(*(np.asarray(data[k], float) for k in ("t_s", "image_xyz", "world_xyz", "visibility",
                                                               "presence")),
                       tuple(int(v) for v in data["image_size"]), np.asarray(data["detected"], bool))
