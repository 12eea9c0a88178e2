"""The routine coach as a state machine driven only by frame timestamps (no I/O).

For each planned set the runner announces what to do (exercise, side, dosage, camera view),
counts with a fresh :class:`~formcheck.live.session.LiveSession` until the target is met (or
the set is skipped with ``n``, or nothing is counted for the routine's ``stall_s``: "stopped
early"), then counts the rest down and moves on. With no clock and no window of its own it is
tested on synthetic landmark frames; formcheck.live.routine_loop drives it from a camera.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.live.auto import RowPose, settled
from formcheck.live.routine import PlannedSet, Routine, announcement, plan
from formcheck.live.session import LiveFrame, LiveSession
from formcheck.recognize.catalogue import counts_as
from formcheck.rules.dosage import check_dosage
from formcheck.rules.engine import FrameVerdict
from formcheck.rules.exercise import Exercise, get_exercise

HOLD_SLACK_S = 0.25  # a hold this close to the target counts as reaching it (as in the report)
MOVING_WINDOW_S = 5.0  # cyclic exercises timed in minutes: moving while a cycle ended this recently
FOLLOW_LEAD_S = 2.0  # --follow: replayed before the recognised movement (the engine's rest level)
MISMATCH_SHOWN_S = 5.0  # how long "this looks like X, not the planned Y" stays on screen


@dataclass
class SetRecord:
    """A set as it went: its LiveSession (for its report) and how it ended."""

    planned: PlannedSet
    session: LiveSession
    started_s: float
    status: str = "in progress"  # completed | hold short (reps done, prescribed holds not) | stopped early
    reason: str | None = None
    ended_s: float | None = None
    target_met_s: float | None = None
    holds_met: int = 0
    moving_s: float = 0.0


@dataclass
class RoutineFrame:
    """What one frame gives the display: the phase, the set's own frame, and the routine's words."""

    t_s: float
    phase: str  # setup | counting | rest | done
    live: LiveFrame | None  # the set's frame (None while resting)
    current: PlannedSet | None
    progress: str  # "7 / 10 reps", "rest 12 s"
    prompt: str | None  # the announcement while setting up, the rest prompt while resting
    next_up: str | None
    rest_left_s: float | None = None
    set_ended: SetRecord | None = None  # the set that ended on this frame, if any


@dataclass
class RoutineRunner:
    """The routine as a state machine over frame timestamps (no I/O; the live loop drives it).

    ``session_factory(exercise, image_size, side)`` makes each set's LiveSession (tests may
    pass one with a shorter setup check). ``follow`` (issue 17, ``routine --follow``): the
    exercise recogniser watches too; when it recognises the next planned exercise the set in
    progress (or the rest) ends and that set starts, the frames since its movement began
    replayed into it; something else recognised is said on screen ("This looks like X, not
    the planned Y"). ``follower``: the recogniser to use (default: a StreamRecognizer).
    """

    routine: Routine
    image_size: tuple[int, int]
    session_factory: object = None
    sets: list[PlannedSet] = field(init=False)
    records: list[SetRecord] = field(default_factory=list)
    phase: str = "setup"
    rest_until: float | None = None
    _last_progress: float | None = None
    _last_count: int = 0
    _last_cycle_s: float | None = None
    _prev_t: float | None = None
    _holding_met: bool = False
    follow: bool = False
    follower: object = None
    mismatch: tuple[str, float] | None = None  # the last "this looks like X, not the planned Y", and when

    def __post_init__(self) -> None:
        self.sets = plan(self.routine)
        self.session_factory = self.session_factory or _new_session
        self.phase = "setup" if self.sets else "done"
        if self.follow and self.follower is None:
            from formcheck.recognize.stream import StreamRecognizer

            self.follower = StreamRecognizer(self.image_size)

    # ------------------------------------------------------------------ state
    @property
    def current(self) -> SetRecord | None:
        return self.records[-1] if self.records and self.records[-1].status == "in progress" else None

    @property
    def session(self) -> LiveSession | None:
        rec = self.current
        return rec.session if rec is not None else None

    def _next_planned(self) -> PlannedSet | None:
        return self.sets[len(self.records)] if len(self.records) < len(self.sets) else None

    def _begin(self, t: float) -> SetRecord:
        planned = self._next_planned()
        session = self.session_factory(planned.exercise, self.image_size, planned.side)
        rec = SetRecord(planned, session, t)
        self.records.append(rec)
        self.phase, self.rest_until = "setup", None
        self._last_progress, self._last_count, self._last_cycle_s, self._holding_met = t, 0, None, False
        return rec

    def end_set(self, t: float, status: str, reason: str | None = None) -> SetRecord | None:
        """Close the set in progress; rest follows (or the end of the routine)."""
        rec = self.current
        if rec is None:
            return None
        rec.status, rec.reason, rec.ended_s = status, reason, t
        nxt = self._next_planned()
        if nxt is None:
            self.phase = "done"
        elif rec.planned.rest_s > 0:
            self.phase, self.rest_until = "rest", t + rec.planned.rest_s
        else:
            self.phase = "setup"
        return rec

    def skip(self, t: float) -> SetRecord | None:
        """The ``n`` key: end the set in progress early, or end the rest now."""
        if self.phase == "rest":
            self.rest_until = t
            return None
        return self.end_set(t, "stopped early", "skipped (n)")

    # ------------------------------------------------------------------ per frame
    def step(self, t: float, pose) -> RoutineFrame:
        """One frame: ``pose`` as LiveSession.step takes it (a PoseResult-like object or None)."""
        dt = 0.0 if self._prev_t is None else max(0.0, t - self._prev_t)
        self._prev_t = t
        followed = self._follow(t, pose) if self.follower is not None else None
        if followed is not None:
            return followed
        if self.phase == "rest" and t >= self.rest_until:
            self.phase = "setup"
        if self.phase == "done":
            return self._frame(t, None)
        if self.phase == "rest":
            return self._frame(t, None)
        rec = self.current or self._begin(t)
        live = rec.session.step(t, pose)
        self.phase = "counting" if live.counting else "setup"
        ended = None
        if live.counting:
            ended = self._count(rec, live.verdict, t, dt)
        if ended is None and t - self._last_progress >= self.routine.stall_s:
            what = "nothing counted" if live.counting else "the camera set-up check did not pass"
            ended = self.end_set(t, "stopped early", f"{what} for {self.routine.stall_s:g} s")
        return self._frame(t, live, ended)

    # ------------------------------------------------------------------ --follow (issue 17)
    def _follow(self, t: float, pose) -> RoutineFrame | None:
        """The recogniser's say on this frame: a frame of the next set when it was just recognised, else None."""
        event = self.follower.push(t, pose)
        if event is None or event.kind != "recognised" or self.phase == "done":
            return None
        rec, nxt = self.current, self._next_planned()
        if rec is not None and counts_as(rec.planned.exercise.id, event.exercise):
            return None
        if nxt is None or not counts_as(nxt.exercise.id, event.exercise):  # leg raise is recognised as abduction
            planned = rec.planned if rec is not None else nxt
            if planned is not None:
                looks = get_exercise(event.exercise).name
                self.mismatch = (f"This looks like {looks}, not the planned {planned.exercise.name}.", t)
            return None
        ended = None
        if rec is not None:
            met = rec.target_met_s is not None
            ended = self.end_set(t, "completed" if met else "stopped early", None if met else
                                 f"moved on to {nxt.exercise.name}")
        new = self._begin(t)
        live = None
        for tr, row, seen in settled(self.follower.rows_since(event.start_s - FOLLOW_LEAD_S), event.start_s):
            live = new.session.step(tr, RowPose(row) if seen else None)
        self.mismatch = None
        self.phase = "counting" if live is not None and live.counting else "setup"
        return self._frame(t, live, ended)

    def _count(self, rec: SetRecord, v: FrameVerdict, t: float, dt: float) -> SetRecord | None:
        """Progress toward the set's target; ends the set when it is met."""
        target = rec.planned.target
        if v.rep_count > self._last_count:
            self._last_count, self._last_progress, self._last_cycle_s = v.rep_count, t, t
        if v.hold_s > 0:
            self._last_progress = t
        if target.holds:
            if v.hold_s >= target.hold_s - HOLD_SLACK_S and not self._holding_met:
                self._holding_met, rec.holds_met = True, rec.holds_met + 1
            elif v.hold_s <= 0:
                self._holding_met = False
            met = rec.holds_met >= target.holds
        elif target.duration_s:
            if self._last_cycle_s is not None and t - self._last_cycle_s <= MOVING_WINDOW_S:
                rec.moving_s += dt
            met = rec.moving_s >= target.duration_s
        else:
            met = v.rep_count >= target.reps
        if not met:
            return None
        rec.target_met_s = t
        return self.end_set(t, *set_completion(rec))

    def _frame(self, t: float, live: LiveFrame | None, ended: SetRecord | None = None) -> RoutineFrame:
        rec = self.current
        planned = rec.planned if rec is not None else (ended.planned if ended is not None else None)
        nxt = self._next_planned()
        next_up = None if nxt is None else f"next: {nxt.label}"
        total = len(self.routine.steps)
        rest_left = None
        if self.phase == "rest":
            rest_left = max(0.0, self.rest_until - t)
            prompt = f"Rest {rest_left:.0f} s" + (f", then {nxt.label} ({nxt.target.text()}): get into position."
                                                 if nxt else ".")
            return RoutineFrame(t, "rest", live, None, f"rest {rest_left:.0f} s", prompt, next_up, rest_left, ended)
        if self.phase == "done":
            return RoutineFrame(t, "done", live, planned, "routine done", "Routine done: well done!", None, None, ended)
        prompt = announcement(rec.planned, total) if self.phase == "setup" else None
        if self.mismatch is not None and t - self.mismatch[1] <= MISMATCH_SHOWN_S:
            prompt = self.mismatch[0]
        return RoutineFrame(t, self.phase, live, rec.planned, self.progress_text(rec, live), prompt, next_up,
                            None, ended)

    def progress_text(self, rec: SetRecord, live: LiveFrame | None) -> str:
        target = rec.planned.target
        if target.holds:
            return f"{rec.holds_met} / {target.holds} holds"
        if target.duration_s:
            return f"{rec.moving_s / 60:.1f} / {target.duration_s / 60:g} min"
        done = live.verdict.rep_count if live is not None and live.counting else self._last_count
        return f"{done} / {target.reps} reps"


def set_completion(rec: SetRecord) -> tuple[str, str | None]:
    """The status of a set that reached its rep target: completed only if its prescribed holds were met too.

    A set of reps with a hold at the top ("10 reps, hold 5 s at the top") ends on its reps, as
    before, but is "hold short", with what was missing, when too few reps were held: the
    same judgement as the set's report (:func:`formcheck.rules.dosage.check_dosage`). The
    engine is finished first so that the rep counted on this frame has its hold measured.
    """
    target = rec.planned.target
    if target.holds or target.duration_s or not target.hold_s:
        return "completed", None
    engine = rec.session.engine
    engine.finish()
    check = check_dosage(rec.planned.exercise, engine.reps, engine.holds, side=rec.planned.side)
    if check.met is False:
        return "hold short", "; ".join(check.missing)
    return "completed", None


def _new_session(exercise: Exercise, image_size: tuple[int, int], side: str | None) -> LiveSession:
    """A set's session, told which side the routine asks for (shown as the working side)."""
    if side is None:
        return LiveSession(exercise, image_size)
    return LiveSession(exercise, image_size, side=side, side_chosen=True)
