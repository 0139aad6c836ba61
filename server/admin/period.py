"""The ``from``/``to`` filters of the admin lists (conflicts, audit): dates or date-times, as
bounds on an ISO-8601 text column (``created_at``, ``at``: UTC, ``…T…:SS.mmmZ``), which sorts as
text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

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


def check_page(limit: int, offset: int) -> None:
    """The paging of the admin lists: ``limit`` 1 to 500, ``offset`` from 0."""
    if not 1 <= limit <= 500:
        raise BadRequest("limit: 1 to 500")
    if not 0 <= offset <= 10**9:
        raise BadRequest("offset: 0 or more")
