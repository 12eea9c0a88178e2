"""MediaPipe-format landmark tracks from motion scripts: the engine's ground-truth inputs.

Projects a :class:`~formcheck.synth.motion.Performance` through a camera and adds what a
real pose estimator adds: pixel jitter, weaker depth, lower visibility for occluded
joints, dropouts and left/right label swaps. Engine tests feed these tracks and compare
the verdicts with the script's truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import INDEX, LANDMARK_NAMES, PoseTrack
from formcheck.synth.camera import Camera
from formcheck.synth.motion import Performance, motion_for

VIEW_AZIMUTH_DEG = {"front": 0.0, "side": 0.0, "oblique": 40.0, "feet": 90.0}


@dataclass(frozen=True)
class CameraSpec:
    """Where to put the camera relative to the body, in words a user could follow."""

    view: str = "recommended"  # front | side | oblique | feet | recommended
    distance_m: float = 2.6
    height_m: float | None = None  # None: the exercise's recommended lens height
    fov_y_deg: float = 55.0
    azimuth_deg: float = 0.0  # the view turned about the vertical (+: toward +x, the feet of a supine/prone body)
    width: int = 640
    height: int = 480


def place_camera(perf: Performance, spec: CameraSpec = CameraSpec()) -> Camera:
    """Aim a camera at the performance from the requested view.

    Every scripted lying exercise is laid out so that +z is the recommended view (side of a
    supine/prone body, front of a side-lying body); other views rotate about the vertical.
    """
    motion = motion_for(perf.exercise)
    view = motion.view if spec.view == "recommended" else spec.view
    if view not in VIEW_AZIMUTH_DEG:
        raise ValueError(f"unknown camera view {view!r}; valid: {', '.join(VIEW_AZIMUTH_DEG)}")
    first = perf.joints3d[0]
    centre = 0.5 * (first.min(axis=0) + first.max(axis=0))
    centre[1] = max(centre[1], 0.2)
    az = np.radians(VIEW_AZIMUTH_DEG[view] + _quarter_turn(first, view) + spec.azimuth_deg)
    if view == "feet":  # from the end of the body where the feet are
        feet = first[[INDEX["left_ankle"], INDEX["right_ankle"]]].mean(axis=0)
        direction = np.array([np.sign(feet[0] - centre[0]) or 1.0, 0.0, 0.0])
    else:
        direction = np.array([np.sin(az), 0.0, np.cos(az)])
    height = motion.camera_height if spec.height_m is None else spec.height_m
    position = centre + spec.distance_m * direction
    position[1] = height
    return Camera(tuple(position), tuple(centre), spec.fov_y_deg, spec.width, spec.height)


def _quarter_turn(joints: np.ndarray, view: str) -> float:
    """90 degrees when the layout's +z sees the other of front/side than ``view`` asks, else 0.

    +z shows each posture from its recommended view, so without this turn ``view="front"``
    of a side-view exercise (or "side" of a front-view one) silently gave the recommended
    view. +z sees the body's side when its left-right line points along z (a supine body, a
    person standing sideways), its front or back otherwise (side-lying, facing the camera,
    all fours seen from behind).
    """
    if view not in ("front", "side"):
        return 0.0
    across = joints[[INDEX["right_hip"], INDEX["right_shoulder"]]] - joints[[INDEX["left_hip"], INDEX["left_shoulder"]]]
    across = across.sum(axis=0)
    z_sees = "side" if abs(across[2]) > 0.7 * np.linalg.norm(across) else "front"
    return 0.0 if z_sees == view else 90.0


@dataclass(frozen=True)
class TrackerNoise:
    """What a pose estimator does to the truth."""

    pixel_sigma: float = 1.0  # jitter of image landmarks, pixels
    world_sigma_m: float = 0.01  # jitter of world x and y
    depth_sigma_m: float = 0.03  # world z is the weakest axis
    dropouts: tuple[tuple[float, float], ...] = ()  # (start_s, end_s) with no person found
    swap_legs: tuple[tuple[float, float], ...] = ()  # spans where left/right leg labels swap
    seed: int = 0


_LEFT = [i for i, n in enumerate(LANDMARK_NAMES) if n.startswith("left")]
_RIGHT = [INDEX[LANDMARK_NAMES[i].replace("left", "right", 1)] for i in _LEFT]
_LEG_LEFT = [INDEX[f"left_{n}"] for n in ("hip", "knee", "ankle", "heel", "foot_index")]
_LEG_RIGHT = [INDEX[f"right_{n}"] for n in ("hip", "knee", "ankle", "heel", "foot_index")]


def _visibility(cam_xyz: np.ndarray, pixels: np.ndarray, camera: Camera) -> np.ndarray:
    """Near-side joints are clear, far-side joints partly hidden, joints off-image barely seen."""
    hip_depth = cam_xyz[:, [INDEX["left_hip"], INDEX["right_hip"]], 2].mean(axis=1, keepdims=True)
    behind = cam_xyz[:, :, 2] - hip_depth
    vis = np.clip(0.97 - 2.0 * np.maximum(behind - 0.04, 0.0), 0.55, 0.97)
    inside = ((pixels[..., 0] >= 0) & (pixels[..., 0] < camera.width)
              & (pixels[..., 1] >= 0) & (pixels[..., 1] < camera.height))
    return np.where(inside, vis, 0.05)


def track_from_performance(perf: Performance, camera: Camera, noise: TrackerNoise = TrackerNoise()) -> PoseTrack:
    """The PoseTrack a perfect-but-noisy MediaPipe would report for this performance."""
    rng = np.random.default_rng(noise.seed)
    cam_xyz = camera.to_camera(perf.joints3d)  # x right, y down, z forward
    pixels = camera.project(perf.joints3d)
    n = len(perf.t_s)
    pixels = pixels + rng.normal(0.0, noise.pixel_sigma, pixels.shape)
    size = np.array([camera.width, camera.height], float)
    hip_mid = cam_xyz[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1, keepdims=True)
    rel_depth = (cam_xyz[..., 2] - hip_mid[..., 2]) * camera.focal_px / np.maximum(hip_mid[..., 2], 1e-3)
    image_xyz = np.concatenate([pixels / size, (rel_depth / camera.width)[..., None]], axis=-1)
    world = cam_xyz - hip_mid
    world = world + rng.normal(0.0, 1.0, world.shape) * np.array(
        [noise.world_sigma_m, noise.world_sigma_m, noise.depth_sigma_m])
    visibility = _visibility(cam_xyz, pixels, camera)
    presence = np.full_like(visibility, 0.99)
    for start, end in noise.swap_legs:
        rows = (perf.t_s >= start) & (perf.t_s < end)
        for arr in (image_xyz, world, visibility, presence):
            sub = arr[rows]
            sub[:, _LEG_LEFT], sub[:, _LEG_RIGHT] = sub[:, _LEG_RIGHT].copy(), sub[:, _LEG_LEFT].copy()
            arr[rows] = sub
    detected = np.ones(n, dtype=bool)
    for start, end in noise.dropouts:
        detected &= ~((perf.t_s >= start) & (perf.t_s < end))
    image_xyz[~detected] = np.nan
    world[~detected] = np.nan
    visibility[~detected] = 0.0
    presence[~detected] = 0.0
    return PoseTrack(perf.t_s.copy(), image_xyz, world, visibility, presence,
                     (camera.width, camera.height), detected)


def synthetic_track(script, camera: CameraSpec = CameraSpec(), noise: TrackerNoise = TrackerNoise()):
    """(PoseTrack, Performance) for a motion script: the one-call factory tests use."""
    from formcheck.synth.motion import perform

    perf = perform(script)
    return track_from_performance(perf, place_camera(perf, camera), noise), perf
