"""The causal sampler ``--fast`` used first: the pose model on some frames only, chosen by how the body moves (issue 16).

``--fast`` now runs :mod:`formcheck.analyze.lookback` (the model on 21-25% of frames instead of
40-45%, benchmarks/README.md); this one stays for the benchmark's comparison and for
:func:`interpolated` and :func:`replayed`, which both use.

The pose model is nearly all of an analysis's cost, and most frames of an exercise video add
nothing a neighbour does not already say: the body is still (between reps, during a hold) or
moving steadily (the middle of a lift). What the engine needs densely is the turning points,
where a rep peaks, where its top is measured and most faults are judged, and the moments a
movement starts or stops (rep and hold boundaries). :class:`AdaptiveSampler` decides, from
the landmarks of the frames already inferred, how many frames to skip before the next
inference: none while the body is speeding up, slowing down or changing direction, or when
nobody was found; up to ``max_step - 1`` while it is still or moving steadily. The decision
is causal (it sees only frames already inferred), so it runs during the single pose pass.

:func:`sampled_poses` applies it: every decoded frame still comes out, in order, with its
own timestamp; a skipped frame gets landmarks interpolated linearly in time between the
inferred frames on either side, so the cleaning, the engine, landmarks.npz and the annotated
video see every frame, as with a full-rate pass. A skipped frame's landmarks are known once
the next frame is inferred, at most ``max_step - 1`` frames later; the last frame of the
video is always inferred, so nothing is extrapolated.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from formcheck.pose.estimator import PoseResult

_BODY = np.arange(11, 33)  # shoulders downwards: the face adds no movement of its own
_SHOULDERS, _HIPS = (11, 12), (23, 24)


@dataclass(frozen=True)
class SamplingOptions:
    """How sparse ``--fast`` may go, and what counts as still, steady and turning.

    Speeds are in torso lengths (shoulder centre to hip centre) a second, so the same
    settings hold for a near or a far camera; the body points' speed is the third largest
    of the visible points' (one jittery point does not decide).
    """

    max_step: int = 8  # at most every 8th frame inferred (60 fps and over) ...
    max_gap_s: float = 0.2  # ... and never more than this apart: every 6th at 30 fps, 4th at 24, 2nd at 12
    baseline_s: float = 0.1  # velocity measured over this much time, not frame to frame (jitter)
    still_speed: float = 0.25  # torso lengths / s below which the body counts as still
    slowing: float = 0.7  # speed under this fraction of the previous baseline's: slowing, a turn
    turn_cos: float = 0.8  # direction change: cosine between consecutive displacements under this
    min_visibility: float = 0.5

    def __post_init__(self) -> None:
        if not isinstance(self.max_step, int) or self.max_step < 1:
            raise ValueError(f"max_step must be an integer >= 1, got {self.max_step!r}")


class AdaptiveSampler:
    """Frames to the next pose inference, from the landmarks of the frames inferred so far."""

    def __init__(self, options: SamplingOptions = SamplingOptions()):
        self.options = options
        self._history: deque[tuple[float, np.ndarray, np.ndarray]] = deque()  # (t, body px, visible)
        self.inferred = 0
        self.frames = 0

    def next_step(self, t_s: float, result: PoseResult | None, image_size: tuple[int, int],
                  frame_dt: float | None = None) -> int:
        """After inferring the frame at ``t_s``: how many frames ahead the next inference is (>= 1).

        ``frame_dt``: the video's frame interval (s), which turns ``max_gap_s`` into frames.
        """
        self.inferred += 1
        opt = self.options
        sparse = opt.max_step
        if frame_dt and frame_dt > 0:
            sparse = int(max(1, min(opt.max_step, opt.max_gap_s / frame_dt + 1e-6)))
        if result is None:
            self._history.clear()
            return 1
        px = result.image_xyz[_BODY, :2] * np.asarray(image_size, float)
        seen = np.isfinite(px).all(axis=1) & (np.nan_to_num(result.visibility[_BODY]) >= opt.min_visibility)
        self._history.append((t_s, px, seen))
        while len(self._history) > 2 and self._history[1][0] <= t_s - 2.5 * opt.baseline_s:
            self._history.popleft()
        return self._decide(result, image_size, sparse)

    def _decide(self, result: PoseResult, image_size: tuple[int, int], sparse: int) -> int:
        opt = self.options
        torso = _torso_px(result, image_size)
        now = self._history[-1]
        mid = self._at(now[0] - opt.baseline_s)
        early = self._at(mid[0] - opt.baseline_s) if mid is not None else None
        if mid is None or early is None or not torso:
            return 1  # not enough history yet: stay dense
        seen = now[2] & mid[2] & early[2]
        if seen.sum() < 4:
            return 1
        d_now, d_prev = (now[1] - mid[1])[seen], (mid[1] - early[1])[seen]
        v_now = _speed(d_now, now[0] - mid[0]) / torso
        v_prev = _speed(d_prev, mid[0] - early[0]) / torso
        if v_now < opt.still_speed and v_prev < opt.still_speed:
            return sparse  # still
        if abs(v_now - v_prev) > opt.still_speed and (v_now < opt.slowing * v_prev or v_prev < opt.slowing * v_now):
            return 1  # slowing to a turn or a stop, or starting to move (by more than jitter)
        if min(v_now, v_prev) > opt.still_speed and _cosine(d_now, d_prev) < opt.turn_cos:
            return 1  # changing direction
        return sparse  # moving steadily

    def _at(self, t_s: float):
        """The inferred frame nearest ``t_s`` among the older ones (None if all are too recent)."""
        older = [h for h in list(self._history)[:-1] if h[0] <= t_s + 0.5 * self.options.baseline_s]
        if not older:
            return None
        return min(older, key=lambda h: abs(h[0] - t_s))


def _torso_px(result: PoseResult, image_size: tuple[int, int]) -> float:
    xy = result.image_xyz[:, :2] * np.asarray(image_size, float)
    length = float(np.linalg.norm(xy[list(_SHOULDERS)].mean(axis=0) - xy[list(_HIPS)].mean(axis=0)))
    return length if np.isfinite(length) and length > 1.0 else 0.0


def _speed(displacement: np.ndarray, dt: float) -> float:
    """The third largest point speed (pixels / s): a moving limb, not one jittery point."""
    speeds = np.sort(np.linalg.norm(displacement, axis=1))
    return float(speeds[-3] if len(speeds) >= 3 else speeds[-1]) / max(dt, 1e-6)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(np.sum(a * b) / (na * nb)) if na > 0 and nb > 0 else 1.0


def interpolated(before: tuple[float, PoseResult | None], after: tuple[float, PoseResult | None],
                 t_s: float) -> PoseResult | None:
    """Landmarks at ``t_s`` between two inferred frames (linear in time); None unless both found someone."""
    (t0, r0), (t1, r1) = before, after
    if r0 is None or r1 is None:
        return None
    w = 0.0 if t1 == t0 else float(np.clip((t_s - t0) / (t1 - t0), 0.0, 1.0))

    def mix(a, b):
        return (1.0 - w) * np.asarray(a, float) + w * np.asarray(b, float)

    return PoseResult(mix(r0.image_xyz, r1.image_xyz), mix(r0.world_xyz, r1.world_xyz),
                      mix(r0.visibility, r1.visibility), mix(r0.presence, r1.presence))


def sampled_poses(frames: Iterable[tuple[float, np.ndarray]],
                  detect: Callable[[np.ndarray, float], PoseResult | None],
                  sampler: AdaptiveSampler) -> Iterator[tuple[float, np.ndarray, PoseResult | None]]:
    """``(t_s, image, result)`` for every frame, as ``detect_frames`` gives, inferring only what ``sampler`` asks.

    Skipped frames (their images kept until then: at most ``max_step - 1``) come out with
    interpolated landmarks once the next inferred frame is known; the last frame is always inferred.
    """
    pending: list[tuple[float, np.ndarray]] = []
    previous: tuple[float, PoseResult | None] | None = None
    skip, last_t, frame_dt = 0, None, None
    for t_s, image in frames:
        sampler.frames += 1
        if last_t is not None and t_s > last_t:
            frame_dt = float(t_s) - last_t if frame_dt is None else 0.9 * frame_dt + 0.1 * (float(t_s) - last_t)
        last_t = float(t_s)
        if skip > 0:
            pending.append((float(t_s), image))
            skip -= 1
            continue
        result = detect(image, t_s)
        yield from _release(previous, (float(t_s), result), pending)
        yield float(t_s), image, result
        previous, pending = (float(t_s), result), []
        skip = sampler.next_step(float(t_s), result, (image.shape[1], image.shape[0]), frame_dt) - 1
    if pending:  # the video ended inside a skip: infer its last frame, fill the rest
        t_s, image = pending.pop()
        result = detect(image, t_s)
        sampler.inferred += 1
        yield from _release(previous, (t_s, result), pending)
        yield t_s, image, result


def _release(previous, current, pending) -> Iterator[tuple[float, np.ndarray, PoseResult | None]]:
    for t_s, image in pending:
        yield t_s, image, (interpolated(previous, current, t_s) if previous is not None else None)


def sample_track(track, options: SamplingOptions = SamplingOptions()):
    """What the causal sampler would make of a full-rate ``PoseTrack``: (track with skipped rows interpolated, rows inferred).

    Replays the sampler on stored landmarks instead of running the model, to test and tune
    its decisions on labelled tracks (the model's own tracking between sparse frames is not
    replayed: real runs measure that).
    """
    sampler = AdaptiveSampler(options)
    out = replayed(track, lambda frames, detect: sampled_poses(frames, detect, sampler))
    return out, sampler.inferred


def replayed(track, poses: Callable) -> "PoseTrack":
    """The track ``poses(frames, detect)`` makes when the stored rows of ``track`` stand in for the model.

    Shared by the replays of both samplers (``sample_track``, ``lookback.lookback_track``);
    the frames are empty images of the track's size (all a sampler reads of them).
    """
    from formcheck.pose.landmarks import PoseTrack

    w, h = track.image_size
    stub = np.empty((h, w, 0), np.uint8)
    rows = {float(t): k for k, t in enumerate(track.t_s)}

    def detect(_image, t_s):
        k = rows[float(t_s)]
        if not track.detected[k]:
            return None
        return PoseResult(track.image_xyz[k], track.world_xyz[k], track.visibility[k], track.presence[k])

    out = PoseTrack.empty(len(track), track.image_size)
    out.t_s[:] = track.t_s
    for k, (_, _, r) in enumerate(poses(((t, stub) for t in track.t_s), detect)):
        if r is not None:
            out.image_xyz[k], out.world_xyz[k] = r.image_xyz, r.world_xyz
            out.visibility[k], out.presence[k] = r.visibility, r.presence
            out.detected[k] = True
    return out
