"""Stock levels join the ``catalog`` bucket, so sales reps see stock on the products screen.

Only the rows' bucket column changes here. Devices get the rows through the reset every cursor
gets once after this release: the scope rules changed (``sync.cursor.SCOPE_RULES``).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stock levels in the catalog bucket"

# Buckets are stored sorted and space-framed (sync.buckets.encode): " all catalog wh:<id> ".
SQL = (
    "UPDATE stock_levels SET buckets = ' all catalog wh:' || warehouse_id || ' '"
    " WHERE buckets NOT LIKE '% catalog %'"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)

    async def run():
        from server.db.tables import StockLevels

        await StockLevels.raw(SQL)

    manager.add_raw(run)
    return manager
