"""Dates for tests, counted as the server counts them: in UTC days.

A test that depends on the date builds it from here, never from a calendar literal (the demo
data's fixed due dates went overdue as the days passed: issue 13) and never from
``date.today()`` (the machine's local day, not the server's). A test that filters rows it wrote
by day takes the days from the rows (``days_of``), not from today: midnight may pass between
the writing and the asking. Such tests carry the ``dates`` marker: `make test-clock` runs them
again with the clock moved, a year ahead and over the last midnight of a year, under Debian's
faketime (docs/operations.md § Testing).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta


def today() -> date:
    """Today (UTC): the day the server compares due dates with and splits reports by."""
    return datetime.now(UTC).date()


def day(offset: int = 0, of: str | None = None) -> str:
    """The date ``offset`` days after ``of`` (YYYY-MM-DD; default today), before it when
    negative, as YYYY-MM-DD."""
    start = date.fromisoformat(of) if of else today()
    return (start + timedelta(days=offset)).isoformat()


def days_of(moments: Iterable[str]) -> tuple[str, str]:
    """The first and the last UTC day of times the server stored (``...Z`` text): the days a
    test's rows were written on, one day or two when midnight passed meanwhile."""
    days = sorted({datetime.fromisoformat(m.replace("Z", "+00:00")).astimezone(UTC).date()
                   for m in moments})  # fmt: skip
    assert days, "no times to take the days of"
    return days[0].isoformat(), days[-1].isoformat()
