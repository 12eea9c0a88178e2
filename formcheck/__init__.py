"""formcheck: a pose-tracking form checker for hip rehabilitation exercises.

The public Python API, for people who script formcheck. Everything here is what the
``formcheck`` command line uses too, so a script gets the same counts and the same
report.json as ``formcheck analyze``::

    import formcheck

    # a video: pose model, analysis, and report.json / report.html / report.csv /
    # annotated.webm / landmarks.npz written into out_dir
    analysis = formcheck.analyze_video("bridge.mp4", "bridge", out_dir="bridge-report")
    print(analysis.report["summary"]["rep_count"])

    # a landmark track (no video, no pose model): e.g. a landmarks.npz of an earlier run
    track = formcheck.read_track("bridge-report/landmarks.npz")
    result = formcheck.analyze_track("bridge", track)
    report = formcheck.build_report(result, source="bridge-report/landmarks.npz")

    # exercises: the built-in catalogue, or your own TOML file (see README "Custom exercises")
    for ex in formcheck.list_exercises():
        print(ex.id, ex.kind, ex.view)
    mine = formcheck.load_exercise_file("my_exercise.toml")

    # a report written earlier
    report = formcheck.read_report("bridge-report")      # the folder or its report.json

``import formcheck`` is cheap: it imports nothing but the standard library. Each name is
imported from its subpackage the first time it is used (module ``__getattr__``), so neither
MediaPipe nor OpenCV is loaded until a video is analysed. How the subpackages fit together:
``docs/architecture.md``.

Errors a user can fix (a missing file, an unknown exercise, a bad exercise file, a report
folder that already exists) raise :class:`FormcheckError` (mostly its subclass
:class:`InputError`) with a one-line message saying what to do.
"""

from __future__ import annotations

import importlib as _importlib

__version__ = "0.1.0"

TYPE_CHECKING = False  # type checkers take any TYPE_CHECKING as True; importing typing would cost more than the rest
if TYPE_CHECKING:  # for type checkers and editors only: at run time these names load lazily
    from pathlib import Path

    from formcheck.analyze.track import SessionResult
    # Not Analysis (formcheck.analyze.video): that module reaches formcheck.report.build, which
    # imports __version__ from this package, so even a type-only import here closes a cycle.
    from formcheck.errors import FormcheckError, InputError
    from formcheck.pose.landmarks import PoseTrack
    from formcheck.rules.exercise import (Exercise, ExerciseFileError, builtin_exercises, get_exercise,
                                          load_exercise_file)
    from formcheck.signals.cleaning_options import CleaningOptions

#: Public names defined in a subpackage: name -> the module it is imported from on first use.
#: (Module names as strings: the package never imports its stages while it is being imported.)
_LAZY: dict[str, str] = {
    "Analysis": "formcheck.analyze.video",
    "SessionResult": "formcheck.analyze.track",
    "Exercise": "formcheck.rules.exercise",
    "ExerciseFileError": "formcheck.rules.exercise",
    "get_exercise": "formcheck.rules.exercise",
    "load_exercise_file": "formcheck.rules.exercise",
    "builtin_exercises": "formcheck.rules.exercise",
    "PoseTrack": "formcheck.pose.landmarks",
    "FormcheckError": "formcheck.errors",
    "InputError": "formcheck.errors",
}

__all__ = [
    "__version__",
    # analysing
    "analyze_video",
    "Analysis",
    "analyze_track",
    "SessionResult",
    "build_report",
    # exercises
    "Exercise",
    "get_exercise",
    "load_exercise_file",
    "list_exercises",
    "builtin_exercises",
    # data files
    "PoseTrack",
    "read_track",
    "read_report",
    # errors
    "FormcheckError",
    "InputError",
    "ExerciseFileError",
]


def __getattr__(name: str):
    """Import a public name from its subpackage the first time it is asked for (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'formcheck' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    """The public names (also those not loaded yet) and the subpackages imported so far."""
    loaded = {n for n in globals() if not n.startswith("_") and n not in ("annotations", "TYPE_CHECKING")}
    return sorted(set(__all__) | loaded)


def _stage(module: str, name: str):
    """One function or class of a pipeline stage, imported when first called."""
    return getattr(_importlib.import_module(module), name)


def _exercise(exercise: Exercise | str) -> Exercise:
    """An Exercise as given, a built-in one by id, or one loaded from a ``.toml`` file path."""
    if not isinstance(exercise, str):
        if hasattr(exercise, "__fspath__"):  # a pathlib.Path to an exercise file
            return _stage("formcheck.rules.exercise", "load_exercise_file")(exercise)
        return exercise
    if exercise.lower().endswith(".toml"):
        return _stage("formcheck.rules.exercise", "load_exercise_file")(exercise)
    return _stage("formcheck.rules.exercise", "get_exercise")(exercise)


# --------------------------------------------------------------------------------------
# Analysing


def analyze_video(video: str | Path, exercise: Exercise | str, out_dir: str | Path | None = None, *,
                  force: bool = False, model: str = "full", video_out: bool = True, stride: int = 1,
                  progress=None, video_progress=None) -> Analysis:
    """Analyse one recorded video, as ``formcheck analyze VIDEO --exercise ID`` does.

    ``video``: a video file (mp4, mov, avi, mkv, webm, GIF) or a folder of images.
    ``exercise``: an :class:`Exercise`, a built-in exercise id (``"bridge"``; see
    :func:`list_exercises`) or the path of a custom exercise ``.toml`` file.
    ``out_dir``: where report.json, report.html, report.csv, the annotated video (unless
    ``video_out=False``) and landmarks.npz are written; the folder is created, and an existing
    report in it is an :class:`InputError` unless ``force=True``. ``None`` writes nothing and
    only returns the analysis.
    ``model``: the pose model, ``"lite"``, ``"full"`` (default) or ``"heavy"`` (when installed).
    ``stride``: N > 1 analyses every Nth frame only (faster; times still from the video).
    ``progress`` / ``video_progress``: optional ``callback(frames_done, frame_count_or_None)``
    for the pose pass and the annotated video.

    Returns an :class:`Analysis`: ``.report`` (the report.json dict), ``.result`` (the
    :class:`SessionResult`: cleaned track, signals, engine with its reps and holds, verdicts)
    and ``.out_dir``. Raises :class:`InputError` for a video that cannot be read or shows
    nobody. This is the one call that loads MediaPipe and OpenCV.
    """
    ex = _exercise(exercise)
    if out_dir is not None:
        from pathlib import Path

        out_dir = _stage("formcheck.analyze.video", "prepare_out_dir")(Path(out_dir), force)
    run = _stage("formcheck.analyze.video", "analyze_video")
    return run(video, ex, out_dir, model=model, progress=progress, video_out=video_out,
               video_progress=video_progress, stride=stride)


def analyze_track(exercise: Exercise | str, track: PoseTrack, *, clean: bool = True,
                  cleaning: CleaningOptions | None = None) -> SessionResult:
    """Analyse a landmark track: cleaning -> signals -> exercise engine, with no video or model.

    ``exercise``: an :class:`Exercise`, a built-in id or a ``.toml`` path (as for
    :func:`analyze_video`). ``track``: a :class:`PoseTrack` (MediaPipe's 33 landmarks per
    frame with their timestamps), e.g. from :func:`read_track` or
    ``formcheck.synth.generate.synthetic_track``. ``clean=False`` skips the landmark cleaning
    (for tracks that are already clean); ``cleaning`` overrides its options
    (``formcheck.signals.cleaning_options.CleaningOptions``).

    Returns the :class:`SessionResult`; ``result.engine.reps`` and ``result.engine.holds``
    are the reps and holds found. Turn it into the report.json dict with :func:`build_report`.
    """
    run = _stage("formcheck.analyze.track", "analyze_track")
    return run(_exercise(exercise), track, clean=clean, cleaning=cleaning)


def build_report(result: SessionResult, source: str = "landmark track", model: str | None = None) -> dict:
    """The report.json dict of an analysed session (the contract described in the README).

    ``result``: from :func:`analyze_track` (or ``Analysis.result``). ``source`` and ``model``
    are recorded in the report as the input's name and the pose model that made the track.
    The dict is plain JSON data (no NaN): ``json.dump`` it, or write it with the same
    atomic writer the CLI uses, ``formcheck.report.build.write_json_atomic``.
    """
    return _stage("formcheck.report.build", "build_report")(result, source, model)


# --------------------------------------------------------------------------------------
# Exercises (get_exercise, load_exercise_file and builtin_exercises load lazily, above)


def list_exercises() -> list[Exercise]:
    """The built-in exercises (formcheck/rules/exercises/*.toml), sorted by id.

    Each :class:`Exercise` carries its ``id``, ``name``, ``kind`` (reps, hold or cyclic), camera
    ``view``, ``dosage``, ``faults`` and ``setup`` text; ``ex.summary()`` is the catalogue
    entry ``formcheck exercises --json`` prints.
    """
    catalogue = _stage("formcheck.rules.exercise", "builtin_exercises")()
    return [catalogue[k] for k in sorted(catalogue)]


# --------------------------------------------------------------------------------------
# Files written by an analysis


def read_track(path: str | Path) -> PoseTrack:
    """A landmark track saved by an analysis or a live session (``landmarks.npz``).

    The track is the raw pose model output (before cleaning), so :func:`analyze_track` on it
    reproduces the report of that session without running the pose model again.
    """
    return _stage("formcheck.pose.landmarks", "PoseTrack").from_npz(path)


def read_report(path: str | Path) -> dict:
    """A report.json written by ``formcheck analyze`` / ``live`` (or :func:`analyze_video`), as a dict.

    ``path``: the report.json file or the report folder holding it. Raises
    :class:`InputError` when there is no such file, it is not a formcheck report, or it was
    written by a newer formcheck (its ``report_version`` is higher than this one reads).
    The keys are described in the README's "report.json" section.
    """
    import json
    from pathlib import Path

    errors = _importlib.import_module("formcheck.errors")
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    if not p.is_file():
        raise errors.InputError(f"no such report: {p}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise errors.InputError(f"{p} is not a formcheck report (not valid JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("report_version"), int):
        hint = " (a routine's report: read it with json.load)" if isinstance(data, dict) and \
            "routine_report_version" in data else ""
        raise errors.InputError(f"{p} is not a formcheck session report: it has no report_version{hint}")
    supported = _stage("formcheck.report.build", "REPORT_VERSION")
    if data["report_version"] > supported:
        raise errors.InputError(f"{p} has report_version {data['report_version']}, newer than this formcheck "
                                f"reads ({supported}): update formcheck")
    return data
