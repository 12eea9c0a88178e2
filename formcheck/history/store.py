"""The session history: every ``analyze`` and ``live`` session, kept in one SQLite file.

Why a database and not just the report folders: progress over weeks ("stay consistent: at
least three to four times a week") needs every session of a person in one place, even when
the report folders are scattered or deleted. Each row keeps the figures a physio looks at
(reps per side, holds, range of motion, faults, dosage met) and the full report.json, so
later versions can recompute anything.

Where it lives: ``--db PATH``, else ``$FORMCHECK_DB``, else
``$XDG_DATA_HOME/formcheck/history.sqlite3`` (``~/.local/share/formcheck/history.sqlite3``).

The schema is versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` is the list of steps,
step *k* takes a version *k* database to *k + 1*, and each step runs in one transaction, so a
database is never left half-migrated. Version 1 was the first, simpler table (kept as the test
fixture of an old database); version 2 adds per-side reps, holds, range of motion, fault rate,
dosage met and per-rep and per-fault rows, filled in from the stored report.json.

Only the standard library's sqlite3: nothing to install, one file to back up.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path

from formcheck.errors import FormcheckError, InputError

DB_ENV = "FORMCHECK_DB"
DB_NAME = "history.sqlite3"
#: Seconds to wait for another formcheck writing the same database before giving up.
LOCK_TIMEOUT_S = 2.0
#: A hold counts as meeting the target when within this of it (as in report.dosage_lines).
HOLD_TOLERANCE_S = 0.25

# --------------------------------------------------------------------------- schema

#: Version 1: one row per session with its totals and the report. Kept verbatim: the tests
#: build an "old" database from it, and it is the first migration step.
SCHEMA_V1: tuple[str, ...] = (
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        performed_at TEXT NOT NULL,
        exercise TEXT NOT NULL,
        source TEXT NOT NULL,
        report_dir TEXT UNIQUE,
        rep_count INTEGER NOT NULL DEFAULT 0,
        hold_s_total REAL NOT NULL DEFAULT 0,
        fault_count INTEGER NOT NULL DEFAULT 0,
        report_json TEXT NOT NULL
    )""",
    "CREATE INDEX sessions_by_exercise ON sessions (exercise, performed_at)",
)

#: Version 2: per-side reps, holds, range of motion, fault rate, dosage; per-rep and per-fault rows.
SCHEMA_V2: tuple[str, ...] = (
    "ALTER TABLE sessions ADD COLUMN mode TEXT NOT NULL DEFAULT 'analyze'",  # analyze | live
    "ALTER TABLE sessions ADD COLUMN kind TEXT",  # reps | hold | cyclic
    "ALTER TABLE sessions ADD COLUMN reps_left INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN reps_right INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN reps_both INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN hold_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN hold_s_longest REAL NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN rom_median_deg REAL",
    "ALTER TABLE sessions ADD COLUMN rom_max_deg REAL",
    "ALTER TABLE sessions ADD COLUMN fault_rate REAL",
    "ALTER TABLE sessions ADD COLUMN dosage_met INTEGER",  # 1, 0, or NULL when the seeds give no number
    "ALTER TABLE sessions ADD COLUMN recorded_at TEXT",
    """CREATE TABLE reps (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        rep_index INTEGER NOT NULL,
        side TEXT,
        start_s REAL,
        duration_s REAL,
        rom_deg REAL,
        hold_s REAL,
        fault_codes TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (session_id, rep_index)
    )""",
    """CREATE TABLE session_faults (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        code TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (session_id, code)
    )""",
)


@dataclass(frozen=True)
class Migration:
    """One schema step: SQL statements, then an optional fill-in of the new columns in Python."""

    statements: tuple[str, ...]
    backfill: Callable[[sqlite3.Connection], None] | None = None


def _backfill_v2(db: sqlite3.Connection) -> None:
    """Fill the version 2 columns and rows of sessions recorded under version 1 from their report.json."""
    for session_id, report_json in db.execute("SELECT id, report_json FROM sessions").fetchall():
        try:
            report = json.loads(report_json)
        except (TypeError, ValueError):
            continue  # an unreadable report keeps the defaults rather than blocking the upgrade
        if isinstance(report, dict):
            _write_details(db, session_id, session_figures(report), report)


MIGRATIONS: tuple[Migration, ...] = (Migration(SCHEMA_V1), Migration(SCHEMA_V2, _backfill_v2))
SCHEMA_VERSION = len(MIGRATIONS)


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


# --------------------------------------------------------------------------- figures from a report


@dataclass
class SessionFigures:
    """What one session amounts to, the numbers the history table and the progress plots show."""

    exercise: str
    kind: str | None
    source: str
    mode: str  # "analyze" or "live"
    rep_count: int
    reps_left: int
    reps_right: int
    reps_both: int
    hold_count: int
    hold_s_total: float
    hold_s_longest: float
    rom_median_deg: float | None
    rom_max_deg: float | None
    fault_count: int
    fault_rate: float | None  # share of reps (holds, for a hold exercise) with at least one fault
    dosage_met: bool | None  # None when the seeds give no number to meet


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def dosage_met(report: dict) -> bool | None:
    """Did the session reach the low end of the prescription (reps each side, or hold time and count)?

    Sided exercises need the reps on each side ("10-12 each side"); a hold exercise needs the
    longest hold to reach the target time and, when the seeds give one, the number of holds.
    None when report.json carries no numeric target (e.g. "not given" in the seeds).
    """
    summary = report.get("summary") or {}
    target = (summary.get("dosage") or {}).get("target") or {}
    by_side = summary.get("reps_by_side") or {}
    verdicts = []
    if target.get("reps") and report.get("kind") in ("reps", "cyclic"):
        low = target["reps"][0]
        sided = by_side.get("both", 0) == 0 and (by_side.get("left", 0) or by_side.get("right", 0))
        if sided or target.get("each_side"):
            verdicts.append(by_side.get("left", 0) >= low and by_side.get("right", 0) >= low)
        else:
            verdicts.append(sum(by_side.values()) >= low)
    if target.get("hold_s") and report.get("kind") == "hold":
        holds = report.get("holds") or []
        longest = max((_number(h.get("duration_s")) or 0.0 for h in holds), default=0.0)
        verdicts.append(longest >= target["hold_s"][0] - HOLD_TOLERANCE_S)
        if target.get("holds"):
            verdicts.append(len(holds) >= target["holds"][0])
    return all(verdicts) if verdicts else None


def session_figures(report: dict) -> SessionFigures:
    """The history's columns, computed from report.json (the same function fills old rows on upgrade)."""
    summary = report.get("summary") or {}
    reps = report.get("reps") or []
    holds = report.get("holds") or []
    by_side = summary.get("reps_by_side") or {}
    roms = [v for v in (_number(r.get("rom_deg")) for r in reps) if v is not None]
    hold_times = [_number(h.get("duration_s")) or 0.0 for h in holds]
    judged = holds if report.get("kind") == "hold" or not reps else reps
    faulty = sum(1 for item in judged if item.get("faults"))
    return SessionFigures(
        exercise=str(report.get("exercise") or "unknown"),
        kind=report.get("kind"),
        source=str(report.get("source") or ""),
        mode="live" if "live" in report else "analyze",
        rep_count=int(summary.get("rep_count", len(reps)) or 0),
        reps_left=int(by_side.get("left", 0) or 0),
        reps_right=int(by_side.get("right", 0) or 0),
        reps_both=int(by_side.get("both", 0) or 0),
        hold_count=len(holds),
        hold_s_total=round(sum(hold_times), 2),
        hold_s_longest=round(max(hold_times, default=0.0), 2),
        rom_median_deg=round(statistics.median(roms), 1) if roms else None,
        rom_max_deg=round(max(roms), 1) if roms else None,
        fault_count=int(sum((summary.get("faults") or {}).values())),
        fault_rate=round(faulty / len(judged), 3) if judged else None,
        dosage_met=dosage_met(report),
    )


# --------------------------------------------------------------------------- opening and migrating


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, path: Path | str = "the history database") -> int:
    """Bring the database to :data:`SCHEMA_VERSION`, one transaction per step; returns the old version.

    A database written by a newer formcheck is refused rather than guessed at.
    """
    found = schema_version(db)
    if found == 0 and db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
        raise InputError(f"{path} is an SQLite database of another program, not a formcheck history: choose "
                         "another --db or move that file away")
    if found > SCHEMA_VERSION:
        raise InputError(f"history database {path} has schema version {found}, newer than this formcheck "
                         f"understands ({SCHEMA_VERSION}): upgrade formcheck or choose another --db")
    for version in range(found, SCHEMA_VERSION):
        step = MIGRATIONS[version]
        with _transaction(db):
            if schema_version(db) != version:  # another process migrated meanwhile
                continue
            for statement in step.statements:
                db.execute(statement)
            if step.backfill is not None:
                step.backfill(db)
            db.execute(f"PRAGMA user_version = {version + 1}")
    return found


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the connection is in autocommit mode)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=LOCK_TIMEOUT_S, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    return db


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
    db = _connect(path)
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


def _write_details(db: sqlite3.Connection, session_id: int, fig: SessionFigures, report: dict) -> None:
    """The version 2 columns, per-rep rows and per-fault rows of one session."""
    db.execute(
        """UPDATE sessions SET mode = ?, kind = ?, reps_left = ?, reps_right = ?, reps_both = ?, hold_count = ?,
           hold_s_longest = ?, rom_median_deg = ?, rom_max_deg = ?, fault_rate = ?, dosage_met = ? WHERE id = ?""",
        (fig.mode, fig.kind, fig.reps_left, fig.reps_right, fig.reps_both, fig.hold_count, fig.hold_s_longest,
         fig.rom_median_deg, fig.rom_max_deg, fig.fault_rate,
         None if fig.dosage_met is None else int(fig.dosage_met), session_id))
    db.execute("DELETE FROM reps WHERE session_id = ?", (session_id,))
    db.execute("DELETE FROM session_faults WHERE session_id = ?", (session_id,))
    for r in report.get("reps") or []:
        db.execute("INSERT OR REPLACE INTO reps VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (session_id, r.get("index"), r.get("side"), _number(r.get("start_s")),
                    _number(r.get("duration_s")), _number(r.get("rom_deg")), _number(r.get("hold_s")),
                    ",".join(f.get("code", "") for f in r.get("faults") or [])))
    for code, count in ((report.get("summary") or {}).get("faults") or {}).items():
        db.execute("INSERT INTO session_faults VALUES (?, ?, ?)", (session_id, code, int(count)))


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
    with open_history(db_path) as db, _transaction(db):
        old = db.execute("SELECT id FROM sessions WHERE report_dir = ?", (folder,)).fetchone() if folder else None
        if old is not None:
            db.execute("DELETE FROM sessions WHERE id = ?", (old["id"],))
        cur = db.execute(
            """INSERT INTO sessions (id, performed_at, exercise, source, report_dir, rep_count, hold_s_total,
               fault_count, report_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (None if old is None else old["id"], performed_at_text(performed_at), fig.exercise, fig.source, folder,
             fig.rep_count, fig.hold_s_total, fig.fault_count, json.dumps(report, ensure_ascii=False), recorded))
        session_id = int(cur.lastrowid)
        _write_details(db, session_id, fig, report)
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

