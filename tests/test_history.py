"""Issue 9: the session history (SQLite), its migrations, the CLI hooks, and progress/adherence.

Reports come from synthetic landmark tracks (no video, no pose model) or, where only the
shape matters, from small dicts; the CLI's analyze is run with the pose step replaced, so
every test stays fast.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.history import schema as history
from formcheck.analyze.track import analyze_track
from formcheck.cli.main import app
from formcheck.errors import InputError
from formcheck.rules.exercise import get_exercise
from formcheck.history.figures import dosage_met, session_figures
from formcheck.history.schema import SCHEMA_V1, SCHEMA_VERSION
from formcheck.history.store import default_db_path, list_sessions, load_report, record_session, session_days
from formcheck.analyze.video import Analysis
from formcheck.history.progress import WeekAdherence, adherence_verdict, weekly_adherence, write_progress
from formcheck.report.build import build_report, write_json_atomic
from formcheck.synth.generate import synthetic_track
from formcheck.synth.motion import FaultInjection, MotionScript

runner = CliRunner()


# --------------------------------------------------------------------------- factories


def _report(exercise: str, reps: int, side: str | None = "left", **script) -> dict:
    track, _ = synthetic_track(MotionScript(exercise, reps=reps, side=side, lead_in_s=0.8, lead_out_s=0.6, **script))
    return build_report(analyze_track(get_exercise(exercise), track), source=f"/videos/{exercise}.mp4", model="full")


@pytest.fixture(scope="module")
def bridge_report() -> dict:
    """Three bridges with a short hold at the top, the second not raised high enough."""
    report = _report("bridge", 3, hold_s=1.0, faults=(FaultInjection("hips_not_raised", reps=(2,)),))
    assert report["summary"]["rep_count"] == 3 and report["summary"]["faults"], report["summary"]
    return report


@pytest.fixture(scope="module")
def clamshell_report() -> dict:
    """Clamshells on the left side: a sided exercise, reps counted under "left"."""
    report = _report("clamshell", 3, side="left")
    assert report["summary"]["reps_by_side"]["left"] == 3, report["summary"]
    return report


@pytest.fixture()
def db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data" / "history.sqlite3"
    monkeypatch.setenv("FORMCHECK_DB", str(path))
    return path


def _at(day: date, hour: int = 18) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0).astimezone()


def _minimal(exercise: str = "bridge", reps: int = 2) -> dict:
    """The least report.json the history needs: what an older or foreign tool might have written."""
    return {"exercise": exercise, "kind": "reps", "source": "x.mp4",
            "reps": [{"index": i + 1, "side": None, "rom_deg": 30.0 + i, "faults": []} for i in range(reps)],
            "holds": [], "summary": {"rep_count": reps, "reps_by_side": {"left": 0, "right": 0, "both": reps},
                                     "faults": {}, "dosage": {"target": {"reps": [10, 15]}}}}


# --------------------------------------------------------------------------- round trip


def test_round_trip_record_list_and_progress(db, tmp_path, bridge_report, clamshell_report):
    first = record_session(bridge_report, tmp_path / "a", _at(date(2026, 11, 2)))
    record_session(clamshell_report, tmp_path / "b", _at(date(2026, 11, 3)))
    assert db.exists()

    stored = list_sessions(exercise="bridge")
    assert [s.id for s in stored] == [first]
    s = stored[0]
    assert s.figures == session_figures(bridge_report)
    assert s.day == date(2026, 11, 2)
    assert s.report_dir == str((tmp_path / "a").resolve())
    assert s.figures.rep_count == 3 and s.figures.reps_both == 3 and s.figures.fault_count >= 1
    assert 0 < s.figures.fault_rate < 1
    roms = sorted(r["rom_deg"] for r in bridge_report["reps"])
    assert s.figures.rom_median_deg == pytest.approx(roms[1], abs=0.05)
    assert s.figures.rom_max_deg == pytest.approx(roms[-1], abs=0.05)
    assert s.figures.dosage_met is False  # 3 of 10-15 reps
    assert load_report(first) == bridge_report

    clam = list_sessions(exercise="clamshell")[0].figures
    assert (clam.reps_left, clam.reps_right, clam.reps_both) == (3, 0, 0)
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("SELECT COUNT(*) FROM reps WHERE session_id = ?", (first,)).fetchone()[0] == 3
        codes = dict(con.execute("SELECT code, count FROM session_faults WHERE session_id = ?", (first,)).fetchall())
    assert codes == bridge_report["summary"]["faults"]

    files = write_progress(list_sessions(exercise="bridge"), "Bridge", session_days(), tmp_path / "progress",
                           today=date(2026, 11, 9), weeks=4)
    assert files.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = files.html.read_text()
    assert "data:image/png;base64," in page and "http://" not in page and "https://" not in page
    assert "Week of 2 Nov: 2 sessions — below the 3-4 a week the programme asks for" in page
    assert files.summary[0] == "Bridge: 1 session, 2 Nov."
    evil = write_progress(list_sessions(exercise="bridge"), "<script>alert(1)</script>", session_days(),
                          tmp_path / "evil", today=date(2026, 11, 9), weeks=4)
    assert "<script>" not in evil.html.read_text() and "&lt;script&gt;" in evil.html.read_text()


def test_same_report_folder_replaces_its_row(db, tmp_path, bridge_report):
    """analyze --force into the same folder: the session is replaced, not added again."""
    first = record_session(_minimal(reps=2), tmp_path / "out", _at(date(2026, 11, 2)))
    again = record_session(bridge_report, tmp_path / "out", _at(date(2026, 11, 4)))
    assert again == first
    stored = list_sessions()
    assert len(stored) == 1 and stored[0].figures.rep_count == 3 and stored[0].day == date(2026, 11, 4)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 3  # the old rep rows went with it
    record_session(bridge_report, tmp_path / "other", _at(date(2026, 11, 5)))
    assert len(list_sessions()) == 2


def test_default_database_path(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path / "mine.db"))
    assert default_db_path() == tmp_path / "mine.db"
    monkeypatch.delenv("FORMCHECK_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "formcheck" / "history.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "formcheck" / "history.sqlite3"


def test_tests_never_touch_the_real_history():
    assert "FORMCHECK_DB" in os.environ
    assert not default_db_path().is_relative_to(Path.home() / ".local")


# --------------------------------------------------------------------------- schema versions


def _v1_database(path: Path, sessions: list[tuple]) -> None:
    """A database as formcheck with schema version 1 left it."""
    con = sqlite3.connect(path)
    for statement in SCHEMA_V1:
        con.execute(statement)
    con.executemany("INSERT INTO sessions (performed_at, exercise, source, report_dir, rep_count, hold_s_total, "
                    "fault_count, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", sessions)
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def test_v1_database_is_upgraded_with_data_kept(db, clamshell_report):
    db.parent.mkdir(parents=True)
    live = copy.deepcopy(clamshell_report)
    live["live"] = {"counting_started_s": 1.0}
    _v1_database(db, [
        ("2026-10-05T09:30:00+01:00", "clamshell", "cam 0", "/reports/one", 3, 0.0,
         sum(clamshell_report["summary"]["faults"].values()), json.dumps(live)),
        ("2026-10-06T10:00:00+01:00", "bridge", "old.mp4", "/reports/two", 7, 12.5, 2, "{not json"),
    ])

    one, two = list_sessions()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("SELECT COUNT(*) FROM reps WHERE session_id = ?", (one.id,)).fetchone()[0] == 3
    # version 1 data as it was
    assert (one.figures.exercise, one.figures.source, one.report_dir) == ("clamshell", "cam 0", "/reports/one")
    assert one.performed_at.isoformat() == "2026-10-05T09:30:00+01:00"
    assert (two.figures.rep_count, two.figures.hold_s_total, two.figures.fault_count) == (7, 12.5, 2)
    # version 2 columns filled from the stored report ...
    assert one.figures.mode == "live" and one.figures.kind == "reps"
    assert (one.figures.reps_left, one.figures.reps_right) == (3, 0)
    assert one.figures.rom_median_deg == session_figures(clamshell_report).rom_median_deg is not None
    # ... or defaulted when the report cannot be read
    assert (two.figures.mode, two.figures.reps_both, two.figures.rom_median_deg, two.figures.dosage_met) == \
        ("analyze", 0, None, None)
    # and the upgraded database takes new sessions
    record_session(_minimal(), "/reports/three", _at(date(2026, 10, 7)))
    assert len(list_sessions()) == 3


def test_failed_migration_leaves_the_old_database(db, monkeypatch):
    db.parent.mkdir(parents=True)
    _v1_database(db, [("2026-10-05T09:30:00+01:00", "bridge", "a.mp4", "/r/1", 3, 0.0, 0, json.dumps(_minimal()))])

    def broken(con):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(history, "MIGRATIONS", (history.MIGRATIONS[0], history.Migration(history.SCHEMA_V2, broken)))
    with pytest.raises(sqlite3.OperationalError):
        list_sessions()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        columns = {r[1] for r in con.execute("PRAGMA table_info(sessions)")}
    assert "reps_left" not in columns  # the step's ALTER TABLEs were rolled back with it



def test_newer_database_is_refused(db):
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match="newer than this formcheck"):
        list_sessions()
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("formcheck: ") and len(result.output.strip().splitlines()) == 1


def test_not_a_database_is_refused(db):
    db.parent.mkdir(parents=True)
    db.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(InputError, match="not a formcheck history database"):
        list_sessions()
    db.unlink()
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE sessions (name TEXT)")  # someone else's SQLite file
    with pytest.raises(InputError, match="another program"):
        list_sessions()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT sql FROM sqlite_master").fetchall() == [("CREATE TABLE sessions (name TEXT)",)]


# --------------------------------------------------------------------------- dosage


@pytest.mark.parametrize("by_side, target, kind, holds, met", [
    ({"left": 10, "right": 9, "both": 0}, {"reps": [10, 12]}, "reps", [], False),  # one side short
    ({"left": 10, "right": 12, "both": 0}, {"reps": [10, 12]}, "reps", [], True),
    ({"left": 0, "right": 0, "both": 15}, {"reps": [10, 15]}, "reps", [], True),
    ({"left": 0, "right": 0, "both": 9}, {"reps": [10, 15]}, "reps", [], False),
    ({"left": 0, "right": 0, "both": 9}, {"reps": None}, "reps", [], None),  # the seeds give no number
    ({}, {"hold_s": [20, 30], "holds": [2, 3]}, "hold", [25.0, 19.9], True),
    ({}, {"hold_s": [20, 30], "holds": [2, 3]}, "hold", [25.0], False),  # one hold of two
    ({}, {"hold_s": [20, 30]}, "hold", [12.0, 15.0], False),  # too short
])
def test_dosage_met(by_side, target, kind, holds, met):
    report = {"kind": kind, "holds": [{"duration_s": d, "faults": []} for d in holds],
              "summary": {"reps_by_side": by_side, "dosage": {"target": target}}}
    assert dosage_met(report) is met


# --------------------------------------------------------------------------- adherence


def test_adherence_counts_days_per_calendar_week():
    # Mon 2 Nov 2026 .. Sun 8 Nov: three days (two sessions on the 4th count once)
    days = [date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 4), date(2026, 11, 8),
            date(2026, 11, 10), date(2026, 11, 13),  # week of 9 Nov: two days
            # week of 16 Nov: nothing; week of 23 Nov: one day so far (today is Wed 25 Nov)
            date(2026, 11, 23)]
    weeks = weekly_adherence(days, today=date(2026, 11, 25), weeks=8)
    assert [(w.week_start, w.sessions, w.so_far) for w in weeks] == [
        (date(2026, 11, 2), 3, False), (date(2026, 11, 9), 2, False),
        (date(2026, 11, 16), 0, False), (date(2026, 11, 23), 1, True)]
    today = date(2026, 11, 25)
    assert [w.sentence(today) for w in weeks] == [
        "Week of 2 Nov: 3 sessions — meets the 3-4 a week the programme asks for",
        "Week of 9 Nov: 2 sessions — below the 3-4 a week the programme asks for",
        "Week of 16 Nov: 0 sessions — below the 3-4 a week the programme asks for",
        "Week of 23 Nov (so far): 1 session — 2 more this week to reach the 3-4 the programme asks for"]
    assert adherence_verdict(weeks) == \
        "Met the 3-4 sessions a week the programme asks for in 1 of 3 finished weeks."
    # only the last two weeks; the current week is "so far" until its Sunday is over
    assert [w.week_start for w in weekly_adherence(days, today=date(2026, 11, 25), weeks=2)] == \
        [date(2026, 11, 16), date(2026, 11, 23)]
    assert weekly_adherence(days, today=date(2026, 11, 29), weeks=1)[0].so_far is True
    finished = weekly_adherence(days, today=date(2026, 11, 30), weeks=2)[0]
    assert (finished.week_start, finished.so_far, finished.met) == (date(2026, 11, 23), False, False)
    assert weekly_adherence([], today=date(2026, 11, 25), weeks=4) == []
    assert WeekAdherence(date(2025, 12, 29), 5).sentence(date(2026, 1, 2)).startswith("Week of 29 Dec 2025: 5 sessions — meets")


def test_adherence_counts_any_exercise_once_a_day(db, tmp_path):
    monday = date(2026, 11, 9)
    record_session(_minimal("bridge"), tmp_path / "1", _at(monday, 8))
    record_session(_minimal("clamshell"), tmp_path / "2", _at(monday, 9))  # same day: one session
    record_session(_minimal("clamshell"), tmp_path / "3", _at(monday + timedelta(days=2)))
    record_session(_minimal("clamshell"), tmp_path / "4", _at(monday + timedelta(days=4)))
    weeks = weekly_adherence(session_days(), today=date(2026, 11, 20), weeks=4)
    assert [(w.week_start, w.sessions) for w in weeks] == [(monday, 3), (monday + timedelta(weeks=1), 0)]
    assert weeks[0].met and weeks[1].so_far


# --------------------------------------------------------------------------- the CLI


def test_cli_history_and_progress(db, tmp_path, bridge_report, clamshell_report):
    today = date.today()
    for days_ago, report in ((15, bridge_report), (8, clamshell_report), (7, bridge_report), (1, bridge_report)):
        record_session(report, tmp_path / f"r{days_ago}", _at(today - timedelta(days=days_ago)))

    listed = runner.invoke(app, ["history", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["performed_at"][:10] for r in rows] == [(today - timedelta(days=d)).isoformat() for d in (1, 7, 8, 15)]
    assert {r["exercise"] for r in rows} == {"bridge", "clamshell"}

    only = json.loads(runner.invoke(app, ["history", "--exercise", "clamshell", "--json"]).stdout)
    assert len(only) == 1 and only[0]["reps_left"] == 3
    assert len(json.loads(runner.invoke(app, ["history", "--json", "--limit", "2"]).stdout)) == 2

    table = runner.invoke(app, ["history", "--exercise", "bridge"])
    assert table.exit_code == 0, table.output
    assert "formcheck history: bridge (last 3)" in table.stdout and "clamshell" not in table.stdout
    assert table.stdout.count(str(today - timedelta(days=15))) == 1  # each session's date, once

    out = tmp_path / "progress"
    result = runner.invoke(app, ["progress", "--exercise", "bridge", "--out", str(out), "--weeks", "4"])
    assert result.exit_code == 0, result.output
    assert (out / "progress.png").stat().st_size > 1000 and (out / "progress.html").exists()
    assert "Bridge: 3 sessions" in result.stdout and "Week of" in result.stdout
    assert "the programme asks for" in result.stdout


def test_cli_progress_of_an_unknown_exercise_says_so(db, tmp_path):
    result = runner.invoke(app, ["progress", "--exercise", "bridgee", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and "unknown exercise 'bridgee'" in result.output
    assert "--exercise bridgee" not in result.output  # not told to record a session of it
    assert len(result.output.strip().splitlines()) == 1


def test_cli_history_table_keeps_the_whole_path_on_a_narrow_terminal(db, tmp_path, monkeypatch, clamshell_report):
    from rich.console import Console

    import formcheck.cli.history as cli

    folder = tmp_path / "a_rather_long_report_folder_name_for_clamshell"
    record_session(clamshell_report, folder, _at(date.today()))
    monkeypatch.setattr(cli, "out", Console(width=70))
    monkeypatch.chdir(tmp_path)  # the path is shown relative to here
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 70
    start = next(i for i, line in enumerate(lines) if str(date.today()) in line)
    column = lines[start].rstrip().rindex(" ") + 1  # the report column: the row's last cell
    folded = "".join(line[column:].strip() for line in lines[start:])
    assert folder.name in folded  # before, the table overflowed and every line lost its last letter


def test_cli_progress_with_nothing_to_show(db, tmp_path):
    result = runner.invoke(app, ["progress", "--exercise", "bridge", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and "no bridge sessions in the history" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not db.exists()  # reading does not create the database
    assert not (tmp_path / "p").exists()

    record_session(_minimal("bridge"), tmp_path / "old", _at(date.today() - timedelta(weeks=30)))
    result = runner.invoke(app, ["progress", "--exercise", "bridge", "--out", str(tmp_path / "p"), "--weeks", "4"])
    assert result.exit_code == 2 and "--weeks" in result.output

    empty = runner.invoke(app, ["history", "--exercise", "clamshell"])
    assert empty.exit_code == 0 and "no clamshell sessions" in empty.stdout


@pytest.fixture()
def fake_pose(monkeypatch, bridge_report):
    """analyze without the pose model: writes the synthetic bridge report where analyze would."""
    def analyze_video(video, exercise, out_dir, model="full", progress=None, video_out=True, video_progress=None,
                      stride=1):
        report = dict(bridge_report, source=str(video))
        write_json_atomic(Path(out_dir) / "report.json", report)
        return Analysis(None, report, out_dir)

    monkeypatch.setattr("formcheck.analyze.video.analyze_video", analyze_video)


def _video(tmp_path: Path, name: str = "clip.mp4", when: datetime | None = None) -> Path:
    import cv2
    import numpy as np

    path = tmp_path / name  # a real (tiny) video: analyze opens it before any work; the pose step is replaced
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for _ in range(3):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    if when is not None:
        os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def test_analyze_records_the_session(db, tmp_path, fake_pose):
    recorded_on = datetime(2026, 10, 20, 7, 45).astimezone()
    video = _video(tmp_path, when=recorded_on)
    result = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    (s,) = list_sessions()
    assert s.performed_at == recorded_on  # the recording's time, not now
    assert s.report_dir == str((tmp_path / "r").resolve())

    again = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(tmp_path / "r"),
                                "--force", "--date", "2026-11-09"])
    assert again.exit_code == 0, again.output
    (s,) = list_sessions()  # replaced, not duplicated
    assert s.day == date(2026, 11, 9)

    skipped = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(tmp_path / "r2"),
                                  "--no-history"])
    assert skipped.exit_code == 0 and len(list_sessions()) == 1

    bad = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(tmp_path / "r3"),
                              "--date", "last tuesday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output and not (tmp_path / "r3").exists()


def test_batch_records_each_video(db, tmp_path, fake_pose):
    clips = tmp_path / "clips"
    clips.mkdir()
    _video(clips, "a.mp4"), _video(clips, "b.mp4")
    result = runner.invoke(app, ["analyze", str(clips), "--exercise", "bridge", "--out", str(tmp_path / "batch"),
                                 "--db", str(tmp_path / "other.db")])
    assert result.exit_code == 0, result.output
    stored = list_sessions(tmp_path / "other.db")
    assert sorted(Path(s.report_dir).name for s in stored) == ["a", "b"]
    assert not db.exists()  # --db wins over $FORMCHECK_DB


def _analyze_into_broken_history(tmp_path: Path) -> tuple:
    video = _video(tmp_path)
    result = runner.invoke(app, ["analyze", str(video), "--exercise", "bridge", "--out", str(tmp_path / "r")])
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    return result, warnings


def test_locked_history_is_a_warning_and_the_report_stays(db, tmp_path, fake_pose, monkeypatch):
    monkeypatch.setattr(history, "LOCK_TIMEOUT_S", 0.05)
    record_session(_minimal(), tmp_path / "first", _at(date(2026, 11, 2)))
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another formcheck in the middle of writing
    try:
        result, warnings = _analyze_into_broken_history(tmp_path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.json").exists()
    assert len(warnings) == 1 and "locked" in warnings[0] and "the report itself is saved" in warnings[0]
    assert len(list_sessions()) == 1


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes read-only files anyway")
def test_readonly_history_is_a_warning_and_the_report_stays(db, tmp_path, fake_pose):
    record_session(_minimal(), tmp_path / "first", _at(date(2026, 11, 2)))
    db.chmod(0o444)
    try:
        result, warnings = _analyze_into_broken_history(tmp_path)
    finally:
        db.chmod(0o644)
    assert result.exit_code == 0 and (tmp_path / "r" / "report.json").exists()
    assert len(warnings) == 1 and "readonly" in warnings[0]


def test_unwritable_or_newer_history_is_a_warning(db, tmp_path, fake_pose, monkeypatch):
    """A database that cannot be created (its folder is a file) or is from a newer formcheck."""
    (tmp_path / "data").write_text("a file where the database folder should be")
    result, warnings = _analyze_into_broken_history(tmp_path)
    assert result.exit_code == 0 and (tmp_path / "r" / "report.json").exists()
    assert len(warnings) == 1 and "not added to the history" in warnings[0]

    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    monkeypatch.setenv("FORMCHECK_DB", str(newer))
    result = runner.invoke(app, ["analyze", str(_video(tmp_path)), "--exercise", "bridge", "--out",
                                 str(tmp_path / "r2")])
    assert result.exit_code == 0 and (tmp_path / "r2" / "report.json").exists()
    assert "newer than this formcheck" in result.stderr


def test_live_sessions_are_dated_by_their_start(db, tmp_path, bridge_report):
    from formcheck.cli.history_writer import HistoryWriter as _HistoryWriter

    started = datetime(2026, 11, 12, 19, 5).astimezone()
    live = dict(bridge_report, live={"counting_started_s": 2.0})
    _HistoryWriter(None, False).record_live(live, tmp_path / "live", started)
    (s,) = list_sessions()
    assert s.performed_at == started and s.figures.mode == "live"

    never = dict(bridge_report, live={"counting_started_s": None})  # camera opened, then quit
    _HistoryWriter(None, False).record_live(never, tmp_path / "live2", started)
    _HistoryWriter(None, True).record_live(live, tmp_path / "live3", started)  # --no-history
    assert len(list_sessions()) == 1
