"""PostgreSQL only: trigram indexes for the admin orders search (``q``: any part of an order
number, or of a customer's name, case-insensitive, server/admin/orders.py), so ``ILIKE '%…%'``
reads an index instead of every order. Where the pg_trgm extension is not installed, or the
database user may not create it, nothing is made: the search stays right, only slower. SQLite
scans (docs/benchmarks.md § Admin list pages)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trigram indexes of the orders search (PostgreSQL)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)

    async def run():
        from piccolo.engine.postgres import PostgresEngine

        from server.db.tables import Orders

        if not isinstance(Orders._meta.db, PostgresEngine):
            return
        usable = await Orders.raw(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS installed,"
            " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available,"
            " has_database_privilege(current_database(), 'CREATE') AS may_create"
        )
        state = usable[0]
        if not state["installed"]:
            if not (state["available"] and state["may_create"]):
                return
            await Orders.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        await Orders.raw(
            "CREATE INDEX orders_number_trgm ON orders USING gin (number gin_trgm_ops)"
        )
        await Orders.raw(
            "CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops)"
        )

    manager.add_raw(run)
    return manager
