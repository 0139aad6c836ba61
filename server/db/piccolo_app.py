"""piccolo's view of Orderly: one app whose migrations live in ``migrations/``."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.db.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="orderly",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
