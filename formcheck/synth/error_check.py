"""Does the fitted landmark error model err like MediaPipe? Simulated vs real, on held-out clips.

For each held-out clip the exact track is put through :func:`apply_error_model` and both
it and MediaPipe's real track are compared with the truth the same way: joint error per
joint group (median and 95th percentile, body lengths and pixels), the frame-to-frame
change of the error (the noise's speed), visibility, leg swaps and dropouts, and what
the rules finally see: the error of the exercise's key angle.
"""

from __future__ import annotations

import warnings

import numpy as np

from formcheck.synth.error_fit import ClipPair
from formcheck.synth.error_model import apply_error_model, clip_geometry, joint_group, swapped_frames
from formcheck.pose.landmarks import LANDMARK_NAMES, PoseTrack

REPORT_GROUPS = ("face", "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "foot")
TURN_BUCKETS = ((0, 15), (15, 30), (30, 61))


def _key_angle_error(track: PoseTrack, exact: PoseTrack, exercise: str) -> np.ndarray:
    """|error| of the exercise's key signal (degrees for angles) on every frame and side."""
    from formcheck.rules.exercise import get_exercise
    from formcheck.signals.measures import compute_signals

    ex = get_exercise(exercise)
    a = compute_signals(ex, track).values[ex.key_signal][..., 0]
    b = compute_signals(ex, exact).values[ex.key_signal][..., 0]
    d = np.abs(a - b)
    return d[np.isfinite(d)]


def track_stats(track: PoseTrack, exact: PoseTrack, view: str, exercise: str) -> dict:
    """Raw error samples of one track against the exact one (pooled later over clips)."""
    g = clip_geometry(exact, view)
    err = np.linalg.norm(track.pixel_xy - exact.pixel_xy, axis=-1)  # (T, 33) px, labels as reported
    step = np.linalg.norm(np.diff(track.pixel_xy - exact.pixel_xy, axis=0), axis=-1)
    out = {"body_px": g.body_px, "turn": g.turn_deg, "err": {}, "step": {}, "vis": {}}
    for grp in REPORT_GROUPS:
        cols = [i for i, n in enumerate(LANDMARK_NAMES) if joint_group(n) == grp]
        e, s = err[:, cols], step[:, cols]
        out["err"][grp] = e[np.isfinite(e)] / g.body_px
        out["step"][grp] = s[np.isfinite(s)] / g.body_px
        out["vis"][grp] = track.visibility[track.detected][:, cols].ravel()
    swaps = swapped_frames(track.pixel_xy, exact.pixel_xy, g.body_px, "legs")
    out["swap"] = (int(np.nansum(swaps)), int(np.isfinite(swaps).sum()))
    out["dropped"] = (int((~track.detected).sum()), len(track))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out["key"] = _key_angle_error(track, exact, exercise)
    return out


def _pool(stats: list[dict], body_px: float) -> dict:
    """Medians and 95th percentiles over clips, in body lengths and in px at ``body_px``."""
    rows = {}
    for grp in REPORT_GROUPS:
        e = np.concatenate([s["err"][grp] for s in stats])
        st = np.concatenate([s["step"][grp] for s in stats])
        v = np.concatenate([s["vis"][grp] for s in stats])
        rows[grp] = {"median": float(np.median(e)), "p95": float(np.percentile(e, 95)),
                     "median_px": float(np.median(e)) * body_px, "p95_px": float(np.percentile(e, 95)) * body_px,
                     "step_median": float(np.median(st)), "vis_median": float(np.median(v)) if len(v) else None}
    sw = np.sum([s["swap"] for s in stats], axis=0)
    dr = np.sum([s["dropped"] for s in stats], axis=0)
    key = np.concatenate([s["key"] for s in stats])
    return {"groups": rows, "leg_swap_rate": float(sw[0] / max(sw[1], 1)), "swap_decidable": int(sw[1]),
            "dropout_rate": float(dr[0] / max(dr[1], 1)),
            "key_median": float(np.median(key)) if len(key) else None,
            "key_p95": float(np.percentile(key, 95)) if len(key) else None}


def compare(pairs: list[ClipPair], params: dict, draws: int = 3, seed: int = 0) -> dict:
    """Per view group: pooled real and simulated statistics (``draws`` simulations per clip)."""
    rng = np.random.default_rng(seed)
    by_view: dict[str, dict[str, list]] = {}
    for p in pairs:
        ex = p.label["exercise"]
        slot = by_view.setdefault(p.view, {"real": [], "sim": [], "names": []})
        slot["names"].append(p.name)
        slot["real"].append(track_stats(p.real, p.exact, p.view, ex))
        for _ in range(draws):
            sim = apply_error_model(p.exact, params, rng, p.view, ex)
            slot["sim"].append(track_stats(sim, p.exact, p.view, ex))
    out = {}
    for view, slot in sorted(by_view.items()):
        body = float(np.median([s["body_px"] for s in slot["real"]]))
        out[view] = {"clips": len(slot["names"]), "body_px": body,
                     "real": _pool(slot["real"], body), "sim": _pool(slot["sim"], body)}
    out["by_turn"] = _by_turn([s for v in by_view.values() for s in v["real"]],
                              [s for v in by_view.values() for s in v["sim"]])
    return out


def _by_turn(real: list[dict], sim: list[dict]) -> dict:
    """Hip, knee and ankle error (body lengths) by camera turn bucket: does the turn matter, and is it modelled?"""
    out = {}
    for lo, hi in TURN_BUCKETS:
        row = {}
        for name, stats in (("real", real), ("sim", sim)):
            e = [np.concatenate([s["err"][g] for g in ("hip", "knee", "ankle")]) for s in stats if lo <= s["turn"] < hi]
            e = np.concatenate(e) if e else np.zeros(0)
            row[name] = {"clips": sum(lo <= s["turn"] < hi for s in stats),
                         "median": float(np.median(e)) if len(e) else None,
                         "p95": float(np.percentile(e, 95)) if len(e) else None}
        out[f"{lo}-{hi} deg"] = row
    return out


def format_comparison(result: dict) -> str:
    """The comparison as a plain-text table."""
    lines = []
    for view, r in result.items():
        if view == "by_turn":
            continue
        lines.append(f"[{view} view: {r['clips']} held-out clips, body length median {r['body_px']:.0f} px]")
        lines.append(f"  {'group':9s} {'median real/sim':>22s} {'p95 real/sim':>24s} {'step real/sim':>16s} "
                     f"{'vis real/sim':>12s}")
        for grp in REPORT_GROUPS:
            a, b = r["real"]["groups"][grp], r["sim"]["groups"][grp]
            vis = (f"{a['vis_median']:.2f}/{b['vis_median']:.2f}" if a["vis_median"] is not None else "-")
            lines.append(f"  {grp:9s} {a['median']:.3f}/{b['median']:.3f} "
                         f"({a['median_px']:4.1f}/{b['median_px']:4.1f}px)"
                         f" {a['p95']:.3f}/{b['p95']:.3f} ({a['p95_px']:5.1f}/{b['p95_px']:5.1f}px)"
                         f" {a['step_median']:.4f}/{b['step_median']:.4f} {vis:>12s}")
        a, b = r["real"], r["sim"]
        lines.append(f"  leg swaps {a['leg_swap_rate']:.3f}/{b['leg_swap_rate']:.3f} of decidable frames "
                     f"({a['swap_decidable']}/{b['swap_decidable']}); "
                     f"dropouts {a['dropout_rate']:.4f}/{b['dropout_rate']:.4f}")
        if a["key_median"] is not None:
            lines.append(f"  key signal |error| median {a['key_median']:.2f}/{b['key_median']:.2f}, "
                         f"p95 {a['key_p95']:.2f}/{b['key_p95']:.2f}")
    lines.append("[hip, knee and ankle error by camera turn: median and p95 real/sim (clips)]")
    for bucket, row in result.get("by_turn", {}).items():
        a, b = row["real"], row["sim"]
        if a["median"] is None:
            continue
        lines.append(f"  {bucket:10s} {a['median']:.3f}/{b['median']:.3f}  {a['p95']:.3f}/{b['p95']:.3f}"
                     f"  ({a['clips']})")
    return "\n".join(lines)



def _score(label: dict, track: PoseTrack):
    from formcheck.analyze.evaluate import score_clip
    from formcheck.analyze.track import analyze_track
    from formcheck.report.build import build_report
    from formcheck.rules.exercise import get_exercise

    result = analyze_track(get_exercise(label["exercise"]), track)
    return score_clip(label, build_report(result, label["path"], "full"))


def rules_comparison(pairs: list[ClipPair], params: dict, draws: int = 3, seed: int = 1) -> dict:
    """What the rules conclude on the real tracks, on simulated ones of the same clips, and on exact ones.

    The figure the landmark set stands for: if the simulated tracks are as hard for the
    rules as MediaPipe's, their counts, sides and fault precision/recall come out alike.
    """
    from formcheck.analyze.accuracy import set_summary

    rng = np.random.default_rng(seed)
    scores: dict[str, list] = {"real": [], "sim": [], "exact": []}
    for p in pairs:
        label = dict(p.label, _file=p.name)
        scores["real"].append(_score(label, p.real))
        scores["exact"].append(_score(label, p.exact))
        scores["sim"] += [_score(label, apply_error_model(p.exact, params, rng, p.view, label["exercise"]))
                          for _ in range(draws)]
    return {k: set_summary(v) for k, v in scores.items()}


def format_rules_comparison(result: dict) -> str:
    lines = [f"  {'tracks':6s} {'cases':>5s} {'exact counts':>12s} {'sides':>6s} {'hold err s':>10s} "
             f"{'fault prec':>10s} {'recall':>6s} {'fp/case':>7s}"]
    for k in ("real", "sim", "exact"):
        s = result[k]
        lines.append(f"  {k:6s} {s['clips']:5d} {s['exact_count_rate']!s:>12s} {s['side_accuracy']!s:>6s} "
                     f"{s['hold_error_mean_s']!s:>10s} {s['fault_precision']!s:>10s} {s['fault_recall']!s:>6s} "
                     f"{s['fault_fp'] / max(s['clips'], 1):7.3f}")
    lines.append("  per fault, recall and false alarms per case (real / sim / exact):")
    for key in sorted(set().union(*(result[k]["faults"] for k in result))):
        cells = []
        for k in ("real", "sim", "exact"):
            r = result[k]["faults"].get(key, {"tp": 0, "fp": 0, "fn": 0, "recall": None})
            rec = "-" if r["recall"] is None else f"{r['recall']:.2f}"
            cells.append(f"{rec:>4s} {r['fp'] / max(result[k]['clips'], 1):.2f}")
        lines.append(f"    {key[0]:26s} {key[1]:20s} " + " / ".join(cells))
    return "\n".join(lines)


def format_model(params: dict) -> str:
    """The fitted model's main figures per view and joint group, in body lengths and px at the typical body."""
    scale = params.get("scale", {})
    ref = float(scale.get("ref_body_px", 80.0))
    lines = [f"typical body length {ref:.0f} px; clip error scale: size slope {scale.get('size_slope')}, "
             f"turn slope {scale.get('turn_slope')} per 60 deg"]
    for view, vp in params["views"].items():
        xy = {k: np.asarray(vp["xy"][k], float) for k in ("bias_mean", "bias_sd", "sigma", "common_sigma", "tau_s")}
        noise = np.sqrt(xy["sigma"] ** 2 + xy["common_sigma"][None, :] ** 2)
        rate = np.asarray(vp["xy"]["outliers"]["rate"])
        lines.append(f"[{view} view, {vp['clips']} clips] bias |mean| / spread across clips / AR(1) noise sigma, tau"
                     f" / gross-error rate:")
        for grp in REPORT_GROUPS:
            for role, cols in _role_columns(vp["joints"], grp).items():
                b = np.linalg.norm(xy["bias_mean"][cols], axis=-1).mean()
                sd = np.sqrt(np.mean(xy["bias_sd"][cols] ** 2))
                nz = np.sqrt(np.mean(noise[cols] ** 2))
                lines.append(f"  {role + ' ' + grp:16s} {b:.3f} ({b * ref:4.1f}px) / {sd:.3f} ({sd * ref:4.1f}px) / "
                             f"{nz:.3f} ({nz * ref:3.1f}px), {np.median(xy['tau_s'][cols]):.2f} s / "
                             f"{rate[cols].mean():.4f}")
        sw, dr = vp["swaps"]["legs"], vp["dropouts"]
        lines.append(f"  leg swaps {sw['frame_rate']:.4f} of {sw['decidable_frames']} decidable frames "
                     f"({sw['episodes_per_s']:.3f}/s, {sw['mean_s']:.2f} s long, {sw['clips_with']} clips; whole clip "
                     f"{sw.get('whole_clip_rate', 0):.3f} of clips); arm swaps "
                     f"{vp['swaps']['arms']['frame_rate']:.4f}; dropouts {dr['frame_rate']:.4f}; depth gain "
                     f"{vp['depth']['gain']:.2f}")
    return "\n".join(lines)


def _role_columns(joints: list[str], grp: str) -> dict[str, list[int]]:
    """Columns of a joint group split by role (near/far, top/bottom; the face as one)."""
    out: dict[str, list[int]] = {}
    for i, n in enumerate(joints):
        if joint_group(n) == grp:
            role = n.split("_")[0] if grp != "face" else ""
            out.setdefault(role, []).append(i)
    return out
