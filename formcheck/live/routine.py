"""Routines: a programme of exercises, set after set, side after side, with rests.

A routine is data (``formcheck/rules/routines/*.toml``, or a custom file): the article's
exercises in its order, the sides, the dosage (the exercise's own unless the routine overrides
it) and the rest between sets. It is validated field by field like an exercise file and never
executed. :func:`plan` lays it out as the list of sets a physiotherapist would write down,
each with its target, and :func:`announcement` says what to do before each one.

Coaching a routine is two further modules: formcheck.live.routine_runner (the coach as a state
machine over frame timestamps, no I/O) and formcheck.live.routine_loop (the runner in the live
loop: window, keys, sounds, and each set's report written as soon as the set ends).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from formcheck.errors import InputError
from formcheck.rules.exercise import (Exercise, ExerciseFileError, FieldReader, builtin_exercises, packaged_tomls,
                                      read_toml_file)

STEP_SIDES = ("both", "left", "right", "none")
DEFAULT_REST_S = 30.0  # between sets, sides and exercises, when the routine does not say
DEFAULT_STALL_S = 90.0  # nothing counted this long: the set is stopped early


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
    """The programmes of the three source articles, shipped in ``formcheck/rules/routines/*.toml``."""
    catalogue = builtin_exercises()
    routines = (parse_routine(data, name, catalogue) for data, name in packaged_tomls("formcheck.rules.routines"))
    return {r.id: r for r in routines}


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
