"""The session history: every ``analyze`` and ``live`` session, kept in one SQLite file.

Why a database and not just the report folders: progress over weeks ("stay consistent: at
least three to four times a week") needs every session of a person in one place, even when
the report folders are scattered or deleted. Each row keeps the figures a physio looks at
(reps per side, holds, range of motion, faults, dosage met) and the full report.json, so
later versions can recompute anything.

Where it lives: ``--db PATH``, else ``$FORMCHECK_DB``, else
``$XDG_DATA_HOME/formcheck/history.sqlite3`` (``~/.local/share/formcheck/history.sqlite3``).

This module finds the database, opens it, records sessions and reads them back. The figures
kept of a session are computed in :mod:`formcheck.history.figures`; the tables and their
migrations from older versions are in :mod:`formcheck.history.schema`.

Only the standard library's sqlite3: nothing to install, one file to back up.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path

from formcheck.errors import FormcheckError, InputError
from formcheck.history.figures import SessionFigures, session_figures
from formcheck.history.schema import connect, migrate, transaction, write_session_details

DB_ENV = "FORMCHECK_DB"
DB_NAME = "history.sqlite3"

# --------------------------------------------------------------------------- where


def default_db_path() -> Path:
    """$FORMCHECK_DB, else the XDG data folder: the history follows the user, not the working folder."""
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return base / "formcheck" / DB_NAME


def resolve_db_path(db: str | Path | None) -> Path:
    return Path(db).expanduser() if db else default_db_path()


# --------------------------------------------------------------------------- opening


@contextmanager
def open_history(db_path: str | Path | None = None, create: bool = True) -> Iterator[sqlite3.Connection]:
    """The history database, migrated to the current schema; closed on exit.

    ``create=False`` (reading commands) does not make a new file: a missing database raises
    :class:`FileNotFoundError`, which the readers treat as an empty history.
    """
    path = resolve_db_path(db_path)
    if not create and not path.exists():
        raise FileNotFoundError(str(path))
    if path.exists() and path.is_dir():
        raise InputError(f"history database {path} is a folder: choose a file with --db or {DB_ENV}")
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        try:
            migrate(db, path)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise InputError(f"{path} is not a formcheck history database ({exc}): choose another "
                                 f"--db or move that file away") from None
            raise
        yield db
    finally:
        db.close()


# --------------------------------------------------------------------------- writing


def performed_at_text(when: datetime) -> str:
    """Local time with its UTC offset, to the second: the calendar day is the user's day."""
    if when.tzinfo is None:
        when = when.astimezone()  # naive = local time
    return when.isoformat(timespec="seconds")


def recording_time(video: str | Path) -> datetime:
    """When a recording was made, as well as the file tells: its modification time (local)."""
    return datetime.fromtimestamp(Path(video).stat().st_mtime).astimezone()


def parse_date(text: str) -> datetime:
    """--date: YYYY-MM-DD (taken as noon, so time zones never move it to another day) or a full ISO time."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(12, 0)).astimezone()
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r}: write the day as YYYY-MM-DD (or YYYY-MM-DDTHH:MM)") from None


def record_session(report: dict, report_dir: str | Path | None, performed_at: datetime | None = None,
                   db_path: str | Path | None = None) -> int:
    """Store one session (its figures and the whole report) and return its id.

    The report folder identifies a session: recording the same folder again (``analyze
    --force`` into the same place) replaces that row, keeping its id, instead of adding one.
    ``performed_at``: when the exercise was done (default: when the report was made).
    """
    if performed_at is None:
        created = report.get("created")
        performed_at = datetime.fromisoformat(created).astimezone() if created else datetime.now().astimezone()
    fig = session_figures(report)
    folder = None if report_dir is None else str(Path(report_dir).resolve())
    recorded = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with open_history(db_path) as db, transaction(db):
        old = db.execute("SELECT id FROM sessions WHERE report_dir = ?", (folder,)).fetchone() if folder else None
        if old is not None:
            db.execute("DELETE FROM sessions WHERE id = ?", (old["id"],))
        cur = db.execute(
            """INSERT INTO sessions (id, performed_at, exercise, source, report_dir, rep_count, hold_s_total,
               fault_count, report_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (None if old is None else old["id"], performed_at_text(performed_at), fig.exercise, fig.source, folder,
             fig.rep_count, fig.hold_s_total, fig.fault_count, json.dumps(report, ensure_ascii=False), recorded))
        session_id = int(cur.lastrowid)
        write_session_details(db, session_id, fig, report)
    return session_id


# --------------------------------------------------------------------------- reading


@dataclass
class StoredSession:
    """One row of the history, as the ``history`` and ``progress`` commands use it."""

    id: int
    performed_at: datetime
    report_dir: str | None
    figures: SessionFigures

    @property
    def day(self) -> date:
        """The calendar day the exercise was done, in the time zone it was recorded in."""
        return self.performed_at.date()

    def to_dict(self) -> dict:
        return {"id": self.id, "performed_at": self.performed_at.isoformat(), "report_dir": self.report_dir,
                **asdict(self.figures)}


_FIGURE_COLUMNS = ("exercise", "kind", "source", "mode", "rep_count", "reps_left", "reps_right", "reps_both",
                   "hold_count", "hold_s_total", "hold_s_longest", "rom_median_deg", "rom_max_deg",
                   "fault_count", "fault_rate", "dosage_met")


def _stored(row: sqlite3.Row) -> StoredSession:
    values = {c: row[c] for c in _FIGURE_COLUMNS}
    values["dosage_met"] = None if values["dosage_met"] is None else bool(values["dosage_met"])
    return StoredSession(row["id"], datetime.fromisoformat(row["performed_at"]), row["report_dir"],
                         SessionFigures(**values))


def list_sessions(db_path: str | Path | None = None, exercise: str | None = None,
                  limit: int | None = None, since: date | None = None) -> list[StoredSession]:
    """Sessions oldest first (the last ``limit`` of them), of one exercise or all; [] when there is no database."""
    query = f"SELECT id, performed_at, report_dir, {', '.join(_FIGURE_COLUMNS)} FROM sessions"
    where, args = [], []
    if exercise:
        where.append("exercise = ?")
        args.append(exercise)
    if since is not None:
        where.append("substr(performed_at, 1, 10) >= ?")
        args.append(since.isoformat())
    if where:
        query += " WHERE " + " AND ".join(where)
    try:
        with open_history(db_path, create=False) as db:
            rows = db.execute(query, args).fetchall()
    except FileNotFoundError:
        return []
    sessions = sorted((_stored(r) for r in rows), key=lambda s: (s.performed_at.timestamp(), s.id))
    return sessions[-limit:] if limit else sessions


def session_days(db_path: str | Path | None = None) -> list[date]:
    """Every calendar day with at least one recorded session, of any exercise (for adherence)."""
    try:
        with open_history(db_path, create=False) as db:
            rows = db.execute("SELECT DISTINCT substr(performed_at, 1, 10) FROM sessions").fetchall()
    except FileNotFoundError:
        return []
    return sorted(date.fromisoformat(r[0]) for r in rows)


def load_report(session_id: int, db_path: str | Path | None = None) -> dict:
    """The full report.json stored with a session."""
    with open_history(db_path, create=False) as db:
        row = db.execute("SELECT report_json FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise InputError(f"no session {session_id} in the history: see 'formcheck history'")
    return json.loads(row[0])


def history_failure(exc: BaseException) -> str | None:
    """The one-line reason a history write failed, or None when ``exc`` is not a history problem."""
    if isinstance(exc, FormcheckError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return None

