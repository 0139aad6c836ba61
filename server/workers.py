"""``orderly serve --workers N``: several uvicorn worker processes on one PostgreSQL.

uvicorn starts each worker as a fresh process that imports ``server.workers:app`` and calls it;
the worker reads its settings from the environment (``ORDERLY_*``), which ``serve`` fills in
first with what the command line decided (host, port, public URL). The one-time work of a start
runs once, here, before the workers: migrations and the first signing key. Each worker then opens
its own connection pool and its own LISTEN connection for pokes (server/pokes_pg.py); see
docs/operations.md §2 for what crosses processes and what stays in each.
"""

from __future__ import annotations

import asyncio
import os

from litestar import Litestar

from server.config import Settings, from_env

# Why SQLite gets one process (docs/operations.md §2).
SQLITE_REFUSAL = (
    "--workers above 1 needs PostgreSQL (ORDERLY_DATABASE_URL=postgresql://...): SQLite has one "
    "writer, so more processes add no throughput, and its event streams are poked in memory, "
    "which does not reach other processes. Serve SQLite with one process."
)


def app() -> Litestar:
    """The factory each worker process calls (``uvicorn ... --factory server.workers:app``)."""
    from server.app import create_app

    return create_app(from_env(), run_migrations=False)


def serve(settings: Settings, workers: int, **tuning: object) -> None:
    """Migrate, make the first signing key, then run ``workers`` processes on one socket
    (``tuning``: the uvicorn options single-process serving uses too, server/cli/serving.py)."""
    import uvicorn

    from server.db.migrate import migrate
    from server.keys import load

    asyncio.run(migrate(settings))
    load(settings.keys_dir)
    os.environ.update(
        ORDERLY_HOST=settings.host,
        ORDERLY_PORT=str(settings.port),
        ORDERLY_PUBLIC_URL=settings.public_url,
    )
    uvicorn.run(
        "server.workers:app",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **tuning,
    )
