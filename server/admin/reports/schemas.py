"""What a report is (``Report``: x, series, table, summary), the date range it covers, and the
errors a report request can meet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from server.errors import BadRequest, NotFound

MAX_DAYS = 366
DEFAULT_DAYS = 30
# Columns of report tables that hold money (minor units; exports write major units).
MONEY_COLUMNS = frozenset({"order_total", "received", "refunded"})


class RangeTooLong(BadRequest):
    code = "range_too_long"


class UnknownReport(NotFound):
    code = "not_found"


class Series(msgspec.Struct):
    label: str
    values: list[float | int | None]
    group: str = ""  # status | channel | priority | … (the page translates label within it)


class Table(msgspec.Struct):
    columns: list[str]
    rows: list[list[Any]]


class Report(msgspec.Struct, rename={"from_": "from"}):
    name: str
    from_: str
    to: str
    x: list[str]
    series: list[Series]
    table: Table
    summary: Table | None = None


class Range(msgspec.Struct, frozen=True):
    first: date
    last: date  # inclusive
    warehouse_id: str | None = None

    @property
    def start(self) -> str:
        return f"{self.first.isoformat()}T00:00:00.000Z"

    @property
    def end(self) -> str:  # exclusive
        return f"{(self.last + timedelta(days=1)).isoformat()}T00:00:00.000Z"

    def days(self) -> list[str]:
        n = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(n)]

    def weeks(self) -> list[str]:
        monday = self.first - timedelta(days=self.first.weekday())
        out = []
        while monday <= self.last:
            out.append(monday.isoformat())
            monday += timedelta(days=7)
        return out


def _parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD), not {text!r}") from None


def parse_range(
    from_: str | None, to: str | None, warehouse_id: str | None, today: date | None = None
) -> Range:
    """The range asked for: ``to`` defaults to today (UTC), ``from`` to 29 days before ``to``."""
    today = today or datetime.now(UTC).date()
    last = _parse_day(to, "to") if to else today
    first = _parse_day(from_, "from") if from_ else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadRequest("from must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeTooLong(f"a report covers at most {MAX_DAYS} days")
    return Range(first, last, warehouse_id or None)
