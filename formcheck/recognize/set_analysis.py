"""Each recognised set analysed with its own exercise's rules, and the engine's say on the set.

The recogniser finds sets (:mod:`formcheck.recognize.segmentation`); the engine then counts
their reps and names the working side, as it does for any set. A stretch in which the engine
counts nothing was someone resting in the start position, not a set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import INDEX, PoseTrack
from formcheck.recognize.segmentation import REST, Recognition, Segment

CONFIRM_CONFIDENCE = 0.9  # below this, a hold in which the engine times nothing is rest
MOVED_TORSOS = 0.75  # the hips this far (in torso lengths) from the set's position: still changing position
TURNED_DEG = 45.0  # the trunk turned this far in the picture from the set's position: still changing position


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


def settled_from(t: np.ndarray, xy: np.ndarray, start_s: float) -> int:
    """Index of the first frame after the last change of position: the engine learns the rest
    level from a set's first frames, so they must not be the person still getting into position
    (``t``: frame times, ``xy``: (n, 33, 2) picture landmarks, ``start_s``: where the set began).

    A change of position moves the hips far (over ``MOVED_TORSOS`` torso lengths) from where
    they are once the exercise has begun (their median over ``start_s .. start_s + 4 s``), or
    turns the trunk (over ``TURNED_DEG`` in the picture: sitting up or lying down keeps the
    hips in place); an exercise's own movement moves them less."""
    hip = xy[:, [INDEX["left_hip"], INDEX["right_hip"]]].mean(axis=1)
    trunk = xy[:, [INDEX["left_shoulder"], INDEX["right_shoulder"]]].mean(axis=1) - hip
    torso = np.linalg.norm(trunk, axis=1)
    ref = (t >= start_s) & (t <= start_s + 4.0) & np.isfinite(hip).all(axis=1) & np.isfinite(trunk).all(axis=1)
    if not ref.any():
        return 0
    centre, size = np.median(hip[ref], axis=0), np.nanmedian(torso[ref])
    up = np.median(trunk[ref] / torso[ref, None], axis=0)
    with np.errstate(invalid="ignore"):
        turned = (trunk @ up) / (torso * max(np.linalg.norm(up), 1e-9)) < np.cos(np.radians(TURNED_DEG))
    far = (np.linalg.norm(hip - centre, axis=1) > MOVED_TORSOS * size) | turned
    far &= t <= start_s + 2.0
    return int(np.flatnonzero(far)[-1]) + 1 if far.any() else 0


def settled_part(track: PoseTrack, start_s: float) -> PoseTrack:
    """``track`` from the end of the last change of position before ``start_s`` + 2 s."""
    k = settled_from(track.t_s, track.image_xyz[..., :2].astype(float), start_s)
    return track.slice(k, len(track)) if 0 < k < len(track) - 1 else track


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
    hold is kept when its share of the probability, rest included (``Segment.share``: the
    question here is set or rest), is CONFIRM_CONFIDENCE or more, even if the engine times
    no hold in it (its position rule is strict about the camera view): the report then
    says 0 s held rather than that nothing was done.
    """
    from formcheck.analyze.track import analyze_track
    from formcheck.rules.exercise import get_exercise

    out = []
    for i, seg in enumerate(rec.segments):
        if not seg.is_set:
            continue
        part = settled_part(slice_time(track, *set_span(rec, i)), seg.start_s)
        result = analyze_track(get_exercise(seg.exercise), part) if len(part) >= 2 else None
        found = result is not None and bool(result.engine.reps or result.engine.holds)
        moves = get_exercise(seg.exercise).kind != "hold"  # defined by movement: no rep, no set
        share = seg.confidence if seg.share is None else seg.share  # set or rest: rest counts against it
        if not found and (moves or share < CONFIRM_CONFIDENCE):
            seg.looked_like, seg.exercise = seg.exercise, REST
            continue
        seg.side = engine_side(result)
        if seg.side is None and result is not None and result.exercise.kind != "hold":
            seg.side = window_side(rec, seg)  # in a hold the leg that moved need not be the one held
        out.append(AnalysedSet(seg, part, result))
    return out


def describe(seg: Segment) -> str:
    """'Clamshell (left), confidence 0.97' in the catalogue's words, naming any exercise the
    camera cannot tell from it ('..., or Side-lying leg raise: the same on camera')."""
    from formcheck.recognize.catalogue import also_possible
    from formcheck.rules.exercise import get_exercise

    name = get_exercise(seg.exercise).name if seg.is_set else "rest"
    side = f" ({seg.side})" if seg.side else ""
    others = [get_exercise(e).name for e in also_possible(seg.exercise)] if seg.is_set else []
    alike = f", or {' or '.join(others)}: the same on camera" if others else ""
    return f"{name}{side}, confidence {seg.confidence:.2f}{alike}"
