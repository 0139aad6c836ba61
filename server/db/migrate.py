"""Apply the committed piccolo migrations to the database the settings name."""

from __future__ import annotations

import contextlib
import io
import logging
import os

from server.config import Settings
from server.db.engines import piccolo_engine
from server.db.tables import TABLES

os.environ.setdefault("PICCOLO_CONF", "server.db.piccolo_conf")
logging.getLogger("piccolo").setLevel(logging.WARNING)


async def migrate(settings: Settings, *, quiet: bool = True) -> None:
    """Bring the schema up to date. Safe to run on every start."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from server.db import piccolo_conf

    engine = piccolo_engine(settings)
    piccolo_conf.DB = engine
    for table in (*TABLES, *_piccolo_tables()):
        table._meta.db = engine
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="orderly")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{out.getvalue()}")


def _piccolo_tables():
    from piccolo.apps.migrations.tables import Migration

    return (Migration,)
