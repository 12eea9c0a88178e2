"""Batch analysis: what counts as a batch, the process pool, failures kept per video, Ray."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.analyze.batch import (SUMMARY_CSV, SUMMARY_JSON, BatchJob, BatchRow, analyze_one, find_videos, is_batch_input,
                                     report_folders, run_batch, summary_lines)
from formcheck.cli.main import app
from formcheck.rules.exercise import get_exercise

from conftest import SAMPLES

runner = CliRunner()
SHORT_FRAMES = 40  # a short cut of a sample clip: enough for a report, quick to analyse


def _blank_video(path: Path, frames: int = 5) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    for _ in range(frames):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    return path


def _short_sample(dest: Path, frames: int = SHORT_FRAMES) -> Path:
    """The first frames of the bridge sample clip (skips the test when it is not rendered)."""
    src = SAMPLES / "bridge_clean_left.mp4"
    if not src.exists():
        pytest.skip("sample_videos/bridge_clean_left.mp4 is not rendered")
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 24.0
    writer = None
    for _ in range(frames):
        ok, image = cap.read()
        if not ok:
            break
        if writer is None:
            writer = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, (image.shape[1], image.shape[0]))
        writer.write(image)
    cap.release()
    writer.release()
    return dest


# --------------------------------------------------------------------------- what is a batch


def test_a_folder_of_videos_is_a_batch_and_a_folder_of_images_is_one_clip(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("b10.mp4", "b2.MOV", "a.webm"):
        (videos / name).write_bytes(b"x")
    (videos / "notes.txt").write_text("not a video")
    (videos / ".hidden.mp4").write_bytes(b"x")
    images = tmp_path / "images"
    images.mkdir()
    for i in range(3):
        cv2.imwrite(str(images / f"f{i}.png"), np.zeros((8, 8, 3), np.uint8))

    assert is_batch_input([videos])
    assert [p.name for p in find_videos([videos])] == ["a.webm", "b2.MOV", "b10.mp4"]  # natural order
    assert not is_batch_input([images])
    assert not is_batch_input([videos / "a.webm"])
    assert is_batch_input([videos / "a.webm", videos / "b2.MOV"])  # several paths (a glob the shell expanded)


def test_a_glob_expands_to_videos_and_image_folders(tmp_path):
    for name in ("s1.mp4", "s2.mp4", "s1.truth.json"):
        (tmp_path / name).write_bytes(b"x")
    pattern = str(tmp_path / "s*")
    assert is_batch_input([pattern])
    assert [p.name for p in find_videos([pattern])] == ["s1.mp4", "s2.mp4"]
    from formcheck.errors import InputError

    with pytest.raises(InputError, match="no videos match"):
        find_videos([str(tmp_path / "nothing*.mp4")])


def test_each_video_gets_its_own_folder_even_with_the_same_name(tmp_path):
    folders = report_folders([Path("a/clip.mp4"), Path("b/clip.mp4"), Path("c/other.mov"),
                              Path("batch_summary.mp4")], tmp_path)
    assert [f.name for f in folders] == ["clip", "clip-2", "other", "batch_summary"]
    assert len(set(folders)) == 4


# --------------------------------------------------------------------------- the pool


def crashy_worker(job: BatchJob) -> BatchRow:
    """Stands in for analyze_one in pool workers: a video named crash.mp4 kills its worker process."""
    if Path(job.video).name == "crash.mp4":
        os._exit(3)
    return BatchRow(job.video, job.out_dir, status="ok", reps=len(Path(job.video).stem), faults=0, warnings=0)


def test_a_dead_worker_fails_its_video_and_the_others_finish(tmp_path):
    videos = [tmp_path / n for n in ("one.mp4", "crash.mp4", "three.mp4")]
    finished = []
    rows = run_batch(videos, get_exercise("bridge"), tmp_path / "out", jobs=2, worker=crashy_worker,
                     on_row=finished.append)
    assert [r.video for r in rows] == [str(v) for v in videos]  # input order, as given
    assert [r.status for r in rows] == ["ok", "failed", "ok"]
    assert "worker process died" in rows[1].error
    assert rows[0].reps == 3 and rows[2].reps == 5
    assert len(finished) == 3
    summary = json.loads((tmp_path / "out" / SUMMARY_JSON).read_text())
    assert (summary["videos"], summary["ok"], summary["failed"]) == (3, 2, 1)


def test_analyze_one_never_raises(tmp_path):
    job = BatchJob(str(tmp_path / "missing.mp4"), str(tmp_path / "out"), get_exercise("bridge"), "lite")
    row = analyze_one(job)
    assert row.status == "failed" and "no such file" in row.error and row.seconds is not None


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def clip_folder(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    _short_sample(folder / "first.mp4")
    _short_sample(folder / "second.mp4", SHORT_FRAMES - 8)
    (folder / "broken.mp4").write_bytes(b"this is not a video")
    return folder


def test_cli_batch_with_two_jobs_writes_each_report_and_the_summary(clip_folder, tmp_path):
    out = tmp_path / "reports"
    result = runner.invoke(app, ["analyze", str(clip_folder), "-e", "bridge", "--jobs", "2", "--model", "lite",
                                 "--no-video", "--out", str(out)])
    assert result.exit_code == 1, result.output  # one video failed: reported, not fatal
    assert "Traceback" not in result.output
    for name in ("first", "second"):
        report = json.loads((out / name / "report.json").read_text())
        assert report["exercise"] == "bridge"
        assert (out / name / "report.html").exists() and (out / name / "report.csv").exists()
    summary = json.loads((out / SUMMARY_JSON).read_text())
    by_video = {Path(r["video"]).name: r for r in summary["results"]}
    assert by_video["first.mp4"]["status"] == "ok" and by_video["second.mp4"]["status"] == "ok"
    assert isinstance(by_video["first.mp4"]["reps"], int) and isinstance(by_video["first.mp4"]["warnings"], int)
    assert by_video["broken.mp4"]["status"] == "failed"
    assert "not a video" in by_video["broken.mp4"]["error"]
    with open(out / SUMMARY_CSV, newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [Path(r["video"]).name for r in table] == ["broken.mp4", "first.mp4", "second.mp4"]
    assert {"video", "reps", "faults", "warnings", "status"} <= set(table[0])
    assert "broken.mp4" in result.output and "failed" in result.output


def test_ray_backend_runs_the_same_function_as_tasks(tmp_path):
    ray = pytest.importorskip("ray")
    clip = _short_sample(tmp_path / "clip.mp4", 24)
    bad = _blank_video(tmp_path / "empty_room.mp4")
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)  # a local one-CPU Ray
    try:
        rows = run_batch([clip, bad], get_exercise("bridge"), tmp_path / "out", model="lite", video_out=False,
                         ray="local")
    finally:
        ray.shutdown()
    assert rows[0].status == "ok", rows[0].error
    assert (tmp_path / "out" / "clip" / "report.json").exists()
    assert rows[1].status == "failed" and "no person" in rows[1].error
    assert json.loads((tmp_path / "out" / SUMMARY_JSON).read_text())["failed"] == 1


# --------------------------------------------------------------------------- issue 17: --exercise auto


def test_batch_auto_recognises_each_video_and_reports_the_unsure(tmp_path):
    """Sample clips (recorded sources) in a pool of 2: each recognised and reported as a single
    ``analyze --exercise auto`` would; a clip of someone lying still is "unsure", not a failure."""
    clips = tmp_path / "clips"
    clips.mkdir()
    still = _short_sample(clips / "still.mp4")  # 40 frames lying on the mat: no rep, no exercise
    names = ("bridge_clean_left", "clamshell_clean_right")
    truth = {n: json.loads((SAMPLES / f"{n}.truth.json").read_text()) for n in names}
    for n in names:
        os.symlink(SAMPLES / f"{n}.mp4", clips / f"{n}.mp4")
    db = tmp_path / "history.sqlite3"
    result = runner.invoke(app, ["analyze", str(clips), "--exercise", "auto", "--jobs", "2", "--no-video",
                                 "--out", str(tmp_path / "out"), "--db", str(db)])
    assert result.exit_code == 0, result.output  # an unsure video does not fail the batch
    summary = json.loads((tmp_path / "out" / SUMMARY_JSON).read_text())
    assert (summary["videos"], summary["ok"], summary["unsure"], summary["failed"]) == (3, 2, 1, 0)
    rows = {Path(r["video"]).stem: r for r in summary["results"]}
    for n in names:
        row, want = rows[n], truth[n]
        assert (row["status"], row["exercise"], row["reps"]) == ("ok", want["exercise"], want["complete_reps"])
        assert row["confidence"] >= 0.6
        report = json.loads((tmp_path / "out" / n / "report.json").read_text())
        assert report["exercise"] == want["exercise"] and report["recognition"]["text"].startswith("recognised: ")
    assert rows["clamshell_clean_right"]["side"] == truth["clamshell_clean_right"]["side"]
    assert rows["still"]["status"] == "unsure" and "no exercise was recognised" in rows["still"]["error"]
    assert "unsure" in result.output and "Unsure:" in result.output and str(still.name) in result.output
    with open(tmp_path / "out" / SUMMARY_CSV, newline="") as fh:
        assert {r["video"].rsplit("/", 1)[-1]: r["exercise"] for r in csv.DictReader(fh)} == {
            "bridge_clean_left.mp4": "bridge", "clamshell_clean_right.mp4": "clamshell", "still.mp4": ""}
    from formcheck.history.store import list_sessions

    assert sorted(s.figures.exercise for s in list_sessions(db)) == ["bridge", "clamshell"]


def test_an_unsure_recognition_keeps_its_guess_in_the_row(tmp_path, monkeypatch):
    """Below the confidence threshold: the row says unsure with the best guess; the batch goes on."""
    from formcheck.analyze import auto
    from formcheck.analyze.batch_auto import analyze_one_auto, unsure_lines
    from formcheck.recognize.segmentation import Recognition, Segment

    guess = Segment("pigeon_pose", 0.0, 20.0, 0.41, side="left", runner_up="figure_four_stretch")
    rec = Recognition(None, np.zeros((0, 0)), (), np.zeros(0, int), [guess])
    with pytest.raises(auto.UnsureRecognition) as caught:
        auto.check_sure(rec, "clip.mp4")
    assert (caught.value.exercise, caught.value.side, caught.value.confidence) == ("pigeon_pose", "left", 0.41)
    assert "not sure which exercise clip.mp4 shows" in str(caught.value)

    def unsure(video, *args, **kwargs):
        auto.check_sure(rec, Path(video).name)

    monkeypatch.setattr(auto, "analyze_auto", unsure)
    video = _blank_video(tmp_path / "clip.mp4")
    rows = run_batch([video], None, tmp_path / "out", worker=analyze_one_auto)
    assert (rows[0].status, rows[0].exercise, rows[0].confidence) == ("unsure", "pigeon_pose", 0.41)
    assert summary_lines(rows) == [] and unsure_lines(rows) == [f"{video}: {rows[0].error}"]
    assert json.loads((tmp_path / "out" / SUMMARY_JSON).read_text())["unsure"] == 1


def test_cli_batch_on_a_local_ray_instance_writes_every_report_and_survives_a_broken_video(clip_folder, tmp_path):
    """``--ray local``: Ray starts on this machine (its CPUs, a small object store), runs every video
    as a task, and one unreadable video is a failed row in the summary, not the end of the batch."""
    pytest.importorskip("ray")
    (clip_folder / "empty_room.mp4").unlink(missing_ok=True)
    _blank_video(clip_folder / "empty_room.mp4")
    out = tmp_path / "reports"
    result = runner.invoke(app, ["analyze", str(clip_folder), "-e", "bridge", "--ray", "local", "--model", "lite",
                                 "--no-video", "--out", str(out)])
    assert result.exit_code == 1, result.output  # failures reported, the batch finished
    assert "Traceback" not in result.output and "Ray (local)" in result.output
    summary = json.loads((out / SUMMARY_JSON).read_text())
    by_video = {Path(r["video"]).name: r for r in summary["results"]}
    assert sorted(by_video) == ["broken.mp4", "empty_room.mp4", "first.mp4", "second.mp4"]
    for name in ("first", "second"):
        assert by_video[f"{name}.mp4"]["status"] == "ok", by_video[f"{name}.mp4"]
        report = json.loads((out / name / "report.json").read_text())
        assert report["exercise"] == "bridge" and (out / name / "report.html").exists()
    assert by_video["broken.mp4"]["status"] == "failed" and "not a video" in by_video["broken.mp4"]["error"]
    assert by_video["empty_room.mp4"]["status"] == "failed" and "no person" in by_video["empty_room.mp4"]["error"]
    assert (summary["videos"], summary["ok"], summary["failed"]) == (4, 2, 2)
