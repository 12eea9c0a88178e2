"""report.html, the feedback report people read: one offline file a physiotherapist can print.

It shows the session against the prescribed dosage, what to fix in the seed's words and what
went well, a plot of the key angle with the reps, holds and faults marked
(:mod:`formcheck.report.key_angle_plot`), one table row per rep (a click plays that rep in
the annotated video), a thumbnail of each rep at its peak, and the tracking warnings.

It is one self-contained file that works offline: inline CSS, the plot as inline SVG, the
thumbnails as data URIs, one small inline script; only the annotated video is referenced,
by its relative file name, since it sits in the same folder. The page is the template
``templates/report.html.j2`` with ``page.css`` and ``report.js`` inlined
(:mod:`formcheck.report.page_kit`). Every piece of text that comes from outside (file names,
custom exercise names, cues) goes through Jinja2's autoescaping, and a
Content-Security-Policy that allows only the page's own script (by hash) and no network
keeps it inert even if escaping were ever bypassed. This module turns report.json (and the
session, when at hand) into the plain strings and numbers the template shows.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import numpy as np

from formcheck.rules.dosage import HOLD_TOLERANCE_S
from formcheck.report.key_angle_plot import fault_limits, key_angle_svg, key_unit, series_from, signal_label
from formcheck.report.page_kit import PAGE_CSS, created_text, inline_file, render_page, template_text, write_text_atomic

if TYPE_CHECKING:
    from formcheck.analyze.track import SessionResult
    from formcheck.rules.exercise import Exercise

HTML_NAME = "report.html"
VIDEO_NAME = "annotated.webm"
TEMPLATE = "report.html.j2"
SCRIPT = "report.js"


# --------------------------------------------------------------------------------------
# Numbers as the page says them


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


def _split_advice(message: str) -> tuple[str, str]:
    """'Problem: what to do' -> ('Problem', 'what to do')."""
    head, sep, tail = message.partition(": ")
    return (head, tail[:1].upper() + tail[1:]) if sep and len(head) < 140 else (message, "")


def _thumbnail_uri(image) -> str | None:
    """A BGR array, or a picture already JPEG-encoded (``.jpeg`` bytes: a long analysis keeps them so)."""
    import cv2

    encoded = getattr(image, "jpeg", None)
    if encoded is not None:
        return "data:image/jpeg;base64," + base64.b64encode(encoded).decode("ascii")
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


# --------------------------------------------------------------------------------------
# The rows of the tables


def _seek(t: float, t0: float) -> str:
    """A time of the session as a time of the annotated video, which starts at the session's first frame."""
    return f"{max(t - t0, 0.0):.3f}"


def rep_rows(report: dict, t0: float, unit: str, hold_target) -> list[dict]:
    """One row per rep: start, tempo up and down, range, peak, hold at the top, faults, tracking."""
    holds_by_rep = {h.get("rep"): h for h in report.get("holds", []) if h.get("rep") is not None}
    rows = []
    for r in report.get("reps", []):
        hold = holds_by_rep.get(r["index"])
        top_start = hold["start_s"] if hold else r["peak_s"]
        top_end = hold["end_s"] if hold else r["peak_s"]
        tracked, grade = _tracking(r.get("tracking"))
        hold_ok = None
        if hold_target:
            hold_ok = r["hold_s"] >= hold_target[0] - HOLD_TOLERANCE_S
        rows.append({
            "index": r["index"], "side": _side(r.get("side")), "start": _clock(r["start_s"]),
            "seek": _seek(r["start_s"], t0), "end_seek": _seek(r["end_s"], t0),
            "duration": f"{r['duration_s']:.1f} s",
            "up": f"{max(top_start - r['start_s'], 0):.1f}", "down": f"{max(r['end_s'] - top_end, 0):.1f}",
            "rom": _num(r.get("rom_deg"), unit), "peak": _num(r.get("peak_value"), unit),
            "hold": f"{r['hold_s']:.1f} s", "hold_ok": hold_ok,
            "faults": [_fault_view(f) for f in r.get("faults", [])],
            "tracking": tracked, "tracking_grade": grade,
        })
    return rows


def hold_rows(report: dict, t0: float, hold_target) -> list[dict]:
    """One row per hold of a hold exercise (a rep exercise's holds at the top are in its rep rows)."""
    if report.get("kind") != "hold":
        return []
    return [{"index": i, "side": _side(h.get("side")), "start": _clock(h["start_s"]),
             "seek": _seek(h["start_s"], t0), "end_seek": _seek(h["end_s"], t0),
             "duration": f"{h['duration_s']:.1f} s",
             "ok": None if not hold_target else h["duration_s"] >= hold_target[0] - HOLD_TOLERANCE_S,
             "faults": [_fault_view(f) for f in h.get("faults", [])]}
            for i, h in enumerate(report.get("holds", []), 1)]


def peak_thumbnails(report: dict, thumbnails: dict[int, np.ndarray] | None, t0: float, unit: str) -> list[dict]:
    """Each rep at its highest point, as a JPEG data URI with its caption; a click plays from there."""
    thumbs = []
    peaks = {r["index"]: r for r in report.get("reps", [])}
    for index, image in sorted((thumbnails or {}).items()):
        uri = _thumbnail_uri(image)
        r = peaks.get(index)
        if uri is None or r is None:
            continue
        thumbs.append({"index": index, "uri": uri, "width": image.shape[1], "height": image.shape[0],
                       "seek": _seek(r["peak_s"], t0), "side": _side(r.get("side")),
                       "peak": _num(r.get("peak_value"), unit), "time": _clock(r["peak_s"]),
                       "faulty": bool(r.get("faults"))})
    return thumbs


# --------------------------------------------------------------------------------------
# The summary


def dosage_counts(report: dict) -> list[tuple[str, int | str]]:
    """The big numbers of the summary: reps (each side when sided), or holds and time held."""
    summary = report.get("summary", {})
    if report.get("kind") == "hold":
        return [("Holds", len(report.get("holds", []))), ("Held", f"{summary.get('hold_s_total', 0):.0f} s")]
    by_side = summary.get("reps_by_side", {})
    if by_side.get("left") or by_side.get("right"):
        return [("Left", by_side.get("left", 0)), ("Right", by_side.get("right", 0))]
    return [("Reps", summary.get("rep_count", len(report.get("reps", []))))]


def plot_caption(report: dict, reps: list[dict], limits_shown: bool) -> str:
    """What the marks on the plot mean, naming only the marks this plot has."""
    caption = []
    if reps:
        caption.append("shaded bands are the counted reps (numbered; a red number had a fault)")
    if report.get("holds"):
        caption.append("hatched spans are holds")
    if any(r["faults"] for r in reps) or any(h.get("faults") for h in report.get("holds", [])):
        caption.append("diamonds mark where a fault was first seen")
    if limits_shown:
        caption.append("dashed lines are the limits the faults are judged against")
    text = "; ".join(caption)
    return text[:1].upper() + text[1:] + "." if text else ""


def _warnings(tracking: dict) -> dict:
    """The tracking warnings, and the wrong-camera-view one apart (issue 14).

    A view the exercise cannot be judged from makes every count on the page doubtful, so that
    warning (the first one when ``view_ok`` is false) is shown above the counts, not below.
    """
    split = [_split_advice(w) for w in tracking.get("warnings", [])]
    if tracking.get("view_ok") is False and split:
        return {"view_alert": split[0], "warnings": split[1:]}
    return {"view_alert": None, "warnings": split}


def tracking_line(tracking: dict) -> str:
    """How well the person was tracked, for the footer: frames with a pose and mean visibility."""
    frames = tracking.get("frames") or 0
    if not frames:
        return ""
    found = tracking.get("frames_with_pose", 0)
    return (f"Person found in {found} of {frames} frames ({found / frames:.0%}), mean landmark visibility "
            f"{tracking.get('mean_visibility', 0):.2f}")


# --------------------------------------------------------------------------------------
# The page


def page_context(report: dict, result: SessionResult | None = None, video_name: str | None = VIDEO_NAME,
                 thumbnails: dict[int, np.ndarray] | None = None) -> dict:
    """Everything the template shows, as plain strings and numbers (the template escapes them)."""
    exercise = result.exercise if result is not None else None
    summary = report.get("summary", {})
    unit = key_unit(report, exercise)
    targets = _targets(report, exercise)
    hold_target = targets.get("hold_s")
    series = series_from(report, result)
    t0 = float(series["t_s"][0]) if series and series.get("t_s") else 0.0
    reps = rep_rows(report, t0, unit, hold_target)
    source = str(report.get("source") or "")
    return {
        "title": report.get("exercise_name") or report.get("exercise") or "Exercise",
        "exercise_id": report.get("exercise", ""),
        "source_name": Path(source).name or source, "source": source,
        "created": created_text(report.get("created")),
        "duration": _duration(float(report.get("duration_s") or 0.0)),
        "view": report.get("view") or "",
        "recognised": _recognised(report.get("recognition")),
        "prescribed": summary.get("dosage", {}).get("prescribed", ""),
        "verdict": summary.get("dosage", {}).get("verdict", []),
        "counts": dosage_counts(report),
        "rep_target": _range(targets["reps"]) if targets.get("reps") else None,
        "hold_target": _range(hold_target, " s") if hold_target else None,
        "to_fix": summary.get("to_fix", []), "went_well": summary.get("went_well", []),
        "not_checked": summary.get("not_checked", []),
        **_warnings(report.get("tracking", {})),
        "tracking_line": tracking_line(report.get("tracking", {})),
        "sided": any(r.get("side") for r in report.get("reps", []) + report.get("holds", [])),
        "kind": report.get("kind", "reps"), "reps": reps, "holds": hold_rows(report, t0, hold_target),
        "thumbs": peak_thumbnails(report, thumbnails, t0, unit),
        "plot": key_angle_svg(report, series, exercise) if series else None,
        "plot_caption": plot_caption(report, reps, bool(fault_limits(report, exercise, unit))),
        "key_label": signal_label(report.get("key_signal") or "key signal"),
        "unit": unit,
        "video": quote(video_name) if video_name else None,
        "model": report.get("model"), "fps": report.get("fps"), "version": report.get("formcheck_version", ""),
    }


def content_security_policy(script: str) -> str:
    """No network, no plugins, no forms; of scripts only the page's own, named by its hash."""
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src 'self' file: blob:; "
            f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'")


def render_html(report: dict, result: SessionResult | None = None, video_name: str | None = VIDEO_NAME,
                thumbnails: dict[int, np.ndarray] | None = None) -> str:
    """report.html as a string (see :func:`write_html_report`)."""
    from markupsafe import Markup

    c = page_context(report, result, video_name, thumbnails)
    if c["plot"] is not None:
        c["plot"] = Markup(c["plot"])  # made by matplotlib here, which escapes the text it holds
    return render_page(TEMPLATE, c=c, css=inline_file(PAGE_CSS), script=inline_file(SCRIPT),
                       csp=content_security_policy(template_text(SCRIPT)))


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
    write_text_atomic(path, render_html(report, result, video_name, thumbnails))
    return path
