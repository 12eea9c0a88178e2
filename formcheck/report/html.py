"""The feedback report people read: report.html (one offline file) and report.csv.

report.html is a clinical summary a physiotherapist can print: the session against the
prescribed dosage, what to fix in the seed's words and what went well, a plot of the key
angle with the reps, holds and faults marked, one table row per rep (a click plays that rep
in the annotated video), a thumbnail of each rep at its peak, and the tracking warnings.

It is one self-contained file that works offline: inline CSS, the plot as inline SVG, the
thumbnails as data URIs, one small inline script; only the annotated video is referenced,
by its relative file name, since it sits in the same folder. Every piece of text that
comes from outside (file names, custom exercise names, cues) goes through Jinja2's
autoescaping, and a Content-Security-Policy that allows only the page's own script (by
hash) and no network keeps it inert even if escaping were ever bypassed.

report.csv has one row per rep for spreadsheets, with a guard against formula injection.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

if TYPE_CHECKING:
    from formcheck.analyze.track import SessionResult
    from formcheck.rules.exercise import Exercise

HTML_NAME = "report.html"
CSV_NAME = "report.csv"
VIDEO_NAME = "annotated.webm"
CSV_COLUMNS = ("index", "side", "start_s", "end_s", "duration_s", "rom_deg", "peak_value", "hold_s", "faults",
               "tracking")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ANGLE_MEASURES = {"angle", "floor_angle", "ceiling_angle", "elevation", "between", "depth_tilt", "body_roll",
                   "angle_3d"}

# Okabe-Ito: distinguishable with every common colour-vision deficiency, and in grey.
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#6b7280")


# --------------------------------------------------------------------------------------
# Files


def _write_text_atomic(path: Path, text: str, newline: str | None = None) -> None:
    """Write so a reader never sees half a file (temp file + rename), readable like any new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading quote; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_rows(report: dict) -> list[list[Any]]:
    rows = []
    for r in report.get("reps", []):
        rows.append([_csv_cell(v) for v in (
            r["index"], r.get("side") or "", r["start_s"], r["end_s"], r["duration_s"], r["rom_deg"],
            r["peak_value"], r["hold_s"], ";".join(str(f["code"]) for f in r.get("faults", [])),
            r.get("tracking"))])
    return rows


def write_csv(report: dict, out_dir: Path) -> Path:
    """report.csv: one row per rep (see CSV_COLUMNS), fault codes joined by ';'."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))
    path = Path(out_dir) / CSV_NAME
    _write_text_atomic(path, buf.getvalue(), newline="")
    return path


# --------------------------------------------------------------------------------------
# Plot of the key angle


def _signal_label(name: str) -> str:
    words = name.removesuffix("_deg").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _unit(report: dict, exercise: Exercise | None) -> str:
    name = report.get("key_signal") or ""
    if exercise is not None and name in exercise.signals:
        return "°" if exercise.signals[name].measure in _ANGLE_MEASURES else ""
    return "°" if name.endswith("_deg") else ""


def series_from(report: dict, result: SessionResult | None) -> dict | None:
    """The key signal over time: from the session when given, else from report.json's "series"."""
    if result is not None:
        from formcheck.report.build import key_series

        return key_series(result)
    series = report.get("series")
    if isinstance(series, dict) and series.get("t_s"):
        return series
    return None


def _thresholds(report: dict, exercise: Exercise | None, unit: str) -> list[tuple[float, str]]:
    """Limits of the faults judged on the key angle at the top of a rep: (value, label)."""
    if exercise is None:
        return []
    out = []
    for f in exercise.faults:
        if f.signal != report.get("key_signal") or f.relative:
            continue
        if f.below is not None:
            out.append((f.below, f"{_signal_label(f.code)} below {f.below:g}{unit}"))
        if f.above is not None:
            out.append((f.above, f"{_signal_label(f.code)} above {f.above:g}{unit}"))
    return out


def _plain(text: str) -> str:
    """Text for matplotlib without mathtext: a '$' in a custom name stays a dollar sign."""
    return str(text).replace("$", r"\$")


def key_angle_svg(report: dict, series: dict, exercise: Exercise | None = None) -> str | None:
    """The key angle over time as inline SVG: reps shaded and numbered, holds hatched, faults marked."""
    t = np.asarray(series.get("t_s", []), float)
    v = np.asarray([np.nan if x is None else x for x in series.get("key_value", [])], float)
    if len(t) < 2 or len(t) != len(v) or not np.isfinite(v).any():
        return None
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    unit = _unit(report, exercise)
    label = _signal_label(report.get("key_signal") or "key signal")
    rc = {"svg.fonttype": "path", "svg.hashsalt": "formcheck", "font.family": "DejaVu Sans", "font.size": 8.5,
          "axes.edgecolor": "#9aa3ad", "axes.labelcolor": "#374151", "xtick.color": "#4b5563",
          "ytick.color": "#4b5563", "hatch.linewidth": 0.8}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(8.4, 2.7), dpi=72)
        FigureCanvasSVG(fig)
        ax = fig.add_axes((0.075, 0.16, 0.915, 0.69))
        reps = report.get("reps", [])
        every = 1 if len(reps) <= 30 else 5 if len(reps) <= 150 else 10  # numbers that still fit
        for r in reps:
            faulty = bool(r.get("faults"))
            ax.axvspan(r["start_s"], r["end_s"], color=SKY, alpha=0.22, lw=0, zorder=0)
            if r["index"] % every and r["index"] != 1 and not faulty:
                continue
            ax.text(0.5 * (r["start_s"] + r["end_s"]), 0.97, str(r["index"]), transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=8, fontweight="bold" if faulty else "normal",
                    color=VERMILLION if faulty else "#1f2937", zorder=5,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
        for h in report.get("holds", []):
            ax.axvspan(h["start_s"], h["end_s"], facecolor="none", edgecolor=GREEN, hatch="////", lw=0, zorder=1)
        ax.plot(t, v, color=BLUE, lw=1.5, zorder=3, solid_joinstyle="round")
        for value, _text in _thresholds(report, exercise, unit):
            ax.axhline(value, color=GREY, lw=0.9, ls=(0, (4, 3)), zorder=2)
        fault_t = [f["at_s"] for item in report.get("reps", []) + report.get("holds", [])
                   for f in item.get("faults", [])]
        finite = np.isfinite(v)
        if fault_t:
            fv = np.interp(fault_t, t[finite], v[finite])
            ax.plot(fault_t, fv, ls="none", marker="D", ms=6.5, mfc=VERMILLION, mec="white", mew=1.0, zorder=4)
        lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
        for value, _text in _thresholds(report, exercise, unit):
            lo, hi = min(lo, value), max(hi, value)
        pad = max(0.08 * (hi - lo), 2.0)
        ax.set_ylim(lo - pad, hi + 2.6 * pad)
        ax.set_xlim(t[0], t[-1])
        ax.set_xlabel("time (s)")
        ax.set_ylabel(_plain(f"{label} ({unit.strip() or 'value'})"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#e5e7eb", lw=0.6)
        ax.set_axisbelow(True)
        handles = [Line2D([], [], color=BLUE, lw=1.5, label=_plain(label))]
        if report.get("reps"):
            handles.append(Patch(facecolor=SKY, alpha=0.35, label="rep (numbered)"))
        if report.get("holds"):
            handles.append(Patch(facecolor="none", edgecolor=GREEN, hatch="////", label="hold"))
        if fault_t:
            handles.append(Line2D([], [], ls="none", marker="D", ms=6.5, mfc=VERMILLION, mec="white",
                                  label="fault"))
        for value, text in _thresholds(report, exercise, unit)[:3]:
            handles.append(Line2D([], [], color=GREY, lw=0.9, ls=(0, (4, 3)), label=_plain(text)))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles), frameon=False,
                  fontsize=8, handlelength=1.8, columnspacing=1.2, borderaxespad=0.2)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE: the SVG is inlined in HTML
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="plot-svg" role="img"', svg,
                  count=1)


# --------------------------------------------------------------------------------------
# What the page shows


def _clock(t: float) -> str:
    m, s = divmod(max(float(t), 0.0), 60.0)
    return f"{int(m)}:{s:04.1f}"


def _duration(sec: float) -> str:
    if sec < 60:
        return f"{sec:.1f} s"
    m, s = divmod(round(sec), 60)
    return f"{m} min {s:02d} s"


def _num(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.{digits}f}{unit}"


def _recognised(entry) -> str:
    """``--exercise auto``: how sure the recogniser was, and which stretch of the video this set is."""
    if not isinstance(entry, dict) or not entry.get("text"):
        return ""
    text = str(entry["text"]).removeprefix("recognised: ")
    start, end = entry.get("start_s"), entry.get("end_s")
    span = f", {start:.0f}-{end:.0f} s of the video" if isinstance(start, (int, float)) and isinstance(end, (int, float)) else ""
    return f"recognised automatically: {text}{span}"


def _created(text: str | None) -> str:
    if not text:
        return "–"
    try:
        when = datetime.fromisoformat(text).astimezone()
    except ValueError:
        return text
    return f"{when.day} {when:%b %Y, %H:%M} {when.tzname() or ''}".strip()


def _split_advice(message: str) -> tuple[str, str]:
    """'Problem: what to do' -> ('Problem', 'what to do')."""
    head, sep, tail = message.partition(": ")
    return (head, tail[:1].upper() + tail[1:]) if sep and len(head) < 140 else (message, "")


def _thumbnail_uri(image: np.ndarray) -> str | None:
    import cv2

    ok, data = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), 82])
    return "data:image/jpeg;base64," + base64.b64encode(data.tobytes()).decode("ascii") if ok else None


def _targets(report: dict, exercise: Exercise | None) -> dict:
    if exercise is not None:
        d = exercise.dosage
        return {"reps": d.reps, "hold_s": d.hold_s, "holds": d.holds}
    return report.get("summary", {}).get("dosage", {}).get("target") or {}


def _range(pair, unit: str = "") -> str:
    lo, hi = pair
    return f"{lo:g}{unit}" if lo == hi else f"{lo:g}–{hi:g}{unit}"


def _side(side: str | None) -> str:
    return side.capitalize() if side else "–"


def _tracking(fraction: float | None) -> tuple[str, str]:
    if fraction is None:
        return "–", "na"
    grade = "good" if fraction >= 0.95 else "fair" if fraction >= 0.8 else "poor"
    return f"{fraction:.0%}", grade


def _fault_view(f: dict) -> dict:
    code = str(f.get("code", ""))
    return {"cue": f.get("cue") or code, "message": f.get("message") or code,
            "confidence": f.get("confidence", "high")}


def page_context(report: dict, result: SessionResult | None = None, video_name: str | None = VIDEO_NAME,
                 thumbnails: dict[int, np.ndarray] | None = None) -> dict:
    """Everything the template shows, as plain strings and numbers (the template escapes them)."""
    exercise = result.exercise if result is not None else None
    summary = report.get("summary", {})
    unit = _unit(report, exercise)
    targets = _targets(report, exercise)
    hold_target = targets.get("hold_s")
    series = series_from(report, result)
    t0 = float(series["t_s"][0]) if series and series.get("t_s") else 0.0
    holds_by_rep = {h.get("rep"): h for h in report.get("holds", []) if h.get("rep") is not None}

    reps = []
    for r in report.get("reps", []):
        hold = holds_by_rep.get(r["index"])
        top_start = hold["start_s"] if hold else r["peak_s"]
        top_end = hold["end_s"] if hold else r["peak_s"]
        tracked, grade = _tracking(r.get("tracking"))
        hold_ok = None
        if hold_target:
            hold_ok = r["hold_s"] >= hold_target[0] - 0.25
        reps.append({
            "index": r["index"], "side": _side(r.get("side")), "start": _clock(r["start_s"]),
            "seek": f"{max(r['start_s'] - t0, 0.0):.3f}", "end_seek": f"{max(r['end_s'] - t0, 0.0):.3f}",
            "duration": f"{r['duration_s']:.1f} s",
            "up": f"{max(top_start - r['start_s'], 0):.1f}", "down": f"{max(r['end_s'] - top_end, 0):.1f}",
            "rom": _num(r.get("rom_deg"), unit), "peak": _num(r.get("peak_value"), unit),
            "hold": f"{r['hold_s']:.1f} s", "hold_ok": hold_ok,
            "faults": [_fault_view(f) for f in r.get("faults", [])],
            "tracking": tracked, "tracking_grade": grade,
        })

    holds = []
    if report.get("kind") == "hold":
        for i, h in enumerate(report.get("holds", []), 1):
            holds.append({"index": i, "side": _side(h.get("side")), "start": _clock(h["start_s"]),
                          "seek": f"{max(h['start_s'] - t0, 0.0):.3f}",
                          "end_seek": f"{max(h['end_s'] - t0, 0.0):.3f}",
                          "duration": f"{h['duration_s']:.1f} s",
                          "ok": None if not hold_target else h["duration_s"] >= hold_target[0] - 0.25,
                          "faults": [_fault_view(f) for f in h.get("faults", [])]})

    thumbs = []
    peaks = {r["index"]: r for r in report.get("reps", [])}
    for index, image in sorted((thumbnails or {}).items()):
        uri = _thumbnail_uri(image)
        r = peaks.get(index)
        if uri is None or r is None:
            continue
        thumbs.append({"index": index, "uri": uri, "width": image.shape[1], "height": image.shape[0],
                       "seek": f"{max(r['peak_s'] - t0, 0.0):.3f}", "side": _side(r.get("side")),
                       "peak": _num(r.get("peak_value"), unit), "time": _clock(r["peak_s"]),
                       "faulty": bool(r.get("faults"))})

    by_side = summary.get("reps_by_side", {})
    sided = bool(by_side.get("left") or by_side.get("right"))
    counts = ([("Left", by_side.get("left", 0)), ("Right", by_side.get("right", 0))] if sided
              else [("Reps", summary.get("rep_count", len(reps)))])
    if report.get("kind") == "hold":
        counts = [("Holds", len(report.get("holds", []))),
                  ("Held", f"{summary.get('hold_s_total', 0):.0f} s")]
    tracking = report.get("tracking", {})
    frames = tracking.get("frames") or 0
    source = str(report.get("source") or "")
    plot = key_angle_svg(report, series, exercise) if series else None
    caption = []
    if reps:
        caption.append("shaded bands are the counted reps (numbered; a red number had a fault)")
    if report.get("holds"):
        caption.append("hatched spans are holds")
    if any(r["faults"] for r in reps) or any(h.get("faults") for h in report.get("holds", [])):
        caption.append("diamonds mark where a fault was first seen")
    if exercise is not None and _thresholds(report, exercise, unit):
        caption.append("dashed lines are the limits the faults are judged against")
    plot_caption = "; ".join(caption)
    plot_caption = plot_caption[:1].upper() + plot_caption[1:] + "." if plot_caption else ""
    return {
        "title": report.get("exercise_name") or report.get("exercise") or "Exercise",
        "exercise_id": report.get("exercise", ""),
        "source_name": Path(source).name or source, "source": source,
        "created": _created(report.get("created")),
        "duration": _duration(float(report.get("duration_s") or 0.0)),
        "view": report.get("view") or "",
        "recognised": _recognised(report.get("recognition")),
        "prescribed": summary.get("dosage", {}).get("prescribed", ""),
        "verdict": summary.get("dosage", {}).get("verdict", []),
        "counts": counts,
        "rep_target": _range(targets["reps"]) if targets.get("reps") else None,
        "hold_target": _range(hold_target, " s") if hold_target else None,
        "to_fix": summary.get("to_fix", []), "went_well": summary.get("went_well", []),
        "not_checked": summary.get("not_checked", []),
        "warnings": [_split_advice(w) for w in tracking.get("warnings", [])],
        "tracking_line": (f"Person found in {tracking.get('frames_with_pose', 0)} of {frames} frames"
                          f" ({tracking.get('frames_with_pose', 0) / frames:.0%}), mean landmark visibility "
                          f"{tracking.get('mean_visibility', 0):.2f}") if frames else "",
        "sided": any(r.get("side") for r in report.get("reps", []) + report.get("holds", [])),
        "kind": report.get("kind", "reps"), "reps": reps, "holds": holds, "thumbs": thumbs,
        "plot": plot, "plot_caption": plot_caption,
        "key_label": _signal_label(report.get("key_signal") or "key signal"),
        "unit": unit,
        "video": quote(video_name) if video_name else None,
        "model": report.get("model"), "fps": report.get("fps"), "version": report.get("formcheck_version", ""),
    }


# --------------------------------------------------------------------------------------
# The page

_SCRIPT = """
(function () {
  var body = document.body, video = document.getElementById("video");
  function ready() { body.dataset.videoReady = "1"; }
  if (video) {
    if (video.readyState >= 1) { ready(); } else { video.addEventListener("loadedmetadata", ready); }
    video.addEventListener("error", function () {
      body.dataset.videoReady = "error";
      var note = document.getElementById("video-missing");
      if (note) { note.hidden = false; }
    });
  }
  var targets = Array.prototype.slice.call(document.querySelectorAll("[data-seek]"));
  function seek(el) {
    if (!video) { return; }
    video.currentTime = parseFloat(el.getAttribute("data-seek"));
    video.scrollIntoView({behavior: "smooth", block: "nearest"});
    var p = video.play();
    if (p && p.catch) { p.catch(function () {}); }
  }
  targets.forEach(function (el) {
    el.addEventListener("click", function () { seek(el); });
    el.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); seek(el); }
    });
  });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-seek]"));
  if (video) {
    video.addEventListener("timeupdate", function () {
      var t = video.currentTime;
      rows.forEach(function (row) {
        var on = t >= parseFloat(row.getAttribute("data-seek")) && t <= parseFloat(row.getAttribute("data-end"));
        row.classList.toggle("playing", on);
      });
    });
  }
  window.addEventListener("load", function () {
    var shown = 0;
    document.querySelectorAll(".plot-svg, .thumbs img").forEach(function (el) {
      var box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && (el.tagName !== "IMG" || el.naturalWidth > 0)) { shown += 1; }
    });
    body.dataset.figuresShown = String(shown);
  });
})();
"""

_CSS = """
:root {
  --ink: #1b1f24; --muted: #5b6470; --rule: #d9dee4; --panel: #f5f7f9;
  --blue: #0072B2; --sky: #56B4E9; --green: #007a5a; --green-bg: #e6f4ef;
  --verm: #b34e00; --verm-bg: #fbeee4; --amber-bg: #fdf4de; --amber: #8a5a00;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
        "Liberation Sans", Arial, sans-serif;
  font-variant-numeric: tabular-nums;
}
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 40px; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 28px; font-weight: 700; letter-spacing: -0.01em; }
h2 { font-size: 17px; font-weight: 650; margin-bottom: 10px; }
h3 { font-size: 13px; font-weight: 650; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted);
     margin-bottom: 8px; }
section { margin-top: 28px; }
.eyebrow { font-size: 12px; font-weight: 600; letter-spacing: 0.12em; text-transform: uppercase; color: var(--blue); }
header { border-bottom: 2px solid var(--ink); padding-bottom: 14px; }
header .title { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px; flex-wrap: wrap; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 12px 0 0; font-size: 14px; }
.meta div { display: flex; gap: 6px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.summary { display: grid; grid-template-columns: 1.15fr 1fr 1fr; gap: 16px; }
.card { border: 1px solid var(--rule); border-radius: 10px; padding: 16px 18px; background: #fff; }
.card.dosage { background: var(--panel); }
.counts { display: flex; gap: 22px; margin: 2px 0 10px; }
.count .n { font-size: 34px; font-weight: 700; line-height: 1.1; }
.count .n small { font-size: 15px; font-weight: 500; color: var(--muted); }
.count .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; }
.prescribed { font-size: 13px; color: var(--muted); margin: 0 0 8px; }
.verdict { margin: 0; padding: 0; list-style: none; font-size: 14px; }
.verdict li { padding: 3px 0; border-top: 1px solid var(--rule); }
.verdict li:first-child { border-top: 0; }
ul.marks, ol.marks { margin: 0; padding: 0; list-style: none; }
.marks li { position: relative; padding: 3px 0 3px 28px; font-size: 14px; }
.marks li::before { position: absolute; left: 0; top: 4px; width: 19px; height: 19px; border-radius: 50%;
  font-size: 12px; font-weight: 700; line-height: 19px; text-align: center; }
.fix h3 { color: var(--verm); }
.fix ol { counter-reset: fix; }
.fix li { counter-increment: fix; }
.fix li::before { content: counter(fix); background: var(--verm-bg); color: var(--verm); border: 1px solid var(--verm); }
.well h3 { color: var(--green); }
.well li::before { content: "\\2713"; background: var(--green-bg); color: var(--green); border: 1px solid var(--green); }
.none { color: var(--muted); font-size: 14px; margin: 0; }
.warnings { display: grid; gap: 8px; }
.warning { border-left: 4px solid #E69F00; background: var(--amber-bg); border-radius: 0 8px 8px 0; padding: 9px 14px;
  font-size: 14px; }
.warning b { color: #5c3d00; }
.warning .advice { display: block; color: #3d2a00; }
.figure { border: 1px solid var(--rule); border-radius: 10px; padding: 12px 14px 6px; }
.plot-svg { display: block; width: 100%; height: auto; }
.caption { font-size: 12.5px; color: var(--muted); margin: 6px 0 0; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
.scroll { overflow-x: auto; }
th { text-align: left; font-size: 12px; font-weight: 650; color: var(--muted); text-transform: uppercase;
  letter-spacing: 0.04em; padding: 8px 10px; border-bottom: 2px solid var(--ink); vertical-align: bottom; }
th small { display: block; font-weight: 500; text-transform: none; letter-spacing: 0; }
td { padding: 8px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.rep { font-weight: 700; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr[data-seek] { cursor: pointer; }
tr[data-seek]:hover { background: #eef6fc; }
tr[data-seek]:focus { outline: 2px solid var(--blue); outline-offset: -2px; }
tr.playing { background: #e1f0fa !important; box-shadow: inset 4px 0 0 var(--blue); }
.tempo { display: block; font-size: 12px; color: var(--muted); }
.ok { color: var(--green); font-weight: 700; }
.short { color: var(--muted); }
.good-form { color: var(--green); }
.good-form::before { content: "\\2713  "; font-weight: 700; }
.fault { display: block; color: var(--verm); }
.fault::before { content: "\\25C6  "; font-size: 11px; }
.fault .conf { color: var(--muted); font-size: 12px; }
.trk { white-space: nowrap; }
.trk::before { content: ""; display: inline-block; width: 9px; height: 9px; margin-right: 6px; border-radius: 2px;
  vertical-align: 0; }
.trk.good::before { background: #009E73; border-radius: 50%; }
.trk.fair::before { background: #E69F00; }
.trk.poor::before { background: #D55E00; transform: rotate(45deg); }
.thumbs { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
.thumbs figure { margin: 0; cursor: pointer; }
.thumbs img { display: block; width: 100%; height: auto; border-radius: 6px; border: 1px solid var(--rule); }
.thumbs figure.faulty img { border: 2px solid #D55E00; }
.thumbs figcaption { font-size: 12.5px; margin-top: 4px; color: var(--muted); }
.thumbs figcaption b { color: var(--ink); }
.work { display: grid; grid-template-columns: minmax(0, 1fr); gap: 24px; align-items: start; }
.work.with-video { grid-template-columns: minmax(0, 1fr) 380px; }
.tables h2 ~ h2 { margin-top: 24px; }
.player .sticky { position: sticky; top: 12px; }
video { display: block; width: 100%; max-height: 70vh; background: #111; border-radius: 10px; }
td.form { min-width: 180px; }
table.holds { width: auto; min-width: 60%; }
.hint { font-size: 12.5px; color: var(--muted); font-weight: 400; }
.muted { color: var(--muted); }
.notchecked li { font-size: 14px; }
footer { margin-top: 34px; padding-top: 12px; border-top: 1px solid var(--rule); font-size: 12.5px; color: var(--muted); }
footer p { margin: 4px 0; }
.print-only { display: none; }
@media (max-width: 1000px) {
  .work.with-video { grid-template-columns: minmax(0, 1fr); }
  .player { order: -1; }
}
@media (max-width: 860px) {
  main { padding: 18px 14px 30px; }
  .summary { grid-template-columns: 1fr; }
  .hide-narrow { display: none; }
}
@media print {
  @page { size: A4; margin: 13mm 12mm; }
  body { font-size: 10.5pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  section { margin-top: 16px; }
  .no-print, .hint { display: none !important; }
  .work.with-video { grid-template-columns: minmax(0, 1fr); }
  .print-only { display: block; }
  .summary { grid-template-columns: 1.15fr 1fr 1fr; gap: 10px; }
  .card, .figure, .warning, tr, .thumbs figure { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  tr[data-seek]:hover, tr.playing { background: none !important; box-shadow: none; }
  tbody tr:nth-child(even) { background: #fafbfc; }
  .thumbs { grid-template-columns: repeat(6, 1fr); gap: 8px; }
  td, th { padding: 5px 7px; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="formcheck {{ c.version }}">
<title>{{ c.title }}: exercise report ({{ c.source_name }})</title>
<style>{{ css }}</style>
</head>
<body>
<main>
<header>
  <div class="title">
    <div>
      <div class="eyebrow">Exercise report</div>
      <h1>{{ c.title }}</h1>
    </div>
  </div>
  <dl class="meta">
    <div><dt>Video</dt><dd title="{{ c.source }}">{{ c.source_name }}</dd></div>
    <div><dt>Analysed</dt><dd>{{ c.created }}</dd></div>
    <div><dt>Length</dt><dd>{{ c.duration }}</dd></div>
    {% if c.view %}<div><dt>Camera</dt><dd>{{ c.view }} view</dd></div>{% endif %}
    {% if c.recognised %}<div><dt>Exercise</dt><dd>{{ c.recognised }}</dd></div>{% endif %}
  </dl>
</header>

<section class="summary" aria-label="Summary">
  <div class="card dosage">
    <h3>Against the prescription</h3>
    <div class="counts">
      {% for label, n in c.counts %}
      <div class="count"><div class="n">{{ n }}{% if c.rep_target and c.kind != 'hold' %} <small>/ {{ c.rep_target }}</small>{% endif %}</div>
        <div class="label">{{ label }}</div></div>
      {% endfor %}
    </div>
    {% if c.prescribed %}<p class="prescribed">Prescribed: {{ c.prescribed }}</p>{% endif %}
    <ul class="verdict">{% for line in c.verdict %}<li>{{ line }}</li>{% endfor %}</ul>
  </div>
  <div class="card fix">
    <h3>To work on</h3>
    {% if c.to_fix %}<ol class="marks">{% for line in c.to_fix %}<li>{{ line }}</li>{% endfor %}</ol>
    {% else %}<p class="none">No form faults were seen in the checks this camera view allows.</p>{% endif %}
  </div>
  <div class="card well">
    <h3>Went well</h3>
    {% if c.went_well %}<ul class="marks">{% for line in c.went_well %}<li>{{ line }}</li>{% endfor %}</ul>
    {% else %}<p class="none">Nothing to highlight yet.</p>{% endif %}
  </div>
</section>

{% if c.warnings %}
<section aria-label="Tracking warnings">
  <h2>Tracking warnings</h2>
  <div class="warnings">
    {% for head, advice in c.warnings %}
    <div class="warning"><b>{{ head }}</b>{% if advice %}<span class="advice">{{ advice }}</span>{% endif %}</div>
    {% endfor %}
  </div>
</section>
{% endif %}

{% if c.plot %}
<section aria-label="Key angle over time">
  <h2>{{ c.key_label }} over time</h2>
  <div class="figure">
    {{ c.plot }}
  </div>
  <p class="caption">{{ c.plot_caption }}</p>
</section>
{% endif %}

{% if c.reps or c.holds %}
<section class="work{{ ' with-video' if c.video else '' }}" aria-label="Repetitions and video">
<div class="tables">
{% if c.reps %}
  <h2>Repetitions {% if c.video %}<span class="hint">· click a rep to play it</span>{% endif %}</h2>
  <div class="scroll"><table class="reps">
    <thead><tr>
      <th class="num">Rep</th>{% if c.sided %}<th>Side</th>{% endif %}<th class="num">Start</th>
      <th class="num">Duration<small>up / down</small></th>
      <th class="num">Range</th><th class="num">Peak</th>
      <th class="num">Hold{% if c.hold_target %}<small>target {{ c.hold_target }}</small>{% endif %}</th>
      <th>Form</th><th>Tracking</th>
    </tr></thead>
    <tbody>
    {% for r in c.reps %}
      <tr {% if c.video %}data-seek="{{ r.seek }}" data-end="{{ r.end_seek }}" tabindex="0" title="Play rep {{ r.index }}"{% endif %}>
        <td class="num rep">{{ r.index }}</td>
        {% if c.sided %}<td>{{ r.side }}</td>{% endif %}
        <td class="num">{{ r.start }}</td>
        <td class="num">{{ r.duration }}<span class="tempo">{{ r.up }} / {{ r.down }} s</span></td>
        <td class="num">{{ r.rom }}</td>
        <td class="num">{{ r.peak }}</td>
        <td class="num">{{ r.hold }}{% if r.hold_ok %} <span class="ok" title="target reached">&#10003;</span>{% endif %}</td>
        <td class="form">{% for f in r.faults %}<span class="fault" title="{{ f.message }}">{{ f.cue }}{% if f.confidence != 'high' %} <span class="conf">({{ f.confidence }} confidence)</span>{% endif %}</span>{% else %}<span class="good-form">Good form</span>{% endfor %}</td>
        <td><span class="trk {{ r.tracking_grade }}">{{ r.tracking }}</span></td>
      </tr>
    {% endfor %}
    </tbody>
  </table></div>
{% endif %}
{% if c.holds %}
  <h2>Holds {% if c.video %}<span class="hint">· click a hold to play it</span>{% endif %}</h2>
  <div class="scroll"><table class="holds">
    <thead><tr><th class="num">Hold</th>{% if c.sided %}<th>Side</th>{% endif %}<th class="num">Start</th>
      <th class="num">Duration{% if c.hold_target %}<small>target {{ c.hold_target }}</small>{% endif %}</th><th>Form</th></tr></thead>
    <tbody>
    {% for h in c.holds %}
      <tr {% if c.video %}data-seek="{{ h.seek }}" data-end="{{ h.end_seek }}" tabindex="0" title="Play hold {{ h.index }}"{% endif %}>
        <td class="num rep">{{ h.index }}</td>{% if c.sided %}<td>{{ h.side }}</td>{% endif %}<td class="num">{{ h.start }}</td>
        <td class="num">{{ h.duration }}{% if h.ok %} <span class="ok" title="target reached">&#10003;</span>{% endif %}</td>
        <td class="form">{% for f in h.faults %}<span class="fault" title="{{ f.message }}">{{ f.cue }}</span>{% else %}<span class="good-form">Steady</span>{% endfor %}</td>
      </tr>
    {% endfor %}
    </tbody>
  </table></div>
{% endif %}
</div>
{% if c.video %}
<aside class="player no-print" aria-label="Annotated video">
  <div class="sticky">
    <h2>Annotated video</h2>
    <video id="video" controls preload="auto" playsinline src="{{ c.video }}"></video>
    <p class="caption" id="video-missing" hidden>The video {{ c.video }} was not found next to this report:
      keep the two files in the same folder.</p>
  </div>
</aside>
{% endif %}
</section>
{% endif %}

{% if c.thumbs %}
<section aria-label="Each rep at its peak">
  <h2>Each rep at its highest point</h2>
  <div class="thumbs">
    {% for t in c.thumbs %}
    <figure {% if c.video %}data-seek="{{ t.seek }}" tabindex="0"{% endif %} class="{{ 'faulty' if t.faulty else '' }}">
      <img src="{{ t.uri }}" width="{{ t.width }}" height="{{ t.height }}" alt="Rep {{ t.index }} at its peak">
      <figcaption><b>Rep {{ t.index }}</b> · {{ t.peak }} · {{ t.time }}{% if t.side != '–' %} · {{ t.side }}{% endif %}</figcaption>
    </figure>
    {% endfor %}
  </div>
</section>
{% endif %}

{% if c.not_checked %}
<section class="notchecked" aria-label="Not checked">
  <h2>Not checked from this camera view</h2>
  <ul>{% for line in c.not_checked %}<li>{{ line }}</li>{% endfor %}</ul>
</section>
{% endif %}

<footer>
  {% if c.tracking_line %}<p>Tracking: {{ c.tracking_line }}.</p>{% endif %}
  <p>formcheck {{ c.version }}{% if c.model %} · pose model {{ c.model }}{% endif %}{% if c.fps %} · {{ '%.1f' % c.fps }} frames/s{% endif %}{% if c.video %}<span class="print-only">Annotated video: {{ c.video }}</span>{% endif %}</p>
  <p>Angles are measured from video in the image plane and can be off by a few degrees. This report supports, and
    does not replace, the judgement of your physiotherapist.</p>
</footer>
</main>
<script>{{ script }}</script>
</body>
</html>
"""


def _environment():
    from jinja2 import Environment, StrictUndefined

    return Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: dict, result: SessionResult | None = None, video_name: str | None = VIDEO_NAME,
                thumbnails: dict[int, np.ndarray] | None = None) -> str:
    """report.html as a string (see :func:`write_html_report`)."""
    from markupsafe import Markup

    c = page_context(report, result, video_name, thumbnails)
    if c["plot"] is not None:
        c["plot"] = Markup(c["plot"])  # made by matplotlib here, which escapes the text it holds
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src 'self' file: blob:; "
           f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'")
    template = _environment().from_string(_TEMPLATE)
    return template.render(c=c, css=Markup(_CSS), script=Markup(_SCRIPT), csp=csp)


def write_html_report(report: dict, out_dir: Path, result: SessionResult | None = None,
                      video_name: str | None = VIDEO_NAME,
                      thumbnails: dict[int, np.ndarray] | None = None) -> Path:
    """Write report.html into ``out_dir`` and return its path.

    ``result`` (the analysed session) gives the plot full detail and the fault limits; without
    it the plot comes from report.json's "series" and is left out when there is none.
    ``video_name``: the annotated video beside the report, or None for no video element.
    ``thumbnails``: rep index -> BGR image of the rep's peak frame (from
    :func:`formcheck.report.annotated_video.write_annotated_video`).
    """
    path = Path(out_dir) / HTML_NAME
    _write_text_atomic(path, render_html(report, result, video_name, thumbnails))
    return path
