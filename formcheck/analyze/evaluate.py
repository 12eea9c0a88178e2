"""Accuracy on labelled clips: counts, holds and faults against ground truth.

Labels come in one format, whichever their origin: the hand labels of real clips
(``labels.json``, a list of entries) and the renderer's ground truth (one
``*.truth.json`` per clip, the same entry plus per-frame data). Each entry has ``path``,
``exercise``, ``complete_reps``, ``accept_counts``, ``reps`` and ``holds``; rendered clips
also carry ``faults`` (code and rep), so fault precision and recall are measured only on
clips whose faults are labelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from formcheck.errors import InputError

TRUTH_SUFFIX = ".truth.json"


@dataclass
class ClipScore:
    path: str
    exercise: str
    expected: int
    accepted: list[int]
    counted: int
    hold_errors: list[float] = field(default_factory=list)
    tp: int = 0
    fp: int = 0
    fn: int = 0
    faults_labelled: bool = False
    misses: list[str] = field(default_factory=list)
    error: str | None = None
    by_fault: dict[str, list[int]] = field(default_factory=dict)  # code -> [tp, fp, fn]
    sides_right: int = 0  # matched reps whose side was labelled and reported alike
    sides_labelled: int = 0
    azimuth_deg: float | None = None  # rendered clips: the camera's turn from the recommended view
    not_checked: list[str] = field(default_factory=list)  # faults the report declined to judge

    @property
    def exact(self) -> bool:
        return self.error is None and (self.counted == self.expected or self.counted in self.accepted)

    @property
    def count_error(self) -> int:
        return min(abs(self.counted - c) for c in [self.expected, *self.accepted])

    def to_dict(self) -> dict:
        return {"path": self.path, "exercise": self.exercise, "expected": self.expected,
                "accepted": self.accepted, "counted": self.counted, "exact": self.exact,
                "hold_errors_s": [round(e, 2) for e in self.hold_errors],
                "faults": {"tp": self.tp, "fp": self.fp, "fn": self.fn} if self.faults_labelled else None,
                "by_fault": self.by_fault or None, "sides": [self.sides_right, self.sides_labelled],
                "azimuth_deg": self.azimuth_deg, "not_checked": self.not_checked,
                "misses": self.misses, "error": self.error}


def load_labels(folder: Path) -> list[dict]:
    """Every labelled clip in a folder: labels.json entries and *.truth.json files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}")
    entries = []
    labels = folder / "labels.json"
    if labels.exists():
        try:
            data = json.loads(labels.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{labels} is not valid JSON: {exc}") from None
        if not isinstance(data, list):
            raise InputError(f"{labels} must hold a list of clip labels")
        entries += data
    for truth in sorted(folder.glob(f"*{TRUTH_SUFFIX}")):
        try:
            entries.append(json.loads(truth.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{truth} is not valid JSON: {exc}") from None
    if not entries:
        raise InputError(f"{folder} has no labels.json and no *{TRUTH_SUFFIX} files to evaluate against")
    for e in entries:
        missing = [k for k in ("path", "exercise", "complete_reps") if k not in e]
        if missing:
            raise InputError(f"a label in {folder} lacks {', '.join(missing)}: {str(e)[:80]}")
        e["_file"] = str(folder / e["path"])
    return entries


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _match_reps(pred: list[dict], true: list[dict]) -> dict[int, int]:
    """Predicted rep index -> true rep index, by the true peak falling inside the prediction."""
    matched, used = {}, set()
    for p in pred:
        best = None
        for j, t in enumerate(true):
            if j in used:
                continue
            if p["start_s"] - 0.3 <= t.get("peak_s", t["start_s"]) <= p["end_s"] + 0.3:
                best = j
                break
        if best is not None:
            used.add(best)
            matched[p["index"]] = best
    return matched


def _tally(score: "ClipScore", code: str, j: int | None, truth: set, found: set, where: str) -> None:
    """One reported fault: a hit when the matched true rep/hold had it injected, else a false alarm."""
    if j is not None and (code, j) in truth:
        if (code, j) not in found:
            score.by_fault.setdefault(code, [0, 0, 0])[0] += 1
        found.add((code, j))
    else:
        score.fp += 1
        score.by_fault.setdefault(code, [0, 0, 0])[1] += 1
        score.misses.append(f"{code} reported on {where} but not injected")


def camera_azimuth_deg(label: dict) -> float | None:
    """A rendered clip's camera turn from the recommended view (+z of the scripted body), in degrees."""
    cam = label.get("camera")
    if not isinstance(cam, dict) or "position" not in cam or "target" not in cam:
        return None
    dx = cam["position"][0] - cam["target"][0]
    dz = cam["position"][2] - cam["target"][2]
    return round(float(np.degrees(np.arctan2(dx, dz))), 1)


def _score_sides(s: "ClipScore", reps: list[dict], true_reps: list[dict], match: dict[int, int]) -> None:
    for r in reps:
        j = match.get(r["index"])
        if j is None or true_reps[j].get("side") is None:
            continue
        s.sides_labelled += 1
        if r.get("side") == true_reps[j]["side"]:
            s.sides_right += 1
        else:
            s.misses.append(f"rep {r['index']} reported on the {r.get('side')} side, done on the {true_reps[j]['side']}")


def score_clip(label: dict, report: dict) -> ClipScore:
    reps = report["reps"]
    s = ClipScore(label["path"], label["exercise"], int(label["complete_reps"]),
                  [int(c) for c in label.get("accept_counts", [])], len(reps))
    if not s.exact:
        s.misses.append(f"counted {s.counted}, expected {s.expected}"
                        + (f" (or {s.accepted})" if s.accepted else ""))
    for h in label.get("holds", []):
        dur = h["end_s"] - h["start_s"]
        best = max(report["holds"], key=lambda p: _overlap(p["start_s"], p["end_s"], h["start_s"], h["end_s"]),
                   default=None)
        if best is None or _overlap(best["start_s"], best["end_s"], h["start_s"], h["end_s"]) <= 0:
            s.hold_errors.append(dur)
            s.misses.append(f"hold {h['start_s']:.1f}-{h['end_s']:.1f} s not found")
        else:
            err = abs(best["duration_s"] - dur)
            s.hold_errors.append(err)
            if err > 0.5:
                s.misses.append(f"hold {dur:.1f} s timed as {best['duration_s']:.1f} s")
    s.azimuth_deg = camera_azimuth_deg(label)
    s.not_checked = sorted({n["code"] for n in report.get("not_checked", [])})
    true_reps = label.get("reps", [])
    match = _match_reps(reps, true_reps)
    _score_sides(s, reps, true_reps, match)
    if "faults" in label:
        s.faults_labelled = True
        # A fault the report declined to judge from this camera view is neither found nor missed.
        truth = {(f["code"], f["rep"] - 1) for f in label["faults"] if "rep" in f and f["code"] not in s.not_checked}
        found = set()
        for r in reps:
            for f in r["faults"]:
                _tally(s, f["code"], match.get(r["index"]), truth, found, f"rep {r['index']}")
        # Hold exercises: faults belong to holds (1-based "hold" in the label), matched by overlap.
        hold_truth = {(f["code"], f["hold"] - 1) for f in label["faults"]
                      if "hold" in f and f["code"] not in s.not_checked}
        hold_found = set()
        true_holds = label.get("holds", [])
        for i, h in enumerate(report["holds"], 1):
            if not h.get("faults"):
                continue
            overlaps = [_overlap(h["start_s"], h["end_s"], t["start_s"], t["end_s"]) for t in true_holds]
            j = int(max(range(len(overlaps)), key=overlaps.__getitem__)) if overlaps and max(overlaps) > 0 else None
            for f in h["faults"]:
                _tally(s, f["code"], j, hold_truth, hold_found, f"hold {i}")
        s.tp = len(found) + len(hold_found)
        s.fn = len(truth - found) + len(hold_truth - hold_found)
        for code, _ in (truth - found) | (hold_truth - hold_found):
            s.by_fault.setdefault(code, [0, 0, 0])[2] += 1
        for code, j in sorted(truth - found, key=lambda k: (k[1], k[0])):
            s.misses.append(f"{code} injected on rep {j + 1} but not found")
        for code, j in sorted(hold_truth - hold_found, key=lambda k: (k[1], k[0])):
            s.misses.append(f"{code} injected on hold {j + 1} but not found")
    return s


def _aggregate(scores: list[ClipScore]) -> dict:
    n = len(scores)
    holds = [e for s in scores for e in s.hold_errors]
    labelled = [s for s in scores if s.faults_labelled]
    tp, fp, fn = (sum(getattr(s, k) for s in labelled) for k in ("tp", "fp", "fn"))
    return {
        "clips": n,
        "exact_count_rate": round(sum(s.exact for s in scores) / n, 4) if n else None,
        "count_mae": round(sum(s.count_error for s in scores) / n, 4) if n else None,
        "obo_rate": round(sum(s.count_error <= 1 for s in scores) / n, 4) if n else None,
        "hold_error_s": round(sum(holds) / len(holds), 3) if holds else None,
        "fault_precision": round(tp / (tp + fp), 4) if labelled and tp + fp else (1.0 if labelled else None),
        "fault_recall": round(tp / (tp + fn), 4) if labelled and tp + fn else (1.0 if labelled else None),
    }


def summarize(scores: list[ClipScore]) -> dict:
    by_ex: dict[str, list[ClipScore]] = {}
    for s in scores:
        by_ex.setdefault(s.exercise, []).append(s)
    return {"overall": _aggregate(scores),
            "per_exercise": {ex: _aggregate(v) for ex, v in sorted(by_ex.items())},
            "clips": [s.to_dict() for s in scores]}


def evaluate_folder(folder: Path, analyse: Callable[[dict], dict],
                    on_clip: Callable[[ClipScore], None] | None = None) -> dict:
    """Analyse every labelled clip with ``analyse(label) -> report`` and score it."""
    from formcheck.rules.exercise import builtin_exercises

    known = builtin_exercises()
    scores = []
    for label in load_labels(folder):
        if label["exercise"] not in known:
            continue  # an exercise formcheck does not implement yet: nothing to score
        try:
            report = analyse(label)
            score = score_clip(label, report)
        except Exception as exc:  # noqa: BLE001 - one bad clip must not stop the evaluation
            score = ClipScore(label["path"], label["exercise"], int(label["complete_reps"]),
                              [int(c) for c in label.get("accept_counts", [])], 0,
                              error=f"{type(exc).__name__}: {exc}")
            score.misses.append(f"analysis failed: {score.error}")
        scores.append(score)
        if on_clip:
            on_clip(score)
    return summarize(scores)


def check_thresholds(summary: dict, min_exact: float | None, min_precision: float | None,
                     min_recall: float | None, max_hold_error: float | None) -> list[str]:
    """The figures that fall short of the thresholds (empty when all pass)."""
    o = summary["overall"]
    failed = []
    for name, value, limit, higher in (("exact_count_rate", o["exact_count_rate"], min_exact, True),
                                       ("fault_precision", o["fault_precision"], min_precision, True),
                                       ("fault_recall", o["fault_recall"], min_recall, True),
                                       ("hold_error_s", o["hold_error_s"], max_hold_error, False)):
        if limit is None or value is None:
            continue
        if (value < limit) if higher else (value > limit):
            failed.append(f"{name} {value} {'<' if higher else '>'} {limit}")
    return failed
