"""How MediaPipe really errs on rendered clips, fitted from the fault benchmark, and replayed.

The naive :class:`~formcheck.synth.generate.TrackerNoise` adds white pixel jitter, which
is not how the detector fails: on the renders its landmarks sit a few pixels off the
true joint for a whole clip (hips above the joint centre, the far leg pulled toward the
near one), drift slowly with the pose (lag-1 correlation above 0.9), now and then jump
far off, and sometimes trade the two legs' labels. A landmark-level set built with that
error structure exercises the rules the way real detector output does, thousands of
times faster than rendering and tracking video.

Everything is measured in a canonical frame so that it transfers between clips:

* sizes in *body lengths*: the true shoulder-to-hip length as the lens sees it at the
  body's distance (focal length x torso metres / depth), not foreshortened by the view;
* image x counted toward the head (lying bodies lie either way in the image), y down;
* joints by role instead of label: in a side view (bridge, prone) the side nearer the
  lens is ``near``, the other ``far``; in a front view (side-lying) ``top`` and ``bottom``.

Per view group the model keeps, per joint: a per-clip constant bias (mean and spread
across clips), a pose coupling (the part of the error that follows the thighs, shanks
and trunk: a hip slides as its knee opens; fitted per exercise, kept only where it
predicts left-out clips), AR(1) noise (sigma and correlation time, the per-joint part
also losing correlation as the joint moves: the detector's error holds while a joint is
still and changes while it moves) split into a part shared by the trunk and legs and a
per-joint part, gross errors (rate, length, size), image depth (gain over the true
relative depth plus bias and noise), world-coordinate error in metres, visibility (logit
level and noise); and per clip: leg and arm label swaps (short episodes, or the whole
clip) and dropouts. One law over all views scales a clip's own errors with its body size
in the image and its camera turn (:func:`error_scale`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.model_files import model_file
from formcheck.pose.landmarks import INDEX, LANDMARK_NAMES, PoseTrack

DEFAULT_PATH = model_file("landmark_error_model.json")
ROLES = {"side": ("near", "far"), "front": ("top", "bottom")}
#: A residual (after the clip's bias) past this many body lengths is a gross error, not noise.
OUTLIER_BODY = 0.3
#: Leg (arm) label swaps are only decidable where the two true limbs are this far apart.
SWAP_APART_BODY = 0.3
#: Clip biases are heavy-tailed (most clips a few px off, a few far off): Student t draws
#: with this many degrees of freedom, scaled so their median spread is the fitted robust sd
#: (0.7407: the t(4) upper quartile), no further out than the tuning clips went (in robust sds).
BIAS_DOF = 4.0
BIAS_T_SCALE = 0.6745 / 0.7407
BIAS_MAX_SD = 5.0
#: ... and where one labelling fits the truth clearly better: its summed distance under this share of the other's.
SWAP_MARGIN = 0.8
LIMBS = {"legs": ("hip", "knee", "ankle", "heel", "foot_index"), "arms": ("shoulder", "elbow", "wrist")}
JOINT_GROUPS = {
    "face": ("nose", "eye_inner", "eye", "eye_outer", "ear"),
    "shoulder": ("shoulder",), "elbow": ("elbow",), "wrist": ("wrist",), "hand": ("pinky", "index", "thumb"),
    "hip": ("hip",), "knee": ("knee",), "ankle": ("ankle",), "foot": ("heel", "foot_index"),
}
#: The pose drivers of the coupled error: thigh, shank and trunk side of each role (canonical slots),
#: as image vectors in body lengths minus their clip median. MediaPipe's hips slide along the
#: thigh as a knee opens; this is the part of its error that follows the movement.
DRIVER_BONES = ((23, 25), (25, 27), (24, 26), (26, 28), (23, 11), (24, 12))
#: The joints whose pose coupling is kept: the ones the hip exercises' rules measure.
COUPLED = [INDEX[f"{s}_{j}"] for s in ("left", "right")
           for j in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index")]
#: Shoulders, hips, knees and ankles of both sides: the joints whose clip-level placement the fit reads.
LIMB_JOINTS = [INDEX[f"{s}_{j}"] for s in ("left", "right") for j in ("shoulder", "hip", "knee", "ankle")]
_MIRROR = np.array([INDEX[n.replace("left", "@").replace("right", "left").replace("@", "right")]
                    for n in LANDMARK_NAMES])


def joint_group(name: str) -> str:
    """The joint group of a landmark, by label or role name (``near_knee`` -> knee)."""
    for prefix in ("left_", "right_", "near_", "far_", "top_", "bottom_"):
        name = name.removeprefix(prefix)
    if name.startswith("mouth"):
        return "face"
    return next(g for g, parts in JOINT_GROUPS.items() if name in parts)


def role_names(view: str) -> list[str]:
    """The 33 landmark names with left/right replaced by the view's roles (first role = left slot)."""
    a, b = ROLES[view]
    return [n.replace("left", a).replace("right", b) for n in LANDMARK_NAMES]


@dataclass(frozen=True)
class ClipGeometry:
    """What puts one clip's errors in the canonical frame (see module doc)."""

    view: str
    body_px: float  # one body length (true torso, unforeshortened) in pixels
    head_sign: float  # +1 when the head is toward +x in the image
    perm: np.ndarray  # canonical slot -> landmark index (an involution: identity or the L/R mirror)
    dt: float  # frame interval, s
    turn_deg: float = 0.0  # the camera's turn away from the recommended view, 0-90


def body_size_px(exact: PoseTrack) -> float:
    """The true torso length in pixels at the body's distance, from an exact track.

    An exact track (``track_from_performance`` without noise) keeps world = camera axes
    minus the hip centre and image z = world z x focal / hip depth, so focal / depth is
    read off exactly; the 2D torso is the fallback for tracks that lack it.
    """
    w = exact.image_size[0]
    dz, iz = exact.world_xyz[..., 2], exact.image_xyz[..., 2] * w
    with np.errstate(invalid="ignore", divide="ignore"):
        f_over_z = np.nansum(iz * dz, axis=1) / np.nansum(dz * dz, axis=1)
    world = exact.world_xyz
    torso_m = np.linalg.norm(world[:, [11, 12]].mean(axis=1) - world[:, [23, 24]].mean(axis=1), axis=1)
    size = float(np.nanmedian(f_over_z * torso_m))
    if not np.isfinite(size) or size <= 0:
        px = exact.pixel_xy
        size = float(np.nanmedian(np.linalg.norm(px[:, [11, 12]].mean(1) - px[:, [23, 24]].mean(1), axis=1)))
    return size


def infer_view(exact: PoseTrack) -> str:
    """"side" when the hips differ in depth (a lying body seen from its side), "front" when stacked."""
    d = exact.world_xyz[:, INDEX["left_hip"]] - exact.world_xyz[:, INDEX["right_hip"]]
    return "side" if np.nanmedian(np.abs(d[:, 2])) > np.nanmedian(np.abs(d[:, 1])) else "front"


def camera_turn_deg(exact: PoseTrack, view: str) -> float:
    """How far the camera is turned from the recommended view (0-90 deg), read from the exact world axes.

    Seen from the recommended view the hip line runs along the lens axis (side view) or
    the trunk lies across it (front view of a side-lying body); the turn is the angle off that.
    """
    w = exact.world_xyz
    if view == "side":
        v = np.nanmedian(w[:, INDEX["left_hip"]] - w[:, INDEX["right_hip"]], axis=0)
        a = np.degrees(np.arctan2(v[0], v[2]))
    else:
        v = np.nanmedian(w[:, [11, 12]].mean(axis=1) - w[:, [23, 24]].mean(axis=1), axis=0)
        a = np.degrees(np.arctan2(v[2], v[0]))
    a = abs(float(a)) % 180.0
    return min(a, 180.0 - a)


def clip_geometry(exact: PoseTrack, view: str | None = None) -> ClipGeometry:
    """Roles, head direction and body size of a clip, from its exact track."""
    view = view or infer_view(exact)
    if view not in ROLES:
        raise ValueError(f"unknown view group {view!r}; valid: {', '.join(ROLES)}")
    lh, rh = INDEX["left_hip"], INDEX["right_hip"]
    if view == "side":  # near = smaller camera depth
        left_first = np.nanmedian(exact.world_xyz[:, lh, 2] - exact.world_xyz[:, rh, 2]) <= 0
    else:  # top = smaller image y
        left_first = np.nanmedian(exact.pixel_xy[:, lh, 1] - exact.pixel_xy[:, rh, 1]) <= 0
    px = exact.pixel_xy
    head = np.nanmedian(px[:, [11, 12], 0].mean(1) - px[:, [23, 24], 0].mean(1))
    dt = float(np.median(np.diff(exact.t_s))) if len(exact) > 1 else 1 / 24
    return ClipGeometry(view, body_size_px(exact), 1.0 if head >= 0 else -1.0,
                        np.arange(33) if left_first else _MIRROR.copy(), dt, camera_turn_deg(exact, view))


def error_scale(g: ClipGeometry, spec: dict | None) -> float:
    """How much larger than typical (in body lengths) this clip's errors run, for its size and camera turn.

    A small body in the image errs more in body lengths (part of the error is pixels, not
    proportion), and a turned camera may err more: ``spec`` is the fitted log-linear law
    around the tuning set's typical clip (factor 1 there).
    """
    if not spec:
        return 1.0
    return float(np.exp(spec["size_slope"] * np.log(g.body_px / spec["ref_body_px"])
                        + spec["turn_slope"] * (g.turn_deg - spec["ref_turn_deg"]) / 60.0))


def _limb_pairs(limb: str) -> tuple[list[int], list[int]]:
    return ([INDEX[f"left_{j}"] for j in LIMBS[limb]], [INDEX[f"right_{j}"] for j in LIMBS[limb]])


def swapped_frames(real_px: np.ndarray, true_px: np.ndarray, body_px: float, limb: str = "legs") -> np.ndarray:
    """Per frame: 1 where the track's left limb lies nearer the true right one, 0 where not, NaN undecidable.

    Undecidable where the true limbs overlap (distal joints under ``SWAP_APART_BODY`` body
    lengths apart), where the limb was not tracked, and where neither labelling fits
    clearly better (``SWAP_MARGIN``: both labels on one leg is a gross error, not a swap).
    """
    left, right = _limb_pairs(limb)
    dist = lambda a, b: np.linalg.norm(real_px[:, a] - true_px[:, b], axis=-1).sum(axis=1)  # noqa: E731
    same, swap = dist(left, left) + dist(right, right), dist(left, right) + dist(right, left)
    apart = np.linalg.norm(true_px[:, left[1:]] - true_px[:, right[1:]], axis=-1).mean(axis=1)
    out = np.full(len(same), np.nan)
    out[swap < SWAP_MARGIN * same] = 1.0
    out[same < SWAP_MARGIN * swap] = 0.0
    out[(apart < SWAP_APART_BODY * body_px) | ~np.isfinite(same + swap)] = np.nan
    return out


def _swap_rows(arr: np.ndarray, rows: np.ndarray, limb: str) -> None:
    left, right = _limb_pairs(limb)
    sub = arr[rows]
    sub[:, left], sub[:, right] = sub[:, right].copy(), sub[:, left].copy()
    arr[rows] = sub


def _canonical_positions(exact: PoseTrack, g: ClipGeometry) -> np.ndarray:
    pos = exact.pixel_xy[:, g.perm] / g.body_px
    pos[..., 0] *= g.head_sign
    return pos


def joint_motion(exact: PoseTrack, g: ClipGeometry) -> np.ndarray:
    """(T, J) how far each true joint moved since the previous frame, body lengths (0 on the first)."""
    step = np.linalg.norm(np.diff(_canonical_positions(exact, g), axis=0), axis=-1)
    return np.vstack([np.zeros((1, step.shape[1])), step])


def pose_drivers(exact: PoseTrack, g: ClipGeometry) -> np.ndarray:
    """(T, 2 x bones) the clip's ``DRIVER_BONES`` in the canonical frame, minus their clip median."""
    pos = _canonical_positions(exact, g)
    bones = np.stack([pos[:, b] - pos[:, a] for a, b in DRIVER_BONES], axis=1)
    return (bones - np.nanmedian(bones, axis=0)).reshape(len(pos), -1)


def _logit(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.002, 0.998)
    return np.log(v / (1 - v))


def clip_errors(real: PoseTrack, exact: PoseTrack, view: str | None = None) -> dict:
    """One clip's errors in the canonical frame: what the fit pools over clips.

    Frames where a limb's labels are swapped are un-swapped first, so a swap is counted
    once as a swap and not again as a gross error of every joint of the limb.
    """
    g = clip_geometry(exact, view)
    rp, tp = real.pixel_xy.copy(), exact.pixel_xy
    rz, rw, rv = real.image_xyz[..., 2].copy(), real.world_xyz.copy(), real.visibility.copy()
    swaps = {}
    for limb in LIMBS:
        s = swapped_frames(rp, tp, g.body_px, limb)
        swaps[limb] = s
        for arr in (rp, rz, rw, rv):
            _swap_rows(arr, s == 1, limb)
    w = real.image_size[0]
    xy = (rp - tp)[:, g.perm] / g.body_px
    xy[..., 0] *= g.head_sign
    world = (rw - exact.world_xyz)[:, g.perm]
    world[..., 0] *= g.head_sign
    det = real.detected
    xy[~det], world[~det] = np.nan, np.nan
    return {"geometry": g, "xy": xy, "world": world, "drivers": pose_drivers(exact, g), "motion": joint_motion(exact, g),
            "z_real": (rz * w / g.body_px)[:, g.perm, None],
            "z_exact": (exact.image_xyz[..., 2] * w / g.body_px)[:, g.perm, None],
            "vis": np.where(det[:, None], _logit(rv), np.nan)[:, g.perm, None], "detected": det, "swaps": swaps}


# --- replaying the fitted model on an exact track ---------------------------------------------

def load_model(path: Path | str = DEFAULT_PATH) -> dict:
    """The fitted parameters (``models/landmark_error_model.json`` by default)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save_model(params: dict, path: Path | str = DEFAULT_PATH) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(params, indent=1)
    # One line per innermost list of numbers: a small file that still diffs joint by joint.
    text = re.sub(r"\[\s+([^\[\]{}\"]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _ar1(rng: np.random.Generator, n: int, sigma: np.ndarray, tau_s: np.ndarray, dt: float,
         motion: np.ndarray | None = None, per_body: np.ndarray | None = None) -> np.ndarray:
    """Stationary AR(1) noise of marginal ``sigma``, correlation exp(-lag / tau) x exp(-per_body x distance moved).

    MediaPipe's error holds while a joint is still and is re-drawn as it moves, so with
    ``motion`` ((n, J) body lengths moved per frame) the correlation also decays with the
    movement; each step keeps the marginal spread, only the frame-to-frame change varies.
    """
    sigma = np.nan_to_num(np.asarray(sigma, float))
    tau = np.asarray(tau_s, float)
    phi = np.where(np.isfinite(tau) & (tau > 0), np.exp(-dt / np.where(tau > 0, tau, 1.0)), 0.0)
    phis = np.broadcast_to(phi, (n, *sigma.shape))
    if motion is not None and per_body is not None:
        decay = np.exp(-np.asarray(per_body, float)[None, :] * np.nan_to_num(motion))
        phis = phis * decay.reshape(decay.shape + (1,) * (sigma.ndim - 1))
    eps = rng.standard_normal((n, *sigma.shape))
    out = np.empty_like(eps)
    out[0] = sigma * eps[0]
    for t in range(1, n):
        out[t] = phis[t] * out[t - 1] + sigma * np.sqrt(1 - phis[t] ** 2) * eps[t]
    return out


def _outliers(rng: np.random.Generator, n: int, dims: int, spec: dict) -> np.ndarray:
    """Gross errors: runs of frames where a joint sits a random distance off in a random direction."""
    rate = np.asarray(spec["rate"], float)
    run = max(float(spec["run_frames"]), 1.0)
    out = np.zeros((n, len(rate), dims))
    starts = np.argwhere(rng.random((n, len(rate))) < rate / run)
    for t, j in starts:
        length = int(rng.geometric(1.0 / run))
        size = float(np.exp(rng.normal(spec["size_log_mean"], spec["size_log_sd"])))
        direction = rng.standard_normal(dims)
        out[t:t + length, j] += size * direction / np.linalg.norm(direction)
    return out


def coupling_matrix(entries: list, shape: tuple[int, int], drivers: int) -> np.ndarray:
    """(J, D, P) dense pose coupling from the stored ``[joint, axis, cv_r2, coefficients]`` entries."""
    out = np.zeros((*shape, drivers))
    for j, d, _, coef in entries:
        out[j, d] = coef
    return out


def sample_series(rng: np.random.Generator, spec: dict, n: int, dt: float, drivers: np.ndarray | None = None,
                  size: float = 1.0, exercise: str | None = None, motion: np.ndarray | None = None) -> np.ndarray:
    """(n, J, D) errors of one component: clip bias + pose coupling + shared and per-joint AR(1) noise + gross errors.

    ``size`` (:func:`error_scale`) widens the clip's own bias, noise and gross errors,
    not the population's mean bias or the pose coupling. The coupling is the exercise's
    (fitted per exercise); an exercise without one gets none.
    """
    mean = np.asarray(spec["bias_mean"], float)
    t = np.clip(rng.standard_t(BIAS_DOF, mean.shape) * BIAS_T_SCALE, -BIAS_MAX_SD, BIAS_MAX_SD)
    bias = mean + size * np.asarray(spec["bias_sd"], float) * t
    entries = spec.get("coupling", {}).get(exercise or "")
    if drivers is not None and entries:
        bias = bias + np.einsum("tp,jdp->tjd", drivers, coupling_matrix(entries, mean.shape, drivers.shape[1]))
    scale = size * float(np.exp(rng.normal(0.0, spec.get("clip_log_sd", 0.0))))
    sigma = np.asarray(spec["sigma"], float)
    noise = _ar1(rng, n, scale * sigma, np.asarray(spec["tau_s"], float), dt, motion, spec.get("decorr_per_body"))
    if "common_sigma" in spec:
        noise += _ar1(rng, n, scale * np.asarray(spec["common_sigma"], float),
                      np.asarray(spec["common_tau_s"], float), dt)[:, None]
    if "outliers" in spec:
        noise += size * _outliers(rng, n, sigma.shape[1], spec["outliers"])
    return bias + noise


def _spans(rng: np.random.Generator, spec: dict, t_s: np.ndarray) -> np.ndarray:
    """Frames inside randomly placed episodes (Poisson starts, exponential lengths)."""
    rows = np.zeros(len(t_s), bool)
    duration = float(t_s[-1] - t_s[0]) if len(t_s) > 1 else 0.0
    for _ in range(rng.poisson(spec["episodes_per_s"] * duration)):
        start = rng.uniform(t_s[0], t_s[-1])
        rows |= (t_s >= start) & (t_s < start + rng.exponential(max(spec["mean_s"], 1e-3)))
    return rows


def _to_labels(canon: np.ndarray, g: ClipGeometry, flip_x: bool) -> np.ndarray:
    """Canonical (head-ward x, role order) errors back to image x and landmark labels."""
    out = canon.copy()
    if flip_x:
        out[..., 0] *= g.head_sign
    return out[:, g.perm]


def apply_error_model(track: PoseTrack, params: dict, rng: np.random.Generator | None = None,
                      view: str | None = None, exercise: str | None = None) -> PoseTrack:
    """A realistic MediaPipe-like track from an exact one (``track_from_performance`` without noise).

    ``view`` is the exercise's view group ("side"/"front"); left out, it is read from the
    hips' layout. ``exercise`` picks the pose coupling fitted on that exercise (none
    without it). The input track is not modified.
    """
    rng = rng if rng is not None else np.random.default_rng()
    g = clip_geometry(track, view)
    vp = params["views"][g.view]
    n, (w, h) = len(track), track.image_size
    size, drivers, motion = error_scale(g, params.get("scale")), pose_drivers(track, g), joint_motion(track, g)
    xy = _to_labels(sample_series(rng, vp["xy"], n, g.dt, drivers, size, exercise, motion), g, True) * g.body_px
    image = track.image_xyz.copy()
    image[..., :2] += xy / np.array([w, h], float)
    z_canon = vp["depth"]["gain"] * (track.image_xyz[..., 2] * w / g.body_px)[:, g.perm, None]
    z_canon += sample_series(rng, vp["depth"], n, g.dt, drivers, exercise=exercise, motion=motion)
    image[..., 2] = _to_labels(z_canon, g, False)[..., 0] * g.body_px / w
    world = track.world_xyz + _to_labels(sample_series(rng, vp["world"], n, g.dt, drivers, exercise=exercise,
                                                       motion=motion), g, True)
    logit = _to_labels(sample_series(rng, vp["visibility"], n, g.dt), g, False)[..., 0]
    vis = 1.0 / (1.0 + np.exp(-logit))
    vis = np.where(track.visibility < 0.1, np.minimum(vis, track.visibility), vis)  # off the image
    presence = track.presence.copy()
    for limb, spec in vp["swaps"].items():
        whole = rng.random() < spec.get("whole_clip_rate", 0.0)
        rows = np.ones(n, bool) if whole else _spans(rng, spec, track.t_s)
        for arr in (image, world, vis, presence):
            _swap_rows(arr, rows, limb)
    detected = track.detected & ~_spans(rng, vp["dropouts"], track.t_s)
    image[~detected], world[~detected] = np.nan, np.nan
    vis[~detected], presence[~detected] = 0.0, 0.0
    return PoseTrack(track.t_s.copy(), image, world, vis, presence, track.image_size, detected)
