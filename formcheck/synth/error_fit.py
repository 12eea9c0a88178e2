"""Fitting the landmark error model (:mod:`formcheck.synth.error_model`) on rendered clips.

Only the tuning half of the fault benchmark may be fitted on: the held-out half is what
the fitted model is checked against (:mod:`formcheck.synth.error_check`). Each clip's
exact track is rebuilt from its spec (``benchmark_set`` with the set's seed), which gives
what the slim truth file leaves out (world coordinates, depth, the body's size) and is
checked against the stored true pixels so a changed motion script cannot slip through.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import numpy as np

from formcheck.pose.landmarks import PoseTrack
from formcheck.synth.error_model import (LIMB_JOINTS, COUPLED, DRIVER_BONES, JOINT_GROUPS, LIMBS, OUTLIER_BODY, ROLES,
                                         clip_errors, error_scale, joint_group, role_names)

#: The rebuilt exact track must put every joint within this of the stored truth, px.
REBUILD_TOLERANCE_PX = 0.5
#: Ridge penalty of the pose coupling, per frame (drivers are bone vectors in body lengths).
COUPLING_RIDGE = 1e-3
#: A joint that moved less than this (body lengths) since the last frame counts as still.
STILL_BODY = 0.002
#: A joint axis keeps its pose coupling only if it explains this much of unseen clips' error.
COUPLING_MIN_R2 = 0.1


@dataclass
class ClipPair:
    """One benchmark clip: MediaPipe's track, the exact track, and what is known about it."""

    name: str
    view: str
    real: PoseTrack
    exact: PoseTrack
    azimuth_deg: float
    label: dict


def exact_track_for(spec):
    """The noise-free PoseTrack of a clip spec (what the renderer drew), and its performance."""
    from formcheck.synth.generate import TrackerNoise, place_camera, track_from_performance
    from formcheck.synth.motion import perform

    perf = perform(spec.script)
    camera = place_camera(perf, spec.camera)
    return track_from_performance(perf, camera, TrackerNoise(pixel_sigma=0.0, world_sigma_m=0.0,
                                                             depth_sigma_m=0.0)), perf, camera


def benchmark_pairs(folder: Path | str, seed: int, limit: int | None = None) -> Iterator[ClipPair]:
    """Every finished clip of a benchmark set folder, with its exact track rebuilt from the spec."""
    from formcheck.synth.benchmark import benchmark_set

    folder = Path(folder)
    names = sorted(p.name[:-len(".truth.npz")] for p in folder.glob("*.truth.npz")
                   if (folder / p.name.replace(".truth.npz", ".mp4.full.npz")).exists()
                   and (folder / p.name.replace(".truth.npz", ".truth.json")).exists())
    index = {n: int(re.search(r"_b(\d+)$", n).group(1)) for n in names}
    specs = {s.name: s for s in benchmark_set(seed, max(index.values(), default=-1) + 1)}
    for name in names[:limit]:
        if name not in specs:
            warnings.warn(f"{name}: not in benchmark_set({seed}); skipped")
            continue
        exact, _, _ = exact_track_for(specs[name])
        truth = np.load(folder / f"{name}.truth.npz")["image_xy_px"]
        if truth.shape != exact.pixel_xy.shape or np.abs(truth - exact.pixel_xy).max() > REBUILD_TOLERANCE_PX:
            warnings.warn(f"{name}: the rebuilt motion does not match the stored truth; skipped")
            continue
        label = json.loads((folder / f"{name}.truth.json").read_text())
        yield ClipPair(name, label["view"], PoseTrack.from_npz(folder / f"{name}.mp4.full.npz"), exact,
                       float(specs[name].camera.azimuth_deg), label)


def _lag1(r: np.ndarray, still: np.ndarray | None = None) -> np.ndarray:
    """Lag-1 correlation of each column of a zero-mean series, from the typical frame-to-frame step.

    MediaPipe's error is smooth with rare jumps: the product-moment correlation is dragged
    down by the few jumps, and an AR(1) built on it jitters several times more from frame
    to frame than the detector does. ``1 - s_step^2 / (2 sigma^2)`` with a robust (median)
    step keeps both the spread and the usual step right; jumps past ``OUTLIER_BODY`` are
    the gross-error part of the model. With ``still`` ((T-1, J) frames where the joint did
    not move) only those steps count: the still-body rate, movement adds its own.
    """
    diff = np.abs(np.diff(r, axis=0))
    if still is not None:
        diff = np.where(still.reshape(still.shape + (1,) * (diff.ndim - 2)), diff, np.nan)
    step = 1.4826 * np.nanmedian(diff, axis=0)
    sigma = np.nanstd(r, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(1.0 - step ** 2 / (2 * sigma ** 2), 0.0, 0.999)


def _tau(phi: np.ndarray, dt: float) -> np.ndarray:
    """Correlation time from a lag-1 correlation: the time scale carries across frame rates."""
    return -dt / np.log(np.clip(phi, 0.01, 0.999))


def _runs(mask: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a 1-D mask."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))


def _outlier_spec(out_n: np.ndarray, seen_n: np.ndarray, runs: list[int], sizes: list[float],
                  names: list[str]) -> dict:
    """Gross-error rate pooled per joint group (too rare to fit joint by joint), run length and size."""
    groups = np.array([joint_group(n) for n in names])
    rate = np.zeros(len(names))
    for g in JOINT_GROUPS:
        m = groups == g
        rate[m] = out_n[m].sum() / max(seen_n[m].sum(), 1)
    logs = np.log(sizes) if sizes else np.log([OUTLIER_BODY * 1.5])
    return {"rate": rate.round(5).tolist(), "run_frames": round(float(np.mean(runs)) if runs else 1.0, 2),
            "size_log_mean": round(float(logs.mean()), 3), "size_log_sd": round(float(logs.std()) if sizes else 0.3, 3),
            "events": len(runs)}


def _clip_bias(e: np.ndarray, outlier_at: float | None) -> dict:
    """One clip's constant bias and gross errors; the residual keeps NaN where a gross error was."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a joint never seen: NaN
        bias = np.nanmedian(e, axis=0)
    r = e - bias
    out = {"bias": bias, "r": r}
    if outlier_at is not None:
        mag = np.linalg.norm(r, axis=-1)
        seen = np.isfinite(mag)
        bad = seen & (mag > outlier_at)
        out.update(out_n=bad.sum(0), seen_n=seen.sum(0), sizes=list(mag[bad]),
                   runs=[n for j in range(bad.shape[1]) for n in _runs(bad[:, j])])
        r[bad] = np.nan
    return out


def _ridge(rs: list[np.ndarray], xs: list[np.ndarray]) -> np.ndarray:
    """(J, D, P) ridge regression of each joint's residual on the pose drivers, pooled over clips."""
    x_all, r_all = np.concatenate(xs), np.concatenate(rs)
    j_n, d_n, p_n = r_all.shape[1], r_all.shape[2], x_all.shape[1]
    coupling = np.zeros((j_n, d_n, p_n))
    for j in range(j_n):
        ok = np.isfinite(r_all[:, j]).all(axis=1) & np.isfinite(x_all).all(axis=1)
        if ok.sum() < 10 * p_n:
            continue
        x, y = x_all[ok], r_all[ok, j]
        coupling[j] = np.linalg.solve(x.T @ x + COUPLING_RIDGE * len(x) * np.eye(p_n), x.T @ y).T
    return coupling


def _fit_coupling(rs: list[np.ndarray], xs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The pose coupling of the ``COUPLED`` joints, kept only for the joint axes where it predicts
    clips it was not fitted on.

    Ridge (``COUPLING_RIDGE`` x frames) because a joint that barely moves offers nearly
    collinear drivers. Each (joint, axis) is then tried leave-one-clip-out: where the
    coupling does not explain at least ``COUPLING_MIN_R2`` of unseen clips' residual it is
    dropped, so replayed tracks do not gain motion-locked error that MediaPipe lacks.
    Returns the coupling and the cross-validated R^2.
    """
    coupling = np.zeros((rs[0].shape[1], rs[0].shape[2], xs[0].shape[1]))
    coupling[COUPLED] = _ridge([r[:, COUPLED] for r in rs], xs)
    if len(rs) < 3:  # nothing to validate on: no coupling
        return np.zeros_like(coupling), np.zeros(coupling.shape[:2])
    press, total = np.zeros(coupling.shape[:2]), np.zeros(coupling.shape[:2])
    for k in range(len(rs)):
        held = np.zeros_like(coupling)
        held[COUPLED] = _ridge([r[:, COUPLED] for r in rs[:k] + rs[k + 1:]], xs[:k] + xs[k + 1:])
        r = rs[k]
        pred = np.einsum("tp,jdp->tjd", np.nan_to_num(xs[k]), held)
        press += np.nansum((r - pred) ** 2, axis=0)
        total += np.nansum(r ** 2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(total > 0, 1.0 - press / total, 0.0)
    coupling[r2 < COUPLING_MIN_R2] = 0.0
    return coupling, r2  # joints outside COUPLED: no coupling, R^2 0


def _clip_noise(r: np.ndarray, dt: float, common: bool, motion: np.ndarray | None = None) -> dict:
    """AR(1) noise of one clip's residual, the part shared by the trunk and legs split off when ``common``.

    With ``motion`` ((T, J) body lengths moved per frame) also the pairs (distance moved,
    loss of correlation beyond the still-body rate) that :func:`_decorrelation` pools.
    """
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if common:  # decorrelates with time only: tying it to the body's motion made still joints step
            c = np.nanmean(r[:, LIMB_JOINTS], axis=1)
            r = r - c[:, None]
            out.update(common_sigma=np.nanstd(c, axis=0), common_tau=_tau(_lag1(c), dt))
        sigma = np.nanstd(r, axis=0)
        phi = _lag1(r) if motion is None else _lag1(r, motion[1:] < STILL_BODY)
        out.update(sigma=sigma, tau=_tau(phi, dt))
        if motion is not None:  # E[step^2] / (2 sigma^2) = 1 - phi_t
            loss = np.clip(np.diff(r, axis=0) ** 2 / (2 * sigma ** 2), 0.0, 2.0) - (1 - phi)
            out["motion_pairs"] = (motion[1:], loss)
    return out


def _decorrelation(pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """(J,) how fast each joint's error decorrelates per body length moved (least squares through 0, >= 0)."""
    u = np.concatenate([p[0] for p in pairs])[..., None]
    loss = np.concatenate([p[1] for p in pairs])
    u = np.broadcast_to(u, loss.shape)
    ok = np.isfinite(loss) & np.isfinite(u)
    num = np.where(ok, u * loss, 0.0).sum(axis=(0, 2))
    den = np.where(ok, u * u, 0.0).sum(axis=(0, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(np.where(den > 0, num / den, 0.0), 0.0, 50.0)


def fit_series(errs: list[np.ndarray], dts: list[float], names: list[str], outlier_at: float | None = None,
               common: bool = False, drivers: list[np.ndarray] | None = None,
               groups: list[str] | None = None, motion: list[np.ndarray] | None = None) -> dict:
    """Pool per-clip (T, J, D) errors into one component's parameters (see the module doc of error_model).

    Bias and gross errors per clip first, then (with ``drivers``, per-clip (T, P) pose
    drivers) the pose coupling pooled over the clips of each of ``groups`` (the exercise:
    how the detector's error follows a leg depends on the posture, not only the view),
    then the AR(1) noise of what is left.
    """
    clips = [_clip_bias(e, outlier_at) for e in errs]
    coupling, cv_r2 = {}, {}
    if drivers is not None:
        groups = groups or [""] * len(clips)
        for grp in sorted(set(groups)):
            idx = [i for i, g in enumerate(groups) if g == grp]
            coupling[grp], cv_r2[grp] = _fit_coupling([clips[i]["r"] for i in idx], [drivers[i] for i in idx])
            for i in idx:
                clips[i]["r"] = clips[i]["r"] - np.einsum("tp,jdp->tjd", np.nan_to_num(drivers[i]), coupling[grp])
    for i, (c, dt) in enumerate(zip(clips, dts)):
        c.update(_clip_noise(c["r"], dt, common, None if motion is None else motion[i]))
    stack = lambda k: np.array([c[k] for c in clips])  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bias, sigma = stack("bias"), stack("sigma")
        med_sigma = np.nanmedian(sigma, axis=0)
        level = np.nanmedian(np.log(sigma / med_sigma).reshape(len(clips), -1), axis=1)
        centre = np.nanmedian(bias, axis=0)
        spec = {"bias_mean": centre, "bias_sd": 1.4826 * np.nanmedian(np.abs(bias - centre), axis=0),
                "sigma": med_sigma, "tau_s": np.nanmedian(stack("tau"), axis=0),
                "clip_log_sd": float(np.nanstd(level)) if len(clips) > 1 else 0.0}
        if common:
            spec.update(common_sigma=np.nanmedian(stack("common_sigma"), axis=0),
                        common_tau_s=np.nanmedian(stack("common_tau"), axis=0))
        if motion is not None:
            spec["decorr_per_body"] = _decorrelation([c["motion_pairs"] for c in clips])
    spec = {k: np.round(np.nan_to_num(np.asarray(v, float)), 4).tolist() for k, v in spec.items()}
    if coupling:  # sparse: only the joint axes that kept a coupling, with their cross-validated R^2
        spec["coupling"] = {g: [[int(j), int(d), round(float(cv_r2[g][j, d]), 3), np.round(c[j, d], 3).tolist()]
                                for j, d in zip(*np.nonzero(np.abs(c).sum(axis=2)))]
                            for g, c in coupling.items()}
    if outlier_at is not None:
        spec["outliers"] = _outlier_spec(sum(c["out_n"] for c in clips), sum(c["seen_n"] for c in clips),
                                         [n for c in clips for n in c["runs"]],
                                         [s for c in clips for s in c["sizes"]], names)
    return spec


def _episodes(series: list[np.ndarray], dts: list[float], decidable: list[np.ndarray]) -> dict:
    """Rate and length of episodes (runs of 1) among the frames where the state could be decided."""
    frames = sum(int(d.sum()) for d in decidable)
    hits = sum(int(np.nansum(s[d])) for s, d in zip(series, decidable))
    runs = [(n, dt) for s, dt, d in zip(series, dts, decidable) for n in _runs(np.nan_to_num(s) * d == 1)]
    seconds = sum(int(d.sum()) * dt for d, dt in zip(decidable, dts))
    return {"frame_rate": round(hits / max(frames, 1), 5),
            "episodes_per_s": round(len(runs) / max(seconds, 1e-9), 5),
            "mean_s": round(float(np.mean([n * dt for n, dt in runs])) if runs else 0.0, 3),
            "clips_with": int(sum(np.nansum(s[d]) > 0 for s, d in zip(series, decidable))),
            "decidable_frames": frames}


def _fit_swaps(series: list[np.ndarray], dts: list[float]) -> dict:
    """Label swaps of one limb: clips swapped throughout (most decidable frames), and episodes in the rest.

    MediaPipe either trades the labels for a moment or takes the whole clip the wrong way
    round; one exponential episode length cannot give both.
    """
    decided = [np.isfinite(s) for s in series]
    whole = [d.sum() >= 30 and np.nansum(s[d]) > 0.5 * d.sum() for s, d in zip(series, decided)]
    keep = [i for i, w in enumerate(whole) if not w]
    out = _episodes([series[i] for i in keep], [dts[i] for i in keep], [decided[i] for i in keep])
    out["whole_clip_rate"] = round(sum(whole) / max(sum(d.sum() >= 30 for d in decided), 1), 4)
    return out


def _forward_fill(s: np.ndarray) -> np.ndarray:
    """Carry the last decided state across undecidable frames: a swap lasts until seen undone."""
    idx = np.where(np.isfinite(s), np.arange(len(s)), 0)
    np.maximum.accumulate(idx, out=idx)
    return s[idx]


def fit_view(measured: list[dict]) -> dict:
    """All components of one view group from its clips' :func:`clip_errors`."""
    view = measured[0]["geometry"].view
    names = role_names(view)
    dts = [m["geometry"].dt for m in measured]
    ze = np.concatenate([m["z_exact"].ravel() for m in measured])
    zr = np.concatenate([m["z_real"].ravel() for m in measured])
    ok = np.isfinite(ze) & np.isfinite(zr)
    gain = float((ze[ok] * zr[ok]).sum() / (ze[ok] ** 2).sum())
    drivers, groups = [m["drivers"] for m in measured], [m["exercise"] for m in measured]
    motion = [m["motion"] for m in measured]
    depth = fit_series([m["z_real"] - gain * m["z_exact"] for m in measured], dts, names, drivers=drivers,
                       groups=groups, motion=motion)
    depth["gain"] = round(gain, 4)
    swaps = {limb: _fit_swaps([_forward_fill(m["swaps"][limb]) for m in measured], dts) for limb in LIMBS}
    dropped = [(~m["detected"]).astype(float) for m in measured]
    return {"clips": len(measured), "roles": list(ROLES[view]), "joints": names,
            "body_px_median": round(float(np.median([m["geometry"].body_px for m in measured])), 1),
            "xy": fit_series([m["xy"] for m in measured], dts, names, OUTLIER_BODY, common=True,
                             drivers=drivers, groups=groups, motion=motion),
            "drivers": [list(b) for b in DRIVER_BONES],
            "depth": depth,
            "world": fit_series([m["world"] for m in measured], dts, names, common=True, drivers=drivers,
                                groups=groups, motion=motion),
            "visibility": fit_series([m["vis"] for m in measured], dts, names),
            "swaps": swaps,
            "dropouts": _episodes(dropped, dts, [np.ones(len(d), bool) for d in dropped])}


def _clip_level(xy: np.ndarray, mean: np.ndarray) -> float:
    """How far a clip's trunk and leg landmarks typically sit from the population's mean bias."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        d = np.linalg.norm(xy[:, LIMB_JOINTS] - mean[LIMB_JOINTS], axis=-1)
        return float(np.nanmedian(np.nanmedian(d, axis=0)))


def fit_scale(measured: dict[str, list[dict]], views: dict) -> dict:
    """The log-linear law of :func:`~formcheck.synth.error_model.error_scale`, over all view groups.

    log(clip level) = view intercept + size_slope x log(body px / ref) + turn_slope x (turn - ref) / 60.
    """
    rows = [(v, m["geometry"].body_px, m["geometry"].turn_deg,
             _clip_level(m["xy"], np.asarray(views[v]["xy"]["bias_mean"]))) for v, ms in measured.items() for m in ms]
    names = sorted(measured)
    body, turn, level = (np.array([r[i] for r in rows], float) for i in (1, 2, 3))
    ref_body, ref_turn = float(np.exp(np.mean(np.log(body)))), float(np.mean(turn))
    x = np.column_stack([[r[0] == v for r in rows] for v in names]
                        + [np.log(body / ref_body), (turn - ref_turn) / 60.0]).astype(float)
    ok = np.isfinite(level) & (level > 0)
    if ok.sum() < len(names) + 4:  # too few clips to tell: no law
        return {"size_slope": 0.0, "turn_slope": 0.0, "ref_body_px": round(ref_body, 1),
                "ref_turn_deg": round(ref_turn, 1)}
    coef, *_ = np.linalg.lstsq(x[ok], np.log(level[ok]), rcond=None)
    return {"size_slope": round(float(np.clip(coef[-2], -1.0, 0.5)), 3),
            "turn_slope": round(float(np.clip(coef[-1], -1.0, 1.0)), 3),
            "ref_body_px": round(ref_body, 1), "ref_turn_deg": round(ref_turn, 1), "clips": int(ok.sum())}


def fit_error_model(pairs: list[ClipPair], source: str = "", seed: int | None = None) -> dict:
    """The whole model, one entry per view group, with the fit's provenance.

    Fitted twice: once to find the size/turn law, then again on errors brought to the
    typical clip's scale by it, so a replayed clip's scale factor does not count twice.
    """
    measured: dict[str, list[dict]] = {}
    for p in pairs:
        m = clip_errors(p.real, p.exact, p.view)
        m["exercise"] = p.label.get("exercise", "")
        measured.setdefault(p.view, []).append(m)
    views = {v: fit_view(m) for v, m in sorted(measured.items())}
    scale = fit_scale(measured, views)
    for v, ms in measured.items():
        mean = np.asarray(views[v]["xy"]["bias_mean"])
        for m in ms:
            m["xy"] = mean + (m["xy"] - mean) / error_scale(m["geometry"], scale)
    return {
        "version": 1,
        "units": {"xy": "body lengths (true torso at the body's distance); x toward the head, y down",
                  "depth": "body lengths (MediaPipe image z x width / body px)", "world": "metres, camera axes",
                  "visibility": "logit", "tau_s": "seconds (AR(1) correlation time)"},
        "provenance": {"source": source, "seed": seed, "clips": sorted(p.name for p in pairs),
                       "fitted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "outlier_body": OUTLIER_BODY},
        "scale": scale,
        "views": {v: fit_view(m) for v, m in sorted(measured.items())},
    }
