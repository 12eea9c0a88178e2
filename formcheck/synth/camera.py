"""A pinhole camera shared by the landmark generator and the renderer.

Both must agree to the pixel on where a joint lands in the image, so the projection lives
here once. World frame: metres, floor at y = 0, y up. The camera follows the OpenGL
convention (looks down its own -z, +y up), which is what pyrender expects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    position: tuple[float, float, float]
    target: tuple[float, float, float]
    fov_y_deg: float = 55.0
    width: int = 640
    height: int = 480

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"camera size must be positive, got {self.width}x{self.height}")
        if not 5.0 <= self.fov_y_deg <= 150.0:
            raise ValueError(f"fov_y_deg must be in [5, 150], got {self.fov_y_deg}")

    @property
    def focal_px(self) -> float:
        return 0.5 * self.height / np.tan(np.radians(self.fov_y_deg) / 2.0)

    def rotation(self) -> np.ndarray:
        """3x3 matrix whose columns are the camera's right, up and backward axes in world."""
        eye = np.asarray(self.position, float)
        forward = np.asarray(self.target, float) - eye
        forward /= np.linalg.norm(forward)
        up_hint = np.array([0.0, 1.0, 0.0])
        if abs(forward @ up_hint) > 0.99:  # looking straight down/up: pick another hint
            up_hint = np.array([0.0, 0.0, -1.0])
        right = np.cross(forward, up_hint)
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        return np.stack([right, up, -forward], axis=1)

    def pose_matrix(self) -> np.ndarray:
        """4x4 camera-to-world transform (OpenGL convention) for the renderer."""
        pose = np.eye(4)
        pose[:3, :3] = self.rotation()
        pose[:3, 3] = self.position
        return pose

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) to camera coordinates: x right, y down, z forward (metres)."""
        rot = self.rotation()
        rel = np.asarray(points, float) - np.asarray(self.position, float)
        cam = rel @ rot  # columns: right, up, back
        return cam * np.array([1.0, -1.0, -1.0])

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) to pixels (..., 2), origin top left, y down."""
        cam = self.to_camera(points)
        z = np.maximum(cam[..., 2], 1e-6)
        u = self.focal_px * cam[..., 0] / z + self.width / 2.0
        v = self.focal_px * cam[..., 1] / z + self.height / 2.0
        return np.stack([u, v], axis=-1)
