"""Which exercise, when: per-window answers smoothed into sets and rests (issue 9).

Every window of a recording gets class probabilities from the recogniser
(:mod:`formcheck.recognize.model`). Answers flicker from window to window, so a Viterbi pass
with a switch penalty finds the most likely sequence; runs of one class become segments, and
an exercise run too short to be a set becomes rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import PoseTrack
from formcheck.recognize.features import Windows, feature_names, track_windows
from formcheck.recognize.model import Recognizer, default_recognizer

REST = "rest"  # not exercising: still, resting between sets, moving between positions
MIN_CONFIDENCE = 0.6  # below this the answer is "unsure": the CLI asks for --exercise
SWITCH_PENALTY = 6.0  # log-probability cost of changing class between windows (Viterbi)
MIN_SET_S = 5.0  # shorter exercise stretches are not sets
STILL_SHARE = 0.5  # an edge window of a moving set whose legs move less than this share of its median window is rest


@dataclass
class Segment:
    """A stretch of the recording doing one thing (an exercise or rest)."""

    exercise: str  # an exercise id or REST
    start_s: float
    end_s: float
    confidence: float  # which_exercise: how sure it is this exercise rather than another (rest: its mean probability)
    side: str | None = None  # left | right | both, from the engine once analysed
    runner_up: str | None = None
    looked_like: str | None = None  # set to the exercise when the engine found nothing in it
    share: float | None = None  # mean probability of its class over its windows, rest included: is it a set at all?

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


def trim_still_edges(windows: Windows, path: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """Windows at either end of a set of reps or cycles in which the legs hardly move become rest.

    Lying still in the start position before the first rep (or after the last) looks like
    the exercise's start, but is not doing it. "Hardly" is relative to the set's own median
    window (not its briskest: a move into position outdoes any rep), so slow and small movers keep their sets; the set keeps
    the windows from its first two brisk ones in a row to its last two (a lone brisk window
    at an edge is the move into position). Hold exercises, and stills inside a set (a hold
    at the top), are left alone.
    """
    from formcheck.rules.exercise import get_exercise

    rest = classes.index(REST)
    motion = windows.features[:, feature_names().index("working.motion")]
    path = path.copy()
    for a, b in _runs(path):
        if path[a] == rest or get_exercise(classes[path[a]]).kind == "hold":
            continue
        brisk = motion[a:b + 1] >= STILL_SHARE * np.median(motion[a:b + 1])
        steady = np.flatnonzero(brisk[:-1] & brisk[1:])  # two brisk windows in a row: not just a move into place
        if len(steady) == 0:
            continue
        path[a:a + steady[0]] = rest
        path[a + steady[-1] + 2:b + 1] = rest
    return path


def segments_from_path(windows: Windows, probs: np.ndarray, path: np.ndarray, classes: tuple[str, ...],
                       t_start: float, t_end: float, min_set_s: float = MIN_SET_S) -> list[Segment]:
    """Runs of one class become segments; boundaries halfway between the windows' centres.

    An exercise run whose windows span less than ``min_set_s``, or whose own stretch (from
    boundary to boundary) is under half of it, is too short to be a set and becomes rest (a
    stretch between sets, a change of position: two windows of a move can look like a hold).
    """
    rest = classes.index(REST)
    path = path.copy()
    centres = windows.centre_s

    def bounds(a: int, b: int) -> tuple[float, float]:
        """The stretch the run's windows are the nearest to (to the recording's ends at its edges)."""
        start = t_start if a == 0 else 0.5 * (centres[a - 1] + centres[a])
        return start, t_end if b == len(path) - 1 else 0.5 * (centres[b] + centres[b + 1])

    for a, b in _runs(path):
        start, end = bounds(a, b)
        if path[a] != rest and ((windows.end_s[b] - windows.start_s[a]) < min_set_s or end - start < 0.5 * min_set_s):
            path[a:b + 1] = rest
    segs: list[Segment] = []
    for a, b in _runs(path):
        start, end = bounds(a, b)
        k = int(path[a])
        mean_p = probs[a:b + 1].mean(axis=0)
        order = np.argsort(mean_p)[::-1]
        runner = next((classes[j] for j in order if j != k), None)
        conf = float(mean_p[k]) if k == rest else which_exercise(mean_p, k, rest)
        segs.append(Segment(classes[k], float(start), float(end), conf, runner_up=runner, share=float(mean_p[k])))
    return segs


def which_exercise(mean_p: np.ndarray, k: int, rest: int) -> float:
    """How sure the recogniser is that a set is exercise ``k`` rather than another exercise.

    Whether the stretch is a set at all was decided already (the smoothed path, the still
    edges trimmed, then the engine must count it), so the confidence that makes the CLI ask
    "which exercise?" leaves rest out: a hold lying still (the supine butterfly) shares a
    third of its probability with rest, though no other exercise comes near it. Chosen on
    tuning data (scripts/compare_recognizers.py: renders of seed TUNE_SEED 102 -> 103 of 104,
    error-model clips of seed 3001 59 -> 60 of 66; docs/accuracy.md). Set or rest is asked
    with rest in: :attr:`Segment.share`."""
    return float(mean_p[k] / max(1.0 - mean_p[rest], 1e-9))


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
    path = trim_still_edges(windows, viterbi(np.log(np.clip(probs, 1e-9, 1.0)), switch_penalty), classes)
    # A recording shorter than a set (a short clip of one exercise) is judged as a whole.
    min_set_s = min(min_set_s, 0.6 * (t_end - t_start))
    segments = segments_from_path(windows, probs, path, classes, t_start, t_end, min_set_s)
    return Recognition(windows, probs, classes, path, segments)
