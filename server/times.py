"""Times as the database keeps them: ISO-8601 UTC text with milliseconds, ``...Z``, which sorts
and compares as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    return iso(datetime.now(UTC))


def from_now(**delta: float) -> str:
    return iso(datetime.now(UTC) + timedelta(**delta))


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
