"""``formcheck analyze DIR_OR_GLOB --exercise auto``: each video of a batch recognised, then reported.

The batch machinery of :mod:`formcheck.analyze.batch` (process pool or Ray, one folder per
video, ``batch_summary.json``/``.csv``) with :func:`analyze_one_auto` as its per-video
function: each video goes through the same :func:`formcheck.analyze.auto.analyze_auto` as a
single ``analyze VIDEO --exercise auto``, so its folder holds the same report (or, for a video
of several exercises, the same ``sets.json`` and one folder per set).

A video the recogniser is not sure about is not a failure of the batch: its row says
"unsure", with the best guess and its confidence and the one-line reason (pass
``--exercise ID`` for it), and the batch goes on and exits 0 if nothing else failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from formcheck.analyze.batch import BatchJob, BatchRow, run_row


def analyze_one_auto(job: BatchJob) -> BatchRow:
    """Recognise and report one video into ``job.out_dir``; never raises (failures and doubts are in the row)."""
    from formcheck.analyze.auto import UnsureRecognition, analyze_auto

    def work(row: BatchRow, target: Path) -> None:
        try:
            auto = analyze_auto(Path(job.video), target, job.model, force=job.force, video_out=job.video_out,
                                stride=job.stride)
        except UnsureRecognition as exc:  # a doubt, not a failure: the user names the exercise for this one
            row.status, row.error = "unsure", str(exc)
            row.exercise, row.side, row.confidence = exc.exercise, exc.side, exc.confidence
            return
        fill_row(row, auto)

    return run_row(job, work)


def fill_row(row: BatchRow, auto) -> None:
    """The row of a recognised video: its exercise(s), side(s), the lowest confidence, totals over its sets."""
    reports = auto.reports
    row.status = "ok"
    row.exercise = ", ".join(r["exercise"] for r in reports)
    sides = [a.segment.side for a in auto.sets]
    row.side = ", ".join(s or "-" for s in sides) if any(sides) else None
    row.confidence = round(min(a.segment.confidence for a in auto.sets), 3)
    row.reps = sum(int(r["summary"]["rep_count"]) for r in reports)
    row.holds = sum(len(r["holds"]) for r in reports)
    row.faults = sum(int(sum(r["summary"]["faults"].values())) for r in reports)
    row.warnings = sum(len(r["tracking"]["warnings"]) for r in reports)
    row.report = reports[0] if len(reports) == 1 else None  # several sets: read from their folders


def unsure_lines(rows: Sequence[BatchRow]) -> list[str]:
    """One line per video the recogniser would not name (for the terminal, under the table)."""
    return [f"{r.video}: {r.error}" for r in rows if r.status == "unsure"]
