"""Live coaching: the live loop on synthetic landmark streams, its report, controls, cues and window.

A live session is fed from a synthetic track (formcheck.synth) through a fake pose estimator
with blank frames, so these tests need no camera and no model (except the two CLI tests,
which run the real lite model on a file).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.live import loop as live_mod
from formcheck.analyze.track import analyze_track
from formcheck.live.cues import SoundCues, Speaker
from formcheck.rules.engine import FaultEvent, FrameVerdict, Rep
from formcheck.rules.exercise import get_exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.live.session import LiveSession
from formcheck.live.loop import run_live
from formcheck.live.overlay import draw_overlay
from formcheck.live.overlay_style import LEFT_COLOUR, RIGHT_COLOUR
from formcheck.pose.estimator import PoseResult
from formcheck.synth.generate import CameraSpec, place_camera, track_from_performance
from formcheck.synth.motion import MotionScript, perform
from formcheck.io.frames import Frame, FrameSource, SourceInfo

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


# --------------------------------------------------------------------------- factories


def synthetic_track(exercise: str, reps: int = 4, view: str = "recommended", size=(640, 480),
                    **script) -> tuple[PoseTrack, list]:
    """A landmark track of ``reps`` reps, starting still for 2 s (the setup check needs ~1 s)."""
    perf = perform(MotionScript(exercise, reps=reps, lead_in_s=2.0, **script))
    camera = CameraSpec(view=view, width=size[0], height=size[1])
    return track_from_performance(perf, place_camera(perf, camera)), perf.reps


class TrackSource(FrameSource):
    """Blank (or grey) frames at the track's timestamps, like a file played as a camera.

    ``stop_at``: the source ends after this many frames; ``fail_at``: it raises there (a
    camera unplugged mid-read).
    """

    def __init__(self, track: PoseTrack, stop_at: int | None = None, fail_at: int | None = None,
                 grey: int = 0, live: bool = False):
        w, h = track.image_size
        super().__init__(SourceInfo("synthetic track", w, h, 30.0, len(track), None, live))
        self.track, self.stop_at, self.fail_at = track, stop_at, fail_at
        self.image = np.full((h, w, 3), grey, np.uint8)

    def _frames(self):
        for k, t in enumerate(self.track.t_s):
            if k == self.stop_at:
                return
            if k == self.fail_at:
                raise OSError("camera unplugged")
            yield Frame(k, float(t), self.image)


class TrackEstimator:
    """A pose estimator that answers from the track; ``interrupt_at``: Ctrl-C at that frame."""

    name = "synthetic"

    def __init__(self, track: PoseTrack, interrupt_at: float | None = None):
        self.track, self.interrupt_at = track, interrupt_at
        self._index = {round(float(t), 6): k for k, t in enumerate(track.t_s)}

    def detect(self, image, t_s):
        if self.interrupt_at is not None and t_s >= self.interrupt_at:
            raise KeyboardInterrupt
        k = self._index[round(float(t_s), 6)]
        tr = self.track
        if not tr.detected[k]:
            return None
        return PoseResult(tr.image_xyz[k], tr.world_xyz[k], tr.visibility[k], tr.presence[k])


def live_run(track: PoseTrack, out_dir: Path | None, estimator=None, **kwargs) -> dict:
    kwargs.setdefault("show_window", False)
    kwargs.setdefault("sound", False)
    source = kwargs.pop("source", None) or TrackSource(track)
    return run_live(source, kwargs.pop("exercise"), out_dir=out_dir, fast=True,
                    estimator=estimator or TrackEstimator(track), **kwargs)


# --------------------------------------------------------------------------- live == analyze


@pytest.mark.parametrize("exercise", ["clamshell", "bridge"])
def test_live_session_and_analysis_of_its_recording_agree(exercise, tmp_path):
    track, truth = synthetic_track(exercise, reps=3, hold_s=1.0)
    ex = get_exercise(exercise)
    report = live_run(track, tmp_path, exercise=ex)

    offline = analyze_track(ex, track)
    assert report["summary"]["reps_by_side"] == offline.engine.counts_by_side()
    assert report["summary"]["rep_count"] == len(truth) == 3
    assert [r["side"] for r in report["reps"]] == [r.side for r in offline.engine.reps]
    # the written files: the same report, and the landmark track re-analysed gives the same counts
    assert json.loads((tmp_path / "report.json").read_text())["summary"] == report["summary"]
    saved = PoseTrack.from_npz(tmp_path / "landmarks.npz")
    assert len(saved) == len(track)
    assert analyze_track(ex, saved).engine.counts_by_side() == offline.engine.counts_by_side()
    assert report["live"]["counting_started_s"] == pytest.approx(1.0, abs=0.1)
    assert report["live"]["ended"] == "the stream ended"
    if ex.sided:
        assert report["live"]["working_side"] == "left"  # the upper leg, seen by the setup check


def test_live_verdicts_reach_the_callback_and_show_the_hold(tmp_path):
    track, _ = synthetic_track("clamshell", reps=2, hold_s=3.0)
    verdicts: list[FrameVerdict] = []
    live_run(track, None, exercise=get_exercise("clamshell"), on_verdict=verdicts.append)
    assert verdicts and verdicts[-1].rep_count == 2
    assert max(v.hold_s for v in verdicts) == pytest.approx(3.0, abs=0.6)  # live hold timer at the top


# --------------------------------------------------------------------------- sessions cut short


def test_interrupted_session_writes_the_reps_done_so_far(tmp_path):
    track, truth = synthetic_track("clamshell", reps=4)
    cut = (truth[1]["end_s"] + truth[2]["start_s"]) / 2  # Ctrl-C after two reps
    report = live_run(track, tmp_path, exercise=get_exercise("clamshell"),
                      estimator=TrackEstimator(track, interrupt_at=cut))
    written = json.loads((tmp_path / "report.json").read_text())
    assert written["summary"]["rep_count"] == report["summary"]["rep_count"] == 2
    assert written["live"]["ended"] == "interrupted (Ctrl-C)"
    assert len(PoseTrack.from_npz(tmp_path / "landmarks.npz")) == int(np.searchsorted(track.t_s, cut))


def test_source_ending_mid_rep_keeps_the_finished_reps(tmp_path):
    track, truth = synthetic_track("bridge", reps=4)
    stop = int(np.searchsorted(track.t_s, truth[2]["peak_s"]))  # stream ends at the top of rep 3
    report = live_run(track, tmp_path, exercise=get_exercise("bridge"), source=TrackSource(track, stop_at=stop))
    assert report["summary"]["rep_count"] in (2, 3)  # rep 3 was never lowered
    assert json.loads((tmp_path / "report.json").read_text())["live"]["ended"] == "the stream ended"


def test_camera_failure_still_writes_the_report(tmp_path):
    track, truth = synthetic_track("clamshell", reps=4)
    fail = int(np.searchsorted(track.t_s, truth[2]["start_s"]))
    with pytest.raises(OSError, match="unplugged"):
        live_run(track, tmp_path, exercise=get_exercise("clamshell"), source=TrackSource(track, fail_at=fail))
    written = json.loads((tmp_path / "report.json").read_text())
    assert written["summary"]["rep_count"] == 2
    assert written["live"]["ended"] == "error"


# --------------------------------------------------------------------------- setup check


def test_counting_waits_for_the_setup_check(tmp_path):
    track, _ = synthetic_track("clamshell", reps=3, view="feet")  # seen along the body: not usable
    report = live_run(track, tmp_path, exercise=get_exercise("clamshell"))
    assert report["summary"]["rep_count"] == 0
    assert report["live"]["counting_started_s"] is None
    assert "Counting never started" in report["tracking"]["warnings"][0]
    assert "face the camera" in report["tracking"]["warnings"][0]


def test_setup_guidance_until_it_passes_for_a_second():
    track, _ = synthetic_track("clamshell", reps=1)
    session = LiveSession(get_exercise("clamshell"), track.image_size)
    # the first half second: feet out of the picture (ankles pushed past the right edge)
    shifted = track.image_xyz.copy()
    shifted[:, [27, 28, 29, 30, 31, 32], 0] = 1.2
    frames = []
    for k, t in enumerate(track.t_s[:90]):
        xyz = shifted[k] if t < 0.5 else track.image_xyz[k]
        frames.append(session.step(t, PoseResult(xyz, track.world_xyz[k], track.visibility[k], track.presence[k])))
    assert frames[5].guidance == "Move back so your feet are in view."
    assert not frames[5].counting and frames[5].verdict.phase == "setup"
    started = next(f for f in frames if f.counting)
    assert started.started_now and 1.5 <= started.verdict.t_s <= 2.2  # ~1 s after the feet came into view
    assert started.guidance is None


# --------------------------------------------------------------------------- controls (scripted keys)


class ScriptedWindow:
    """Stands in for the OpenCV window: returns scripted keys at given show() calls."""

    keys: dict[int, int] = {}

    def __init__(self, name, size):
        self.calls = 0
        ScriptedWindow.instance = self

    def show(self, image, wait_ms: int = 1) -> int:
        self.calls += 1
        return self.keys.get(self.calls, 255)

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_keys_pause_switch_side_reset_and_quit(tmp_path, monkeypatch):
    track, truth = synthetic_track("clamshell", reps=4)
    k_reset = int(np.searchsorted(track.t_s, (truth[1]["end_s"] + truth[2]["start_s"]) / 2))
    ScriptedWindow.keys = {10: ord("s"), 40: ord(" "), 45: ord(" "),  # pause for 5 shows, then go on
                           k_reset + 5: ord("r"), len(track) - 20: ord("q")}
    monkeypatch.setattr(live_mod, "Window", ScriptedWindow)
    report = live_run(track, tmp_path, exercise=get_exercise("clamshell"), show_window=True)
    assert report["live"]["ended"] == "quit"
    assert report["live"]["working_side"] == "right" and report["live"]["working_side_chosen"]
    assert len(report["live"]["resets_s"]) == 1
    assert report["summary"]["rep_count"] == 2  # the two reps after the reset
    assert report["live"]["frames_seen"] == len(track) - 20 - 5  # 5 shows were paused


def test_rep_beeps_and_spoken_cues(tmp_path, monkeypatch):
    played, said = [], []

    class FakeSound:
        def __init__(self, enabled=True):
            self.enabled = enabled

        def play(self, name):
            played.append(name)

        def close(self):
            pass

    class FakeSpeaker(FakeSound):
        def say(self, text, now):
            said.append(text)

    monkeypatch.setattr(live_mod, "SoundCues", FakeSound)
    monkeypatch.setattr(live_mod, "Speaker", FakeSpeaker)
    track, _ = synthetic_track("clamshell", reps=3, hold_s=5.5)
    report = live_run(track, None, exercise=get_exercise("clamshell"), sound=True, speech=True)
    assert played.count("rep") == report["summary"]["rep_count"] == 3
    assert played.count("hold") == 3  # each rep held past the 5 s target
    assert "Ready. Start when you are." in said and "3" in said


def test_cues_never_block_the_caller():
    slow = []

    def backend(name, samples):
        time.sleep(0.5)
        slow.append(name)

    sounds = SoundCues(True, backend=backend)
    speaker = Speaker(True, backend=lambda text: time.sleep(0.5))
    start = time.perf_counter()
    for _ in range(20):
        sounds.play("rep")
        speaker.say("Keep your feet together", now=0.0)
    assert time.perf_counter() - start < 0.4  # one blocking call alone would take 0.5 s
    sounds.close()
    speaker.close()


def test_record_saves_the_camera_video_on_the_session_timeline(tmp_path):
    track, _ = synthetic_track("bridge", reps=1, size=(320, 240))
    report = live_run(track, tmp_path, exercise=get_exercise("bridge"), record=True,
                      source=TrackSource(track, grey=90))
    assert report["live"]["recording"] == "live.webm"
    capture = cv2.VideoCapture(str(tmp_path / "live.webm"))
    frames = 0
    while capture.read()[0]:
        frames += 1
    # frames the encoder could not keep up with are repeated, so the video lasts as long as the session
    assert abs(frames - len(track)) <= 2


def test_memory_per_frame_is_small():
    track, _ = synthetic_track("clamshell", reps=1)
    session = LiveSession(get_exercise("clamshell"), track.image_size)
    for k, t in enumerate(track.t_s[:60]):
        session.step(t, PoseResult(track.image_xyz[k], track.world_xyz[k], track.visibility[k], track.presence[k]))
    row = session._spool.last()
    assert row.dtype == np.float32 and row.nbytes <= 33 * 8 * 4
    assert len(session) == 60 and len(session.raw_track()) == 60


# --------------------------------------------------------------------------- overlay


def _verdict(**changes) -> FrameVerdict:
    fault = FaultEvent("feet_separating", "Feet came apart", "Keep your feet together", 1.0)
    rep = Rep(3, "left", 0.0, 1.0, 2.0, 38.0, 40.0, 2.1, 0.8, [], 1.0)
    fields = dict(t_s=3.0, phase="lifting", key_value=41.0, reps_by_side={"left": 7, "right": 2, "both": 0},
                  rep_count=9, hold_s=2.5, active_faults=[fault], last_rep=rep, tracked=True)
    fields.update(changes)
    return FrameVerdict(**fields)


def _landmarks(w: int, h: int) -> np.ndarray:
    track, _ = synthetic_track("clamshell", reps=1)
    return track.pixel_xy[0] * np.array([w / track.image_size[0], h / track.image_size[1]])


def _colour_pixels(image: np.ndarray, colour, tol: int = 40) -> int:
    return int((np.abs(image[:, :, :3].astype(int) - np.array(colour)).max(axis=2) < tol).sum())


def test_overlay_draws_skeleton_counters_cue_and_is_fast():
    w, h = 640, 480
    px = _landmarks(w, h)
    blank = np.full((h, w, 3), 90, np.uint8)
    image = draw_overlay(blank.copy(), px, _verdict(), get_exercise("clamshell"), fps=30.0, controls=True)
    assert _colour_pixels(image, LEFT_COLOUR) > 100 and _colour_pixels(image, RIGHT_COLOUR) > 100
    counter = image[: h // 4, : w // 3]
    assert (counter.max(axis=2) > 200).sum() > 200  # white digits on the counter panel
    bottom = image[int(h * 0.75):]
    assert _colour_pixels(bottom, (30, 30, 200), tol=60) > 500  # the red fault box
    # its speed is measured in benchmarks/bench_live.py (speed lives in benchmarks, not tests)


@pytest.mark.parametrize("size", [(320, 240), (1920, 1080)])
def test_overlay_scales_and_draws_guidance(size):
    w, h = size
    image = np.zeros((h, w, 3), np.uint8)
    draw_overlay(image, None, _verdict(last_rep=None, active_faults=[], hold_s=0.0), get_exercise("bridge"),
                 guidance="Move back so your feet are in view.")
    middle = image[h // 3: 2 * h // 3]
    assert _colour_pixels(middle, (80, 230, 255), tol=50) > 20 * (w / 320)  # the yellow guidance text
    assert image[: h // 4, : w // 3].max() > 200  # "9 / 10-15 reps"


# --------------------------------------------------------------------------- the real window (Xvfb)

XVFB_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    import cv2, mss
    import test_live as t
    from formcheck.rules.exercise import get_exercise
    from formcheck.live.loop import run_live
    from formcheck.live.window import WINDOW_NAME

    track, _ = t.synthetic_track("clamshell", reps=2)
    shots = {{}}

    def on_verdict(v):
        if "screen" not in shots and v.t_s > 2.5:
            with mss.mss() as grab:
                shot = np.array(grab.grab(grab.monitors[0]))[:, :, :3]
            cv2.imwrite({png!r}, shot)
            shots["screen"] = True
        elif "screen" in shots and "closed" not in shots:
            cv2.destroyWindow(WINDOW_NAME)  # the user closes the window
            shots["closed"] = True

    report = run_live(t.TrackSource(track, grey=90), get_exercise("clamshell"), out_dir={out!r},
                      show_window=True, fast=True, sound=False, estimator=t.TrackEstimator(track),
                      on_verdict=on_verdict)
    print(json.dumps(report["live"]))
""")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb)")
def test_window_under_xvfb_shows_the_overlay(tmp_path):
    pytest.importorskip("mss", reason="the screenshot needs the mss package")
    png = tmp_path / "screen.png"
    script = XVFB_SCRIPT.format(tests=str(Path(__file__).parent), png=str(png), out=str(tmp_path))
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1024x768x24", sys.executable, "-c", script],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    live_info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert live_info["ended"] == "the window was closed"
    assert (tmp_path / "report.json").exists()
    shot = cv2.imread(str(png))
    assert _colour_pixels(shot, LEFT_COLOUR) > 100  # the skeleton's left side
    grey = np.argwhere((np.abs(shot.astype(int) - 90).max(axis=2) <= 3))  # the frame inside the window
    (y0, x0), (y1, x1) = grey.min(axis=0), grey.max(axis=0)
    counter = shot[y0: y0 + (y1 - y0) // 4, x0: x0 + (x1 - x0) // 3]
    assert (counter.max(axis=2) > 200).sum() > 200  # the counter text


# --------------------------------------------------------------------------- the command line (real model)


def _cli(*args):
    from typer.testing import CliRunner

    from formcheck.cli.main import app

    return CliRunner().invoke(app, ["live", *args])


def test_cli_live_on_a_file_without_anyone(tmp_path):
    video = tmp_path / "empty.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    for i in range(20):
        writer.write(np.full((240, 320, 3), 40 + i, np.uint8))
    writer.release()
    result = _cli("-e", "clamshell", "--source", str(video), "--no-window", "--fast", "--no-sound",
                  "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["summary"]["rep_count"] == 0 and report["model"] == "lite"
    assert "We can't see you yet" in report["tracking"]["warnings"][0]
    again = _cli("-e", "clamshell", "--source", str(video), "--no-window", "--out", str(tmp_path / "out"))
    assert again.exit_code == 2 and "--force" in again.output
    both = _cli("-e", "clamshell", "--camera", "0", "--source", str(video), "--out", str(tmp_path / "x"))
    assert both.exit_code == 2 and "not both" in both.output


@pytest.mark.skipif(not (REAL / "bridge_5reps_cropped.mp4").exists(), reason="real clips not present")
def test_cli_live_on_a_real_clip(tmp_path):
    result = _cli("-e", "bridge", "--source", str(REAL / "bridge_5reps_cropped.mp4"), "--no-window", "--fast",
                  "--no-sound", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    # counting starts after the 1 s setup check, so the first of the 5 reps (0.1-1.4 s) is not counted
    assert report["summary"]["rep_count"] == 4
    assert (tmp_path / "landmarks.npz").exists() and (tmp_path / "report.html").exists()
