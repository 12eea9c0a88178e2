"""Exercises as data: the TOML format, its validation, and the built-in catalogue.

An exercise declares what to measure (signals), how a repetition or a hold is recognised,
which faults to flag with the seed's cue text, the camera view it needs and the dosage the
seeds prescribe. The engine is generic over these declarations, so a physiotherapist can add
an exercise with a data file and no code. Files are parsed with ``tomllib`` and validated
field by field; nothing in them is ever executed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from formcheck.errors import InputError
from formcheck.pose.landmarks import LANDMARK_NAMES

MEASURES = {  # measure -> number of points it takes
    "angle": 3, "floor_angle": 3, "ceiling_angle": 3, "elevation": 2, "between": 4, "ratio": 4, "depth_tilt": 2, "body_roll": 4,
    "position": 3, "angle_3d": 3, "swing": 2, "height": 4, "tilt": 4,
    "least_angle": 6,
}
SIDES = ("none", "visible", "working", "near")
KINDS = ("reps", "hold", "cyclic")
VIEWS = ("front", "side", "oblique", "above")
CHECKS = ("peak", "during")
SIDE_PARTS = sorted({n.split("_", 1)[1] for n in LANDMARK_NAMES if n.startswith("left_")})


class ExerciseFileError(InputError):
    """A custom exercise file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Signal:
    name: str
    measure: str
    points: tuple[str, ...]
    sides: str = "none"
    description: str = ""


@dataclass(frozen=True)
class RepRule:
    signal: str
    direction: str = "up"  # the signal rises during the lift ("down": it falls)
    min_rom: float = 15.0  # smallest movement that counts, in the signal's units
    min_duration_s: float = 0.4
    side_joint: str = "knee"  # for bilateral signals: the joint whose movement names the side
    side_by: str = "moves"  # the side is the side_joint that moves most ("stays": that stays put)


@dataclass(frozen=True)
class Condition:
    signal: str
    above: float | None = None
    below: float | None = None
    sides: str = "any"  # with no hold side: any tracked side in range, or "all" of them (figure four)

    def holds(self, value: float) -> bool:
        return ((self.above is None or value > self.above)
                and (self.below is None or value < self.below))


@dataclass(frozen=True)
class HoldRule:
    position: tuple[Condition, ...]
    min_hold_s: float = 1.0
    grace_s: float = 1.0
    # A hold is timed from when the key signal slows below this (units per second) to when it
    # speeds up again, so getting into and out of the position is not counted; None: no trim.
    settle_speed: float | None = None
    side_signal: str | None = None  # a sides = "working" signal whose channel names the side held
    side_pick: str = "max"  # the side is the channel where side_signal is highest ("min": lowest)


@dataclass(frozen=True)
class Fault:
    code: str
    signal: str
    message: str
    cue: str
    check: str = "during"
    above: float | None = None
    below: float | None = None
    relative: bool = False
    min_duration_s: float = 0.25
    confidence: str = "high"
    note: str = ""
    # Faults that, when found on the same rep, are the root cause of this one's signal too
    # (a torso rolling back moves the hips): this one is then not reported as well.
    explained_by: tuple[str, ...] = ()
    # Judged only when the camera is turned at most this far from the exercise's view
    # (measured on the fault benchmark); None: from any turn the exercise is counted from.
    max_turn_deg: float | None = None

    def triggered(self, value: float) -> bool:
        return Condition(self.signal, self.above, self.below).holds(value)


@dataclass(frozen=True)
class Dosage:
    text: str
    reps: tuple[int, int] | None = None
    hold_s: tuple[float, float] | None = None
    holds: tuple[int, int] | None = None
    each_side: bool = False
    duration_min: tuple[float, float] | None = None  # cyclic exercises: minutes of continuous work


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    kind: str
    view: str
    sided: bool
    setup: str
    dosage: Dosage
    signals: dict[str, Signal]
    key_signal: str
    rep: RepRule | None = None
    hold: HoldRule | None = None
    faults: tuple[Fault, ...] = ()
    unchecked: tuple[str, ...] = ()  # faults the seeds name that a camera cannot judge here
    seeds: tuple[str, ...] = ()
    camera: str = ""
    source: str = "built-in"
    confidence: str = "high"  # how far the count or hold time itself can be trusted
    note: str = ""  # why, when the confidence is not high
    smoothing_hz: float | None = None  # offline low-pass cutoff for fast movements (default: cleaning's)

    @property
    def names_side(self) -> bool:
        """Does the engine say which side worked? Not for a sided hold without a ``side_signal``
        (figure four: the crossed leg cannot be told apart on camera, so its side is not reported)."""
        return self.sided and not (self.rep is None and self.hold is not None and self.hold.side_signal is None)

    def summary(self) -> dict:
        """The catalogue entry printed by ``formcheck exercises --json``."""
        d = self.dosage
        return {"id": self.id, "name": self.name, "kind": self.kind, "view": self.view,
                "sided": self.sided, "setup": self.setup, "camera": self.camera,
                "dosage": {"text": d.text, "reps": list(d.reps) if d.reps else None,
                           "hold_s": list(d.hold_s) if d.hold_s else None,
                           "holds": list(d.holds) if d.holds else None, "each_side": d.each_side,
                           "duration_min": list(d.duration_min) if d.duration_min else None},
                "faults": [{"code": f.code, "cue": f.cue, "message": f.message, "check": f.check,
                            "confidence": f.confidence, "note": f.note} for f in self.faults],
                "not_checked": list(self.unchecked), "seeds": list(self.seeds),
                "confidence": self.confidence, "note": self.note}


# --------------------------------------------------------------------------------------
# Validation: every error names the file and the field


class FieldReader:
    """Typed access to one TOML table with errors like ``bridge.toml: faults[2].below: ...``."""

    def __init__(self, data: dict, where: str, origin: str):
        if not isinstance(data, dict):
            raise ExerciseFileError(f"{origin}: {where or 'file'} must be a table")
        self.data, self.where, self.origin = data, where, origin
        self.used: set[str] = set()

    def fail(self, key: str, what: str):
        path = f"{self.where}.{key}" if self.where else key
        raise ExerciseFileError(f"{self.origin}: {path}: {what}")

    def get(self, key: str, kind, default=..., choices=None):
        self.used.add(key)
        if key not in self.data:
            if default is ...:
                self.fail(key, "missing (required)")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            self.fail(key, f"must be {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
        if kind is float and not -1e6 < value < 1e6:
            self.fail(key, f"{value} is out of range")
        if kind is str and len(value) > 2000:
            self.fail(key, "is longer than 2000 characters")
        if choices is not None and value not in choices:
            self.fail(key, f"{value!r} is not one of {', '.join(map(str, choices))}")
        return value

    def pair(self, key: str, kind):
        value = self.get(key, (list, int, float), None)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value, value]
        if (len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                or value[0] > value[1] or value[0] < 0 or value[1] > 1e5):
            self.fail(key, "must be a number or [low, high] with 0 <= low <= high")
        return (kind(value[0]), kind(value[1]))

    def strings(self, key: str) -> tuple[str, ...]:
        """An optional list of short texts."""
        value = self.get(key, list, [])
        if not all(isinstance(v, str) and len(v) <= 2000 for v in value):
            self.fail(key, "must be a list of texts (each up to 2000 characters)")
        return tuple(value)

    def table(self, key: str, default=...) -> "FieldReader | None":
        value = self.get(key, dict, default)
        if value is None:
            return None
        return FieldReader(value, f"{self.where}.{key}" if self.where else key, self.origin)

    def done(self) -> None:
        extra = sorted(set(self.data) - self.used)
        if extra:
            self.fail(extra[0], "unknown field (check the spelling against the README's format)")


def _check_point(name: str, sides: str, fail) -> None:
    if name in LANDMARK_NAMES:
        return
    base = name.removeprefix("other_").removesuffix("_mid")
    if base in SIDE_PARTS and (name.endswith("_mid") or sides != "none"):
        return
    if base in SIDE_PARTS:
        fail(f"{name!r} needs a side: write left_{base} or right_{base}, or set sides")
    fail(f"unknown landmark {name!r}")


def _signal(name: str, r: FieldReader) -> Signal:
    measure = r.get("measure", str, choices=tuple(MEASURES))
    sides = r.get("sides", str, "none", choices=SIDES)
    points = r.get("points", list)
    if len(points) != MEASURES[measure] or not all(isinstance(p, str) for p in points):
        r.fail("points", f"{measure} takes {MEASURES[measure]} landmark names")
    for p in points:
        _check_point(p, sides, lambda what: r.fail("points", what))
    sig = Signal(name, measure, tuple(points), sides, r.get("description", str, ""))
    r.done()
    return sig


def _fault(r: FieldReader, signals: dict) -> Fault:
    f = Fault(code=r.get("code", str), signal=r.get("signal", str), message=r.get("message", str),
              cue=r.get("cue", str), check=r.get("check", str, "during", choices=CHECKS),
              above=r.get("above", float, None), below=r.get("below", float, None),
              relative=r.get("relative", bool, False), min_duration_s=r.get("min_duration_s", float, 0.25),
              confidence=r.get("confidence", str, "high", choices=("high", "medium", "low")),
              note=r.get("note", str, ""), explained_by=r.strings("explained_by"),
              max_turn_deg=r.get("max_turn_deg", float, None))
    if f.max_turn_deg is not None and not 0 < f.max_turn_deg <= 90:
        r.fail("max_turn_deg", "must be between 0 and 90 (degrees)")
    if f.signal not in signals:
        r.fail("signal", f"{f.signal!r} is not a declared signal ({', '.join(signals)})")
    if f.above is None and f.below is None:
        r.fail("above", "a fault needs 'above' or 'below'")
    if not f.code.replace("_", "").isalnum():
        r.fail("code", "use letters, digits and underscores")
    r.done()
    return f


def _rep_rule(rep_r: FieldReader | None, signals: dict) -> RepRule | None:
    if rep_r is None:
        return None
    rep = RepRule(signal=rep_r.get("signal", str, choices=tuple(signals)),
                  direction=rep_r.get("direction", str, "up", choices=("up", "down")),
                  min_rom=rep_r.get("min_rom", float, 15.0),
                  min_duration_s=rep_r.get("min_duration_s", float, 0.4),
                  side_joint=rep_r.get("side_joint", str, "knee", choices=tuple(SIDE_PARTS)),
                  side_by=rep_r.get("side_by", str, "moves", choices=("moves", "stays")))
    if rep.min_rom <= 0:
        rep_r.fail("min_rom", "must be positive")
    rep_r.done()
    return rep


def _hold_rule(hold_r: FieldReader | None, signals: dict, origin: str) -> HoldRule | None:
    if hold_r is None:
        return None
    conds = []
    position = hold_r.get("position", list)
    if not position:
        hold_r.fail("position", "list at least one condition, e.g. {signal = \"...\", above = 60}")
    for i, c in enumerate(position):
        cr = FieldReader(c, f"hold.position[{i}]", origin)
        cond = Condition(cr.get("signal", str, choices=tuple(signals)), cr.get("above", float, None),
                         cr.get("below", float, None), cr.get("sides", str, "any", choices=("any", "all")))
        if cond.above is None and cond.below is None:
            cr.fail("above", "a position condition needs 'above' or 'below'")
        cr.done()
        conds.append(cond)
    settle = hold_r.get("settle_speed", float, None)
    if settle is not None and settle <= 0:
        hold_r.fail("settle_speed", "must be positive (signal units per second)")
    side_signal = hold_r.get("side_signal", str, None, choices=tuple(signals))
    if side_signal is not None and signals[side_signal].sides != "working":
        hold_r.fail("side_signal", f"{side_signal!r} must have sides = \"working\" (one value per side)")
    hold = HoldRule(tuple(conds), hold_r.get("min_hold_s", float, 1.0), hold_r.get("grace_s", float, 1.0),
                    settle, side_signal, hold_r.get("side_pick", str, "max", choices=("max", "min")))
    hold_r.done()
    return hold


def _faults(r: FieldReader, signals: dict, rep: RepRule | None, origin: str) -> tuple[Fault, ...]:
    faults_raw = r.get("faults", list, [])
    faults = tuple(_fault(FieldReader(f, f"faults[{i}]", origin), signals) for i, f in enumerate(faults_raw))
    codes = {f.code for f in faults}
    for i, f in enumerate(faults):
        where = FieldReader(faults_raw[i], f"faults[{i}]", origin)
        if rep is None and f.check == "peak":
            where.fail("check", "'peak' needs a [rep] rule; a hold exercise checks faults 'during' the hold")
        unknown = [c for c in f.explained_by if c not in codes or c == f.code]
        if unknown:
            where.fail("explained_by", f"{', '.join(unknown)} is not another fault of this exercise")
    return faults


def parse_exercise(data: dict, origin: str) -> Exercise:
    """Validate a decoded TOML document into an Exercise (errors name the field)."""
    r = FieldReader(data, "", origin)
    ex_id = r.get("id", str)
    if not ex_id or not ex_id.replace("_", "").isalnum():
        r.fail("id", "use letters, digits and underscores")
    sig_table = r.get("signals", dict)
    if not sig_table or len(sig_table) > 64:
        r.fail("signals", "declare between 1 and 64 signals")
    signals = {name: _signal(name, FieldReader(spec, f"signals.{name}", origin)) for name, spec in sig_table.items()}
    kind = r.get("kind", str, choices=KINDS)
    rep = _rep_rule(r.table("rep", None), signals)
    hold = _hold_rule(r.table("hold", None), signals, origin)
    if kind in ("reps", "cyclic") and rep is None:
        r.fail("rep", f"a {kind} exercise needs a [rep] table")
    if kind == "hold" and hold is None:
        r.fail("hold", "a hold exercise needs a [hold] table")
    faults = _faults(r, signals, rep, origin)
    d = r.table("dosage")
    dosage = Dosage(text=d.get("text", str), reps=d.pair("reps", int), hold_s=d.pair("hold_s", float),
                    holds=d.pair("holds", int), each_side=d.get("each_side", bool, False),
                    duration_min=d.pair("duration_min", float))
    d.done()
    key_signal = r.get("key_signal", str, rep.signal if rep else next(iter(signals)), choices=tuple(signals))
    ex = Exercise(id=ex_id, name=r.get("name", str), kind=kind, view=r.get("view", str, choices=VIEWS),
                  sided=r.get("sided", bool, False), setup=r.get("setup", str), dosage=dosage,
                  signals=signals, key_signal=key_signal, rep=rep, hold=hold, faults=faults,
                  unchecked=r.strings("not_checked"), seeds=r.strings("seeds"),
                  camera=r.get("camera", str, ""), source=origin,
                  confidence=r.get("confidence", str, "high", choices=("high", "medium", "low")),
                  note=r.get("note", str, ""), smoothing_hz=r.get("smoothing_hz", float, None))
    if ex.smoothing_hz is not None and not 0.5 <= ex.smoothing_hz <= 15:
        r.fail("smoothing_hz", "must be between 0.5 and 15 (Hz)")
    r.done()
    return ex


def read_toml_file(path: str | Path, what: str, error: type[Exception] = ExerciseFileError) -> tuple[dict, str]:
    """A user's TOML data file (an exercise, a routine) as plain data, size-capped; never executed.

    Returns the data and the file name that error messages name.
    """
    p = Path(path)
    if not p.is_file():
        raise error(f"no such {what} file: {p}")
    if p.stat().st_size > 256_000:
        raise error(f"{p.name}: too large for {'an' if what[0] in 'aeiou' else 'a'} {what} file (over 256 kB)")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8")), p.name
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{p.name}: not valid TOML: {exc}") from None


def load_exercise_file(path: str | Path) -> Exercise:
    """Load a custom exercise from a TOML file; errors are one line naming the field."""
    return parse_exercise(*read_toml_file(path, "exercise"))


def packaged_tomls(package: str) -> list[tuple[dict, str]]:
    """The ``*.toml`` data files shipped in ``package`` (exercises, routines), decoded, by file name."""
    entries = sorted(resources.files(package).iterdir(), key=lambda e: e.name)
    return [(tomllib.loads(e.read_text(encoding="utf-8")), e.name) for e in entries if e.name.endswith(".toml")]


def builtin_exercises() -> dict[str, Exercise]:
    """The catalogue shipped in ``formcheck/rules/exercises/*.toml``."""
    exercises = (parse_exercise(data, name) for data, name in packaged_tomls("formcheck.rules.exercises"))
    return {ex.id: ex for ex in exercises}


def get_exercise(exercise_id: str) -> Exercise:
    catalogue = builtin_exercises()
    try:
        return catalogue[exercise_id]
    except KeyError:
        raise InputError(f"unknown exercise {exercise_id!r}; run 'formcheck exercises' to list them "
                         f"({', '.join(catalogue)})") from None
