"""The error file of a refused import: the refused rows with their cells as they were read, and
an ``error`` column (each problem as ``column: code — message``), as CSV or XLSX like the upload,
so its author fixes those rows and imports them again."""

from __future__ import annotations

from typing import Any

from server.admin.imports.schemas import Report
from server.admin.imports.sheet import Sheet

ERROR_COLUMN = "error"


def refused_rows(sheet: Sheet, report: Report) -> tuple[list[str], list[list[Any]]]:
    """The header (plus ``error``) and the refused rows, in the file's order."""
    problems = {
        r.row: "; ".join(f"{e.column}: {e.code} — {e.message}" for e in r.errors)
        for r in report.rows
        if not r.ok
    }
    width = len(sheet.header)
    rows = [
        [*(cells + [None] * width)[:width], problems[number]]
        for number, cells in sheet.rows
        if number in problems
    ]
    return [*sheet.header, ERROR_COLUMN], rows
