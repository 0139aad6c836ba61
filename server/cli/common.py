"""What every command uses: printing as it goes, the database migrated and open, where it is,
and periods such as ``90d``."""

from __future__ import annotations

from server.config import Settings


def say(text: str) -> None:
    print(text, flush=True)


async def open_migrated(settings: Settings):
    """The configured database, migrated first, open."""
    from server.db.migrate import migrate
    from server.db.sql import open_database

    await migrate(settings)
    return await open_database(settings)


def where(settings: Settings) -> str:
    if settings.is_postgres:
        return "PostgreSQL " + settings.database_url.split("@")[-1]
    return f"SQLite {settings.sqlite_path}"


def parse_period(text: str):
    """``365d``, ``12h`` (days or hours) as a timedelta; ValueError otherwise."""
    from datetime import timedelta

    text = text.strip().lower()
    unit, number = text[-1:], text[:-1]
    if unit not in ("d", "h") or not number.isdigit() or int(number) <= 0:
        raise ValueError(
            f"a period is a positive number of days or hours, like 365d or 12h: {text!r}"
        )
    return timedelta(days=int(number)) if unit == "d" else timedelta(hours=int(number))
