"""Routines: a programme of exercises coached live, set after set, side after side, with rests.

A routine is data (``formcheck/routines/*.toml``, or a custom file): the article's exercises
in its order, the sides, the dosage (the exercise's own unless the routine overrides it) and
the rest between sets. It is validated field by field like an exercise file and never executed.

:class:`RoutineRunner` is the coach as a state machine driven only by frame timestamps, with
no I/O, so it is tested on synthetic landmark frames: for each set it announces what to do
(exercise, side, dosage, camera view), counts with a fresh :class:`~formcheck.live.session.LiveSession`
until the target is met (or the set is skipped with ``n``, or nothing is counted for
``stall_s``: "stopped early"), then counts the rest down and moves on. :func:`run_routine`
puts it in the live loop (window, keys, sounds, cues) and writes each set's own report as
soon as the set ends, so nothing done is lost if the session is cut short.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from formcheck.errors import InputError
from formcheck.rules.exercise import Exercise, ExerciseFileError, FieldReader, builtin_exercises, read_toml_file
from formcheck.rules.engine import FrameVerdict
from formcheck.live.session import LiveFrame, LiveSession, _Cues, _display_image, _draw, _LiveLoop, _open, finish_session
from formcheck.report.routine_page import SETS_DIR, build_routine_report, set_entry, write_routine_report

STEP_SIDES = ("both", "left", "right", "none")
DEFAULT_REST_S = 30.0  # between sets, sides and exercises, when the routine does not say
DEFAULT_STALL_S = 90.0  # nothing counted this long: the set is stopped early
HOLD_SLACK_S = 0.25  # a hold this close to the target counts as reaching it (as in the report)
MOVING_WINDOW_S = 5.0  # cyclic exercises timed in minutes: moving while a cycle ended this recently


class RoutineFileError(InputError):
    """A routine file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class RoutineStep:
    """One exercise of the programme with its dosage (None: the exercise's own)."""

    exercise: Exercise
    sides: str  # both | left | right | none
    sets: int = 1
    reps: int | None = None
    hold_s: float | None = None
    holds: int | None = None
    minutes: float | None = None
    rest_s: float = DEFAULT_REST_S
    note: str = ""

    def side_list(self) -> list[str | None]:
        return {"both": ["left", "right"], "left": ["left"], "right": ["right"], "none": [None]}[self.sides]


@dataclass(frozen=True)
class Routine:
    id: str
    name: str
    source: str
    steps: tuple[RoutineStep, ...]
    note: str = ""
    stall_s: float = DEFAULT_STALL_S
    origin: str = "built-in"


@dataclass(frozen=True)
class Target:
    """What one set asks for; exactly the fields the exercise's kind uses are set."""

    reps: int | None = None
    hold_s: float | None = None  # per rep (shown, not required) or per hold (required)
    holds: int | None = None
    duration_s: float | None = None  # cyclic exercises prescribed in minutes

    def text(self) -> str:
        if self.duration_s:
            return f"{self.duration_s / 60:g} min"
        if self.holds:
            return f"{self.holds} {'hold' if self.holds == 1 else 'holds'} of {self.hold_s:g} s"
        held = f", hold {self.hold_s:g} s at the top" if self.hold_s else ""
        return f"{self.reps} reps{held}"

    def to_dict(self) -> dict:
        return {"reps": self.reps, "hold_s": self.hold_s, "holds": self.holds, "duration_s": self.duration_s}


@dataclass(frozen=True)
class PlannedSet:
    """One set of one step on one side: the unit the runner coaches and the report lists."""

    number: int  # 1-based over the whole routine
    step: int  # 1-based step index
    exercise: Exercise  # with the routine's dosage, so the overlay and the set's report use it
    side: str | None
    set_number: int
    sets: int
    target: Target
    rest_s: float  # after this set (0 after the last)

    @property
    def label(self) -> str:
        side = f", {self.side} side" if self.side else ""
        sets = f", set {self.set_number} of {self.sets}" if self.sets > 1 else ""
        return f"{self.exercise.name}{side}{sets}"

    @property
    def folder(self) -> str:
        side = f"_{self.side}" if self.side else ""
        sets = f"_set{self.set_number}" if self.sets > 1 else ""
        return f"{self.number:02d}_{self.exercise.id}{side}{sets}"


# --------------------------------------------------------------------------------------
# Routine files


def _target(step: RoutineStep) -> Target:
    ex, d = step.exercise, step.exercise.dosage
    hold_s = step.hold_s if step.hold_s is not None else (d.hold_s[0] if d.hold_s else None)
    if ex.kind == "hold":
        return Target(hold_s=hold_s, holds=step.holds if step.holds is not None else (d.holds[0] if d.holds else 1))
    if ex.kind == "cyclic" and step.reps is None and (step.minutes or d.duration_min):
        return Target(duration_s=60.0 * (step.minutes if step.minutes is not None else d.duration_min[0]))
    return Target(reps=step.reps if step.reps is not None else d.reps[0], hold_s=hold_s)


def _with_dosage(ex: Exercise, target: Target) -> Exercise:
    """The exercise with the routine's numbers as its dosage (the overlay's "3 / 10" and the report)."""
    d = ex.dosage
    reps = (target.reps, target.reps) if target.reps else None
    hold_s = (target.hold_s, target.hold_s) if target.hold_s else None
    holds = (target.holds, target.holds) if target.holds else None
    minutes = (target.duration_s / 60,) * 2 if target.duration_s else None
    changed = (reps != d.reps and reps) or (hold_s != d.hold_s and hold_s) or (holds != d.holds and holds) \
        or (minutes != d.duration_min and minutes)
    text = f"{d.text} (this routine: {target.text()})" if changed else d.text
    return replace(ex, dosage=replace(d, text=text, reps=reps or d.reps, hold_s=hold_s or d.hold_s,
                                      holds=holds or d.holds, duration_min=minutes or d.duration_min))


def _positive(r: FieldReader, key: str, kind, low: float, high: float):
    value = r.get(key, kind, None)
    if value is not None and not low <= value <= high:
        r.fail(key, f"must be between {low:g} and {high:g}")
    return value


def _step(r: FieldReader, catalogue: dict[str, Exercise], default_rest: float) -> RoutineStep:
    ex_id = r.get("exercise", str)
    if ex_id not in catalogue:
        r.fail("exercise", f"unknown exercise {ex_id!r}; run 'formcheck exercises' to list them")
    ex = catalogue[ex_id]
    sides = r.get("sides", str, "both" if ex.sided else "none", choices=STEP_SIDES)
    if ex.sided and sides == "none":
        r.fail("sides", f"{ex_id} works one side at a time: use both, left or right")
    if not ex.sided and sides != "none":
        r.fail("sides", f"{ex_id} uses both legs at once: use none")
    rest = _positive(r, "rest_s", float, 0, 3600)
    step = RoutineStep(ex, sides, sets=_positive(r, "sets", int, 1, 20) or 1, reps=_positive(r, "reps", int, 1, 500),
                       hold_s=_positive(r, "hold_s", float, 0.5, 3600), holds=_positive(r, "holds", int, 1, 50),
                       minutes=_positive(r, "minutes", float, 0.1, 120),
                       rest_s=default_rest if rest is None else rest, note=r.get("note", str, ""))
    if ex.kind == "hold" and step.reps is not None:
        r.fail("reps", f"{ex_id} is a hold: set hold_s and holds instead")
    if ex.kind != "hold" and step.holds is not None:
        r.fail("holds", f"{ex_id} counts reps: set reps instead")
    if step.minutes is not None and ex.kind != "cyclic":
        r.fail("minutes", f"{ex_id} is not a continuous exercise: set reps or hold_s")
    target = _target(step) if _has_dosage(step) else None
    if target is None:
        what = "hold_s" if ex.kind == "hold" else "reps"
        r.fail(what, f"{ex_id}'s article gives no {'hold time' if what == 'hold_s' else 'rep count'}: set {what}")
    r.done()
    return step


def _has_dosage(step: RoutineStep) -> bool:
    d, kind = step.exercise.dosage, step.exercise.kind
    if kind == "hold":
        return step.hold_s is not None or d.hold_s is not None
    if kind == "cyclic" and (step.minutes is not None or d.duration_min):
        return True
    return step.reps is not None or d.reps is not None


def parse_routine(data: dict, origin: str, catalogue: dict[str, Exercise] | None = None) -> Routine:
    """Validate a decoded TOML document into a Routine (errors name the field)."""
    catalogue = builtin_exercises() if catalogue is None else catalogue
    try:
        r = FieldReader(data, "", origin)
        rid = r.get("id", str)
        if not rid or not rid.replace("_", "").replace("-", "").isalnum():
            r.fail("id", "use letters, digits, '-' and '_'")
        rest = _positive(r, "rest_s", float, 0, 3600)
        rest = DEFAULT_REST_S if rest is None else rest
        raw = r.get("steps", list)
        if not raw or len(raw) > 100:
            r.fail("steps", "list between 1 and 100 [[steps]]")
        steps = tuple(_step(FieldReader(s, f"steps[{i}]", origin), catalogue, rest) for i, s in enumerate(raw))
        routine = Routine(id=rid, name=r.get("name", str), source=r.get("source", str, ""), steps=steps,
                          note=r.get("note", str, ""), stall_s=_positive(r, "stall_s", float, 5, 3600) or DEFAULT_STALL_S,
                          origin=origin)
        r.done()
    except ExerciseFileError as exc:
        raise RoutineFileError(str(exc)) from None
    return routine


def load_routine_file(path: str | Path) -> Routine:
    """A custom routine from a TOML file; errors are one line naming the field."""
    return parse_routine(*read_toml_file(path, "routine", RoutineFileError))


def builtin_routines() -> dict[str, Routine]:
    """The programmes of the three source articles, shipped in ``formcheck/routines/*.toml``."""
    catalogue = builtin_exercises()
    out = {}
    for entry in sorted(resources.files("formcheck.rules.routines").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            routine = parse_routine(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name, catalogue)
            out[routine.id] = routine
    return out


def get_routine(name: str) -> Routine:
    routines = builtin_routines()
    try:
        return routines[name]
    except KeyError:
        raise InputError(f"unknown routine {name!r}; run 'formcheck routines' to list them "
                         f"({', '.join(routines)}), or give --routine-file") from None


def plan(routine: Routine) -> list[PlannedSet]:
    """Every set in order: each step's sets, each set on each side ("then rest, or do the other side")."""
    out: list[PlannedSet] = []
    for k, step in enumerate(routine.steps, start=1):
        target = _target(step)
        ex = _with_dosage(step.exercise, target)
        for set_number in range(1, step.sets + 1):
            for side in step.side_list():
                out.append(PlannedSet(len(out) + 1, k, ex, side, set_number, step.sets, target, step.rest_s))
    if out:
        out[-1] = replace(out[-1], rest_s=0.0)
    return out


def announcement(s: PlannedSet, total_steps: int) -> str:
    """What the coach says before a set: exercise, side, dosage, where the camera goes."""
    side = f", {s.side} side" if s.side else ""
    camera = s.exercise.camera or f"{s.exercise.view} view"
    return f"Step {s.step}/{total_steps}: {s.exercise.name}{side}. {s.target.text()}. Camera: {camera}."


# --------------------------------------------------------------------------------------
# The runner


@dataclass
class SetRecord:
    """A set as it went: its LiveSession (for its report) and how it ended."""

    planned: PlannedSet
    session: LiveSession
    started_s: float
    status: str = "in progress"  # completed | stopped early
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
    pass one with a shorter setup check).
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

    def __post_init__(self) -> None:
        self.sets = plan(self.routine)
        self.session_factory = self.session_factory or _new_session
        self.phase = "setup" if self.sets else "done"

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
        return self.end_set(t, "completed")

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


def _new_session(exercise: Exercise, image_size: tuple[int, int], side: str | None) -> LiveSession:
    """A set's session, told which side the routine asks for (shown as the working side)."""
    if side is None:
        return LiveSession(exercise, image_size)
    return LiveSession(exercise, image_size, side=side, side_chosen=True)


# --------------------------------------------------------------------------------------
# Live: the routine in the live loop (window, keys, sounds, cues), reports as sets end

KEY_NEXT = ord("n")


def run_routine(source, routine: Routine, model: str = "lite", out_dir: Path | None = None,
                show_window: bool = True, fast: bool = False, sound: bool = True, speech: bool = False, *,
                estimator=None, session_factory=None, window_name: str = "formcheck routine") -> dict:
    """Coach a routine live and return routine_report.json's content (also written to ``out_dir``).

    ``source`` and ``estimator`` as for :func:`formcheck.live.session.run_live`. Each set's report is
    written to ``out_dir/sets/NN_exercise_side/`` when the set ends; the combined report is
    rewritten after every set and once more however the session ends.
    """
    loop = _RoutineLoop(_open(source), routine, model, out_dir, show_window, fast, sound, speech, estimator,
                        window_name, session_factory)
    return loop.run()


class _RoutineLoop(_LiveLoop):
    """The live loop with the routine runner in place of a single session (see live._LiveLoop's hooks)."""

    def __init__(self, src, routine, model, out_dir, show_window, fast, sound, speech, estimator, window_name,
                 session_factory):
        sets = plan(routine)
        first = sets[0].exercise if sets else next(iter(builtin_exercises().values()))
        super().__init__(src, first, model, out_dir, show_window, False, fast, sound, speech, None, estimator,
                         bool(show_window), window_name)
        self.routine, self.session_factory = routine, session_factory
        self.runner: RoutineRunner | None = None
        self.frame: RoutineFrame | None = None
        self.entries: dict[int, dict] = {}

    # ------------------------------------------------------------------ hooks
    def _start(self, image) -> None:
        super()._start(image)
        h, w = image.shape[:2]
        self.runner = RoutineRunner(self.routine, (w, h), self.session_factory)

    def _process(self, t_s: float, pose) -> LiveFrame:
        before = self.runner.current
        self.frame = rf = self.runner.step(t_s, pose)
        if rf.set_ended is not None:
            self._set_done(rf.set_ended)
        now = self.runner.current
        if now is not None and now is not before:
            self._set_started(now, t_s)
        if rf.live is not None:
            return rf.live
        idle = {"left": 0, "right": 0, "both": 0}
        return LiveFrame(FrameVerdict(t_s, rf.phase, None, idle, 0, 0.0, [], None, pose is not None), None, None, False)

    def _render(self, image, live: LiveFrame):
        from formcheck.live.overlay import Style, draw_guidance, draw_tag  # cv2: only once there is something to draw

        rf = self.frame
        if rf.phase in ("setup", "counting") and rf.live is not None:
            guidance = rf.prompt if not live.guidance else f"{rf.prompt} {live.guidance}" if rf.prompt else live.guidance
            shown = _draw(image, replace(live, guidance=guidance), self.ex, self.session, self.stats.fps,
                          self.show_window)
        else:
            shown, _ = _display_image(image)
            if rf.prompt:
                draw_guidance(shown, rf.prompt, Style.for_image(shown))
        style = Style.for_image(shown)
        for row, text in enumerate(self._panel_lines(rf), start=2):
            draw_tag(shown, text, style, row=row)
        return shown

    def _panel_lines(self, rf: RoutineFrame) -> list[str]:
        """Step k/N, exercise and side, progress against the target; what comes next (n skips to it)."""
        lines = []
        if rf.current is not None:
            c = rf.current
            side = f" · {c.side} side" if c.side else ""
            lines.append(f"step {c.step}/{len(self.routine.steps)} · {c.exercise.name}{side} · {rf.progress}")
        else:
            lines.append(rf.progress)
        if rf.next_up:
            lines.append(rf.next_up + (" · n: skip" if self.show_window else ""))
        return lines

    def _over(self) -> bool:
        if self.runner is not None and self.runner.phase == "done":
            self.ended = "routine finished"
            return True
        return False

    def _other_key(self, key: int) -> None:
        if key == KEY_NEXT and self.runner is not None and self.frame is not None:
            rec = self.runner.skip(self.frame.t_s)
            if rec is not None:
                self._set_done(rec)

    def _report(self, failed: bool, extra: dict, warnings: list[str]) -> dict:
        """However the session ended: close the set in progress (stopped early) and write everything."""
        ended = "error" if failed else self.ended
        if self.runner is not None and self.runner.current is not None:
            t = self.frame.t_s if self.frame is not None else 0.0
            rec = self.runner.end_set(t, "stopped early", ended)
            self._set_done(rec, warnings)
        report = self._combined(ended)
        report["performance"] = extra.get("performance")
        if warnings:
            report["warnings"] = warnings
        if self.out_dir is not None:
            write_routine_report(report, Path(self.out_dir))
        return report

    # ------------------------------------------------------------------ sets
    def _set_started(self, rec: SetRecord, t_s: float) -> None:
        self.session, self.ex = rec.session, rec.planned.exercise
        self.cues = _Cues(self.ex, self.sounds, self.speaker)
        self.speaker.say(announcement(rec.planned, len(self.routine.steps)), t_s)

    def _set_done(self, rec: SetRecord, warnings: list[str] = ()) -> None:
        """Write the set's own report now (nothing is lost if the session is cut short later)."""
        if rec.status == "completed":
            self.sounds.play("hold")
            self.speaker.say(f"Set done. Rest {rec.planned.rest_s:g} seconds." if rec.planned.rest_s
                             else "Set done.", rec.ended_s or 0.0)
        folder = f"{SETS_DIR}/{rec.planned.folder}"
        target = None
        if self.out_dir is not None:
            target = Path(self.out_dir) / folder
            target.mkdir(parents=True, exist_ok=True)
        extra = {"ended": rec.status, "routine": self.routine.id, "routine_set": rec.planned.number,
                 "reason": rec.reason}
        report = finish_session(rec.session, target, self.src.info.description, self._model_name(), extra,
                                list(warnings))
        self.entries[rec.planned.number] = set_entry(rec.planned, rec, report, folder if target else None)
        if self.out_dir is not None:
            ended = "routine finished" if self.runner.phase == "done" else "in progress"
            write_routine_report(self._combined(ended), Path(self.out_dir))

    def _combined(self, ended: str) -> dict:
        sets = self.runner.sets if self.runner is not None else plan(self.routine)
        return build_routine_report(self.routine, sets, list(self.entries.values()), self.src.info.description,
                                    self._model_name(), ended)

    def _model_name(self) -> str:
        return self.model if self.own_estimator else getattr(self.estimator, "name", type(self.estimator).__name__)
