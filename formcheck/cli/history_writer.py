"""Adding each finished session to the patient's history, without ever costing them the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from formcheck.cli.common import debug_on


class HistoryWriter:
    """Adds finished sessions to the history database for ``analyze``, ``live`` and ``routine``.

    The report folder is the user's work and is already written when this runs: a history
    problem (a locked or read-only database, a newer schema) is one warning line on stderr,
    and the exit code stays the analysis's. After one failure a batch stops trying (one line, not one per video).
    """

    def __init__(self, db: Optional[Path], disabled: bool, performed_on: Optional[str] = None) -> None:
        from formcheck.history.store import parse_date

        self.db, self.enabled, self.failed = db, not disabled, False
        self.when = parse_date(performed_on) if performed_on else None

    def record(self, report: dict, out_dir: Path, video: Optional[Path] = None, when=None) -> None:
        """``when``: the start of a live session; else --date, else the recording's file time."""
        from formcheck.history.store import history_failure, record_session, recording_time, resolve_db_path

        if not self.enabled or self.failed or not report:
            return
        try:
            when = when or self.when or (recording_time(video) if video is not None else None)
            record_session(report, out_dir, when, self.db)
        except Exception as exc:  # noqa: BLE001 - the history must never cost the report
            reason = history_failure(exc)
            if reason is None and debug_on():
                raise
            self.failed = True
            typer.echo(f"formcheck: warning: not added to the history {resolve_db_path(self.db)} "
                       f"({reason or type(exc).__name__ + ': ' + str(exc)}); the report itself is saved", err=True)

    def record_row(self, row) -> None:
        """A finished batch video: its report from the row (or its report.json when a worker did not send it).

        A video of several recognised exercises (--exercise auto) adds each set from its own folder.
        """
        if row.status != "ok" or not self.enabled or self.failed:
            return
        if row.report is not None:
            self.record(row.report, Path(row.out_dir), Path(row.video))
            return
        for folder in _report_folders(Path(row.out_dir)):
            try:
                report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            self.record(report, folder, Path(row.video))

    def record_live(self, report: dict, out_dir: Path, started_at) -> None:
        """A live session counts once counting has started; opening the camera and quitting is not a session."""
        if self.enabled and report and (report.get("live") or {}).get("counting_started_s") is None:
            typer.echo("formcheck: counting never started, so this session is not added to the history", err=True)
            return
        self.record(report, out_dir, when=started_at)


def _report_folders(out_dir: Path) -> list[Path]:
    """A video's report folder, or with several recognised sets (sets.json, issue 17) each set's folder."""
    from formcheck.analyze.auto import SETS_NAME

    try:
        sets = json.loads((out_dir / SETS_NAME).read_text(encoding="utf-8"))["sets"]
    except (OSError, ValueError, KeyError, TypeError):
        return [out_dir]
    return [out_dir / Path(s["report"]).parent for s in sets if isinstance(s, dict) and s.get("report")]
