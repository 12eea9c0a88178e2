"""Accuracy tables on labelled sets: per exercise and per fault, by camera angle, holds and sides.

``formcheck eval`` scores a folder overall; this breaks the same clip scores down the way
a physiotherapist would ask: is each fault flagged when it happens and only then, from
which camera angles, are the holds timed right and the reps put on the right side. The
fault benchmark (``benchmarks/faults``) stores MediaPipe's landmark track beside each truth
file, so these tables are recomputed from real detector output without the videos.
"""

from __future__ import annotations

from pathlib import Path

from formcheck.analyze.evaluate import ClipScore, evaluate_folder

#: Camera turn from the recommended view, in degrees: the buckets of the angle table.
ANGLE_BUCKETS = ((0, 15), (15, 30), (30, 45), (45, 61))


def stored_track_path(label: dict, model: str = "full") -> Path:
    """Where a label's landmark track is stored beside its clip: ``<clip>.<model>.npz``."""
    video = Path(label["_file"])
    return video.with_name(f"{video.name}.{model}.npz")


def analyse_label(label: dict, model: str = "full", cache: Path | None = None) -> dict:
    """The report of one labelled clip, from its stored track when there is one, else from the video."""
    from formcheck.analyze.track import analyze_track
    from formcheck.pose.landmarks import PoseTrack
    from formcheck.report.build import build_report
    from formcheck.rules.exercise import get_exercise

    video = Path(label["_file"])
    stored = stored_track_path(label, model)
    cached = Path(cache) / f"{video.name}.{model}.npz" if cache else None
    if stored.exists():
        track = PoseTrack.from_npz(stored)
    elif cached is not None and cached.exists() and cached.stat().st_mtime >= video.stat().st_mtime:
        track = PoseTrack.from_npz(cached)
    else:
        from formcheck.analyze.video import track_video

        track, _ = track_video(video, model)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            track.to_npz(cached)
    return build_report(analyze_track(get_exercise(label["exercise"]), track), str(video), model)


def angle_bucket(azimuth_deg: float | None) -> str:
    if azimuth_deg is None:
        return "unknown"
    a = abs(azimuth_deg)
    for lo, hi in ANGLE_BUCKETS:
        if lo <= a < hi:
            return f"{lo}-{min(hi, 60)} deg"
    return f">{ANGLE_BUCKETS[-1][1] - 1} deg"


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def fault_rows(scores: list[ClipScore], key=lambda s: s.exercise) -> dict[tuple[str, str], dict]:
    """(group, fault code) -> tp, fp, fn, precision, recall, over the clips with labelled faults."""
    rows: dict[tuple[str, str], list[int]] = {}
    for s in scores:
        for code, (tp, fp, fn) in s.by_fault.items():
            r = rows.setdefault((key(s), code), [0, 0, 0])
            r[0] += tp
            r[1] += fp
            r[2] += fn
    return {k: {"tp": tp, "fp": fp, "fn": fn, "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn)}
            for k, (tp, fp, fn) in sorted(rows.items())}


def set_summary(scores: list[ClipScore]) -> dict:
    """Counts, holds, sides and faults of one set, overall and per exercise and angle bucket."""
    holds = [e for s in scores for e in s.hold_errors]
    tp, fp, fn = (sum(getattr(s, k) for s in scores if s.faults_labelled) for k in ("tp", "fp", "fn"))
    sides = sum(s.sides_right for s in scores), sum(s.sides_labelled for s in scores)
    return {
        "clips": len(scores),
        "exact_counts": sum(s.exact for s in scores),
        "exact_count_rate": _ratio(sum(s.exact for s in scores), len(scores)),
        "holds": len(holds),
        "holds_within_0.3s": sum(e <= 0.3 for e in holds),
        "hold_error_mean_s": round(sum(holds) / len(holds), 3) if holds else None,
        "hold_error_max_s": round(max(holds), 3) if holds else None,
        "sides_right": sides[0], "sides_labelled": sides[1], "side_accuracy": _ratio(*sides),
        "fault_tp": tp, "fault_fp": fp, "fault_fn": fn,
        "fault_precision": _ratio(tp, tp + fp), "fault_recall": _ratio(tp, tp + fn),
        "faults": fault_rows(scores),
        "faults_by_angle": fault_rows(scores, key=lambda s: angle_bucket(s.azimuth_deg)),
    }


def score_set(folder: Path, model: str = "full", cache: Path | None = None) -> tuple[list[ClipScore], dict]:
    """Score every labelled clip in ``folder``: the clip scores and :func:`set_summary` of them."""
    scores: list[ClipScore] = []
    evaluate_folder(folder, lambda label: analyse_label(label, model, cache), scores.append)
    return scores, set_summary(scores)


def flags_beyond_view(scores: list[ClipScore]) -> list[str]:
    """Faults flagged on clips whose true camera turn is past the fault's ``max_turn_deg``.

    Issue 14: outside its reliable range a fault must not be flagged (it is listed as not
    checked instead); each line here is one clip and fault where that did not hold, because
    the camera's turn was under-estimated.
    """
    from formcheck.rules.exercise import get_exercise

    out = []
    for s in scores:
        if s.azimuth_deg is None:
            continue
        limits = {f.code: f.max_turn_deg for f in get_exercise(s.exercise).faults}
        for code, (tp, fp, _) in s.by_fault.items():
            limit = limits.get(code)
            if limit is not None and abs(s.azimuth_deg) > limit and tp + fp:
                out.append(f"{s.path}: {code} flagged {tp + fp}x at a {abs(s.azimuth_deg):.0f} deg turn "
                           f"(judged within {limit:.0f} deg)")
    return out
