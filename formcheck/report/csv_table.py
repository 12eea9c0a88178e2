"""report.csv: one row per rep for spreadsheets, with a guard against formula injection.

A cell that starts like a formula ("=", "+", "-", "@", tab, carriage return) would be run by
a spreadsheet when the file is opened, and its text can come from outside (custom fault
codes), so such text gets a leading quote. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from formcheck.report.page_kit import write_text_atomic

CSV_NAME = "report.csv"
CSV_COLUMNS = ("index", "side", "start_s", "end_s", "duration_s", "rom_deg", "peak_value", "hold_s", "faults",
               "tracking")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    write_text_atomic(path, buf.getvalue(), newline="")
    return path
