"""Discounts (issue 17): ``orders.discount_bp`` and ``order_lines.discount_bp``, hundredths of a
percent off the order's lines' net sum and off a line (shared/mutations.py ``Discount``); 0 for
every order and line made before."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer

ID = "2026-12-05T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "orders.discount_bp, order_lines.discount_bp"

COLUMNS = (("Orders", "orders"), ("OrderLines", "order_lines"))


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)
    for class_name, tablename in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="discount_bp",
            db_column_name="discount_bp",
            column_class_name="Integer",
            column_class=Integer,
            params={"default": 0},
            schema=None,
        )
    return manager
