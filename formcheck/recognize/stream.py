"""Recognising the exercise while it is being done: the recogniser on a sliding window (issue 17).

Offline, :func:`formcheck.recognize.segmentation.recognize` sees the whole recording and
smooths its windows' answers backwards and forwards. Live there is only the past, so
:class:`StreamRecognizer` keeps the last ``BUFFER_S`` seconds of raw landmark rows and, once
every ``HOP_S`` seconds of frame time (not every frame: the features of one window cost
some 30 ms), classifies the newest ``WINDOW_S`` window with the same features and model.
An answer is only given when ``AGREE`` windows in a row agree with enough confidence: one
window can flicker (a change of position looks like many things for a moment), two
agreeing seldom do. With 4 s windows every 1 s this names the exercise a median 2.4 s after
the first rep starts (held-out synthetic streams, scripts/eval_stream_recognition.py).

Events, each at most once per frame:

* ``recognised``: the first exercise, or a different one after a set (a new set starts);
  it carries ``start_s``, where the run of windows that named it begins, so the frames of
  the reps done while recognising can be replayed into the new set's engine;
* ``rest``: no exercise for ``END_REST_S``: the set in progress is over;
* ``unsure``: ``ASK_AFTER_S`` of movement and still no confident answer: the best
  candidates, so the person can be asked to pick.

Time is the frames' own timestamps, so tests drive it with landmark sequences.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.pose.landmarks import N_LANDMARKS, PoseTrack
from formcheck.recognize.features import WINDOW_S, track_windows
from formcheck.recognize.model import Recognizer, default_recognizer
from formcheck.recognize.segmentation import MIN_CONFIDENCE, REST

HOP_S = 1.0  # how often (frame time) the newest window is classified
CONTEXT_S = 2.0  # cleaned with this much before the window, so the cleaner has settled at its start
BUFFER_S = 40.0  # raw rows kept: enough to replay a set's start once it is recognised
AGREE = 2  # windows in a row that must name the same exercise
END_REST_S = 10.0  # this long with no exercise ends the set in progress
ASK_AFTER_S = 8.0  # this long moving with no confident answer: ask the person to pick
MIN_SEEN = 0.5  # a window with a person in view less than this is rest


@dataclass
class WindowAnswer:
    """The recogniser's answer for one window of the stream."""

    start_s: float
    end_s: float
    probabilities: np.ndarray  # (C,)
    working: int  # 0: the left-labelled leg moved most, 1: the right

    def best(self) -> int:
        return int(np.argmax(self.probabilities))


@dataclass
class StreamEvent:
    """What the stream recogniser decided on a frame."""

    kind: str  # recognised | rest | unsure
    t_s: float
    exercise: str | None = None  # recognised: the exercise id
    confidence: float = 0.0
    start_s: float | None = None  # where the exercise's (unsure: the movement's) windows begin; rest: the rest's
    candidates: list[tuple[str, float]] = field(default_factory=list)  # unsure: (id, probability), best first
    working: str | None = None  # recognised: the leg that moved most (MediaPipe's label)


def row_of(pose) -> np.ndarray:
    """A pose result as one float32 (33, 8) row, NaN when nobody was found (as live sessions keep them)."""
    row = np.full((N_LANDMARKS, 8), np.nan, np.float32)
    if pose is not None:
        row[:, 0:3], row[:, 3:6] = pose.image_xyz, pose.world_xyz
        row[:, 6], row[:, 7] = pose.visibility, pose.presence
    return row


@dataclass
class StreamRecognizer:
    """The exercise recogniser on the stream's recent frames (no I/O; frame timestamps only).

    ``current`` is the exercise of the set in progress (None between sets). ``min_confidence``:
    below it an answer is not taken (the CLI's threshold for ``--exercise auto``).
    """

    image_size: tuple[int, int]
    recognizer: Recognizer | None = None
    min_confidence: float = MIN_CONFIDENCE
    current: str | None = None
    answers: list[WindowAnswer] = field(default_factory=list)
    memo: dict | None = None  # window end time -> answer: the same stream replayed (tuning) skips the features

    def __post_init__(self) -> None:
        self.recognizer = self.recognizer or default_recognizer()
        self.classes = self.recognizer.classes
        self._rest = self.classes.index(REST)
        self._rows: deque = deque()  # (t, row, detected)
        self._next_s: float | None = None
        self._asked = False
        self.latest: WindowAnswer | None = None  # the window classified on the last frame pushed, if any

    # ------------------------------------------------------------------ frames
    def push(self, t: float, pose) -> StreamEvent | None:
        """One frame (a PoseResult-like object or None); an event when something was decided."""
        row = row_of(pose)
        self.latest = None
        self._rows.append((float(t), row, pose is not None))
        while self._rows and t - self._rows[0][0] > BUFFER_S:
            self._rows.popleft()
        if self._next_s is None:
            self._next_s = float(t) + WINDOW_S
        if t < self._next_s:
            return None
        while self._next_s <= t:
            self._next_s += HOP_S
        self.latest = self._classify(t)
        self.answers.append(self.latest)
        del self.answers[:-int(BUFFER_S / HOP_S)]
        return self._decide(t)

    def rows_since(self, start_s: float) -> list[tuple[float, np.ndarray, bool]]:
        """The buffered raw frames from ``start_s`` on: (t, (33, 8) row, detected)."""
        return [r for r in self._rows if r[0] >= start_s]

    def index_of(self, exercise: str) -> int:
        return self.classes.index(exercise)

    def choose(self, exercise: str) -> None:
        """The person picked the exercise (or the caller started a set of it)."""
        self.current, self._asked = exercise, False

    def _classify(self, t: float) -> WindowAnswer:
        key = round(float(t), 4)
        if self.memo is not None and key in self.memo:
            return self.memo[key]
        answer = self._classify_now(t)
        if self.memo is not None:
            self.memo[key] = answer
        return answer

    def _classify_now(self, t: float) -> WindowAnswer:
        rows = [r for r in self._rows if r[0] >= t - WINDOW_S - CONTEXT_S]
        track = PoseTrack.from_rows([r[0] for r in rows], np.stack([r[1] for r in rows]), [r[2] for r in rows],
                                    self.image_size)
        win = track_windows(track)
        probs = self.recognizer.probabilities(win.features[-1:])[0]
        if win.seen[-1] < MIN_SEEN:
            probs = np.eye(len(self.classes))[self._rest]
        return WindowAnswer(float(win.start_s[-1]), float(win.end_s[-1]), probs, int(win.working[-1]))

    # ------------------------------------------------------------------ decisions
    def _decide(self, t: float) -> StreamEvent | None:
        recent = self.answers[-AGREE:]
        names = {a.best() for a in recent}
        mean = np.mean([a.probabilities for a in recent], axis=0)
        best = int(np.argmax(mean))
        if len(recent) == AGREE and len(names) == 1 and best != self._rest and mean[best] >= self.min_confidence:
            exercise = self.classes[best]
            if exercise != self.current:
                self.current, self._asked = exercise, False
                return StreamEvent("recognised", t, exercise, float(mean[best]), self._run_start(best),
                                   working="right" if np.mean([a.working for a in recent]) > 0.5 else "left")
            return None
        resting = self._run_of(lambda a: a.best() == self._rest)
        if self.current is not None and resting and t - resting[0].end_s + WINDOW_S >= END_REST_S:
            self.current = None
            return StreamEvent("rest", t, start_s=resting[0].start_s + 0.5 * WINDOW_S)
        moving = self._run_of(lambda a: a.best() != self._rest)
        if (self.current is None and not self._asked and moving
                and moving[-1].end_s - moving[0].start_s >= ASK_AFTER_S):
            self._asked = True
            pooled = np.mean([a.probabilities for a in moving], axis=0)
            order = [int(k) for k in np.argsort(pooled)[::-1] if int(k) != self._rest][:3]
            return StreamEvent("unsure", t, start_s=moving[0].start_s, candidates=[(self.classes[k], float(pooled[k])) for k in order])
        return None

    def _run_of(self, test) -> list[WindowAnswer]:
        """The latest answers that all pass ``test`` (oldest first), empty if the newest does not."""
        run: list[WindowAnswer] = []
        for a in reversed(self.answers):
            if not test(a):
                break
            run.append(a)
        return run[::-1]

    def _run_start(self, k: int) -> float:
        """Where the exercise began: the start of the earliest window in the latest run naming it
        (or giving it a fair share), so the reps done while recognising are not lost."""
        run = self._run_of(lambda a: a.best() == k or a.probabilities[k] >= 0.25)
        return run[0].start_s if run else self.answers[-1].start_s
