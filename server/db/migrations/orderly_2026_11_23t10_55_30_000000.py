"""Composite indexes piccolo's table syntax cannot declare, and the sync state row."""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T10:55:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync indexes and state row"

STATEMENTS = (
    "CREATE UNIQUE INDEX mutation_log_client_mutation ON mutation_log (client_id, mutation_id)",
    "CREATE INDEX change_log_row ON change_log (table_name, row_id)",
    "CREATE INDEX field_history_lookup ON field_history (table_name, row_id, field, version)",
    "CREATE UNIQUE INDEX stock_levels_place ON stock_levels (warehouse_id, product_id)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)

    async def run():
        from server.db.tables import SyncState

        for sql in STATEMENTS:
            await SyncState.raw(sql)
        # The epoch names this database's change history: a cursor from another history (a
        # different database, or one restored from a backup) gets ``reset``.
        await SyncState.insert(SyncState(id=1, epoch=secrets.token_hex(8), last_seq=0, horizon=0))

    manager.add_raw(run)
    return manager
