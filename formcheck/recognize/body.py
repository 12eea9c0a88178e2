"""How the body lies and how the legs sit, sample by sample: what exercise recognition looks at.

The recogniser must not depend on where the camera stands or how big the person is, so
every description here is relative: to gravity (both MediaPipe's image y axis and its world
y axis point down, so gravity is known without calibration), to the trunk, and in trunk
lengths. World landmarks give 3-D directions; depth is MediaPipe's weakest axis, so the
image plane is described too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import INDEX, PoseTrack

GRID_HZ = 10.0  # features are computed on a fixed time grid, so the frame rate does not matter

_L = {n: INDEX[f"left_{n}"] for n in ("shoulder", "hip", "knee", "ankle", "wrist", "heel", "foot_index")}
_R = {n: INDEX[f"right_{n}"] for n in ("shoulder", "hip", "knee", "ankle", "wrist", "heel", "foot_index")}
_NOSE = INDEX["nose"]
_DOWN = np.array([0.0, 1.0, 0.0])  # gravity in MediaPipe's camera-aligned world frame (y down)


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at b (degrees), any dimension."""
    u, v = _unit(a - b), _unit(c - b)
    return np.degrees(np.arccos(np.clip(np.sum(u * v, axis=-1), -1.0, 1.0)))


def resample(track: PoseTrack, hz: float = GRID_HZ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, world (N,33,3), image pixels (N,33,2)) on a regular grid; NaN where a landmark was not seen.

    Each landmark is interpolated linearly between the frames where it was seen, but never
    across a gap longer than 0.5 s.
    """
    t = track.t_s
    if len(t) == 0:
        return np.zeros(0), np.zeros((0, 33, 3)), np.zeros((0, 33, 2))
    grid = np.arange(t[0], t[-1] + 1e-9, 1.0 / hz)
    src = np.concatenate([track.world_xyz, track.pixel_xy], axis=-1)  # (T, 33, 5)
    src[~track.detected] = np.nan
    out = np.full((len(grid), 33, 5), np.nan)
    for j in range(33):
        ok = np.isfinite(src[:, j]).all(axis=1)
        if ok.sum() < 2:
            continue
        tk = t[ok]
        for c in range(5):
            out[:, j, c] = np.interp(grid, tk, src[ok, j, c])
        nxt = np.searchsorted(tk, grid)
        gap = (tk[np.clip(nxt, 0, len(tk) - 1)] - tk[np.clip(nxt - 1, 0, len(tk) - 1)] > 0.5)
        gap |= (grid < tk[0] - 0.25) | (grid > tk[-1] + 0.25)
        out[gap, j] = np.nan
    return grid, out[..., :3], out[..., 3:]


def _local_median(x: np.ndarray, half: int = int(2 * GRID_HZ)) -> np.ndarray:
    """Median over +-2 s around each sample (NaN-aware), for sizes that change when the
    person moves to another place or position in a recording of several sets."""
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        v = x[max(0, i - half):i + half + 1]
        v = v[np.isfinite(v)]
        if len(v):
            out[i] = np.median(v)
    return out


def _toward_head(dx: np.ndarray, half: int = int(2 * GRID_HZ)) -> np.ndarray:
    """+1 or -1 per sample: the image x direction from the hips to the face, over +-2 s."""
    out = np.ones(len(dx))
    for i in range(len(dx)):
        v = dx[max(0, i - half):i + half + 1]
        v = v[np.isfinite(v)]
        if len(v):
            out[i] = 1.0 if np.median(v) >= 0 else -1.0
    return out


@dataclass
class BodySeries:
    """Per-grid-sample descriptions of the body; per-leg arrays are (N, 2): left, right."""

    t_s: np.ndarray
    trunk: dict[str, np.ndarray]
    legs: dict[str, np.ndarray]
    leg_motion: np.ndarray  # (N, 2, 6): knee and ankle relative to the pelvis, in trunk lengths
    seen: np.ndarray  # (N,) bool


@dataclass
class _TrunkFrame:
    """The trunk's own axes in the world: up (hips to shoulders), lateral (right to left), forward (the face)."""

    hip_mid: np.ndarray
    sh_mid: np.ndarray
    scale: np.ndarray  # the local trunk length: every world length is measured in it
    up: np.ndarray
    lat: np.ndarray
    fwd: np.ndarray


@dataclass
class _ImageTrunk:
    """The trunk in the picture: y down is gravity; x is signed toward the head so mirror views agree."""

    hip: np.ndarray
    shoulder: np.ndarray
    scale: np.ndarray  # the local trunk length in pixels
    toward: np.ndarray  # +1 or -1: the image x direction from the hips to the face


def body_series(t: np.ndarray, world: np.ndarray, pix: np.ndarray) -> BodySeries:
    """Orientation, joint angles and limb directions relative to the trunk and to gravity.

    Left/right labels are only used to pair a knee with its own hip: which leg works is
    decided later, from movement.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        frame = _trunk_frame(world)
        image = _image_trunk(pix)
        trunk = _trunk_posture(world, frame) | _image_trunk_posture(pix, image)
        legs: dict[str, list] = {}
        motion = []
        for J in (_L, _R):
            for k, v in _leg_posture(world, pix, J, frame, image).items():
                legs.setdefault(k, []).append(v)
            motion.append(_leg_motion(world, J, frame))
        legs_arr = {k: np.stack(v, axis=1) for k, v in legs.items()}
        seen = np.isfinite(frame.hip_mid[:, 0]) & np.isfinite(frame.sh_mid[:, 0])
        return BodySeries(t, trunk, legs_arr, np.stack(motion, axis=1), seen)


def _trunk_frame(w: np.ndarray) -> _TrunkFrame:
    hip_l, hip_r = w[:, _L["hip"]], w[:, _R["hip"]]
    sh_l, sh_r = w[:, _L["shoulder"]], w[:, _R["shoulder"]]
    hip_mid, sh_mid = 0.5 * (hip_l + hip_r), 0.5 * (sh_l + sh_r)
    trunk_len = np.linalg.norm(sh_mid - hip_mid, axis=-1)
    scale = _local_median(trunk_len)  # lengths are measured in trunk lengths, locally
    up = _unit(sh_mid - hip_mid)
    lat = (hip_l - hip_r) + (sh_l - sh_r)
    lat = _unit(lat - np.sum(lat * up, axis=-1, keepdims=True) * up)
    fwd = np.cross(up, lat)
    face = w[:, _NOSE] - sh_mid  # the face is in front: fixes the sign whatever the labels
    flip = np.sign(np.sum(face * fwd, axis=-1, keepdims=True))
    fwd = fwd * np.where(flip == 0, 1.0, flip)
    return _TrunkFrame(hip_mid, sh_mid, scale, up, lat, fwd)


def _trunk_posture(w: np.ndarray, f: _TrunkFrame) -> dict[str, np.ndarray]:
    """Lying, sitting or standing, and on which side: the trunk against gravity, in the world."""
    return {
        "up_vs_gravity": -f.up @ _DOWN,  # 1 upright, 0 lying, -1 upside down
        "front_vs_gravity": -f.fwd @ _DOWN,  # 1 face to the ceiling (supine), -1 prone
        "side_vs_gravity": np.abs(f.lat @ _DOWN),  # 1 lying on a side
        "hip_height": ((0.5 * (w[:, _L["ankle"]] + w[:, _R["ankle"]]) - f.hip_mid) @ _DOWN) / f.scale,
        "shoulder_height": ((f.hip_mid - f.sh_mid) @ _DOWN) / f.scale,
        "knee_height": ((0.5 * (w[:, _L["knee"]] + w[:, _R["knee"]]) - f.hip_mid) @ _DOWN) / f.scale,
        "knee_gap": np.linalg.norm(w[:, _L["knee"]] - w[:, _R["knee"]], axis=-1) / f.scale,
        "ankle_gap": np.linalg.norm(w[:, _L["ankle"]] - w[:, _R["ankle"]], axis=-1) / f.scale,
    }


def _image_trunk(p: np.ndarray) -> _ImageTrunk:
    phip = 0.5 * (p[:, _L["hip"]] + p[:, _R["hip"]])
    psh = 0.5 * (p[:, _L["shoulder"]] + p[:, _R["shoulder"]])
    pscale = _local_median(np.linalg.norm(psh - phip, axis=-1))
    return _ImageTrunk(phip, psh, pscale, _toward_head(p[:, _NOSE, 0] - phip[:, 0]))


def _image_trunk_posture(p: np.ndarray, im: _ImageTrunk) -> dict[str, np.ndarray]:
    """The same questions asked of the picture, where depth cannot mislead."""
    ptrunk = im.shoulder - im.hip
    plen = np.linalg.norm(ptrunk, axis=-1)
    return {
        "image_trunk_up": -ptrunk[:, 1] / plen,
        "image_trunk_across": np.abs(ptrunk[:, 0]) / plen,
        "image_shoulder_width": np.linalg.norm(p[:, _L["shoulder"]] - p[:, _R["shoulder"]], axis=-1) / im.scale,
        "image_hip_width": np.linalg.norm(p[:, _L["hip"]] - p[:, _R["hip"]], axis=-1) / im.scale,
        "image_nose_up": -(p[:, _NOSE, 1] - im.shoulder[:, 1]) / im.scale,
        "image_nose_ahead": im.toward * (p[:, _NOSE, 0] - im.shoulder[:, 0]) / im.scale,
        "image_hip_height": (0.5 * (p[:, _L["ankle"], 1] + p[:, _R["ankle"], 1]) - im.hip[:, 1]) / im.scale,
    }


def _leg_posture(w: np.ndarray, p: np.ndarray, J: dict[str, int], f: _TrunkFrame,
                 im: _ImageTrunk) -> dict[str, np.ndarray]:
    """One leg's hip, knee and ankle angles and where its thigh and shank point."""
    hip, knee, ankle = w[:, J["hip"]], w[:, J["knee"]], w[:, J["ankle"]]
    toe = w[:, J["foot_index"]]
    out = _unit(hip - f.hip_mid)  # from the pelvis centre to this hip: "outward" for this leg
    thigh, shank = _unit(knee - hip), _unit(ankle - knee)
    ph, pk, pa = p[:, J["hip"]], p[:, J["knee"]], p[:, J["ankle"]]
    pthigh, pshank = _unit(pk - ph), _unit(pa - pk)
    return {
        "hip_angle": _angle(f.sh_mid, hip, knee),
        "knee_angle": _angle(hip, knee, ankle),
        "ankle_angle": _angle(knee, ankle, toe),
        "thigh_down": thigh @ _DOWN,
        "shank_down": shank @ _DOWN,
        "thigh_forward": np.sum(thigh * f.fwd, axis=-1),
        "thigh_outward": np.sum(thigh * out, axis=-1),
        "thigh_up": np.sum(thigh * f.up, axis=-1),
        "shank_forward": np.sum(shank * f.fwd, axis=-1),
        "shank_outward": np.sum(shank * out, axis=-1),
        "ankle_outward": np.sum((ankle - f.hip_mid) * out, axis=-1) / f.scale,
        "knee_outward": np.sum((knee - f.hip_mid) * out, axis=-1) / f.scale,
        "image_knee_angle": _angle(ph, pk, pa),
        "image_hip_angle": _angle(im.shoulder, ph, pk),
        "image_thigh_down": pthigh[:, 1],
        "image_shank_down": pshank[:, 1],
        "image_thigh_ahead": im.toward * pthigh[:, 0],
        "image_shank_ahead": im.toward * pshank[:, 0],
        # Where the knee and ankle are in the picture, from the hips in trunk lengths: their
        # range over a window is how far they travel on screen, which depth cannot blur.
        "image_knee_ahead": im.toward * (pk[:, 0] - im.hip[:, 0]) / im.scale,
        "image_knee_below": (pk[:, 1] - im.hip[:, 1]) / im.scale,
        "image_ankle_ahead": im.toward * (pa[:, 0] - im.hip[:, 0]) / im.scale,
        "image_ankle_below": (pa[:, 1] - im.hip[:, 1]) / im.scale,
    }


def _leg_motion(w: np.ndarray, J: dict[str, int], f: _TrunkFrame) -> np.ndarray:
    """(N, 6): the knee and the ankle relative to the pelvis, in trunk lengths (which leg works)."""
    knee, ankle = w[:, J["knee"]], w[:, J["ankle"]]
    return np.concatenate([(knee - f.hip_mid) / f.scale[:, None], (ankle - f.hip_mid) / f.scale[:, None]], axis=-1)
