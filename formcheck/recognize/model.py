"""Which exercise is this? Recognition and set segmentation from the landmarks alone (issue 9).

A recording is cut into overlapping windows (4 s, every 1 s). Each window is described by
features that do not depend on where the camera stands or how big the person is: how the
body lies relative to gravity (supine, prone, side-lying, kneeling, on all fours, sitting,
standing), the working leg's and the other leg's joint angles and how much each moves, and
whether the movement is still, repeated or continuous. A multinomial logistic regression
trained on domain-randomised synthetic performances (``scripts/train_recognizer.py``,
weights in ``models/recognizer.npz``) turns the features into class probabilities, one
class per catalogue exercise plus ``rest`` (not exercising). A Viterbi pass with a
switch penalty smooths the per-window answers into sets; each set is then analysed with
its own exercise's rules, and the engine names the working side as it does for any set.

Nothing here imports mediapipe: it works on any :class:`~formcheck.pose.landmarks.PoseTrack`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.signals.cleaning import clean_track
from formcheck.pose.landmarks import INDEX, PoseTrack

REST = "rest"  # not exercising: still, resting between sets, moving between positions
WINDOW_S = 4.0
HOP_S = 1.0
GRID_HZ = 10.0  # features are computed on a fixed time grid, so the frame rate does not matter
MIN_CONFIDENCE = 0.6  # below this the answer is "unsure": the CLI asks for --exercise
SWITCH_PENALTY = 6.0  # log-probability cost of changing class between windows (Viterbi)
MIN_SET_S = 5.0  # shorter exercise stretches are not sets
CONFIRM_CONFIDENCE = 0.9  # below this, a hold in which the engine times nothing is rest
MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "recognizer.npz"

_L = {n: INDEX[f"left_{n}"] for n in ("shoulder", "hip", "knee", "ankle", "wrist", "heel", "foot_index")}
_R = {n: INDEX[f"right_{n}"] for n in ("shoulder", "hip", "knee", "ankle", "wrist", "heel", "foot_index")}
_NOSE = INDEX["nose"]
_DOWN = np.array([0.0, 1.0, 0.0])  # gravity in MediaPipe's camera-aligned world frame (y down)


# --------------------------------------------------------------------------------------
# Per-frame body description


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


def body_series(t: np.ndarray, world: np.ndarray, pix: np.ndarray) -> BodySeries:
    """Orientation, joint angles and limb directions relative to the trunk and to gravity.

    World landmarks give 3-D directions (depth is MediaPipe's weakest axis, so the image
    plane is described too); the image's y axis and the world's y axis both point down, so
    gravity is known without calibration. Left/right labels are only used to pair a knee
    with its own hip: which leg works is decided later, from movement.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _body_series(t, world, pix)


def _body_series(t, world, pix) -> BodySeries:
    w = world
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
    trunk = {
        "up_vs_gravity": -up @ _DOWN,  # 1 upright, 0 lying, -1 upside down
        "front_vs_gravity": -fwd @ _DOWN,  # 1 face to the ceiling (supine), -1 prone
        "side_vs_gravity": np.abs(lat @ _DOWN),  # 1 lying on a side
        "hip_height": ((0.5 * (w[:, _L["ankle"]] + w[:, _R["ankle"]]) - hip_mid) @ _DOWN) / scale,
        "shoulder_height": ((hip_mid - sh_mid) @ _DOWN) / scale,
        "knee_height": ((0.5 * (w[:, _L["knee"]] + w[:, _R["knee"]]) - hip_mid) @ _DOWN) / scale,
        "knee_gap": np.linalg.norm(w[:, _L["knee"]] - w[:, _R["knee"]], axis=-1) / scale,
        "ankle_gap": np.linalg.norm(w[:, _L["ankle"]] - w[:, _R["ankle"]], axis=-1) / scale,
    }
    # The image: y down is gravity; x is signed toward the head/face so mirror views agree.
    p = pix
    phip = 0.5 * (p[:, _L["hip"]] + p[:, _R["hip"]])
    psh = 0.5 * (p[:, _L["shoulder"]] + p[:, _R["shoulder"]])
    ptrunk = psh - phip
    plen = np.linalg.norm(ptrunk, axis=-1)
    pscale = _local_median(plen)
    toward = _toward_head(p[:, _NOSE, 0] - phip[:, 0])
    trunk.update({
        "image_trunk_up": -ptrunk[:, 1] / plen,
        "image_trunk_across": np.abs(ptrunk[:, 0]) / plen,
        "image_shoulder_width": np.linalg.norm(p[:, _L["shoulder"]] - p[:, _R["shoulder"]], axis=-1) / pscale,
        "image_hip_width": np.linalg.norm(p[:, _L["hip"]] - p[:, _R["hip"]], axis=-1) / pscale,
        "image_nose_up": -(p[:, _NOSE, 1] - psh[:, 1]) / pscale,
        "image_nose_ahead": toward * (p[:, _NOSE, 0] - psh[:, 0]) / pscale,
        "image_hip_height": (0.5 * (p[:, _L["ankle"], 1] + p[:, _R["ankle"], 1]) - phip[:, 1]) / pscale,
    })
    legs: dict[str, list] = {}
    motion = []
    for side, (J, other) in enumerate(((_L, _R), (_R, _L))):
        hip, knee, ankle = w[:, J["hip"]], w[:, J["knee"]], w[:, J["ankle"]]
        toe = w[:, J["foot_index"]]
        out = _unit(hip - hip_mid)  # from the pelvis centre to this hip: "outward" for this leg
        thigh, shank = _unit(knee - hip), _unit(ankle - knee)
        ph, pk, pa = p[:, J["hip"]], p[:, J["knee"]], p[:, J["ankle"]]
        pthigh, pshank = _unit(pk - ph), _unit(pa - pk)
        values = {
            "hip_angle": _angle(sh_mid, hip, knee),
            "knee_angle": _angle(hip, knee, ankle),
            "ankle_angle": _angle(knee, ankle, toe),
            "thigh_down": thigh @ _DOWN,
            "shank_down": shank @ _DOWN,
            "thigh_forward": np.sum(thigh * fwd, axis=-1),
            "thigh_outward": np.sum(thigh * out, axis=-1),
            "thigh_up": np.sum(thigh * up, axis=-1),
            "shank_forward": np.sum(shank * fwd, axis=-1),
            "shank_outward": np.sum(shank * out, axis=-1),
            "ankle_outward": np.sum((ankle - hip_mid) * out, axis=-1) / scale,
            "knee_outward": np.sum((knee - hip_mid) * out, axis=-1) / scale,
            "image_knee_angle": _angle(ph, pk, pa),
            "image_hip_angle": _angle(psh, ph, pk),
            "image_thigh_down": pthigh[:, 1],
            "image_shank_down": pshank[:, 1],
            "image_thigh_ahead": toward * pthigh[:, 0],
            "image_shank_ahead": toward * pshank[:, 0],
        }
        for k, v in values.items():
            legs.setdefault(k, []).append(v)
        rel = np.concatenate([(knee - hip_mid) / scale[:, None], (ankle - hip_mid) / scale[:, None]], axis=-1)
        motion.append(rel)
    legs_arr = {k: np.stack(v, axis=1) for k, v in legs.items()}
    seen = np.isfinite(hip_mid[:, 0]) & np.isfinite(sh_mid[:, 0])
    return BodySeries(t, trunk, legs_arr, np.stack(motion, axis=1), seen)


# --------------------------------------------------------------------------------------
# Window features

TRUNK_KEYS = ("up_vs_gravity", "front_vs_gravity", "side_vs_gravity", "hip_height", "shoulder_height",
              "knee_height", "knee_gap", "ankle_gap",
              "image_trunk_up", "image_trunk_across", "image_shoulder_width", "image_hip_width", "image_nose_up",
              "image_nose_ahead", "image_hip_height")
LEG_KEYS = ("hip_angle", "knee_angle", "ankle_angle", "thigh_down", "shank_down", "thigh_forward", "thigh_outward",
            "thigh_up", "shank_forward", "shank_outward", "ankle_outward", "knee_outward", "image_knee_angle",
            "image_hip_angle", "image_thigh_down", "image_shank_down", "image_thigh_ahead", "image_shank_ahead")
ANGLE_UNITS = 90.0  # degrees are divided by this, so every feature is of order one


def feature_names() -> list[str]:
    names = []
    for k in TRUNK_KEYS:
        names += [f"{k}.level", f"{k}.range"]
    for leg in ("working", "other"):
        for k in LEG_KEYS:
            names += [f"{leg}.{k}.level", f"{leg}.{k}.range"]
    names += ["working.motion", "other.motion", "legs.in_phase", "motion.still_fraction", "motion.cycles_per_s",
              "motion.periodicity"]
    return names


def _level_range(x: np.ndarray, units: float = 1.0) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return 0.0, 0.0
    lo, med, hi = np.percentile(x, [10, 50, 90])
    return float(med) / units, float(hi - lo) / units


def _units(key: str) -> float:
    return ANGLE_UNITS if key.endswith("angle") else 1.0


def _periodicity(x: np.ndarray, hz: float) -> tuple[float, float]:
    """(cycles per second, autocorrelation at that period) of a motion signal; 0 when none."""
    x = x[np.isfinite(x)]
    if len(x) < 10 or np.std(x) < 1e-6:
        return 0.0, 0.0
    x = x - x.mean()
    ac = np.correlate(x, x, "full")[len(x) - 1:]
    ac = ac / ac[0]
    lags = np.arange(len(ac))
    lo = int(0.5 * hz)  # periods from 0.5 s to 3/4 of the window
    hi = int(0.75 * len(x))
    if hi <= lo + 2:
        return 0.0, 0.0
    seg = ac[lo:hi]
    k = int(np.argmax(seg))
    if k == 0 or k == len(seg) - 1:
        return 0.0, float(max(seg[k], 0.0))
    return float(hz / lags[lo + k]), float(max(seg[k], 0.0))


def working_leg(body: BodySeries, rows: np.ndarray) -> int:
    """0 (left label) or 1 (right label): the leg whose knee and ankle move most about the pelvis."""
    m = body.leg_motion[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nansum(np.nanstd(m, axis=0), axis=-1)  # (2,)
    if not np.isfinite(spread).all():
        return 0
    return int(np.argmax(spread))


def window_features(body: BodySeries, rows: np.ndarray) -> np.ndarray:
    """One feature vector for the grid samples ``rows`` (a window)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _window_features(body, rows)


def _window_features(body: BodySeries, rows: np.ndarray) -> np.ndarray:
    f: list[float] = []
    for k in TRUNK_KEYS:
        f += _level_range(body.trunk[k][rows])
    work = working_leg(body, rows)
    for leg in (work, 1 - work):
        for k in LEG_KEYS:
            f += _level_range(body.legs[k][rows, leg], _units(k))
    m = body.leg_motion[rows]  # (n, 2, 6)
    spread = np.nan_to_num(np.nansum(np.nanstd(m, axis=0), axis=-1))
    f += [float(spread[work]), float(spread[1 - work])]
    # in phase (bridge, squat) or alternating (bike, walking): correlation of the two legs' paths
    a, b = m[:, 0], m[:, 1]
    ok = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    corr = 0.0
    if ok.sum() > 5:
        da, db = a[ok] - a[ok].mean(axis=0), b[ok] - b[ok].mean(axis=0)
        den = np.sqrt((da**2).sum() * (db**2).sum())
        corr = float((da * db).sum() / den) if den > 1e-9 else 0.0
    f.append(corr)
    speed = np.linalg.norm(np.diff(m.reshape(len(m), -1), axis=0), axis=-1) * GRID_HZ  # trunk lengths / s
    speed = speed[np.isfinite(speed)]
    # still for part of the window (a hold, a pause between reps), relative to its own pace
    f.append(float(np.mean(speed < 0.2 * np.percentile(speed, 90))) if len(speed) and speed.max() > 0 else 1.0)
    main = m[:, work]
    main = main[np.isfinite(main).all(axis=1)]
    if len(main) > 10:
        centred = main - main.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        cps, per = _periodicity(centred @ vt[0], GRID_HZ)
    else:
        cps, per = 0.0, 0.0
    f += [cps, per]
    return np.nan_to_num(np.asarray(f, float), nan=0.0, posinf=0.0, neginf=0.0)


@dataclass
class Windows:
    """Feature vectors of a track's windows, with their times and working legs."""

    start_s: np.ndarray
    end_s: np.ndarray
    features: np.ndarray  # (W, F)
    seen: np.ndarray  # (W,) fraction of the window with a person in view
    working: np.ndarray  # (W,) 0 left label, 1 right label

    @property
    def centre_s(self) -> np.ndarray:
        return 0.5 * (self.start_s + self.end_s)


def track_windows(track: PoseTrack, clean: bool = True, window_s: float = WINDOW_S,
                  hop_s: float = HOP_S) -> Windows:
    """Windows over the whole track (a track shorter than one window is one window)."""
    if clean and len(track) >= 2:
        track = clean_track(track)
    return grid_windows(*resample(track), window_s, hop_s)


def grid_windows(t: np.ndarray, world: np.ndarray, pix: np.ndarray, window_s: float = WINDOW_S,
                 hop_s: float = HOP_S) -> Windows:
    """Windows over landmarks already on the feature grid (see :func:`resample`)."""
    body = body_series(t, world, pix)
    n = len(t)
    size = max(int(round(window_s * GRID_HZ)), 2)
    hop = max(int(round(hop_s * GRID_HZ)), 1)
    starts = list(range(0, max(n - size, 0) + 1, hop)) if n else []
    if n and starts[-1] + size < n:  # the tail gets its own window
        starts.append(n - size)
    feats, seen, work, s0, s1 = [], [], [], [], []
    for s in starts:
        rows = np.arange(s, min(s + size, n))
        feats.append(window_features(body, rows))
        seen.append(float(body.seen[rows].mean()))
        work.append(working_leg(body, rows))
        s0.append(float(t[rows[0]]))
        s1.append(float(t[rows[-1]]) + 1.0 / GRID_HZ)
    nf = len(feature_names())
    return Windows(np.asarray(s0), np.asarray(s1), np.asarray(feats).reshape(-1, nf), np.asarray(seen),
                   np.asarray(work, int))


# --------------------------------------------------------------------------------------
# The classifier


@dataclass
class Recognizer:
    """Standardised features -> softmax(x W + b): a multinomial logistic regression.

    Transparent and small: the weights say which features speak for which exercise.
    """

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (F, C), or (H, C) after a hidden layer
    bias: np.ndarray  # (C,)
    hidden_weights: np.ndarray | None = None  # (F, H): optional tanh layer for feature interactions
    hidden_bias: np.ndarray | None = None  # (H,)
    info: dict = field(default_factory=dict)

    def _inputs(self, features: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(features) - self.mean) / self.scale
        if self.hidden_weights is not None:
            z = np.tanh(z @ self.hidden_weights + self.hidden_bias)
        return z

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = self._inputs(features) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, classes=np.array(self.classes), mean=self.mean, scale=self.scale,
                            weights=self.weights, bias=self.bias, feature_names=np.array(feature_names()),
                            **({} if self.hidden_weights is None else
                               {"hidden_weights": self.hidden_weights, "hidden_bias": self.hidden_bias}),
                            info=np.array(repr(sorted(self.info.items()))))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "Recognizer":
        from formcheck.errors import InputError

        if not Path(path).exists():
            raise InputError(f"the exercise recogniser {path} is missing: reinstall formcheck or rebuild it with "
                             "'python scripts/train_recognizer.py'")
        with np.load(path, allow_pickle=False) as d:
            if list(d["feature_names"]) != feature_names():
                raise InputError(f"the exercise recogniser {path} was built for other features: rebuild it "
                                 "with 'python scripts/train_recognizer.py'")
            hidden = (d["hidden_weights"], d["hidden_bias"]) if "hidden_weights" in d else (None, None)
            return cls(tuple(str(c) for c in d["classes"]), d["mean"], d["scale"], d["weights"], d["bias"], *hidden)


_DEFAULT: list[Recognizer] = []


def default_recognizer() -> Recognizer:
    if not _DEFAULT:
        _DEFAULT.append(Recognizer.load())
    return _DEFAULT[0]


def train_logistic(x: np.ndarray, y: np.ndarray, classes: tuple[str, ...], l2: float = 1e-3,
                   steps: int = 1500, lr: float = 0.05, seed: int = 0, hidden: int = 0) -> Recognizer:
    """Fit the softmax regression (after a tanh layer of ``hidden`` units, if any) by
    full-batch Adam with class-balanced weights; deterministic for a given seed."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    n, f = z.shape
    c = len(classes)
    onehot = np.eye(c)[y]
    counts = onehot.sum(axis=0)
    sample_w = (n / (c * np.maximum(counts, 1)))[y][:, None]  # balanced classes
    rng = np.random.default_rng(seed)
    params = []
    if hidden:
        params += [rng.normal(0, 1.0 / np.sqrt(f), (f, hidden)), np.zeros(hidden)]
    k = hidden or f
    params += [rng.normal(0, 0.01, (k, c)), np.zeros(c)]
    m = [np.zeros_like(q) for q in params]
    v = [np.zeros_like(q) for q in params]
    for step in range(1, steps + 1):
        h = np.tanh(z @ params[0] + params[1]) if hidden else z
        w, b = params[-2], params[-1]
        logits = h @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w / n
        grads = [h.T @ g + l2 * w, g.sum(axis=0)]
        if hidden:
            gh = (g @ w.T) * (1 - h**2)
            grads = [z.T @ gh + l2 * params[0], gh.sum(axis=0)] + grads
        for i, (param, grad) in enumerate(zip(params, grads)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad**2
            param -= lr * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    if hidden:
        return Recognizer(tuple(classes), mean, scale, params[2], params[3], params[0], params[1])
    return Recognizer(tuple(classes), mean, scale, params[0], params[1])


# --------------------------------------------------------------------------------------
# From windows to sets


@dataclass
class Segment:
    """A stretch of the recording doing one thing (an exercise or rest)."""

    exercise: str  # an exercise id or REST
    start_s: float
    end_s: float
    confidence: float  # mean probability of the exercise over its windows
    side: str | None = None  # left | right | both, from the engine once analysed
    runner_up: str | None = None
    looked_like: str | None = None  # set to the exercise when the engine found nothing in it

    @property
    def is_set(self) -> bool:
        return self.exercise != REST

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Recognition:
    windows: Windows
    probabilities: np.ndarray  # (W, C)
    classes: tuple[str, ...]
    path: np.ndarray  # (W,) class index per window after smoothing
    segments: list[Segment]

    @property
    def sets(self) -> list[Segment]:
        return [s for s in self.segments if s.is_set]

    @property
    def best(self) -> Segment | None:
        """The longest set: the answer for a recording of one exercise."""
        sets = self.sets
        return max(sets, key=lambda s: s.duration_s) if sets else None

    def unsure(self, min_confidence: float = MIN_CONFIDENCE) -> bool:
        best = self.best
        return best is None or best.confidence < min_confidence


def viterbi(log_p: np.ndarray, switch_penalty: float = SWITCH_PENALTY) -> np.ndarray:
    """Most likely class sequence when every change of class costs ``switch_penalty``."""
    n, c = log_p.shape
    if n == 0:
        return np.zeros(0, int)
    score = log_p[0].copy()
    back = np.zeros((n, c), int)
    for i in range(1, n):
        best_prev = int(np.argmax(score))
        stay = score
        switch = score[best_prev] - switch_penalty
        back[i] = np.where(stay >= switch, np.arange(c), best_prev)
        score = np.maximum(stay, switch) + log_p[i]
    path = np.zeros(n, int)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _runs(path: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) window index of each run of equal classes."""
    out, start = [], 0
    for i in range(1, len(path) + 1):
        if i == len(path) or path[i] != path[start]:
            out.append((start, i - 1))
            start = i
    return out


def segments_from_path(windows: Windows, probs: np.ndarray, path: np.ndarray, classes: tuple[str, ...],
                       t_start: float, t_end: float, min_set_s: float = MIN_SET_S) -> list[Segment]:
    """Runs of one class become segments; boundaries halfway between the windows' centres.

    An exercise run whose windows span less than ``min_set_s`` is too short to be a set
    and becomes rest (a stretch between sets, a change of position).
    """
    rest = classes.index(REST)
    path = path.copy()
    centres = windows.centre_s
    for a, b in _runs(path):
        if path[a] != rest and (windows.end_s[b] - windows.start_s[a]) < min_set_s:
            path[a:b + 1] = rest
    segs: list[Segment] = []
    for a, b in _runs(path):
        start = t_start if a == 0 else 0.5 * (centres[a - 1] + centres[a])
        end = t_end if b == len(path) - 1 else 0.5 * (centres[b] + centres[b + 1])
        k = int(path[a])
        mean_p = probs[a:b + 1].mean(axis=0)
        order = np.argsort(mean_p)[::-1]
        runner = next((classes[j] for j in order if j != k), None)
        segs.append(Segment(classes[k], float(start), float(end), float(mean_p[k]), runner_up=runner))
    return segs


def recognize(track: PoseTrack, recognizer: Recognizer | None = None, clean: bool = True,
              switch_penalty: float = SWITCH_PENALTY, min_set_s: float = MIN_SET_S) -> Recognition:
    """Classify every window of the track and smooth the answers into sets and rests."""
    windows = track_windows(track, clean=clean)
    t0 = float(track.t_s[0]) if len(track) else 0.0
    t1 = float(track.t_s[-1]) if len(track) else 0.0
    return recognize_windows(windows, t0, t1, recognizer, switch_penalty, min_set_s)


def recognize_windows(windows: Windows, t_start: float, t_end: float, recognizer: Recognizer | None = None,
                      switch_penalty: float = SWITCH_PENALTY, min_set_s: float = MIN_SET_S) -> Recognition:
    rec = recognizer or default_recognizer()
    classes = rec.classes
    rest = classes.index(REST)
    if len(windows.features):
        probs = rec.probabilities(windows.features)
    else:
        probs = np.zeros((0, len(classes)))
    # A window with hardly anyone in view is not an exercise.
    unseen = windows.seen < 0.5
    probs[unseen] = 0.0
    probs[unseen, rest] = 1.0
    path = viterbi(np.log(np.clip(probs, 1e-9, 1.0)), switch_penalty)
    # A recording shorter than a set (a short clip of one exercise) is judged as a whole.
    min_set_s = min(min_set_s, 0.6 * (t_end - t_start))
    segments = segments_from_path(windows, probs, path, classes, t_start, t_end, min_set_s)
    return Recognition(windows, probs, classes, path, segments)


# --------------------------------------------------------------------------------------
# Analysing each set with its own rules


def set_span(rec: Recognition, index: int, pad_before_s: float = 2.5, pad_after_s: float = 1.0) -> tuple[float, float]:
    """The time span to analyse for segment ``index``, padded into neighbouring rest, never
    into a neighbouring set. More before (the engine learns the rest level there) than after
    (the last rep has ended by then, and the move to the next position could look like a rep)."""
    seg = rec.segments[index]
    start, end = seg.start_s, seg.end_s
    # Into at most half of a rest between two sets: its other half belongs to the change of position.
    if index > 0 and not rec.segments[index - 1].is_set:
        prev = rec.segments[index - 1]
        start -= min(pad_before_s, prev.duration_s if index == 1 else 0.5 * prev.duration_s)
    if index + 1 < len(rec.segments) and not rec.segments[index + 1].is_set:
        nxt = rec.segments[index + 1]
        end += min(pad_after_s, nxt.duration_s if index + 2 == len(rec.segments) else 0.5 * nxt.duration_s)
    return start, end


def slice_time(track: PoseTrack, start_s: float, end_s: float) -> PoseTrack:
    """The frames with start_s <= t <= end_s."""
    a = int(np.searchsorted(track.t_s, start_s, side="left"))
    b = int(np.searchsorted(track.t_s, end_s, side="right"))
    return track.slice(a, b)


def engine_side(result) -> str | None:
    """The working side as the engine saw it: the side of most reps (or holds).

    'both' for a bilateral exercise, or when each side did a fair share (40 % or more) of
    the reps; None when the engine named no side.
    """
    if not result.exercise.sided:
        return "both"
    sides = [r.side for r in result.engine.reps if r.side] or [h.side for h in result.engine.holds if h.side]
    if not sides:
        return None
    left = sides.count("left")
    if min(left, len(sides) - left) >= 0.4 * len(sides) and len(sides) >= 4:
        return "both"
    return "left" if left * 2 > len(sides) else "right"


def window_side(rec: Recognition, seg: Segment) -> str | None:
    """Fallback when the engine names no side in a set of reps: the leg that moved most."""
    inside = (rec.windows.centre_s >= seg.start_s) & (rec.windows.centre_s <= seg.end_s)
    if not inside.any():
        return None
    return "right" if rec.windows.working[inside].mean() > 0.5 else "left"


@dataclass
class AnalysedSet:
    segment: Segment
    track: PoseTrack  # the raw frames of the set
    result: object  # SessionResult


def analyse_sets(track: PoseTrack, rec: Recognition) -> list[AnalysedSet]:
    """Each recognised set analysed by the engine with its own exercise's rules.

    The engine gets a say: a stretch of a reps or cyclic exercise in which it counts
    nothing was not a set of it (someone resting in the start position looks much like the
    exercise), so it becomes rest, with ``looked_like`` keeping the recogniser's guess. A
    hold is kept when recognised with CONFIRM_CONFIDENCE or more, even if the engine times
    no hold in it (its position rule is strict about the camera view): the report then
    says 0 s held rather than that nothing was done.
    """
    from formcheck.analyze.track import analyze_track
    from formcheck.rules.exercise import get_exercise

    out = []
    for i, seg in enumerate(rec.segments):
        if not seg.is_set:
            continue
        part = slice_time(track, *set_span(rec, i))
        result = analyze_track(get_exercise(seg.exercise), part) if len(part) >= 2 else None
        found = result is not None and bool(result.engine.reps or result.engine.holds)
        moves = get_exercise(seg.exercise).kind != "hold"  # defined by movement: no rep, no set
        if not found and (moves or seg.confidence < CONFIRM_CONFIDENCE):
            seg.looked_like, seg.exercise = seg.exercise, REST
            continue
        seg.side = engine_side(result)
        if seg.side is None and result is not None and result.exercise.kind != "hold":
            seg.side = window_side(rec, seg)  # in a hold the leg that moved need not be the one held
        out.append(AnalysedSet(seg, part, result))
    return out


def describe(seg: Segment) -> str:
    """'Clamshell (left), confidence 0.97' in the catalogue's words."""
    from formcheck.rules.exercise import get_exercise

    name = get_exercise(seg.exercise).name if seg.is_set else "rest"
    side = f" ({seg.side})" if seg.side else ""
    return f"{name}{side}, confidence {seg.confidence:.2f}"
