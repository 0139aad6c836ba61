"""API tokens get a scope and an expiry, and say when they were revoked (docs/auth.md, "API
tokens"). A token made before this migration has no ``expires_at``: it expires 90 days after it
was made (``server/auth/tokens.py``), and its scope (none) reads as ``write``."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api_tokens: scope, expires_at, revoked_at"

COLUMNS = (("scope", 10), ("expires_at", 32), ("revoked_at", 32))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)
    for name, length in COLUMNS:
        manager.add_column(
            table_class_name="ApiTokens",
            tablename="api_tokens",
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
