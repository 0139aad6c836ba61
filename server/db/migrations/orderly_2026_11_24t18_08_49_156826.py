from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-11-24T18:08:49:156826"
VERSION = "1.38.0"
DESCRIPTION = "index stock_moves.created_at (the admin ledger, newest first)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="orderly", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="StockMoves",
        tablename="stock_moves",
        column_name="created_at",
        db_column_name="created_at",
        params={"index": True},
        old_params={"index": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
