"""How far the camera is turned away from the exercise's recommended view, from the landmarks alone.

The rules of each exercise are written for one camera view (the side of a body lying on its
back or front, the front of a body lying on its side, ...). A camera turned 30 degrees off
that view foreshortens the measured angles, so the report says how far off the set-up was.
The turn is a property of the set-up, not of a rep: it is read from the frames where the
person is still and summarised over the clip.

Everything here is label-free, because MediaPipe swaps left and right: only midpoints
(trunk from mid-hip to mid-shoulder), undirected lines (hip line, shoulder line) and
which end of a line is farther from the lens are used. Each *cue* is a signed geometric
estimate of the turn about the vertical, in degrees, positive when the camera has moved
toward the body's reference end (the feet of a lying body, the front of a standing one):

* ``trunk_world`` / ``trunk_depth``: the trunk should lie across the image; turning the
  camera tilts it out of the image plane by the turn (MediaPipe's world landmarks, and its
  image depth in pixel units). Which end is farther gives the sign.
* ``hips_image`` / ``shoulders_image``: the hip and shoulder lines should point at the lens
  (side views); turned, their far end slides along the trunk by ``sin(turn)`` of their width
  while the trunk shrinks by ``cos(turn)``, so their apparent length over the trunk's grows
  like ``tan(turn)`` times the body's own width-to-trunk ratio (taken from the world landmarks).
* ``hips_world`` / ``shoulders_world``: the same lines' direction in the world landmarks.

MediaPipe's depth is its weakest axis and it pulls poses toward the canonical view, so the
raw cues under-read the turn (a 20 degree turn often reads as 5-8). Per body set-up, each cue
is calibrated by ``turn = gain * |cue| ** power`` fitted on rendered clips with known cameras
(``scripts/eval_camera_angle.py --fit``, the tuning set only), and the calibrated cues are
averaged with weights from their tuning error. Set-ups without rendered clips (standing,
kneeling, seated) use the raw geometry.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from formcheck.pose.landmarks import INDEX, PoseTrack

#: Body set-ups: how the body lies relative to the floor and which view the exercise wants.
LYING_SIDE_VIEW = "lying, side view"  # on the back, front or all fours, camera at the side
SIDE_LYING_FRONT_VIEW = "side-lying, front view"  # on one side, camera in front
UPRIGHT_SIDE_VIEW = "upright, side view"  # standing, kneeling or seated, camera at the side
UPRIGHT_FRONT_VIEW = "upright, front view"  # standing, kneeling or seated, camera in front

#: The oblique view (fire hydrant: behind and to one side) sits this far from the side view
#: toward the feet, as the synthetic scenes place it (40 degrees off straight behind).
OBLIQUE_FROM_SIDE_DEG = 50.0

#: Share of the clip's frames, the stillest, that the turn is read from.
REST_SHARE = 0.5
#: Least tuning error credited to a cue, so one lucky cue cannot take all the weight.
MIN_CUE_SIGMA_DEG = 3.0


@dataclass(frozen=True)
class CueCalibration:
    """``turn = gain * |cue| ** power`` and the cue's typical error after it (tuning set)."""

    gain: float = 1.0
    power: float = 1.0
    sigma_deg: float = 10.0

    def apply(self, cue_deg: np.ndarray) -> np.ndarray:
        cue = np.asarray(cue_deg, float)
        # A turn past 90 degrees would be another view altogether: cap the extrapolation there.
        return np.sign(cue) * np.minimum(self.gain * np.abs(cue) ** self.power, 90.0)


#: Fitted by ``scripts/eval_camera_angle.py --fit`` on benchmarks/faults/tune (MediaPipe on renders).
CALIBRATION: dict[str, dict[str, CueCalibration]] = {
    LYING_SIDE_VIEW: {
        "hips_image": CueCalibration(7.5, 0.5, 6.5),
        "hips_world": CueCalibration(6.5, 0.5, 10.3),
        "shoulders_image": CueCalibration(5.2, 0.5, 10.2),
        "shoulders_world": CueCalibration(7.8, 0.5, 5.6),
        "trunk_depth": CueCalibration(4.3, 0.5, 3.9),
        "trunk_world": CueCalibration(7.6, 0.5, 4.3),
    },
    SIDE_LYING_FRONT_VIEW: {
        "trunk_depth": CueCalibration(4.3, 0.5, 7.4),
        "trunk_world": CueCalibration(7.5, 0.5, 8.9),
    },
}
#: Typical error of the combined estimate per set-up on the tuning set (leave-one-out, degrees).
COMBINED_SIGMA_DEG: dict[str, float] = {LYING_SIDE_VIEW: 7.5, SIDE_LYING_FRONT_VIEW: 11.4}
#: Set-ups without rendered clips: raw geometry, an error guessed from the lying set-ups.
UNCALIBRATED_SIGMA_DEG = 15.0


@dataclass
class CameraAngle:
    """The camera's estimated turn away from the exercise's recommended view.

    ``turn_deg`` is the absolute turn about the vertical (0 = exactly the recommended view);
    ``uncertainty_deg`` the typical error of such an estimate (tuning error, widened when the
    cues disagree); ``confidence`` in [0, 1] falls with that uncertainty and with few still
    frames. ``toward`` names the end of the body the camera has moved toward ("feet"/"head"
    for lying bodies, "front"/"back" for upright side views) when the cues say so clearly.
    """

    turn_deg: float
    uncertainty_deg: float
    confidence: float
    toward: str | None
    body_setup: str
    cues_deg: dict[str, float] = field(default_factory=dict)  # raw signed geometric cues (rest median)
    series_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per frame, signed, calibrated
    rest_frames: int = 0


def _mid(xyz: np.ndarray, joint: str) -> np.ndarray:
    return 0.5 * (xyz[:, INDEX[f"left_{joint}"]] + xyz[:, INDEX[f"right_{joint}"]])


def _line(xyz: np.ndarray, joint: str) -> np.ndarray:
    return xyz[:, INDEX[f"left_{joint}"]] - xyz[:, INDEX[f"right_{joint}"]]


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / _norm(v)[..., None]


def _nanmedian(x: np.ndarray, axis=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nothing seen: NaN
        return np.nanmedian(x, axis=axis)


def _deg(rad: np.ndarray) -> np.ndarray:
    return np.degrees(rad)


def body_setup(track: PoseTrack, view: str) -> str:
    """Which body set-up the geometry assumes: lying or upright (trunk across or up the image) and the view.

    Read from the track rather than the exercise's name, so a custom exercise file works too:
    a trunk that runs more across the image than up it is lying down.
    """
    px = track.pixel_xy
    trunk = _mid(px, "shoulder") - _mid(px, "hip")
    upright = _nanmedian(np.abs(trunk[:, 1])) > _nanmedian(np.abs(trunk[:, 0]))
    if upright:
        return UPRIGHT_FRONT_VIEW if view == "front" else UPRIGHT_SIDE_VIEW
    return SIDE_LYING_FRONT_VIEW if view == "front" else LYING_SIDE_VIEW


def rest_frames(track: PoseTrack, share: float = REST_SHARE) -> np.ndarray:
    """The stillest ``share`` of the frames with a trunk in view (bool per frame).

    The set-up is best seen at rest: mid-rep, a fault such as a rolling pelvis or a rotating
    trunk turns the body toward or away from the lens and would read as a camera turn.
    """
    px = track.pixel_xy
    trunk_px = _norm(_mid(px, "shoulder") - _mid(px, "hip"))
    joints = [INDEX[f"{s}_{j}"] for s in ("left", "right") for j in ("shoulder", "hip", "knee", "ankle")]
    dt = np.gradient(track.t_s) if len(track) > 1 else np.ones(len(track))
    speed = _norm(np.gradient(px[:, joints], axis=0)) / np.maximum(dt, 1e-6)[:, None] if len(track) > 1 \
        else np.zeros((len(track), len(joints)))
    motion = _nanmedian(speed, axis=1) / _nanmedian(trunk_px)
    seen = np.isfinite(motion) & np.isfinite(trunk_px) & (trunk_px > 0)
    if seen.sum() < 3:
        return seen
    return seen & (motion <= np.quantile(motion[seen], share))


def _far_minus_near(xyz: np.ndarray, depth: np.ndarray, joint: str) -> np.ndarray:
    """The line between a joint pair, pointing from the end nearer the lens to the farther one.

    Whichever end MediaPipe calls left, the farther one (greater world depth) is a place, not
    a name, so the direction survives label swaps.
    """
    swap = np.sign(_line(depth, joint)[:, 2])[:, None]
    return swap * _line(xyz, joint)


def _width_ratio(world: np.ndarray, joint: str) -> float:
    """The body's own width of a joint pair over its trunk length (MediaPipe's world proportions)."""
    return float(_nanmedian(_norm(_line(world, joint)) / _norm(_mid(world, "shoulder") - _mid(world, "hip"))))


def _image_xyz_px(track: PoseTrack) -> np.ndarray:
    """Image landmarks in pixels, depth included: MediaPipe scales its depth like image x."""
    return np.concatenate([track.pixel_xy, track.image_xyz[:, :, 2:3] * track.image_size[0]], axis=2)


def _lying_cues(track: PoseTrack, setup: str) -> dict[str, np.ndarray]:
    """Signed cues for a lying body: + when the camera has moved toward the feet.

    The trunk lies across the image in both lying set-ups; only a side view also has the hip
    and shoulder lines pointing at the lens (side-lying, they stand upright whatever the turn).
    """
    world, image = track.world_xyz, _image_xyz_px(track)
    cues = {}
    for name, xyz in (("trunk_world", world), ("trunk_depth", image)):
        trunk = _mid(xyz, "shoulder") - _mid(xyz, "hip")  # toward the head: farther when the camera nears the feet
        cues[name] = _deg(np.arcsin(np.clip(trunk[:, 2] / _norm(trunk), -1.0, 1.0)))
    if setup == SIDE_LYING_FRONT_VIEW:
        return cues
    px = track.pixel_xy
    trunk_px = _mid(px, "shoulder") - _mid(px, "hip")
    feet_px = -_unit(trunk_px)
    feet_world = -_unit(_mid(world[:, :, :2], "shoulder") - _mid(world[:, :, :2], "hip"))
    for joint in ("hip", "shoulder"):
        along = np.sum(_far_minus_near(px, world, joint) * feet_px, axis=1)  # far end slides toward the feet
        ratio = along / _norm(trunk_px) / _width_ratio(world, joint)
        cues[f"{joint}s_image"] = _deg(np.arctan(ratio))
        line = _far_minus_near(world, world, joint)
        cues[f"{joint}s_world"] = _deg(np.arctan2(np.sum(line[:, :2] * feet_world, axis=1), line[:, 2]))
    return cues


def _front_direction(px: np.ndarray, trunk_px: np.ndarray) -> np.ndarray:
    """Unit image direction of the body's front for an upright body seen from the side.

    The nose sits ahead of the ears and the toes ahead of the heels whatever the labels say.
    """
    across = np.stack([-trunk_px[:, 1], trunk_px[:, 0]], axis=1)
    across = _unit(across)
    ahead = (px[:, INDEX["nose"]] - _mid(px, "ear")) + (_mid(px, "foot_index") - _mid(px, "heel"))
    sign = np.sign(_nanmedian(np.sum(ahead * across, axis=1)))
    return across * (sign if sign != 0 else 1.0)


def _upright_cues(track: PoseTrack, setup: str) -> dict[str, np.ndarray]:
    """Cues for an upright body: the hip and shoulder lines against the lens.

    Seen from the side the lines point at the lens and their far end slides toward the body's
    front when the camera moves that way (signed); seen from the front they lie across the
    image and tilt out of it by the turn either way (unsigned: no label-free sign).
    """
    world, image, px = track.world_xyz, _image_xyz_px(track), track.pixel_xy
    trunk_px = _mid(px, "shoulder") - _mid(px, "hip")
    cues = {}
    if setup == UPRIGHT_SIDE_VIEW:
        front_px = _front_direction(px, trunk_px)
        front_world = np.concatenate([front_px, np.zeros((len(px), 1))], axis=1)  # world x, y follow the image
        for joint in ("hip", "shoulder"):
            along = np.sum(_far_minus_near(px, world, joint) * front_px, axis=1)
            ratio = along / _norm(trunk_px) / _width_ratio(world, joint)
            cues[f"{joint}s_image"] = _deg(np.arcsin(np.clip(ratio, -1.0, 1.0)))
            line = _far_minus_near(world, world, joint)
            cues[f"{joint}s_world"] = _deg(np.arctan2(np.sum(line * front_world, axis=1), line[:, 2]))
        return cues
    for joint in ("hip", "shoulder"):
        for name, xyz in (("world", world), ("depth", image)):
            line = _line(xyz, joint)
            cues[f"{joint}s_{name}"] = _deg(np.arcsin(np.clip(np.abs(line[:, 2]) / _norm(line), 0.0, 1.0)))
    return cues


def cue_series(track: PoseTrack, setup: str) -> dict[str, np.ndarray]:
    """Per-frame geometric cues (degrees, uncalibrated) for a body set-up."""
    if setup in (LYING_SIDE_VIEW, SIDE_LYING_FRONT_VIEW):
        return _lying_cues(track, setup)
    return _upright_cues(track, setup)


def _calibration(setup: str, cue: str, calibrated: bool = True) -> CueCalibration:
    """The cue's calibration for MediaPipe, or the raw geometry where no rendered clips calibrate it."""
    fitted = CALIBRATION.get(setup, {}).get(cue, CueCalibration(sigma_deg=UNCALIBRATED_SIGMA_DEG))
    return fitted if calibrated else CueCalibration(sigma_deg=fitted.sigma_deg)


def combine_cues(values: dict[str, np.ndarray], setup: str, calibrated: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of calibrated cues (weights 1/sigma^2 from tuning) and the weighted spread."""
    cues = [c for c in values if c in CALIBRATION.get(setup, values)]
    cal = np.array([_calibration(setup, c, calibrated).apply(values[c]) for c in cues])
    weight = np.array([1.0 / max(_calibration(setup, c).sigma_deg, MIN_CUE_SIGMA_DEG) ** 2 for c in cues])
    weight = np.broadcast_to(weight.reshape((-1,) + (1,) * (cal.ndim - 1)), cal.shape) * np.isfinite(cal)
    total = weight.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(np.nan_to_num(cal) * weight, axis=0) / total
        spread = np.sqrt(np.nansum(np.nan_to_num(cal - mean) ** 2 * weight, axis=0) / total)
    return mean, spread


def _toward(signed: float, uncertainty: float, setup: str, cal: list[float]) -> str | None:
    """Which end the camera has moved toward, when every cue agrees and the turn clears its error."""
    if setup == UPRIGHT_FRONT_VIEW or not np.isfinite(signed) or abs(signed) < uncertainty:
        return None
    if any(np.sign(c) != np.sign(signed) for c in cal if np.isfinite(c)):
        return None
    ends = ("front", "back") if setup == UPRIGHT_SIDE_VIEW else ("feet", "head")
    return ends[0] if signed > 0 else ends[1]


def estimate_camera_angle(track: PoseTrack, exercise, calibrated: bool = True) -> CameraAngle:
    """Estimate how far the camera is turned from ``exercise.view`` (see the module doc for how).

    Each cue is summarised by its median over the still frames, calibrated and averaged;
    the per-frame series (all frames) is kept for plots. An oblique exercise's turn is
    counted from its own recommended angle, 50 degrees round from the side toward the feet.
    ``exercise`` is an exercise (its ``view`` is used) or a view name. ``calibrated=False``
    reads the raw geometry, what an exact tracker's landmarks would give (synthetic tracks).
    """
    view = getattr(exercise, "view", exercise)
    setup = body_setup(track, view)
    cues = cue_series(track, setup)
    still = rest_frames(track)
    raw = {c: float(_nanmedian(v[still])) if still.any() else float("nan") for c, v in cues.items()}
    signed, spread = combine_cues({c: np.array(v) for c, v in raw.items()}, setup, calibrated)
    series, _ = combine_cues(cues, setup, calibrated)
    sigma = COMBINED_SIGMA_DEG.get(setup, UNCALIBRATED_SIGMA_DEG)
    uncertainty = float(max(sigma, spread)) if np.isfinite(spread) else float("nan")
    offset = OBLIQUE_FROM_SIDE_DEG if view == "oblique" else 0.0
    if setup == UPRIGHT_FRONT_VIEW:
        signed = abs(signed)  # no label-free sign: the turn is as large either way
    turn = abs(float(signed) - offset)
    if not np.isfinite(turn):
        return CameraAngle(float("nan"), float("nan"), 0.0, None, setup, raw, series, int(still.sum()))
    confidence = float(np.clip(1.0 - uncertainty / 45.0, 0.0, 1.0) * min(1.0, still.sum() / 12.0))
    cal = [float(_calibration(setup, c, calibrated).apply(v)) for c, v in raw.items()
           if c in CALIBRATION.get(setup, raw)]
    return CameraAngle(turn, uncertainty, confidence, _toward(float(signed), uncertainty, setup, cal),
                       setup, raw, series, int(still.sum()))
