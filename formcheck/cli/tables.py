"""One set's report as the terminal shows it after ``analyze`` and ``live``: a table of reps, then feedback."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from formcheck.cli.common import out


def _deg(value) -> str:
    return "-" if value is None else f"{value:.0f}°"


def print_report(report: dict) -> None:
    """Each rep (side, duration, range of motion, faults), then dosage, what went well, what to fix."""
    table = Table(title=f"{report['exercise_name']}: {report['summary']['rep_count']} reps")
    for col in ("rep", "side", "start", "duration", "ROM", "peak", "hold", "faults"):
        table.add_column(col, overflow="fold")
    for r in report["reps"]:
        table.add_row(str(r["index"]), r["side"] or "-", f"{r['start_s']:.1f} s", f"{r['duration_s']:.1f} s",
                      _deg(r["rom_deg"]), _deg(r["peak_value"]), f"{r['hold_s']:.1f} s",
                      "; ".join(f["cue"] for f in r["faults"]) or "good form")
    out.print(table)
    s = report["summary"]
    for h in report["holds"]:
        if report["kind"] == "hold":
            out.print(f"Hold {h['start_s']:.1f}-{h['end_s']:.1f} s: {h['duration_s']:.1f} s")
    for line in s["dosage"]["verdict"]:
        out.print(f"[bold]Dosage:[/bold] {line}")
    for line in s["went_well"]:
        out.print(f"[green]Went well:[/green] {line}")
    for line in s["to_fix"]:
        out.print(f"[yellow]To fix:[/yellow] {line}")
    for line in report["tracking"]["warnings"]:
        out.print(f"[red]Tracking:[/red] {line}")


def print_report_location(target: Path) -> None:
    """Where to open the report: the HTML page, or report.json when no page was written."""
    html = target / "report.html"
    out.print(f"Report: {html if html.exists() else target / 'report.json'}")
