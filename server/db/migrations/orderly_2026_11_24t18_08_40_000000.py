"""Indexes of the admin orders list (server/admin/orders.py): each filter that matters, in the
list's order (newest first, keyset on created_at, id), and the timeline's lookups."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T18:08:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "admin orders list and timeline indexes"

STATEMENTS = (
    "CREATE INDEX orders_created ON orders (created_at, id)",
    "CREATE INDEX orders_status_created ON orders (status, created_at, id)",
    "CREATE INDEX orders_owner_created ON orders (owner_id, created_at, id)",
    "CREATE INDEX orders_warehouse_created ON orders (warehouse_id, created_at, id)",
    "CREATE INDEX orders_assignee_created ON orders (assignee_id, created_at, id)",
    "CREATE INDEX orders_due ON orders (due_date, status)",
    "CREATE INDEX orders_updated ON orders (updated_at)",
    # An order's timeline shows the admin actions on it (audit entries with it as subject).
    "CREATE INDEX audit_log_subject ON audit_log (subject, seq)",
)

# The order a logged mutation names: ``order_id`` of its arguments, else their ``id`` (the order
# of order.create/update/transition; for other mutations the id of their own row, which never
# equals an order's). The query in server/admin/orders.py spells the same expression.
MUTATION_ORDER = {
    "sqlite": "COALESCE(json_extract(args, '$.order_id'), json_extract(args, '$.id'))",
    "postgres": "COALESCE(args::json ->> 'order_id', args::json ->> 'id')",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)

    async def run():
        from piccolo.engine.postgres import PostgresEngine

        from server.db.tables import Orders

        dialect = "postgres" if isinstance(Orders._meta.db, PostgresEngine) else "sqlite"
        for sql in STATEMENTS:
            await Orders.raw(sql)
        await Orders.raw(
            f"CREATE INDEX mutation_log_order ON mutation_log (({MUTATION_ORDER[dialect]}))"
        )

    manager.add_raw(run)
    return manager
