"""Which database a settings object names, as a piccolo engine."""

from __future__ import annotations

from urllib.parse import urlparse

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.config import Settings


def postgres_config(url: str) -> dict[str, object]:
    u = urlparse(url)
    return {
        "host": u.hostname or "127.0.0.1",
        "port": u.port or 5432,
        "user": u.username or "postgres",
        "password": u.password or None,
        "database": (u.path or "/postgres").lstrip("/") or "postgres",
    }


def piccolo_engine(settings: Settings) -> PostgresEngine | SQLiteEngine:
    if settings.is_postgres:
        return PostgresEngine(config=postgres_config(settings.database_url), log_queries=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(path=str(settings.sqlite_path))
