"""How right ``--exercise auto`` is on labelled recordings: one answer per clip, tables per exercise.

A clip counts as recognised when the answer is its exercise (or one merged with it, see
:mod:`formcheck.recognize.catalogue`) AND the confidence reaches the CLI's threshold, so
that ``analyze --exercise auto`` would go ahead instead of asking for ``--exercise``.
Used by ``scripts/eval_recognition.py`` and ``tests/test_recognition_benchmark.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from formcheck.pose.landmarks import PoseTrack
from formcheck.recognize.catalogue import counts_as
from formcheck.recognize.segmentation import MIN_CONFIDENCE, REST, recognize
from formcheck.recognize.set_analysis import analyse_sets


@dataclass
class ClipVerdict:
    """The recogniser's answer on one labelled clip."""

    clip: str
    truth: str
    truth_side: str | None  # left | right | both (None: not known)
    answer: str  # an exercise id or REST
    confidence: float
    side: str | None  # as the engine named it (None: unnamed)

    @property
    def right(self) -> bool:
        return counts_as(self.truth, self.answer)

    @property
    def sure(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE

    @property
    def recognised(self) -> bool:
        """Right and sure: what ``--exercise auto`` needs to go ahead with the right exercise."""
        return self.right and self.sure


def clip_answer(track: PoseTrack) -> tuple[str, float, str | None]:
    """(exercise or rest, confidence, side from the engine) for a recording of one exercise."""
    rec = recognize(track)
    analysed = analyse_sets(track, rec)  # the engine confirms each set (or turns it into rest)
    best = rec.best
    if best is None:
        conf = float(rec.probabilities[:, rec.classes.index(REST)].mean()) if len(rec.probabilities) else 1.0
        return REST, conf, None
    side = next((a.segment.side for a in analysed if a.segment is best), None)
    return best.exercise, best.confidence, side


def labelled_tracks(folder: Path) -> list[tuple[str, Path, dict]]:
    """(clip name, track file, truth) for every ``<name>.mp4.full.npz`` with a ``<name>.truth.json``."""
    out = []
    for track_file in sorted(Path(folder).glob("*.mp4.full.npz")):
        name = track_file.name[:-len(".mp4.full.npz")]
        truth_file = track_file.with_name(f"{name}.truth.json")
        if truth_file.exists():
            out.append((name, track_file, json.loads(truth_file.read_text())))
    return out


def score_folder(folder: Path) -> list[ClipVerdict]:
    """The recogniser's verdict on every labelled track in ``folder`` (a rendered benchmark set)."""
    verdicts = []
    for name, track_file, truth in labelled_tracks(folder):
        answer, conf, side = clip_answer(PoseTrack.from_npz(track_file))
        verdicts.append(ClipVerdict(name, truth["exercise"], truth.get("side") or "both", answer, conf, side))
    return verdicts


def per_exercise(verdicts: list[ClipVerdict]) -> dict[str, tuple[int, int]]:
    """exercise -> (clips recognised, clips)."""
    out: dict[str, tuple[int, int]] = {}
    for v in verdicts:
        ok, n = out.get(v.truth, (0, 0))
        out[v.truth] = (ok + v.recognised, n + 1)
    return dict(sorted(out.items()))


def miss_text(v: ClipVerdict) -> str:
    """'pigeon_pose_r001_left: hip_flexor_stretch_kneeling 0.71' or '...: pigeon_pose 0.52 (unsure)'."""
    why = "" if not v.right else " (unsure)"
    return f"{v.clip}: {v.answer} {v.confidence:.2f}{why}"


def markdown_table(verdicts: list[ClipVerdict]) -> str:
    """Per-exercise rows (recognised / clips, misses named) and the total, as a Markdown table."""
    rows = ["| exercise | right and >= 0.6 | misses (answer, confidence) |", "|---|---|---|"]
    for exercise, (ok, n) in per_exercise(verdicts).items():
        misses = "; ".join(miss_text(v) for v in verdicts if v.truth == exercise and not v.recognised)
        rows.append(f"| {exercise} | {ok} / {n} | {misses or '-'} |")
    total = sum(v.recognised for v in verdicts)
    rows.append(f"| **all** | **{total} / {len(verdicts)}** | |")
    return "\n".join(rows)
