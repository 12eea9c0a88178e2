"""``--exercise auto``: recognise the exercise(s) in a recording, then report each set (issue 9).

One set: the usual report of the whole recording, analysed with the recognised exercise,
plus a ``recognition`` entry. Several sets: one report folder per set
(``<out>/set1-clamshell/``) and ``sets.json`` summarising them. When the recogniser is not
sure, it says so and asks for ``--exercise`` instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from formcheck.analyze.track import analyze_track
from formcheck.errors import FormcheckError, InputError
from formcheck.rules.exercise import get_exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.analyze.video import REPORT_NAME, TRACK_NAME, prepare_out_dir, track_video, write_feedback_files
from formcheck.recognize.segmentation import MIN_CONFIDENCE, Recognition, recognize
from formcheck.recognize.set_analysis import AnalysedSet, analyse_sets, describe, engine_side
from formcheck.report.build import build_report, write_json_atomic

SETS_NAME = "sets.json"


class UnsureRecognition(InputError):
    """The recogniser will not name the exercise: no set found, or its best guess below the threshold.

    A single ``analyze --exercise auto`` stops on it like any InputError; a batch records the
    video as "unsure" with its best guess (``exercise``, ``confidence``) and goes on.
    """

    def __init__(self, message: str, exercise: str | None = None, side: str | None = None,
                 confidence: float | None = None):
        super().__init__(message)
        self.exercise, self.side, self.confidence = exercise, side, confidence


@dataclass
class AutoAnalysis:
    recognition: Recognition
    sets: list[AnalysedSet]
    reports: list[dict]  # one per set, in order
    out_dirs: list[Path]
    summary: dict  # what sets.json holds


def recognition_entry(rec: Recognition, analysed: AnalysedSet | None = None) -> dict:
    """What the report says about how the exercise was chosen."""
    seg = analysed.segment if analysed else rec.best
    return {"exercise": seg.exercise, "side": seg.side, "confidence": round(seg.confidence, 3),
            "runner_up": seg.runner_up, "start_s": round(seg.start_s, 2), "end_s": round(seg.end_s, 2),
            "text": f"recognised: {describe(seg)}"}


def check_sure(rec: Recognition, source: str, min_confidence: float = MIN_CONFIDENCE) -> None:
    """Refuse to guess: no set found, or the best one below ``min_confidence``."""
    best = rec.best
    if best is None:
        guesses = sorted({s.looked_like for s in rec.segments if s.looked_like})
        why = (f"it looked a little like {', '.join(guesses)} but no rep or hold was found" if guesses
               else "it looks like rest or nobody in view")
        raise UnsureRecognition(f"no exercise was recognised in {source} ({why}): pass --exercise ID "
                                "(see 'formcheck exercises')")
    if best.confidence < min_confidence:
        raise UnsureRecognition(f"not sure which exercise {source} shows (best guess "
                                f"{get_exercise(best.exercise).name}, confidence {best.confidence:.2f}; next "
                                f"{best.runner_up}): pass --exercise ID (see 'formcheck exercises')",
                                best.exercise, best.side, round(best.confidence, 3))


def summary_of(rec: Recognition, sets: list[AnalysedSet], reports: list[dict], dirs: list[Path | None]) -> dict:
    rows = []
    for k, (a, report, d) in enumerate(zip(sets, reports, dirs), 1):
        s = report["summary"]
        rows.append({"set": k, "exercise": a.segment.exercise, "name": report["exercise_name"],
                     "side": a.segment.side, "start_s": round(a.segment.start_s, 2),
                     "end_s": round(a.segment.end_s, 2), "confidence": round(a.segment.confidence, 3),
                     "reps": s["rep_count"], "hold_s": s["hold_s_total"], "faults": s["faults"],
                     "report": f"{d.name}/{REPORT_NAME}" if d else None})
    rests = [{"start_s": round(s.start_s, 2), "end_s": round(s.end_s, 2)} for s in rec.segments if not s.is_set]
    return {"sets": rows, "rest": rests}


def analyze_auto(video: str | Path, out_dir: Path | None, model: str = "full", force: bool = False,
                 video_out: bool = True, stride: int = 1,
                 progress: Callable[[int, int | None], None] | None = None,
                 track: PoseTrack | None = None) -> AutoAnalysis:
    """Track (unless ``track`` is given), recognise, and write one report or one per set."""
    video = Path(video)
    if track is None:
        track, _ = track_video(video, model, progress, stride=stride)
    if len(track) == 0 or not track.detected.any():
        raise InputError(f"no person was found in {video}: film your whole body, well lit")
    rec = recognize(track)
    sets = analyse_sets(track, rec)
    check_sure(rec, video.name)
    if len(sets) == 1:  # the whole recording, like --exercise with the recognised id
        result = analyze_track(get_exercise(sets[0].segment.exercise), track)
        sets[0].segment.side = engine_side(result) or sets[0].segment.side
        sets[0] = AnalysedSet(sets[0].segment, track, result)
    reports, dirs = [], []
    for k, a in enumerate(sets, 1):
        report = build_report(a.result, source=str(video), model=model)
        report["recognition"] = recognition_entry(rec, a)
        reports.append(report)
        if out_dir is None:
            dirs.append(None)
            continue
        target = out_dir if len(sets) == 1 else prepare_out_dir(out_dir / f"set{k}-{a.segment.exercise}", force)
        _write(report, a, target, video if (video_out and len(sets) == 1) else None, video)
        dirs.append(target)
    summary = summary_of(rec, sets, reports, dirs)
    if out_dir is not None and len(sets) > 1:
        write_json_atomic(out_dir / SETS_NAME, summary)
    return AutoAnalysis(rec, sets, reports, dirs, summary)


def _write(report: dict, analysed: AnalysedSet, target: Path, video_out: Path | None, source: Path) -> None:
    try:
        analysed.track.to_npz(target / TRACK_NAME)
        write_json_atomic(target / REPORT_NAME, report)
    except OSError as exc:
        raise FormcheckError(f"could not write the report to {target}: {exc.strerror or exc}") from None
    write_feedback_files(report, analysed.result, target, video_out, source=source)
