"""Fixtures that build real things: a real database (SQLite or PostgreSQL), a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.config import Settings
from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from tests.dbs import KIND, TestDatabases


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres_only`` (several server processes, PostgreSQL cut or restarted)
    are left out of the SQLite pass, saying so, and run in the PostgreSQL pass that `make test`
    runs next: they are not skipped, they belong to the other pass."""
    if KIND == "postgres":
        return
    only = [i for i in items if i.get_closest_marker("postgres_only")]
    if not only:
        return
    config.hook.pytest_deselected(items=only)
    items[:] = [i for i in items if i not in only]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"{len(only)} PostgreSQL-only tests left out: they run in the PostgreSQL pass "
            "(make test-postgres)"
        )


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory):
    dbs = TestDatabases(tmp_path_factory.mktemp("dbs"))
    yield dbs
    dbs.drop_all_sync()


@pytest.fixture
async def settings(databases: TestDatabases) -> Settings:
    return await databases.fresh()


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[SqlSyncStore]:
    db = await open_database(settings)
    try:
        yield SqlSyncStore(db)
    finally:
        await db.close()


ADMIN = Actor("u-admin", "admin")


@pytest.fixture
async def catalog(store: SqlSyncStore) -> dict[str, str]:
    """Two warehouses and three products, written the way the server writes catalog rows."""
    await put_rows(
        store,
        ADMIN,
        "warehouses",
        [
            {"id": "wh-1", "code": "W1", "name": "Main"},
            {"id": "wh-2", "code": "W2", "name": "North"},
        ],
    )
    await put_rows(
        store,
        ADMIN,
        "products",
        [
            {"id": "p-1", "sku": "TEA-1", "name": "Green tea", "unit_price": 1200},
            {"id": "p-2", "sku": "CUP-1", "name": "Cup", "unit_price": 300},
            {"id": "p-3", "sku": "OLD-1", "name": "Retired", "unit_price": 100, "active": False},
        ],
    )
    return {"wh1": "wh-1", "wh2": "wh-2", "p1": "p-1", "p2": "p-2", "retired": "p-3"}
