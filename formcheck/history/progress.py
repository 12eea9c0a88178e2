"""Progress over weeks: range of motion, reps, holds and fault rate per session, and adherence.

``formcheck progress --exercise ID`` reads the history (formcheck.history.store) and writes
progress.png and a self-contained progress.html, and prints a short summary.

Adherence follows the seed's general cue "stay consistent: at least three to four times a
week" (MRC). A *session*, for adherence, is a calendar day with at least one recorded
exercise, of any exercise: doing bridges and clamshells on Monday is one session, and a
bridge set in the morning and another in the evening is one session too. Weeks run Monday
to Sunday; the current week is marked "so far" rather than judged as missed.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from formcheck.history.store import StoredSession
from formcheck.report.page_kit import BLUE, GREEN, ORANGE, SKY, VERMILLION, inline_file, render_page, write_text_atomic

#: "at least three to four times a week" (shared/seeds, MRC): three days is the least that meets it.
SESSIONS_PER_WEEK = (3, 4)
PNG_NAME = "progress.png"
HTML_NAME = "progress.html"
#: The page: a template of formcheck/report/templates (see formcheck.report.page_kit) and its style.
TEMPLATE = "progress.html.j2"
CSS = "progress.css"
_PNG_STYLE = {"font.family": "DejaVu Sans", "font.size": 9, "axes.edgecolor": "#9aa3ad", "text.usetex": False,
              "axes.labelcolor": "#374151", "xtick.color": "#4b5563", "ytick.color": "#4b5563"}


# --------------------------------------------------------------------------- adherence


def week_start(day: date) -> date:
    """The Monday of the calendar week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def day_text(day: date, today: date | None = None) -> str:
    """'9 Nov', with the year only when it is not this year's."""
    text = f"{day.day} {day:%b}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


@dataclass(frozen=True)
class WeekAdherence:
    """One calendar week: on how many days something was recorded, against 3-4 a week."""

    week_start: date  # a Monday
    sessions: int  # days with at least one recorded exercise
    so_far: bool = False  # the week is not over yet

    @property
    def met(self) -> bool:
        return self.sessions >= SESSIONS_PER_WEEK[0]

    def sentence(self, today: date | None = None) -> str:
        """'Week of 9 Nov: 2 sessions — below the 3-4 a week the programme asks for'."""
        lo, hi = SESSIONS_PER_WEEK
        label = f"Week of {day_text(self.week_start, today)}" + (" (so far)" if self.so_far else "")
        count = f"{self.sessions} session{'' if self.sessions == 1 else 's'}"
        if self.met:
            verdict = f"meets the {lo}-{hi} a week the programme asks for"
        elif self.so_far:
            verdict = f"{lo - self.sessions} more this week to reach the {lo}-{hi} the programme asks for"
        else:
            verdict = f"below the {lo}-{hi} a week the programme asks for"
        return f"{label}: {count} — {verdict}"


def weekly_adherence(days: list[date], today: date, weeks: int) -> list[WeekAdherence]:
    """Sessions per calendar week for the last ``weeks`` weeks up to ``today``'s (still "so far"), oldest first.

    ``days``: every day with a recorded session (any exercise); a day counts once however
    many exercises were done on it. Weeks before the first recorded day are left out (the
    programme had not started), weeks after it with nothing recorded count as 0.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    recorded = {d for d in days if d <= today}
    if not recorded:
        return []
    this_week = week_start(today)
    first = max(week_start(min(recorded)), this_week - timedelta(weeks=weeks - 1))
    out = []
    monday = first
    while monday <= this_week:
        sunday = monday + timedelta(days=6)
        n = sum(1 for d in recorded if monday <= d <= sunday)
        out.append(WeekAdherence(monday, n, so_far=today <= sunday))  # Sunday itself is still open
        monday += timedelta(weeks=1)
    return out


def adherence_verdict(weeks: list[WeekAdherence]) -> str:
    """One line over the finished weeks: 'Met 3-4 sessions a week in 2 of 4 finished weeks.'"""
    lo, hi = SESSIONS_PER_WEEK
    done = [w for w in weeks if not w.so_far]
    if not done:
        return f"No finished week yet to judge against the {lo}-{hi} sessions a week the programme asks for."
    met = sum(w.met for w in done)
    return (f"Met the {lo}-{hi} sessions a week the programme asks for in {met} of {len(done)} finished "
            f"week{'' if len(done) == 1 else 's'}.")


# --------------------------------------------------------------------------- the figures


def _deg(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}°"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _reps_text(s: StoredSession) -> str:
    f = s.figures
    if f.reps_left or f.reps_right:
        return f"L {f.reps_left} / R {f.reps_right}" + (f" / both {f.reps_both}" if f.reps_both else "")
    return str(f.rep_count)


def summary_lines(sessions: list[StoredSession], exercise_name: str, today: date | None = None) -> list[str]:
    """First-versus-last figures of the sessions shown, in words."""
    first, last = sessions[0], sessions[-1]
    span = (day_text(first.day, today) if first.day == last.day
            else f"{day_text(first.day, today)} to {day_text(last.day, today)}")
    lines = [f"{exercise_name}: {len(sessions)} session{'' if len(sessions) == 1 else 's'}, {span}."]

    def trend(label: str, get, fmt) -> None:
        values = [get(s) for s in sessions if get(s) is not None]
        if values:
            a, b = get(first), get(last)
            lines.append(f"{label}: {fmt(a)} first, {fmt(b)} last" + (f" (best {fmt(max(values))})"
                                                                       if len(sessions) > 2 else "") + ".")

    trend("Range of motion (median per session)", lambda s: s.figures.rom_median_deg, _deg)
    if any(s.figures.rep_count for s in sessions):
        lines.append(f"Reps per session: {_reps_text(first)} first, {_reps_text(last)} last.")
    if any(s.figures.hold_count for s in sessions):
        trend("Longest hold", lambda s: s.figures.hold_s_longest, lambda v: "-" if v is None else f"{v:.1f} s")
    rates = [s.figures.fault_rate for s in sessions if s.figures.fault_rate is not None]
    if rates:
        lines.append(f"Fault rate: {_pct(first.figures.fault_rate)} first, {_pct(last.figures.fault_rate)} last.")
    judged = [s.figures.dosage_met for s in sessions if s.figures.dosage_met is not None]
    if judged:
        lines.append(f"Prescribed dosage reached in {sum(judged)} of {len(judged)} sessions.")
    return lines


def _panels(sessions: list[StoredSession]) -> list[tuple[str, list[tuple[str, list, str, str]]]]:
    """The plot's rows, top to bottom: (title, [(label, one value per session, colour, marker)])."""
    fig_of = [s.figures for s in sessions]
    panels = []
    if any(f.rom_median_deg is not None for f in fig_of):
        panels.append(("Range of motion (°)", [
            ("median per rep", [f.rom_median_deg for f in fig_of], BLUE, "o"),
            ("best rep", [f.rom_max_deg for f in fig_of], SKY, "^")]))
    if any(f.reps_left or f.reps_right for f in fig_of):
        panels.append(("Reps", [("left", [f.reps_left for f in fig_of], BLUE, "o"),
                                ("right", [f.reps_right for f in fig_of], ORANGE, "s")]))
    else:
        panels.append(("Reps", [("reps", [f.rep_count for f in fig_of], BLUE, "o")]))
    if any(f.hold_count for f in fig_of):
        panels.append(("Hold time (s)", [("longest hold", [f.hold_s_longest for f in fig_of], GREEN, "o"),
                                         ("all holds", [f.hold_s_total for f in fig_of], SKY, "^")]))
    panels.append(("Fault rate (%)", [("reps with a fault", [None if f.fault_rate is None else 100 * f.fault_rate
                                                             for f in fig_of], VERMILLION, "D")]))
    return panels


def _draw_panel(ax, title: str, series: list, when: list, band: tuple[float, float] | None) -> None:
    """One row of the plot: its lines over the sessions' dates, the prescription shaded as a band."""
    from matplotlib.ticker import MaxNLocator

    for label, values, colour, marker in series:
        pts = [(t, v) for t, v in zip(when, values) if v is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=colour, marker=marker, ms=5,
                    lw=1.4, label=label)
    ax.set_ylabel(title.replace("$", r"\$"))
    ax.grid(axis="y", color="#e5e7eb", lw=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(series) > 1:
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=len(series))
    if band:
        ax.axhspan(band[0], band[1], color=GREEN, alpha=0.12, lw=0, zorder=0)
        ax.text(0.995, band[1], f"prescribed {band[0]:g}-{band[1]:g}", transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=7.5, color=GREEN)
    if title.startswith("Fault"):
        ax.set_ylim(-5, 105)
    elif title.startswith("Range"):
        lo, hi = ax.get_ylim()
        middle, half = (lo + hi) / 2, max((hi - lo) / 2, 5.0)  # a 0.2° wobble must not look like a cliff
        ax.set_ylim(middle - half, middle + half)
    else:  # counts and seconds start from zero
        ax.set_ylim(0, max(ax.get_ylim()[1], (band[1] if band else 0) * 1.1, 1))
    if title == "Reps":
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def progress_png(sessions: list[StoredSession], exercise_name: str, reps_target: tuple[int, int] | None = None,
                 hold_target_s: tuple[float, float] | None = None) -> bytes:
    """Range of motion, reps, hold times and fault rate per session over time, as a PNG (Agg, bundled font).

    ``reps_target`` / ``hold_target_s``: the prescription (each side for sided exercises),
    shaded as a band so the eye sees at once which sessions reached it.
    """
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    when = [s.performed_at.replace(tzinfo=None) for s in sessions]  # the wall-clock time it was done
    panels = _panels(sessions)
    with matplotlib.rc_context(_PNG_STYLE):
        fig = Figure(figsize=(8.0, 1.9 * len(panels) + 0.7), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        for ax, (title, series) in zip(axes, panels):
            band = reps_target if title == "Reps" else hold_target_s if title.startswith("Hold") else None
            _draw_panel(ax, title, series, when, band)
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        if len(when) == 1:
            axes[-1].set_xlim(when[0] - timedelta(days=3), when[0] + timedelta(days=3))
        fig.suptitle(f"{exercise_name}: progress per session".replace("$", r"\$"), fontsize=11, x=0.02,
                     ha="left")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


# --------------------------------------------------------------------------- progress.html

def holds_text(s: StoredSession) -> str:
    f = s.figures
    return "-" if not f.hold_count else f"{f.hold_count} (longest {f.hold_s_longest:.1f} s)"


def rom_text(s: StoredSession) -> str:
    f = s.figures
    return "-" if f.rom_median_deg is None else f"{_deg(f.rom_median_deg)} ({_deg(f.rom_max_deg)})"


def render_progress_html(sessions: list[StoredSession], exercise_name: str, weeks: list[WeekAdherence],
                         png: bytes, today: date | None = None) -> str:
    """progress.html: one offline file, the plot embedded as a data: URL, all text escaped."""
    rows = [{"date": s.performed_at.strftime("%a %d %b %Y %H:%M"), "reps": _reps_text(s), "holds": holds_text(s),
             "rom": rom_text(s), "faults": f"{s.figures.fault_count} ({_pct(s.figures.fault_rate)})",
             "dosage": {True: "met", False: "short", None: "-"}[s.figures.dosage_met],
             "report": s.report_dir or "-"} for s in reversed(sessions)]
    week_rows = [{"text": w.sentence(today), "cls": "met" if w.met else "so-far" if w.so_far else "below"}
                 for w in weeks]
    return render_page(TEMPLATE, css=inline_file(CSS), name=exercise_name,
                       summary=summary_lines(sessions, exercise_name, today),
                       adherence=adherence_verdict(weeks), weeks=week_rows, rows=rows,
                       png=base64.b64encode(png).decode("ascii"))


@dataclass
class ProgressFiles:
    png: Path
    html: Path
    summary: list[str]
    weeks: list[WeekAdherence]


def write_progress(sessions: list[StoredSession], exercise_name: str, days: list[date], out_dir: Path,
                   today: date, weeks: int, reps_target: tuple[int, int] | None = None,
                   hold_target_s: tuple[float, float] | None = None) -> ProgressFiles:
    """progress.png and progress.html in ``out_dir``; ``days``: every recorded day (any exercise)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = progress_png(sessions, exercise_name, reps_target, hold_target_s)
    adherence = weekly_adherence(days, today, weeks)
    png_path = out_dir / PNG_NAME
    tmp = out_dir / f".{PNG_NAME}.tmp"
    tmp.write_bytes(png)
    tmp.replace(png_path)
    html_path = out_dir / HTML_NAME
    write_text_atomic(html_path, render_progress_html(sessions, exercise_name, adherence, png, today))
    return ProgressFiles(png_path, html_path, summary_lines(sessions, exercise_name, today), adherence)
