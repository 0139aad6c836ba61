"""Apply the committed piccolo migrations to the database the settings name."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
from pathlib import Path

from server.config import Settings
from server.db.engines import piccolo_engine
from server.db.tables import TABLES

os.environ.setdefault("PICCOLO_CONF", "server.db.piccolo_conf")
logging.getLogger("piccolo").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def known_migrations() -> list[str]:
    """The ids of the migrations this code carries, oldest first (they are timestamps)."""
    ids = []
    for path in MIGRATIONS.glob("orderly_*.py"):
        if m := re.search(r'^ID = "([^"]+)"', path.read_text(), re.MULTILINE):
            ids.append(m.group(1))
    return sorted(ids)


class SquashedHistory(RuntimeError):
    """The database was built by migrations that were squashed into the baseline."""


async def migrate(settings: Settings, *, quiet: bool = True) -> None:
    """Bring the schema up to date. Safe to run on every start."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from server.db import piccolo_conf

    engine = piccolo_engine(settings)
    piccolo_conf.DB = engine
    for table in (*TABLES, *_piccolo_tables()):
        table._meta.db = engine
    await _refuse_squashed_history()
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="orderly")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{out.getvalue()}")


async def _refuse_squashed_history() -> None:
    """A database made before the baseline (December 2026) has tables but none of the
    migrations this code knows: piccolo would try to create every table again and fail on the
    first. Nothing was deployed then, so the answer is a new database; say so."""
    (migration,) = _piccolo_tables()
    if not await migration.table_exists():
        return
    ran = set(await migration.get_migrations_which_ran(app_name="orderly"))
    if ran and not ran & set(known_migrations()):
        raise SquashedHistory(
            "this database was made by migrations that were squashed into one baseline before "
            "the first release; make it again: delete the SQLite data directory's database "
            "(orderly.sqlite3) or drop and create the PostgreSQL database, then orderly migrate"
        )


def _piccolo_tables():
    from piccolo.apps.migrations.tables import Migration

    return (Migration,)
