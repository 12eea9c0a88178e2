"""``live --exercise auto``: sets that follow what the person does, one frame at a time (no I/O).

:class:`AutoSession` puts the stream recogniser (formcheck.recognize.stream) in front of
ordinary :class:`~formcheck.live.session.LiveSession` sets. While nothing is recognised the
frames are only buffered. Once an exercise is recognised a set of it starts, and the
buffered frames since its movement began are replayed into the new set first, so the reps
done while it was being recognised are counted too. A different exercise recognised later
ends the set and starts the next; a long rest ends it too. A set that ends is cut at the
moment the other thing began (its frames replayed again up to there), so the first reps of
the next exercise are not miscounted in it. When the recogniser stays unsure the person is
asked to pick (:meth:`AutoSession.choose`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.live.session import LiveFrame, LiveSession
from formcheck.recognize.set_analysis import settled_from
from formcheck.recognize.stream import ASK_AFTER_S, StreamEvent, StreamRecognizer
from formcheck.rules.engine import FrameVerdict
from formcheck.rules.exercise import Exercise, get_exercise

LEAD_S = 0.0  # replayed before the recognised windows begin: none, since a lead of 2 s often caught the end
# of the change of position, and the engine then learnt its rest level there (tuning seed 9001: 55 -> 56 sets right)
SETUP_PASS_S = 0.5  # the recogniser has already seen the person in position: a shorter setup check
SWITCH_SLACK_S = 1.0  # a set ends this long after the first window naming the next exercise starts
STATUS_S = 4.0  # how long "X, right side: recognised" stays on screen
MIN_SIDE_VOTES = 2  # reps (or holds) the engine must put on a side for its majority to name the set's side
MIN_SET_REPS = 2  # one rep-like movement (getting up, lying down) is not a set
# Windows (one a second) that must name a set's exercise while it lasts. A change of position
# passes through an exercise's start position (kneeling, a squat on the way up, lying on the
# back) for a few windows; a hold or a set is named window after window.
MIN_NAMED_HOLD = 5
MIN_NAMED_MOVING = 2
# Windows naming a moving exercise that make it a set even when the engine counted fewer than
# MIN_SET_REPS reps (it learnt its rest position from the move into place and never saw a rep end):
# a change of position passes through an exercise's position for a few seconds, not this long.
MIN_NAMED_UNCOUNTED = 10


@dataclass
class RowPose:
    """A buffered (33, 8) landmark row as the PoseResult-like object LiveSession.step takes."""

    row: np.ndarray

    @property
    def image_xyz(self) -> np.ndarray:
        return self.row[:, 0:3]

    @property
    def world_xyz(self) -> np.ndarray:
        return self.row[:, 3:6]

    @property
    def visibility(self) -> np.ndarray:
        return self.row[:, 6]

    @property
    def presence(self) -> np.ndarray:
        return self.row[:, 7]


@dataclass
class AutoSet:
    """One set as the recogniser found it, with the LiveSession that counted it."""

    number: int
    exercise: Exercise
    session: LiveSession
    start_s: float  # where its movement began (the replay starts LEAD_S before)
    recognised_s: float
    confidence: float  # the recogniser's, when it named the exercise (1.0 when the person picked it)
    how: str = "recognised"  # recognised | chosen (picked from the candidates)
    end_s: float | None = None
    working: str | None = None  # the leg that moved most, as the recogniser saw it when it named the exercise
    named: int = 0  # the recogniser's windows that named this exercise while the set lasted
    legs: list[int] = field(default_factory=lambda: [0, 0])  # of those, how many saw the left / right label move most

    def note(self, answer, k: int) -> None:
        """One more window of the recogniser while this set is in progress (``k``: its exercise's class)."""
        if answer.best() == k:
            self.named += 1
            self.legs[answer.working] += 1

    def side(self) -> str | None:
        """The working side, from two label-based witnesses: the engine's reps (or holds) and the
        recogniser's windows (the leg that moved most in each window naming the exercise).

        The engine's majority wins when it has one over at least ``MIN_SIDE_VOTES`` reps (one hold
        of a stretch: a held position moves too little for the windows to see the leg); a tie or
        a single rep (the engine missed most of the set) yields to the windows, which see the
        whole set a second at a time; then the setup check's side."""
        if not self.exercise.sided:
            return "both"
        if not self.exercise.names_side:  # not a guess the exercise file rules out (the figure four's crossed leg)
            return None
        sides = [r.side for r in self.session.engine.reps if r.side] or [
            h.side for h in self.session.engine.holds if h.side]
        left, right = sides.count("left"), sides.count("right")
        votes = 1 if self.exercise.kind == "hold" else MIN_SIDE_VOTES
        if left != right and len(sides) >= votes:
            return "left" if left > right else "right"
        if self.legs[0] != self.legs[1]:
            return "left" if self.legs[0] > self.legs[1] else "right"
        if left != right:
            return "left" if left > right else "right"
        return self.session.side or self.working


@dataclass
class AutoFrame:
    """What one frame gives the display and the loop."""

    live: LiveFrame
    current: AutoSet | None
    status: str | None  # "Clamshell, right side: recognised", or the question while unsure
    choices: list[tuple[str, float]]  # the candidates to pick from (keys 1..3), empty unless asked
    started: AutoSet | None = None
    ended: list[AutoSet] = field(default_factory=list)  # sets that ended for good on this frame


class AutoSession:
    """Recognise, then count: the sets of a live ``--exercise auto`` session (no I/O, testable).

    ``session_factory(exercise, image_size)`` makes each set's LiveSession (tests may shorten
    its setup check). ``finished`` holds the ended sets, in order; ``current`` the set in progress.

    A set cut short by another exercise is *held* until the engine confirms the new one
    (two reps, or a hold): if the new one was a false start (a change of position, a stretch
    between reps that looked like another exercise for a few seconds) and the held exercise
    is recognised again, the held set resumes instead of a second set of it starting.
    """

    def __init__(self, image_size: tuple[int, int], recognizer=None, session_factory=None,
                 min_confidence: float | None = None, stream: StreamRecognizer | None = None):
        self.image_size = image_size
        kw = {} if min_confidence is None else {"min_confidence": min_confidence}
        self.stream = stream or StreamRecognizer(image_size, recognizer, **kw)
        self.session_factory = session_factory or default_set_session
        self.current: AutoSet | None = None
        self.held: AutoSet | None = None
        self.finished: list[AutoSet] = []
        self.dropped: list[AutoSet] = []  # recognised, but the engine found nothing in them
        self.choices: list[tuple[str, float]] = []
        self._status: tuple[str, float] | None = None
        self._last_live: LiveFrame | None = None
        self._asked_from: float | None = None

    # ------------------------------------------------------------------ per frame
    def step(self, t: float, pose) -> AutoFrame:
        event = self.stream.push(t, pose)
        if self.current is not None and self.stream.latest is not None:
            self.current.note(self.stream.latest, self.stream.index_of(self.current.exercise.id))
        started, ended, live = None, [], None
        if event is not None:
            started, ended, live = self._on_event(event, t)
        if live is None and self.current is not None:
            live = self.current.session.step(t, pose)
        if self.held is not None and self.current is not None and confirmed(self.current):
            ended += self._release_held()
        if live is None:
            live = self._idle_frame(t, pose)
        status = self._status[0] if self._status and t - self._status[1] <= STATUS_S else None
        if self.choices and self.current is None:
            status = self.question()
        elif self.current is None and status is None:
            status = "Start your exercise: recognising it..."
        if status and live.guidance is None:
            live = LiveFrame(live.verdict, live.landmarks_px, status, live.counting, live.started_now)
        return AutoFrame(live, self.current, status, list(self.choices), started, ended)

    def _on_event(self, event: StreamEvent, t: float):
        """Act on the recogniser's decision: (set started, sets ended, the frame's LiveFrame or None)."""
        if event.kind == "unsure":
            self.choices, self._asked_from = event.candidates, event.start_s
            return None, [], None
        if event.kind == "rest":
            return None, self._close_all(event.start_s), None
        # the run naming the new exercise starts where its first window starts; the movement
        # itself (half of that window or more) a little later
        ended = self._cut_current(event.start_s + SWITCH_SLACK_S)
        if self.held is not None and self.held.exercise.id == event.exercise:
            self._resume_held(t)
            return None, ended, self._last_live
        new = self._start(event.exercise, event.start_s, t, event.confidence, "recognised", event.working)
        return new, ended, self._last_live

    def question(self) -> str:
        picks = ", ".join(f"{k} {get_exercise(ex).name}" for k, (ex, _) in enumerate(self.choices, 1))
        return f"Not sure which exercise this is: press {picks} (or start with --exercise ID)"

    def choose(self, index: int, t: float) -> AutoSet | None:
        """The person pressed key ``index`` (1-based) while asked: a set of that candidate starts."""
        if not self.choices or not 1 <= index <= len(self.choices):
            return None
        exercise = self.choices[index - 1][0]
        self.stream.choose(exercise)
        start = self._asked_from if self._asked_from is not None else t - ASK_AFTER_S
        return self._start(exercise, start, t, 1.0, "chosen", None)

    def finish(self, t: float) -> list[AutoSet]:
        """The stream is over: the sets still open end with it."""
        return self._close_all(t + 1.0)

    # ------------------------------------------------------------------ sets
    def _start(self, exercise_id: str, start_s: float, t: float, confidence: float, how: str,
               working: str | None) -> AutoSet:
        """A new set from ``start_s``: the buffered frames since then replayed into its session."""
        ex = get_exercise(exercise_id)
        session = self.session_factory(ex, self.image_size)
        self.choices = []
        before = [s.start_s for s in (self.held, *self.finished[-1:]) if s is not None]
        rows = self.stream.rows_since(max([start_s - LEAD_S, *before]))
        self._last_live = None
        for tr, row, seen in settled(rows, start_s):
            self._last_live = session.step(tr, RowPose(row) if seen else None)
        number = len(self.finished) + (self.held is not None) + 1
        self.current = AutoSet(number, ex, session, start_s, t, confidence, how, working=working)
        k = self.stream.index_of(exercise_id)
        for answer in self.stream.answers:
            if answer.start_s >= start_s - 0.5:
                self.current.note(answer, k)
        self._status = (f"{ex.name}{side_text(self.current)}: {how}", t)
        return self.current

    def _cut_current(self, end_s: float) -> list[AutoSet]:
        """The set in progress ends at ``end_s`` and is held (see the class); sets ended for good.

        A set not yet confirmed is held too when nothing else is: the exercise that cut it may
        be a flicker early in the set, and the set then resumes with its first reps. When a
        confirmed set is held already, an unconfirmed one cut after it was the false start."""
        done, self.current = self.current, None
        if done is None:
            return []
        cut(done, end_s, self.session_factory, self.image_size)
        if not confirmed(done) and self.held is not None:
            self._drop(done)
            return []
        ended = self._release_held() if self.held is not None else []
        self.held = done
        return ended

    def _close_all(self, end_s: float) -> list[AutoSet]:
        ended = self._cut_current(end_s)
        return ended + (self._release_held() if self.held is not None else [])

    def _release_held(self) -> list[AutoSet]:
        """The held set ends for good: a finished set if the engine confirmed it, else dropped."""
        done, self.held = self.held, None
        if not confirmed(done):
            self._drop(done)
            return []
        done.number = len(self.finished) + 1
        self.finished.append(done)
        return [done]

    def _drop(self, s: AutoSet) -> None:
        s.session.close()
        self.dropped.append(s)

    def _resume_held(self, t: float) -> None:
        """The held set's exercise again after a false start: it goes on, the frames since its cut replayed."""
        again, self.held = self.held, None
        self._last_live = None
        for tr, row, seen in self.stream.rows_since(again.end_s + 1e-6):
            self._last_live = again.session.step(tr, RowPose(row) if seen else None)
        again.end_s = None
        self.current = again
        self._status = (f"{again.exercise.name}{side_text(again)}: recognised again", t)

    def _idle_frame(self, t: float, pose) -> LiveFrame:
        """Before a set: nothing counted; the person's landmarks drawn as found."""
        px = None
        if pose is not None:
            w, h = self.image_size
            px = np.asarray(pose.image_xyz, float)[:, :2] * np.array([w, h], float)
        idle = {"left": 0, "right": 0, "both": 0}
        verdict = FrameVerdict(t, "recognising", None, idle, 0, 0.0, [], None, pose is not None)
        return LiveFrame(verdict, px, None, False)


def settled(rows: list, start_s: float) -> list:
    """The rows from the end of the last change of position (see :func:`settled_from`)."""
    t = np.array([r[0] for r in rows])
    xy = np.array([r[1][:, :2] for r in rows], float)
    return rows[settled_from(t, xy, start_s):]


def default_set_session(exercise: Exercise, image_size: tuple[int, int]) -> LiveSession:
    """A set's session: the person is already moving, so only the framing is checked, briefly."""
    return LiveSession(exercise, image_size, setup_pass_s=SETUP_PASS_S, setup_framing_only=True)


def side_text(s: AutoSet) -> str:
    """', right side' for a sided exercise whose side is known, else nothing."""
    side = s.side()
    return f", {side} side" if s.exercise.sided and side in ("left", "right") else ""


def confirmed(s: AutoSet) -> bool:
    """Was it a set? One the person picked always is. Otherwise the recogniser must have named
    it window after window (a change of position passes through an exercise's position for
    a few seconds only), and the engine must have counted MIN_SET_REPS reps or cycles of a
    moving exercise, or one rep with its hold at the top (one rep-like move, getting up or lying down, is not
    a set). A hold needs
    no timed hold, as offline (formcheck.recognize.set_analysis): its position rule is strict
    about the camera view, and the report then says 0 s held rather than nothing done."""
    if s.how == "chosen":
        return True
    if s.exercise.kind == "hold":
        return s.named >= MIN_NAMED_HOLD
    engine = s.session.engine
    reps = len(engine.reps)
    counted = reps >= MIN_SET_REPS or (reps >= 1 and bool(engine.holds))
    return s.named >= MIN_NAMED_UNCOUNTED or (s.named >= MIN_NAMED_MOVING and counted)


def cut(s: AutoSet, end_s: float, factory, image_size: tuple[int, int]) -> None:
    """End ``s`` at ``end_s``: its session rebuilt from its own frames up to there (none, when
    the cut comes before its first frame: the next exercise's run began first, so this was a
    false start with nothing of its own and no reps)."""
    raw = s.session.raw_track()
    keep = raw.t_s < end_s
    if not keep.all():
        session = factory(s.exercise, image_size)
        for k in np.flatnonzero(keep):
            row = np.concatenate([raw.image_xyz[k], raw.world_xyz[k], raw.visibility[k, :, None],
                                  raw.presence[k, :, None]], axis=1)
            session.step(float(raw.t_s[k]), RowPose(row) if raw.detected[k] else None)
        s.session.close()
        s.session = session
    s.end_s = float(raw.t_s[keep][-1]) if keep.any() else max(end_s, s.start_s)
