"""``--fast`` with look-back: the pose model on sparse frames, and inside a gap only where the motion bends.

Issue 16. A causal sampler (:class:`formcheck.analyze.sampling.AdaptiveSampler`) cannot know a
turn is coming, so it must stay dense wherever one might be: the model ran on 40-56% of frames.
Here a *scout* inference runs every ``anchor_s`` seconds, and the frames in between wait in a
short buffer (two gaps: about 0.5 s of decoded pose frames, so memory stays flat). Once the
anchor after a gap is known, the gap is judged from the anchors around it: the second
difference of each body point over the anchors before and after gives its curvature, and a
straight line between two inferred frames ``h`` seconds apart is off by about ``curvature * h**2 / 8``
in the middle. Where that stays under ``tolerance`` torso lengths the gap is interpolated; where
not (a turn, a start or a stop, somebody lost or found) the gap's frames are inferred every
``step`` frames, the largest step that keeps the error under ``tolerance``, and the rest interpolated.

MediaPipe's VIDEO mode needs strictly increasing timestamps, and a tracker that has seen the
anchor after a gap cannot go back into it. So the gaps are filled by a second estimator, the
*filler*: it too is fed frames in increasing time (gaps are settled in order, each from its
start), so both keep VIDEO mode's tracking; the filler re-detects the body when its last frame
is too far back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from formcheck.analyze.sampling import interpolated, replayed
from formcheck.pose.estimator import PoseResult

_BODY = np.arange(11, 33)  # shoulders downwards: the face adds no movement of its own
_SHOULDERS, _HIPS = [11, 12], [23, 24]

Detect = Callable[[np.ndarray, float], "PoseResult | None"]


@dataclass(frozen=True)
class LookbackOptions:
    """How far apart the scout runs, and how much a straight line may be off (torso lengths)."""

    anchor_s: float = 0.25
    tolerance: float = 0.03
    min_visibility: float = 0.5
    dense_on_visibility: bool = False  # a body point crossing ``min_visibility`` in a gap: infer it all
    speed_change: float = 0.0  # torso lengths / s: a gap whose speed changes more is inferred every 2nd frame (0: off)

    def __post_init__(self) -> None:
        if not self.anchor_s > 0 or not self.tolerance > 0:
            raise ValueError("anchor_s and tolerance must be > 0")


class LookbackStats:
    """What the report's ``sampling`` block says: frames seen, and how many the model ran on."""

    mode = "lookback"

    def __init__(self) -> None:
        self.frames = self.inferred = self.filled = 0


class _Entry:
    __slots__ = ("t", "image", "result", "anchor")

    def __init__(self, t: float, image: np.ndarray):
        self.t, self.image, self.result, self.anchor = t, image, None, False


class _Lookback:
    """The buffer of frames since the last settled anchor, and the two estimators."""

    def __init__(self, scout: Detect, filler: Detect, options: LookbackOptions, stats: LookbackStats):
        self.scout, self.filler, self.options, self.stats = scout, filler, options, stats
        self.window: list[_Entry] = []
        self.before: _Entry | None = None  # the anchor before window[0] (its landmarks only)
        self.frame_dt: float | None = None
        self.size = np.ones(2)  # the frames' width and height: landmarks are judged in pixels

    def add(self, t_s: float, image: np.ndarray) -> Iterator[_Entry]:
        """One decoded frame in; the frames settled by it out (in order)."""
        self.stats.frames += 1
        if self.window and t_s > self.window[-1].t:
            dt = t_s - self.window[-1].t
            self.frame_dt = dt if self.frame_dt is None else 0.9 * self.frame_dt + 0.1 * dt
        self.window.append(_Entry(t_s, image))
        self.size = np.asarray((image.shape[1], image.shape[0]), float)
        if len(self.window) == 1 and self.before is None:  # the first frame: an anchor, out at once
            self._anchor(self.window[0])
            yield self.window[0]
            return
        last = max(k for k, e in enumerate(self.window) if e.anchor)
        spacing = max(1, int(self.options.anchor_s / (self.frame_dt or self.options.anchor_s) + 0.5))
        if len(self.window) - 1 - last >= spacing:
            self._anchor(self.window[-1])
            yield from self._settle(final=False)

    def finish(self) -> Iterator[_Entry]:
        """The end of the video: its last frame is an anchor (nothing is extrapolated); settle the rest."""
        if self.window and not self.window[-1].anchor:
            self._anchor(self.window[-1])
        yield from self._settle(final=True)

    def _anchor(self, entry: _Entry) -> None:
        entry.result, entry.anchor = self.scout(entry.image, entry.t), True
        self.stats.inferred += 1

    def _settle(self, final: bool) -> Iterator[_Entry]:
        """Fill and hand out each gap whose next anchor is known (or every gap, at the end)."""
        while True:
            anchors = [k for k, e in enumerate(self.window) if e.anchor]
            if len(anchors) < 2 or (len(anchors) < 3 and not final):
                return
            gap = self.window[:anchors[1] + 1]
            after = self.window[anchors[2]] if len(anchors) > 2 else None
            self._fill(gap, after)
            yield from gap[1:]
            self.before, self.window = self.window[0], self.window[anchors[1]:]
            self.before.image = None  # its picture is out; only its landmarks are needed

    def _fill(self, gap: list[_Entry], after: _Entry | None) -> None:
        """Infer the gap's inner frames every ``step`` (in time order) and interpolate the others."""
        inner = len(gap) - 2
        if inner <= 0:
            return
        step = self._step(self.before, gap[0], gap[-1], after)
        known = [gap[0]]
        for k in range(step, inner + 1, step):
            gap[k].result = self.filler(gap[k].image, gap[k].t)
            self.stats.inferred += 1
            self.stats.filled += 1
            known.append(gap[k])
        known.append(gap[-1])
        _interpolate(gap, known)

    def _step(self, p: _Entry | None, a: _Entry, b: _Entry, c: _Entry | None) -> int:
        """Frames between inferences in the gap a..b: 1 unless the body is found at both ends and bends little."""
        opt = self.options
        if a.result is None or b.result is None or not self.frame_dt:
            return 1
        torso = _torso(a.result, self.size)
        if torso <= 0:
            return 1
        if opt.dense_on_visibility and np.any(_seen(a.result, opt) != _seen(b.result, opt)):
            return 1
        bend = max(_curvature(p, a, b, opt, self.size), _curvature(a, b, c, opt, self.size))
        if not math.isfinite(bend):
            return 1
        if bend <= 0:
            return 1 << 30  # no anchor on either side (a video of one gap): a straight line
        h = math.sqrt(8.0 * opt.tolerance * torso / bend)  # seconds a straight line may span
        step = max(1, int(h / self.frame_dt))
        if opt.speed_change and bend * (b.t - a.t) > opt.speed_change * torso:
            step = min(step, 2)  # a start or a stop inside: where it is, to a frame (hold boundaries)
        return step


def _seen(r: PoseResult, opt: LookbackOptions) -> np.ndarray:
    return np.isfinite(r.image_xyz[_BODY, :2]).all(axis=1) & (np.nan_to_num(r.visibility[_BODY]) >= opt.min_visibility)


def _torso(r: PoseResult, size: np.ndarray) -> float:
    """Shoulder centre to hip centre, in pixels."""
    xy = r.image_xyz[:, :2] * size
    length = float(np.linalg.norm(xy[_SHOULDERS].mean(axis=0) - xy[_HIPS].mean(axis=0)))
    return length if np.isfinite(length) else 0.0


def _curvature(x0: _Entry | None, x1: _Entry, x2: _Entry | None, opt: LookbackOptions, size: np.ndarray) -> float:
    """The largest body point acceleration over three anchors (pixels / s^2); 0 without a neighbour.

    Inf when a neighbour found nobody: the body appears or is lost near this gap.
    """
    if x0 is None or x2 is None:
        return 0.0
    if x0.result is None or x2.result is None:
        return math.inf
    rs = (x0.result, x1.result, x2.result)
    seen = _seen(rs[0], opt) & _seen(rs[1], opt) & _seen(rs[2], opt)
    if seen.sum() < 4:
        return math.inf
    p0, p1, p2 = (r.image_xyz[_BODY, :2][seen] * size for r in rs)
    d1, d2 = max(x1.t - x0.t, 1e-6), max(x2.t - x1.t, 1e-6)
    acc = 2.0 * ((p2 - p1) / d2 - (p1 - p0) / d1) / (d1 + d2)
    return float(np.max(np.linalg.norm(acc, axis=1)))


def _interpolate(gap: list[_Entry], known: list[_Entry]) -> None:
    """Landmarks for the gap's frames not inferred: linear in time between the inferred ones around them."""
    j = 0
    for e in gap[1:-1]:
        while known[j + 1].t < e.t:
            j += 1
        if e is known[j + 1] or e is known[j]:
            continue
        e.result = interpolated((known[j].t, known[j].result), (known[j + 1].t, known[j + 1].result), e.t)


def lookback_poses(frames: Iterable[tuple[float, np.ndarray]], scout: Detect, filler: Detect,
                   options: LookbackOptions = LookbackOptions(),
                   stats: LookbackStats | None = None) -> Iterator[tuple[float, np.ndarray, PoseResult | None]]:
    """``(t_s, image, result)`` for every frame in order, as ``detect_frames`` gives, the model on few of them.

    ``scout`` and ``filler``: two estimators (each fed frames in increasing time). Frames come
    out up to two anchor spacings late (the look-back buffer).
    """
    state = _Lookback(scout, filler, options, stats if stats is not None else LookbackStats())
    for t_s, image in frames:
        for e in state.add(float(t_s), image):
            yield e.t, e.image, e.result
    for e in state.finish():
        yield e.t, e.image, e.result


def lookback_track(track, options: LookbackOptions = LookbackOptions()):
    """What look-back ``--fast`` would make of a full-rate ``PoseTrack``: (sparse track, rows inferred).

    Replays both estimators from the stored rows (their own tracking is not replayed: real runs measure that).
    """
    stats = LookbackStats()
    out = replayed(track, lambda frames, detect: lookback_poses(frames, detect, detect, options, stats))
    return out, stats.inferred
