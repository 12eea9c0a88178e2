"""Routines: files and their validation, the runner on synthetic landmark frames, the combined
report, and ``formcheck routine`` end to end on a video of two exercises (real lite model).

The runner is fed synthetic tracks (formcheck.synth) of two exercises joined by a rest gap,
so most of these tests need no camera, video or model.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.pose.landmarks import PoseTrack
from formcheck.pose.estimator import PoseResult
from formcheck.live.routine import (RoutineFileError, builtin_routines, get_routine, load_routine_file, parse_routine, plan)
from formcheck.live.routine_loop import run_routine
from formcheck.live.routine_runner import RoutineRunner
from formcheck.synth.generate import CameraSpec, place_camera, track_from_performance
from formcheck.synth.motion import MotionScript, perform
from formcheck.io.frames import Frame, FrameSource, SourceInfo

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


# --------------------------------------------------------------------------- factories


def routine_data(*steps: dict, rest_s: float = 3.0, **top) -> dict:
    return {"id": "test", "name": "Test routine", "rest_s": rest_s, "steps": list(steps), **top}


def synthetic(exercise: str, reps: int, side: str = "left", **script) -> tuple[PoseTrack, list]:
    perf = perform(MotionScript(exercise, reps=reps, side=side, lead_in_s=2.0, **script))
    return track_from_performance(perf, place_camera(perf, CameraSpec())), perf.reps


def join(parts: list[PoseTrack], gap_s: float) -> tuple[PoseTrack, list[float]]:
    """The tracks one after the other, each separated by ``gap_s`` of the previous one's last frame
    repeated (the person resting where they finished); also each part's start time."""
    t, img, wld, vis, pres, det, starts = [], [], [], [], [], [], []
    now = 0.0
    for k, tr in enumerate(parts):
        dt = float(np.median(np.diff(tr.t_s)))
        if k:
            prev = parts[k - 1]
            n_gap = int(round(gap_s / dt))
            for i in range(n_gap):
                t.append(now + i * dt)
                img.append(prev.image_xyz[-1]), wld.append(prev.world_xyz[-1])
                vis.append(prev.visibility[-1]), pres.append(prev.presence[-1]), det.append(prev.detected[-1])
            now += n_gap * dt
        starts.append(now)
        t.extend(now + tr.t_s - tr.t_s[0])
        img.extend(tr.image_xyz), wld.extend(tr.world_xyz), vis.extend(tr.visibility)
        pres.extend(tr.presence), det.extend(tr.detected)
        now = t[-1] + dt
    return PoseTrack(np.array(t), np.array(img), np.array(wld), np.array(vis), np.array(pres), parts[0].image_size,
                     np.array(det)), starts


def pose_at(track: PoseTrack, k: int) -> PoseResult | None:
    if not track.detected[k]:
        return None
    return PoseResult(track.image_xyz[k], track.world_xyz[k], track.visibility[k], track.presence[k])


def drive(runner: RoutineRunner, track: PoseTrack, until: float | None = None) -> list:
    frames = []
    for k, t in enumerate(track.t_s):
        if until is not None and t >= until:
            break
        frames.append(runner.step(float(t), pose_at(track, k)))
    return frames


@pytest.fixture(scope="module")
def bridge_then_clamshell():
    """Bridge 3 reps, 4 s of rest in place, clamshell 2 reps on the right; each rep held 5.5 s at the
    top, as both exercises prescribe (issue 17: a set is completed only when its holds are met)."""
    bridge, b_truth = synthetic("bridge", 3, hold_s=5.5)
    clam, c_truth = synthetic("clamshell", 2, side="right", hold_s=5.5)
    track, starts = join([bridge, clam], gap_s=4.0)
    return track, starts, b_truth, c_truth


TWO_STEPS = routine_data({"exercise": "bridge", "reps": 3, "rest_s": 3},
                         {"exercise": "clamshell", "sides": "right", "reps": 2})


# --------------------------------------------------------------------------- the runner


def test_runner_counts_rests_and_advances(bridge_then_clamshell):
    track, starts, b_truth, c_truth = bridge_then_clamshell
    runner = RoutineRunner(parse_routine(TWO_STEPS, "test.toml"), track.image_size)
    frames = drive(runner, track)
    phases = [f.phase for f in frames]
    # setup, counting, rest, setup, counting, done: in that order, each once
    order = [p for k, p in enumerate(phases) if k == 0 or p != phases[k - 1]]
    assert order == ["setup", "counting", "rest", "setup", "counting", "done"]
    first, second = runner.records
    assert (first.planned.exercise.id, first.status) == ("bridge", "completed")
    assert (second.planned.exercise.id, second.planned.side, second.status) == ("clamshell", "right", "completed")
    # the bridge set ends as its third rep is counted, i.e. after its last rep's top, before the gap
    assert b_truth[2]["peak_s"] < first.target_met_s < starts[1]
    assert first.session.result().engine.counts_by_side()["both"] == 3
    assert second.session.result().engine.counts_by_side()["right"] == 2
    # the rest lasts rest_s of frame time, counted down on screen
    rest = [f for f in frames if f.phase == "rest"]
    assert rest[0].rest_left_s == pytest.approx(3.0, abs=0.05)
    assert rest[-1].t_s - rest[0].t_s == pytest.approx(3.0, abs=0.1)
    assert "Clamshell, right side" in rest[0].prompt and rest[0].next_up.startswith("next: Clamshell, right side")
    # the announcement says exercise, side, dosage and camera view while setting up
    setup2 = next(f for f in frames if f.phase == "setup" and f.current.exercise.id == "clamshell")
    assert setup2.prompt.startswith("Step 2/2: Clamshell, right side. 2 reps, hold 5 s at the top. Camera: front view")
    counting = [f for f in frames if f.phase == "counting" and f.current.step == 1]
    assert counting[0].progress == "0 / 3 reps" and "next: Clamshell" in counting[0].next_up
    assert frames[-1].progress == "routine done"


def test_reps_without_the_prescribed_hold_end_the_set_hold_short():
    """Issue 17: a set of reps with a hold at the top is completed only when the holds were met."""
    from formcheck.live.routine_loop import set_done_words

    quick, truth = synthetic("bridge", 3)  # no pause at the top
    runner = RoutineRunner(parse_routine(routine_data({"exercise": "bridge", "reps": 3}), "t.toml"), quick.image_size)
    drive(runner, quick)
    (rec,) = runner.records
    assert rec.status == "hold short" and truth[2]["peak_s"] < rec.target_met_s  # ends on its reps, as before
    assert rec.reason.startswith("reps 3/3, but holds at the top averaged ") and "of the 5 s prescribed" in rec.reason
    assert set_done_words(rec).startswith("Reps done, but not the holds: reps 3/3")
    # the set's report says the same, judged on the set alone
    report = rec.session.result()
    from formcheck.report.build import build_report

    dosage = build_report(report, "t")["summary"]["dosage"]
    assert dosage["met"] is False and dosage["missing"] == [rec.reason]


def test_skip_and_stall_stop_a_set_early(bridge_then_clamshell):
    track, starts, b_truth, _ = bridge_then_clamshell
    data = routine_data({"exercise": "bridge", "reps": 10, "rest_s": 2},  # more reps than the track has
                        {"exercise": "clamshell", "sides": "right", "reps": 2}, stall_s=5)
    runner = RoutineRunner(parse_routine(data, "t.toml"), track.image_size)
    frames = drive(runner, track, until=b_truth[0]["end_s"] + 0.5)
    assert runner.skip(frames[-1].t_s).status == "stopped early"  # the n key
    assert runner.records[0].reason == "skipped (n)" and runner.phase == "rest"
    assert runner.skip(frames[-1].t_s) is None and runner.rest_until == frames[-1].t_s  # n again: rest over

    runner = RoutineRunner(parse_routine(data, "t.toml"), track.image_size)
    frames = drive(runner, track)
    bridge = runner.records[0]
    assert bridge.status == "stopped early" and bridge.reason == "nothing counted for 5 s"
    # the stall is timed from the last counted rep (the 3rd), in frame time
    assert bridge.ended_s - b_truth[2]["end_s"] == pytest.approx(5.0, abs=0.6)
    assert runner.records[1].started_s == pytest.approx(bridge.ended_s + 2.0, abs=0.05)  # after the 2 s rest


def test_hold_exercise_set_ends_when_the_holds_are_done():
    perf = perform(MotionScript("hip_flexor_stretch_kneeling", reps=2, side="left", lead_in_s=2.0, hold_s=4.0))
    stretch, truth = track_from_performance(perf, place_camera(perf, CameraSpec())), perf.holds
    assert len(truth) == 2
    data = routine_data({"exercise": "hip_flexor_stretch_kneeling", "sides": "left", "hold_s": 3, "holds": 2})
    runner = RoutineRunner(parse_routine(data, "t.toml"), stretch.image_size)
    frames = drive(runner, stretch)
    rec = runner.records[0]
    assert rec.status == "completed" and rec.holds_met == 2
    assert truth[1]["start_s"] < rec.target_met_s < truth[1]["end_s"]  # during the second hold
    assert frames[-1].phase == "done"


def test_combined_report_in_memory(bridge_then_clamshell, tmp_path):
    track, *_ = bridge_then_clamshell
    source = _TrackSource(track)
    report = run_routine(source, parse_routine(TWO_STEPS, "test.toml"), out_dir=tmp_path, show_window=False,
                         fast=True, sound=False, estimator=_TrackEstimator(track))
    assert report["ended"] == "routine finished"
    assert [(s["exercise"], s["side"], s["status"]) for s in report["sets"]] == [
        ("bridge", None, "completed"), ("clamshell", "right", "completed")]
    assert [s["done"]["reps"] for s in report["sets"]] == [3, 2]
    assert report["sets"][1]["done"]["reps_on_side"] == 2
    assert report["sets"][0]["target"] == {"reps": 3, "hold_s": 5.0, "holds": None, "duration_s": None}
    written = json.loads((tmp_path / "routine_report.json").read_text())
    assert written["sets"] == report["sets"]
    for s in written["sets"]:  # each set's own report beside it
        own = json.loads((tmp_path / s["report"]).read_text())
        assert own["summary"]["rep_count"] == s["done"]["reps"] and own["exercise"] == s["exercise"]
        assert (tmp_path / s["report"]).with_name("landmarks.npz").exists()
    html = (tmp_path / "routine_report.html").read_text()
    assert "Set by set" in html and "sets/02_clamshell_right/report.html" in html


def test_done_text_counts_only_the_sets_side():
    from formcheck.report.routine_page import done_text

    target = {"reps": 10, "hold_s": None, "holds": None, "duration_s": None}
    done = {"reps": 4, "reps_by_side": {"left": 0, "right": 4, "both": 0}, "reps_on_side": 0}
    # the left set of a video of right clamshells: not "4 reps" against a target of 10 on the left
    assert done_text({"kind": "reps", "side": "left", "target": target, "done": done}) == \
        "0 reps on the left (4 on the other side)"
    assert done_text({"kind": "reps", "side": "right", "target": target, "done": {**done, "reps_on_side": 4}}) == "4 reps"
    assert done_text({"kind": "reps", "side": None, "target": target, "done": {**done, "reps_on_side": None}}) == "4 reps"


def test_interrupted_routine_keeps_what_was_done(bridge_then_clamshell, tmp_path):
    track, starts, b_truth, c_truth = bridge_then_clamshell
    cut = starts[1] + c_truth[0]["end_s"] + 0.3  # Ctrl-C after the first clamshell rep
    report = run_routine(_TrackSource(track), parse_routine(TWO_STEPS, "test.toml"), out_dir=tmp_path,
                         show_window=False, fast=True, sound=False,
                         estimator=_TrackEstimator(track, interrupt_at=cut))
    written = json.loads((tmp_path / "routine_report.json").read_text())
    assert written["ended"] == report["ended"] == "interrupted (Ctrl-C)"
    bridge, clam = written["sets"]
    assert bridge["status"] == "completed" and bridge["done"]["reps"] == 3
    assert clam["status"] == "stopped early" and clam["reason"] == "interrupted (Ctrl-C)"
    assert clam["done"]["reps"] == 1
    assert json.loads((tmp_path / clam["report"]).read_text())["summary"]["rep_count"] == 1


class _ScriptedWindow:
    """Stands in for the OpenCV window: keeps what is shown, returns scripted keys at given show() calls."""

    keys: dict[int, int] = {}
    shown: list[np.ndarray] = []

    def __init__(self, name, size):
        self.calls = 0
        _ScriptedWindow.shown = []

    def show(self, image, wait_ms: int = 1) -> int:
        self.calls += 1
        if self.calls % 10 == 0:
            _ScriptedWindow.shown.append(image)
        return self.keys.get(self.calls, 255)

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_window_shows_the_routine_and_n_skips(bridge_then_clamshell, tmp_path, monkeypatch):
    from formcheck.live import loop as live_mod

    track, starts, b_truth, _ = bridge_then_clamshell
    k_skip = int(np.searchsorted(track.t_s, b_truth[0]["end_s"] + 0.5))  # n after the first bridge rep
    _ScriptedWindow.keys = {k_skip: ord("n"), k_skip + 30: ord("n")}  # then n again during the rest
    monkeypatch.setattr(live_mod, "Window", _ScriptedWindow)
    report = run_routine(_TrackSource(track), parse_routine(TWO_STEPS, "test.toml"), out_dir=tmp_path,
                         show_window=True, fast=True, sound=False, estimator=_TrackEstimator(track))
    bridge, clam = report["sets"]
    assert (bridge["status"], bridge["reason"], bridge["done"]["reps"]) == ("stopped early", "skipped (n)", 1)
    assert clam["started_s"] == pytest.approx(track.t_s[k_skip + 29], abs=0.05)  # the rest was cut short
    assert clam["status"] == "completed"
    shown = _ScriptedWindow.shown
    assert shown and all(img.shape == (480, 640, 3) for img in shown)
    top_right = [img[:150, 400:] for img in shown]
    assert all((tr.max(axis=2) > 150).sum() > 100 for tr in top_right)  # step, progress and next-up tags


def test_routine_html_escapes_custom_text(tmp_path):
    from formcheck.report.routine_page import build_routine_report, render_routine_html

    data = routine_data({"exercise": "bridge", "reps": 3}, name="<script>alert(1)</script>")
    routine = parse_routine(data, "t.toml")
    html = render_routine_html(build_routine_report(routine, plan(routine), [], "cam <0>", None, "quit"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "not done" in html and "script-src" not in html.split("Content-Security-Policy")[1][:200]


# --------------------------------------------------------------------------- routine files


def test_builtin_routines_follow_the_articles():
    routines = builtin_routines()
    assert set(routines) == {"therapydia", "mrc", "hinge_health"}
    therapydia = routines["therapydia"]
    assert [s.exercise.id for s in therapydia.steps] == [
        "clamshell", "reverse_clamshell", "hip_flexor_stretch_kneeling", "side_lying_hip_abduction",
        "prone_hip_extension", "bridge"]
    sets = plan(therapydia)
    assert [(s.exercise.id, s.side) for s in sets[:2]] == [("clamshell", "left"), ("clamshell", "right")]
    assert sets[0].target.reps == 10 and sets[0].target.hold_s == 5  # 10-15 reps, "start with 5 second holds"
    stretch = next(s for s in sets if s.exercise.id == "hip_flexor_stretch_kneeling")
    assert (stretch.target.holds, stretch.target.hold_s) == (2, 30)  # "up to 30 seconds, repeat 2-3 times"
    assert len(sets) == 11 and sets[-1].rest_s == 0 and sets[0].rest_s == 30
    assert len(routines["mrc"].steps) == 18 and len(routines["hinge_health"].steps) == 6
    bike = next(s for s in plan(routines["mrc"]) if s.exercise.id == "stationary_bike")
    assert bike.target.duration_s == 600  # "cycle for 10-15 minutes"


@pytest.mark.parametrize("step, message", [
    ({"exercise": "squat_jumps"}, "steps[0].exercise: unknown exercise 'squat_jumps'"),
    ({"exercise": "bridge", "reps": "ten"}, "steps[0].reps: must be int, got str"),
    ({"exercise": "bridge", "reps": 0}, "steps[0].reps: must be between 1 and 500"),
    ({"exercise": "bridge", "sides": "both"}, "steps[0].sides: bridge uses both legs at once"),
    ({"exercise": "clamshell", "sides": "up"}, "steps[0].sides: 'up' is not one of both, left, right, none"),
    ({"exercise": "clamshell", "sides": "none"}, "steps[0].sides: clamshell works one side at a time"),
    ({"exercise": "hip_thrust"}, "steps[0].reps: hip_thrust's article gives no rep count"),
    ({"exercise": "pigeon_pose"}, "steps[0].hold_s: pigeon_pose's article gives no hold time"),
    ({"exercise": "bridge", "repz": 3}, "steps[0].repz: unknown field"),
    ({"exercise": "bridge", "rest_s": -1}, "steps[0].rest_s: must be between 0 and 3600"),
    ({"exercise": "knee_to_chest", "reps": 3}, "steps[0].reps: knee_to_chest is a hold"),
])
def test_routine_file_errors_name_the_field(tmp_path, step, message):
    path = tmp_path / "mine.toml"
    path.write_text(_toml(routine_data(step)))
    with pytest.raises(RoutineFileError) as err:
        load_routine_file(path)
    assert str(err.value).startswith(f"mine.toml: {message}")
    assert isinstance(err.value, InputError) and "\n" not in str(err.value)


def test_routine_file_structure_errors(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("id = 'x'\nname = 'X'\nsteps = []\n")
    with pytest.raises(RoutineFileError, match="steps: list between 1 and 100"):
        load_routine_file(path)
    path.write_text("id = 'x'\nname = \n")
    with pytest.raises(RoutineFileError, match="bad.toml: not valid TOML"):
        load_routine_file(path)
    path.write_text("name = 'X'\n[[steps]]\nexercise = 'bridge'\n")
    with pytest.raises(RoutineFileError, match="bad.toml: id: missing"):
        load_routine_file(path)
    with pytest.raises(RoutineFileError, match="no such routine file"):
        load_routine_file(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="unknown routine 'yoga'.*therapydia"):
        get_routine("yoga")


def _toml(data: dict) -> str:
    """A tiny TOML writer for the flat routine documents used here."""
    def value(v):
        return json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else repr(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if k != "steps"]
    for step in data["steps"]:
        lines.append("[[steps]]")
        lines += [f"{k} = {value(v)}" for k, v in step.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- fakes for the live loop


class _TrackSource(FrameSource):
    """Blank frames at the track's timestamps, like a file played as a camera."""

    def __init__(self, track: PoseTrack):
        w, h = track.image_size
        super().__init__(SourceInfo("synthetic routine", w, h, 30.0, len(track), None, False))
        self.track, self.image = track, np.zeros((h, w, 3), np.uint8)

    def _frames(self):
        for k, t in enumerate(self.track.t_s):
            yield Frame(k, float(t), self.image)


class _TrackEstimator:
    name = "synthetic"

    def __init__(self, track: PoseTrack, interrupt_at: float | None = None):
        self.track, self.interrupt_at = track, interrupt_at
        self._index = {round(float(t), 6): k for k, t in enumerate(track.t_s)}

    def detect(self, image, t_s):
        if self.interrupt_at is not None and t_s >= self.interrupt_at:
            raise KeyboardInterrupt
        return pose_at(self.track, self._index[round(float(t_s), 6)])


# --------------------------------------------------------------------------- end to end (real lite model)


def _read_frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


def two_exercise_video(out: Path, first: str, second: str, rest_s: float = 1.0, position_s: float = 3.0) -> int:
    """Two committed clips as one video: 1 s of the first clip's opening frame (lying down),
    the clip, ``rest_s`` of its last frame (resting in place), ``position_s`` of the second
    clip's first frame (getting into position), then the second clip. Returns its fps."""
    fps = json.loads((SAMPLES / first).with_suffix(".truth.json").read_text())["fps"]
    a, b = _read_frames(SAMPLES / first), _read_frames(SAMPLES / second)
    h, w = a[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    n = lambda seconds: int(round(seconds * fps))  # noqa: E731
    for image in [a[0]] * n(1.0) + a + [a[-1]] * n(rest_s) + [b[0]] * n(position_s) + b:
        writer.write(image)
    writer.release()
    return int(fps)


@pytest.mark.skipif(not (SAMPLES / "bridge_clean_left.mp4").exists(), reason="sample videos not present")
def test_cli_routine_on_a_two_exercise_video(tmp_path):
    from typer.testing import CliRunner

    from formcheck.cli.main import app

    first, second = "bridge_clean_left.mp4", "clamshell_clean_right.mp4"
    truth = [json.loads((SAMPLES / c).with_suffix(".truth.json").read_text()) for c in (first, second)]
    video = tmp_path / "two_exercises.mp4"
    two_exercise_video(video, first, second)
    routine = tmp_path / "two.toml"
    routine.write_text(_toml(routine_data(
        {"exercise": "bridge", "reps": truth[0]["complete_reps"]},
        {"exercise": "clamshell", "sides": truth[1]["side"], "reps": truth[1]["complete_reps"]}, rest_s=2)))
    out = tmp_path / "out"
    db = tmp_path / "history.sqlite3"
    recorded_on = datetime(2026, 10, 21, 8, 30).astimezone()  # issue 17: the sets are dated by the file
    os.utime(video, (recorded_on.timestamp(), recorded_on.timestamp()))
    result = CliRunner().invoke(app, ["routine", "--routine-file", str(routine), "--source", str(video), "--fast",
                                      "--no-window", "--no-sound", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "routine_report.json").read_text())
    assert report["ended"] == "routine finished" and report["model"] == "lite"
    assert [(s["step"], s["exercise"], s["side"]) for s in report["sets"]] == [
        (1, "bridge", None), (2, "clamshell", "right")]
    assert [s["done"]["reps"] for s in report["sets"]] == [t["complete_reps"] for t in truth] == [4, 4]
    # issue 17: both exercises prescribe a hold at the top (5 s) that these clips never make
    assert [s["status"] for s in report["sets"]] == ["hold short", "hold short"]
    assert report["sets"][0]["reason"].startswith("reps 4/4, but holds at the top averaged ")
    assert report["sets"][1]["reason"].startswith("reps on the right side 4/4, but holds at the top averaged ")
    assert report["sets"][1]["done"]["reps_on_side"] == 4
    assert report["sets"][0]["ended_s"] < report["sets"][1]["started_s"]  # one after the other, with a rest
    assert report["summary"] == {**report["summary"], "sets": 2, "completed": 0, "hold_short": 2, "reps": 8}
    assert (out / "routine_report.html").exists() and (out / report["sets"][1]["report"]).exists()
    assert "0 of 2 sets completed" in result.output and "hold short" in result.output
    from formcheck.history.store import list_sessions  # issue 9: each set is a session in the history

    sessions = list_sessions(db)
    assert [(h.figures.exercise, h.figures.rep_count) for h in sessions] == [("bridge", 4), ("clamshell", 4)]
    assert all(h.performed_at == recorded_on and h.figures.dosage_met is False for h in sessions)


def test_cli_routine_without_a_display_asks_for_no_window(tmp_path, monkeypatch):
    """OpenCV's window aborts the whole process (Qt, exit 134) when there is no display."""
    from typer.testing import CliRunner

    import formcheck.cli.main as cli

    monkeypatch.setattr(cli.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    video = SAMPLES / "bridge_clean_left.mp4"
    for args in (["routine", "therapydia"], ["live", "--exercise", "bridge"]):
        result = CliRunner().invoke(cli.app, [*args, "--source", str(video), "--out", str(tmp_path / args[0])])
        assert result.exit_code == 2 and "add --no-window" in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not (tmp_path / args[0]).exists()
