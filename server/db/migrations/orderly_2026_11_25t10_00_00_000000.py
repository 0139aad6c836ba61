"""Conflicts say who is on the other side (docs/protocol.md, "Overwritten notices"): who wrote
the value that stands and when (``winner_*``, for ``overwritten`` notices), and the resolver's
name as it was when they settled it (devices hold no users table)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "conflicts: winner_id, winner_name, winner_at, resolver_name"

_COLUMNS = (("resolver_name", 200), ("winner_id", 64), ("winner_name", 200), ("winner_at", 32))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)
    for name, length in _COLUMNS:
        manager.add_column(
            table_class_name="Conflicts",
            tablename="conflicts",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": length,
                "default": None,
                "null": True,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )
    return manager
