"""Any admin list as a file: CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese right)
or XLSX (openpyxl, write-only: rows stream into the workbook without a cell object per value).

Every exportable list endpoint takes ``format=csv|xlsx`` next to its filters and answers the same
rows it would list, all pages, through ``export_response`` (docs/admin.md § Export).
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Literal

from litestar import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

from shared import money

ExportFormat = Literal["csv", "xlsx"]

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv",  # Litestar adds "; charset=utf-8" to every text/ type
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A spreadsheet reads a cell starting with one of these as a formula: an exported customer name
# "=HYPERLINK(...)" must stay text (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def undefused(text: str) -> str:
    """A cell's text as it was before an export defused it (``_cell``, ``_csv_field``): "'=1+1"
    is "=1+1" again and "Acme;'=1" is "Acme;=1", so an export imported again round-trips. A
    leading apostrophe before a formula's first character is the spreadsheets' own "this is
    text" mark, so a cell typed that way by hand reads the same."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        text = text[1:]
    return _DEFUSED_AFTER_SEMICOLON.sub(";", text) if ";'" in text else text


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# Spreadsheets in locales whose decimal mark is a comma split CSV on ";": a cell holding one is
# quoted like a cell holding ",", and each part after a ";" is defused like a cell's start, so
# "Acme;=1+1" is one text cell there too, never the formula =1+1 (tests/server/test_tabular.py).
_QUOTE = re.compile(r'[,;"\r\n]')
_FORMULA_AFTER_SEMICOLON = re.compile(r";(?=[=+\-@\t\r])")
_DEFUSED_AFTER_SEMICOLON = re.compile(r";'(?=[=+\-@\t\r])")


def _csv_field(value: Any) -> str:
    text = str(_cell(value))
    if ";" in text:
        text = _FORMULA_AFTER_SEMICOLON.sub(";'", text)
    if _QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    lines = [",".join(_csv_field(c) for c in columns)]
    lines.extend(",".join(_csv_field(v) for v in row) for row in rows)
    return b"\xef\xbb\xbf" + "".join(line + "\r\n" for line in lines).encode()


def _xlsx_cell(value: Any) -> Any:
    # XML 1.0 has no place for most control characters: a name with one would fail the whole
    # export, so each shows as U+FFFD (CSV keeps them as they are).
    value = _cell(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


# How a money cell shows in a spreadsheet: yuan with two decimals (13500 fen is 135.00).
MONEY_FORMAT = "0.00"


def to_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "export",
    money: Collection[str] = (),
) -> bytes:
    """The rows as the first sheet of a workbook; the ``money`` columns (already in major units)
    are numbers shown with two decimals."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "export")
    sheet.append(list(columns))
    at = {i for i, c in enumerate(columns) if c in money}

    def cell(i: int, value: Any) -> Any:
        value = _xlsx_cell(value)
        if i in at and not isinstance(value, str):
            value = WriteOnlyCell(sheet, value)
            value.number_format = MONEY_FORMAT
        return value

    for row in rows:
        sheet.append([cell(i, v) for i, v in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Minor units per major unit (CNY: 1250 fen = 12.50 yuan): exports write, the importer reads.
MINOR = money.MINOR_PER_MAJOR


def major_units(minor: Any) -> Any:
    """Money as a person reads it: integer minor units → an exact Decimal of major units
    (1250 → 12.50; a number in XLSX, "12.50" in CSV). Anything else is left as it is."""
    if isinstance(minor, int) and not isinstance(minor, bool):
        return money.major(minor)
    return minor


def export_response(
    name: str,
    fmt: ExportFormat,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    money: Collection[str] = (),
) -> Response[bytes]:
    """The file ``<name>.<fmt>`` as a download. The ``money`` columns hold minor units in the
    rows and are written in major units: money is never exported in minor units."""
    if at := {i for i, c in enumerate(columns) if c in money}:
        rows = ([major_units(v) if i in at else v for i, v in enumerate(r)] for r in rows)
    body = to_csv(columns, rows) if fmt == "csv" else to_xlsx(columns, rows, name, money)
    return Response(
        body,
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
