"""report.html, report.csv and the annotated video, from a synthetic session (no pose model).

The browser test runs Debian's headless Chromium (skipped when /usr/bin/chromium is absent):
the page must show one table row per rep, render its plot and thumbnails, and load the
annotated video's metadata, all from one offline file.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import subprocess
import tomllib
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.analyze.track import analyze_track
from formcheck.report.annotated_video import draw_skeleton
from formcheck.rules.exercise import get_exercise, parse_exercise
from formcheck.report.csv_table import CSV_COLUMNS, write_csv
from formcheck.report.html import render_html
from formcheck.analyze.video import write_feedback_files
from formcheck.report.build import MAX_SERIES_POINTS, build_report, write_json_atomic
from formcheck.synth.generate import CameraSpec, place_camera, track_from_performance
from formcheck.synth.motion import FaultInjection, MotionScript, perform
from formcheck.io.video import open_source
from formcheck.io.writer import VideoWriter

CHROMIUM = Path("/usr/bin/chromium")
XSS = "<script>alert(1)</script>"
SIZE = (320, 240)


# --------------------------------------------------------------------------- factories


def bridge_track(reps: int = 3):
    """A short bridge session: small holds at the top, the second rep not raised high enough."""
    script = MotionScript("bridge", reps=reps, hold_s=1.2, rest_s=0.5, lead_in_s=0.8, lead_out_s=0.6,
                          faults=(FaultInjection("hips_not_raised", reps=(2,)),))
    perf = perform(script)
    return track_from_performance(perf, place_camera(perf, CameraSpec(width=SIZE[0], height=SIZE[1])))


def evil_bridge():
    """The bridge as a custom exercise whose name, signal name, cues and notes are a script tag."""
    data = tomllib.loads((resources.files("formcheck.rules.exercises") / "bridge.toml").read_text(encoding="utf-8"))
    signal = f"hip {XSS}"
    data["name"] = f"Bridge {XSS}"
    data["signals"] = {signal: data["signals"].pop("hip_extension_deg")}
    data["key_signal"] = data["rep"]["signal"] = signal
    for fault in data["faults"]:
        fault.update(signal=signal, cue=f"cue {XSS}", message=f"message {XSS}")
    data["not_checked"] = [XSS]
    data["setup"] = XSS
    return parse_exercise(data, "evil.toml")


def skeleton_video(track, path: Path) -> Path:
    """A stand-in for the recording: the landmarks drawn on blank frames, one per track row."""
    with VideoWriter(path, 30.0, SIZE) as writer:
        for k in range(len(track)):
            image = np.full((SIZE[1], SIZE[0], 3), 225, np.uint8)
            writer.write(draw_skeleton(image, track.pixel_xy[k] if track.detected[k] else None))
    return path


@pytest.fixture(scope="module")
def session():
    result = analyze_track(get_exercise("bridge"), bridge_track())
    report = build_report(result, source="/videos/bridge session.mp4", model="full")
    assert len(report["reps"]) == 3, report["reps"]
    return result, report


@pytest.fixture(scope="module")
def written(session, tmp_path_factory):
    """report.json, the annotated video, report.html and report.csv, as analyze writes them."""
    result, report = session
    report = copy.deepcopy(report)
    out = tmp_path_factory.mktemp("report")
    source = skeleton_video(result.track, out.parent / f"{out.name}-source.webm")
    write_json_atomic(out / "report.json", report)
    problems = write_feedback_files(report, result, out, video=source, source=source)
    assert problems == []
    return out, report, source


# --------------------------------------------------------------------------- escaping


def test_outside_text_is_escaped():
    result = analyze_track(evil_bridge(), bridge_track())
    report = build_report(result, source=f"/videos/a {XSS}.mp4")
    assert any(r["faults"] for r in report["reps"]), "the test needs a cue on the page"
    for page in (render_html(report, result), render_html(report, None)):  # with the session, and re-rendered
        assert "<script>alert" not in page.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert len(re.findall(r"<script\b", page)) == 1  # the page's own script only
        fetched = re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|url\(\s*["']?(?!#)|@import""", page)
        assert fetched is None, fetched  # nothing comes from the network


def test_page_without_series_or_video_still_renders(session):
    _, report = session
    report = {k: v for k, v in report.items() if k != "series"}
    page = render_html(report, None, video_name=None)
    assert "<svg" not in page and "<video" not in page
    assert page.count('class="num rep"') == len(report["reps"])


def test_series_is_small(session):
    result, report = session
    assert len(report["series"]["t_s"]) == len(result.track)
    long = copy.copy(result)
    long.track = copy.copy(result.track)
    n = 5 * MAX_SERIES_POINTS
    long.track.t_s = np.arange(n) / 30.0
    long.signals = copy.copy(result.signals)
    long.signals.values = {k: np.resize(v, (n,) + v.shape[1:]) for k, v in result.signals.values.items()}
    from formcheck.report.build import key_series

    series = key_series(long)
    assert len(series["t_s"]) == len(series["key_value"]) <= MAX_SERIES_POINTS
    assert series["t_s"][0] == 0 and series["t_s"][-1] == pytest.approx((n - 1) / 30.0)
    json.dumps(series, allow_nan=False)


# --------------------------------------------------------------------------- CSV


def test_csv_has_one_row_per_rep(written):
    out, report, _ = written
    with open(out / "report.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [r["index"] for r in report["reps"]]
    faulty = {r["index"]: ";".join(f["code"] for f in r["faults"]) for r in report["reps"]}
    assert {int(r[0]): r[8] for r in rows[1:]} == faulty
    assert "hips_not_raised" in faulty[2]


def test_csv_guards_against_formulas(session, tmp_path):
    _, report = session
    report = copy.deepcopy(report)
    rep = report["reps"][0]
    rep["side"] = "=HYPERLINK(\"http://x\")"
    rep["faults"] = [{"code": "+cmd"}, {"code": "@SUM(A1)"}]
    report["reps"][1]["side"] = "-2+3"
    report["reps"][1]["peak_value"] = -12.5  # a signed angle stays a number
    write_csv(report, tmp_path)
    with open(tmp_path / "report.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    assert rows[0][1] == "'=HYPERLINK(\"http://x\")"
    assert rows[0][8] == "'+cmd;@SUM(A1)"
    assert rows[1][1] == "'-2+3"
    assert rows[1][6] == "-12.5"
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


# --------------------------------------------------------------------------- annotated video


def test_annotated_video_has_every_frame_and_a_thumbnail_per_rep(written, session):
    out, report, source = written
    result, _ = session
    with open_source(out / "annotated.webm") as src:
        frames = [f.image for f in src]
    with open_source(source) as src:
        plain = [f.image for f in src]
    assert len(frames) == len(result.track)
    assert np.abs(frames[len(frames) // 2].astype(int) - plain[len(plain) // 2]).mean() > 1.0  # overlay drawn
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/jpeg;base64,') == len(report["reps"])


def test_a_failing_step_becomes_a_warning(session, tmp_path):
    result, report = session
    report = copy.deepcopy(report)
    write_json_atomic(tmp_path / "report.json", report)
    problems = write_feedback_files(report, result, tmp_path, video=tmp_path / "missing.mp4")
    assert len(problems) == 1 and "annotated video" in problems[0]
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert problems[0] in saved["tracking"]["warnings"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<video" not in page and "annotated video could not be written" in page
    assert (tmp_path / "report.csv").exists() and not (tmp_path / "annotated.webm").exists()


def test_no_video_keeps_the_thumbnails(session, written, tmp_path):
    result, report = session
    _, _, source = written
    problems = write_feedback_files(copy.deepcopy(report), result, tmp_path, video=None, source=source)
    assert problems == []
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<video " not in page and "data-seek=" not in page
    assert page.count('src="data:image/jpeg;base64,') == len(report["reps"])
    assert not (tmp_path / "annotated.webm").exists()


# --------------------------------------------------------------------------- in a browser


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1200,2000",
           "--virtual-time-budget=5000", *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)")
def test_report_renders_in_chromium(written, tmp_path):
    out, report, _ = written
    page = out / "report.html"
    shot = tmp_path / "report.png"
    done = chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.exists(), done.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (2000, 1200) and image.std() > 20  # not a blank page

    dom = chromium(page, tmp_path / "profile", "--dump-dom").stdout
    body = re.search(r"<body([^>]*)>", dom).group(1)
    assert 'data-video-ready="1"' in body, body  # the annotated video's metadata loaded
    # the plot and one thumbnail per rep, each laid out with a non-zero size and decoded
    assert f'data-figures-shown="{1 + len(report["reps"])}"' in body, body
    table = dom[dom.index('<table class="reps">'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-seek="([0-9.]+)"', table)
    assert len(rows) == len(report["reps"])
    assert [float(s) for s in rows] == pytest.approx([r["start_s"] for r in report["reps"]], abs=0.05)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)")
def test_injected_script_is_blocked_by_the_page_policy(written, tmp_path):
    out, _, _ = written
    page = tmp_path / "report.html"  # beside a copy of the video, as the report is shipped
    (tmp_path / "annotated.webm").write_bytes((out / "annotated.webm").read_bytes())
    html = (out / "report.html").read_text(encoding="utf-8")
    page.write_text(html.replace("</main>", "<script>document.body.dataset.injected = '1';</script></main>"),
                    encoding="utf-8")
    body = re.search(r"<body([^>]*)>", chromium(page, tmp_path / "profile", "--dump-dom").stdout).group(1)
    assert "data-injected" not in body
    assert 'data-video-ready="1"' in body  # while the page's own script ran
