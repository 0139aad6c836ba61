"""The filters and offset paging of the admin lists. ``from``/``to``: dates or date-times, as
bounds on an ISO-8601 text column (``created_at``, ``at``: UTC, ``…T…:SS.mmmZ``), which sorts as
text. Keyset paging and the cursor codec are server/admin/listing.py's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server.admin.listing import check_limit
from server.db.sql import Conn, Row
from server.errors import BadRequest


def _moment(name: str, value: str) -> tuple[datetime, bool]:
    """``value`` as a UTC date-time, and whether it was a bare date."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC), True
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}: not a date (YYYY-MM-DD) or date-time (ISO 8601)") from None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)), False


def _stored(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bounds(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """``(lower, upper)`` for ``column >= lower AND column < upper``; either may be None. Both
    ends are inclusive as a person means them: a date ``to`` takes its whole day (UTC)."""
    lower = upper = None
    if start:
        lower = _stored(_moment("from", start)[0])
    if end:
        moment, whole_day = _moment("to", end)
        upper = _stored(moment + (timedelta(days=1) if whole_day else timedelta(milliseconds=1)))
    return lower, upper


def between(column: str, start: str | None, end: str | None) -> tuple[list[str], list[Any]]:
    """The conditions (and their arguments) that keep ``column`` within the ``from``/``to``
    filters (``bounds``): none, one or both."""
    lower, upper = bounds(start, end)
    where: list[str] = []
    args: list[Any] = []
    if lower:
        where.append(f"{column} >= ?")
        args.append(lower)
    if upper:
        where.append(f"{column} < ?")
        args.append(upper)
    return where, args


def equal(filters: Iterable[tuple[str, Any]]) -> tuple[list[str], list[Any]]:
    """``column = ?`` for each ``(column, value)`` whose value is given (not None or empty)."""
    given = [(column, value) for column, value in filters if value]
    return [f"{column} = ?" for column, _ in given], [value for _, value in given]


def check_page(limit: int, offset: int) -> None:
    """The paging of the admin lists: ``limit`` 1 to 500, ``offset`` from 0."""
    check_limit(limit)
    if not 0 <= offset <= 10**9:
        raise BadRequest("offset: 0 or more")


async def offset_page(
    conn: Conn,
    count: tuple[str, Sequence[Any]],
    select: tuple[str, Sequence[Any]],
    limit: int,
    offset: int,
) -> tuple[list[Row], int, int | None]:
    """One page of an offset-paged list: the rows of ``select`` (SQL and arguments, ordered,
    without LIMIT), how many ``count`` finds, and the next page's offset (None on the last)."""
    total = int(await conn.fetchval(*count))
    rows = await conn.fetch(select[0] + " LIMIT ? OFFSET ?", (*select[1], limit, offset))
    more = offset + len(rows) < total
    return rows, total, offset + limit if more else None
