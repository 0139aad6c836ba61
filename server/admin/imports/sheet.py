"""Reading the file: the first sheet of an XLSX or a CSV (UTF-8 or GB18030), told apart by its
bytes, as a header and numbered rows. What makes the whole file unreadable raises."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from server.admin.imports.schemas import (
    MAX_BYTES,
    MAX_ROWS,
    EmptyFile,
    NoRows,
    NotASpreadsheet,
    TooManyRows,
)
from server.errors import AppError, TooLarge


@dataclass
class Sheet:
    format: str
    encoding: str | None
    header: list[str]  # normalized: stripped, lower case
    rows: list[tuple[int, list[Any]]]  # (row number, cells)


_BINARY_MAGIC = (
    b"\x89PNG",
    b"%PDF",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\xd0\xcf\x11\xe0",  # old Excel (.xls) and other OLE files
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _take(numbered: Iterable[tuple[int, Sequence[Any]]], fmt: str, encoding: str | None) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in numbered:
        if _blank(cells):
            continue
        if header is None:
            header = [str(c).strip().lstrip("\ufeff").lower() if c is not None else ""
                      for c in cells]  # fmt: skip
            continue
        if len(rows) == MAX_ROWS:
            raise TooManyRows(f"more than {MAX_ROWS} rows; split the file")
        rows.append((number, list(cells)))
    if header is None:
        raise EmptyFile("the file holds no rows at all")
    if not rows:
        raise NoRows("the file has a header but no rows under it")
    return Sheet(fmt, encoding, header, rows)


def _xlsx(data: bytes) -> Sheet:
    # Untrusted bytes: whatever openpyxl (zipfile, the XML parser) raises on them means "not a
    # workbook we can read", a 400, never a 500. Our own file errors pass through.
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001
        raise NotASpreadsheet(
            f"a zip file, but not an XLSX workbook ({type(e).__name__})"
        ) from None
    try:
        if not book.worksheets:
            raise EmptyFile("the workbook has no sheet")
        rows = book.worksheets[0].iter_rows(values_only=True)
        return _take(enumerate(rows, start=1), "xlsx", None)
    except AppError:  # EmptyFile, NoRows, TooManyRows: said as they are
        raise
    except Exception as e:  # noqa: BLE001
        raise NotASpreadsheet(f"the workbook's sheet is unreadable ({type(e).__name__})") from None
    finally:
        book.close()


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise NotASpreadsheet("neither an XLSX workbook nor CSV text (UTF-8 or GB18030)") from None


def _csv(data: bytes) -> Sheet:
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:65536]:
        raise NotASpreadsheet("not a spreadsheet: save it as XLSX or CSV")
    text, encoding = _decode(data)
    if _CONTROL.search(text[:65536]):
        raise NotASpreadsheet("binary content: not CSV text")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _take(enumerate(reader, start=1), "csv", encoding)
    except csv.Error as e:
        raise NotASpreadsheet(f"unreadable CSV: {e}") from None


def read_sheet(data: bytes) -> Sheet:
    """The first sheet of an XLSX or a CSV file, from its bytes; file-level errors raise."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise EmptyFile("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx(data)
    return _csv(data)
