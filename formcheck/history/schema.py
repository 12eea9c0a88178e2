"""The history database's tables, and how a database of any older version is brought up to date.

The schema is versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` is the list of steps,
step *k* takes a version *k* database to *k + 1*, and each step runs in one transaction, so a
database is never left half-migrated. Version 1 was the first, simpler table (kept as the test
fixture of an old database); version 2 adds per-side reps, holds, range of motion, fault rate,
dosage met and per-rep and per-fault rows, filled in from the stored report.json.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import InputError
from formcheck.history.figures import SessionFigures, as_number, session_figures

#: Seconds to wait for another formcheck writing the same database before giving up.
LOCK_TIMEOUT_S = 2.0

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
            write_session_details(db, session_id, session_figures(report), report)


MIGRATIONS: tuple[Migration, ...] = (Migration(SCHEMA_V1), Migration(SCHEMA_V2, _backfill_v2))
SCHEMA_VERSION = len(MIGRATIONS)


def write_session_details(db: sqlite3.Connection, session_id: int, fig: SessionFigures, report: dict) -> None:
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
                   (session_id, r.get("index"), r.get("side"), as_number(r.get("start_s")),
                    as_number(r.get("duration_s")), as_number(r.get("rom_deg")), as_number(r.get("hold_s")),
                    ",".join(f.get("code", "") for f in r.get("faults") or [])))
    for code, count in ((report.get("summary") or {}).get("faults") or {}).items():
        db.execute("INSERT INTO session_faults VALUES (?, ?, ?)", (session_id, code, int(count)))


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
        with transaction(db):
            if schema_version(db) != version:  # another process migrated meanwhile
                continue
            for statement in step.statements:
                db.execute(statement)
            if step.backfill is not None:
                step.backfill(db)
            db.execute(f"PRAGMA user_version = {version + 1}")
    return found


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the connection is in autocommit mode)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (:func:`transaction` says where a write begins and ends) that waits
    :data:`LOCK_TIMEOUT_S` for another formcheck writing the same file."""
    db = sqlite3.connect(str(path), timeout=LOCK_TIMEOUT_S, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    return db
