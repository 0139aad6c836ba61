"""Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database per test.

``ORDERLY_TEST_DB=postgres`` runs the suite on PostgreSQL (``ORDERLY_TEST_PG_URL``, default the
local server's ``test`` database as the admin connection). Each test database is a copy of one
migrated template, so migrations run once per run, not once per test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from server.config import Settings
from server.db.migrate import migrate
from server.db.sql import open_database

PG_ADMIN_URL = os.environ.get("ORDERLY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
KIND = os.environ.get("ORDERLY_TEST_DB", "sqlite")


def query(settings: Settings, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
    """Rows of ``sql`` read straight from ``settings``' database, through the server's own
    database layer (either kind, ``?`` placeholders): for tests that check what a separate
    process (the CLI, a server) left in the database, with no server of their own to ask."""

    async def work() -> list[dict[str, Any]]:
        db = await open_database(settings)
        try:
            async with db.read() as conn:
                return await conn.fetch(sql, args)
        finally:
            await db.close()

    return asyncio.run(work())


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


class TestDatabases:
    """Hands out fresh migrated databases of the kind this run tests."""

    __test__ = False  # a helper, not a test class (modules that import it would collect it)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.kind = KIND
        self._template: str | Path | None = None
        self._made: list[str] = []

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(PG_ADMIN_URL)

    async def template(self) -> None:
        if self._template is not None:
            return
        if self.kind == "sqlite":
            path = self.root / "template"
            await migrate(Settings(data_dir=path))
            self._template = path
            return
        name = f"orderly_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        con = await self._admin()
        try:
            await con.execute(f'CREATE DATABASE "{name}"')
        finally:
            await con.close()
        self._made.append(name)
        await migrate(Settings(database_url=_pg_url(name)))
        self._template = name

    async def fresh(self) -> Settings:
        await self.template()
        tag = uuid.uuid4().hex[:10]
        if self.kind == "sqlite":
            data = self.root / f"db_{tag}"
            shutil.copytree(self._template, data)  # type: ignore[arg-type]
            return Settings(data_dir=data)
        name = f"orderly_t_{tag}"
        con = await self._admin()
        try:
            await con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        finally:
            await con.close()
        self._made.append(name)
        return Settings(database_url=_pg_url(name), data_dir=self.root / f"data_{tag}")

    async def drop_all(self) -> None:
        if self.kind != "postgres":
            return
        # Dropping one by one costs 0.2-0.7 s each; a few at a time keeps teardown short.
        gate = asyncio.Semaphore(4)

        async def drop(name: str) -> None:
            async with gate:
                con = await self._admin()
                try:
                    await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await con.close()

        template = [n for n in self._made if n == self._template]
        await asyncio.gather(*(drop(n) for n in self._made if n != self._template))
        for name in template:
            await drop(name)

    def drop_all_sync(self) -> None:
        asyncio.run(self.drop_all())
