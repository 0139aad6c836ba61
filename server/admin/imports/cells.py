"""Row checks: a cell read as the type its column wants (text, money, a whole number, true/false,
a date, one of a few words), and a ``Line`` that collects what is wrong with each cell of a row.

A bad cell raises ``Bad(code, message)``; ``Line.get`` turns it into the row's ``CellError``.
The codes are ``shared.codes.IMPORT_CELL_CODES``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from server.admin.imports.schemas import MAX_PRICE, CellError, MissingColumns
from server.admin.imports.sheet import Sheet
from server.admin.tabular import MINOR, undefused


class Bad(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def text(value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    s = undefused(str(value).strip())
    if not s:
        return None
    if len(s) > max_length:
        raise Bad("too_long", f"at most {max_length} characters (this has {len(s)})")
    return s


def money(value: Any) -> int | None:
    """Major units (12.50) to minor units (1250)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Bad("wrong_type", "a price, like 12.50")
    if isinstance(value, float):
        value = repr(value)
    s = re.sub(r"[\s,¥￥$€£]", "", str(value))
    try:
        amount = Decimal(s)
    except InvalidOperation:
        raise Bad("wrong_type", f"{str(value)!r} is not a price, like 12.50") from None
    if not amount.is_finite():
        raise Bad("wrong_type", f"{str(value)!r} is not a price, like 12.50")
    minor = amount * MINOR
    if minor != minor.to_integral_value():
        raise Bad("wrong_type", "at most two decimals")
    if minor < 0:
        raise Bad("negative", "must not be negative")
    if minor > MAX_PRICE:
        raise Bad("out_of_range", f"at most {MAX_PRICE // MINOR}")
    return int(minor)


def percent(value: Any) -> int | None:
    """A discount in percent (12.5, "12.5%") to basis points (1250): 0 … 100, two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Bad("wrong_type", "a percentage, like 12.5")
    if isinstance(value, float):
        value = repr(value)
    s = str(value).strip().rstrip("%").strip()
    try:
        number = Decimal(s)
    except InvalidOperation:
        raise Bad("wrong_type", f"{str(value)!r} is not a percentage, like 12.5") from None
    if not number.is_finite():
        raise Bad("wrong_type", f"{str(value)!r} is not a percentage, like 12.5")
    bp = number * 100
    if bp != bp.to_integral_value():
        raise Bad("wrong_type", "at most two decimals")
    if bp < 0:
        raise Bad("negative", "must not be negative")
    if bp > 10_000:
        raise Bad("out_of_range", "at most 100")
    return int(bp)


def whole_number(value: Any, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Bad("wrong_type", "a whole number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise Bad("wrong_type", f"{str(value)!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Bad("wrong_type", f"{str(value)!r} is not a whole number")
    if number < 0 and low >= 0:
        raise Bad("negative", "must not be negative")
    if not low <= number <= high:
        raise Bad("out_of_range", f"must be {low} … {high}")
    return int(number)


_TRUE = {"true", "yes", "y", "1", "on", "是", "真", "t"}
_FALSE = {"false", "no", "n", "0", "off", "否", "假", "f"}


def boolean(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = str(value).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise Bad("wrong_type", f"{str(value)!r} is not true/false")


_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    s = str(value).strip()
    if not s:
        return None
    m = _DATE.match(s.split(" ")[0].split("T")[0])
    try:
        if m is None:
            raise ValueError
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise Bad("wrong_type", f"{s!r} is not a date like 2026-12-31") from None


def choice(value: Any, choices: tuple[str, ...]) -> str | None:
    s = text(value, 40)
    if s is None:
        return None
    if s.lower() not in choices:
        raise Bad("out_of_range", f"one of {', '.join(choices)}")
    return s.lower()


@dataclass
class Line:
    """A data row: its number in the spreadsheet, its cells by column, what is wrong with it."""

    number: int
    cells: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)

    def fail(self, column: str, code: str, message: str) -> None:
        self.errors.append(CellError(column, code, message))

    def get(self, column: str, parse: Any, *args: Any, required: bool = False) -> Any:
        try:
            value = parse(self.cells.get(column), *args)
        except Bad as e:
            self.fail(column, e.code, e.message)
            return None
        if value is None and required:
            self.fail(column, "required", f"{column} is required")
        return value


def lines(sheet: Sheet, columns: tuple[str, ...], required: tuple[str, ...]) -> list[Line]:
    """The sheet's rows as ``Line``s of the known ``columns``; a ``required`` one missing from
    the header refuses the whole file."""
    missing = [c for c in required if c not in sheet.header]
    if missing:
        raise MissingColumns(
            f"missing column(s): {', '.join(missing)}; the columns are {', '.join(columns)}",
        )
    where = {name: i for i, name in reversed(list(enumerate(sheet.header))) if name in columns}
    return [
        Line(number, {c: cells[i] if i < len(cells) else None for c, i in where.items()})
        for number, cells in sheet.rows
    ]


def ignored(sheet: Sheet, columns: tuple[str, ...]) -> list[str]:
    """The header's columns the import does not know (reported, not refused)."""
    return [h for h in dict.fromkeys(sheet.header) if h and h not in columns]
