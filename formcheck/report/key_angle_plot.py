"""The plot of report.html: the key angle over time, with the reps, holds and faults marked.

A physiotherapist reads a session at a glance from it: how high each rep went, where the
holds were, where a fault was first seen and against which limits the faults are judged.
It is drawn with matplotlib into inline SVG (text as paths, a fixed hash salt and no date,
so the same session always gives the same bytes) and in Okabe-Ito colours, which stay
distinguishable with every common colour-vision deficiency and in grey.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import numpy as np

from formcheck.report.page_kit import BLUE, GREEN, GREY, SKY, VERMILLION

if TYPE_CHECKING:
    from formcheck.analyze.track import SessionResult
    from formcheck.rules.exercise import Exercise

_ANGLE_MEASURES = {"angle", "floor_angle", "ceiling_angle", "elevation", "between", "depth_tilt", "body_roll",
                   "angle_3d"}
_SVG_STYLE = {"svg.fonttype": "path", "svg.hashsalt": "formcheck", "font.family": "DejaVu Sans", "font.size": 8.5,
              "axes.edgecolor": "#9aa3ad", "axes.labelcolor": "#374151", "xtick.color": "#4b5563",
              "ytick.color": "#4b5563", "hatch.linewidth": 0.8}
_LIMIT_LINE = {"color": GREY, "lw": 0.9, "ls": (0, (4, 3))}


def signal_label(name: str) -> str:
    """'hip_extension_deg' -> 'Hip extension': a signal or fault code as a heading."""
    words = name.removesuffix("_deg").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def key_unit(report: dict, exercise: Exercise | None) -> str:
    """'°' when the key signal is an angle, else '' (a distance or a ratio has no unit here)."""
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


def fault_limits(report: dict, exercise: Exercise | None, unit: str) -> list[tuple[float, str]]:
    """Limits of the faults judged on the key angle at the top of a rep: (value, label)."""
    if exercise is None:
        return []
    out = []
    for f in exercise.faults:
        if f.signal != report.get("key_signal") or f.relative:
            continue
        if f.below is not None:
            out.append((f.below, f"{signal_label(f.code)} below {f.below:g}{unit}"))
        if f.above is not None:
            out.append((f.above, f"{signal_label(f.code)} above {f.above:g}{unit}"))
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

    unit = key_unit(report, exercise)
    label = signal_label(report.get("key_signal") or "key signal")
    limits = fault_limits(report, exercise, unit)
    with matplotlib.rc_context(_SVG_STYLE):
        fig = Figure(figsize=(8.4, 2.7), dpi=72)
        FigureCanvasSVG(fig)
        ax = fig.add_axes((0.075, 0.16, 0.915, 0.69))
        _shade_reps_and_holds(ax, report)
        ax.plot(t, v, color=BLUE, lw=1.5, zorder=3, solid_joinstyle="round")
        for value, _text in limits:
            ax.axhline(value, zorder=2, **_LIMIT_LINE)
        faults_marked = _mark_faults(ax, report, t, v)
        _scale_axes(ax, t, v, limits, f"{label} ({unit.strip() or 'value'})")
        _legend(ax, report, label, faults_marked, limits)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _inline_svg(buf.getvalue())


def _shade_reps_and_holds(ax, report: dict) -> None:
    """Each rep a shaded band with its number (red and bold when it had a fault), each hold hatched."""
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


def _mark_faults(ax, report: dict, t: np.ndarray, v: np.ndarray) -> bool:
    """A diamond on the curve where each fault of a rep or hold was first seen; False when there is none."""
    fault_t = [f["at_s"] for item in report.get("reps", []) + report.get("holds", [])
               for f in item.get("faults", [])]
    finite = np.isfinite(v)
    if fault_t:
        fv = np.interp(fault_t, t[finite], v[finite])
        ax.plot(fault_t, fv, ls="none", marker="D", ms=6.5, mfc=VERMILLION, mec="white", mew=1.0, zorder=4)
    return bool(fault_t)


def _scale_axes(ax, t: np.ndarray, v: np.ndarray, limits: list[tuple[float, str]], y_label: str) -> None:
    """Room for the curve and every fault limit, with space on top for the rep numbers and the legend."""
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    for value, _text in limits:
        lo, hi = min(lo, value), max(hi, value)
    pad = max(0.08 * (hi - lo), 2.0)
    ax.set_ylim(lo - pad, hi + 2.6 * pad)
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel("time (s)")
    ax.set_ylabel(_plain(y_label))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e5e7eb", lw=0.6)
    ax.set_axisbelow(True)


def _legend(ax, report: dict, label: str, faults_marked: bool, limits: list[tuple[float, str]]) -> None:
    """One line of legend above the plot, naming only what the plot shows (at most three limits)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=BLUE, lw=1.5, label=_plain(label))]
    if report.get("reps"):
        handles.append(Patch(facecolor=SKY, alpha=0.35, label="rep (numbered)"))
    if report.get("holds"):
        handles.append(Patch(facecolor="none", edgecolor=GREEN, hatch="////", label="hold"))
    if faults_marked:
        handles.append(Line2D([], [], ls="none", marker="D", ms=6.5, mfc=VERMILLION, mec="white", label="fault"))
    for _value, text in limits[:3]:
        handles.append(Line2D([], [], label=_plain(text), **_LIMIT_LINE))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles), frameon=False,
              fontsize=8, handlelength=1.8, columnspacing=1.2, borderaxespad=0.2)


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG file as an element inside HTML: no XML declaration, DOCTYPE, metadata or fixed size."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="plot-svg" role="img"', svg,
                  count=1)
