"""Writes hold at most ``write_slots`` of a PostgreSQL pool's connections (server/db/postgres.py):
while every slot waits on a row lock, reads still get a connection at once, the next write waits
without one, and it goes on as soon as a slot frees. The bound is read from the environment and a
bound that leaves no connection for reads is refused at start."""

from __future__ import annotations

import asyncio

import pytest

from server.config import Settings, from_env
from server.db.postgres import PostgresDatabase


@pytest.mark.postgres_only
async def test_reads_get_a_connection_while_every_write_slot_waits_on_a_row_lock(
    settings: Settings,
) -> None:
    db = await PostgresDatabase(settings.database_url, max_size=4, write_slots=2).open()
    try:
        async with db.write() as conn:
            await conn.execute("CREATE TABLE slot_probe (id int PRIMARY KEY, n int)")
            await conn.execute("INSERT INTO slot_probe VALUES (1, 0)")

        holding = asyncio.Event()
        release = asyncio.Event()
        entered: list[str] = []

        async def holder() -> None:
            async with db.write() as conn:
                await conn.execute("UPDATE slot_probe SET n = n + 1 WHERE id = 1")
                holding.set()
                await release.wait()

        async def waiter(name: str) -> None:
            async with db.write() as conn:
                entered.append(name)
                # Waits on the holder's row lock, keeping its connection.
                await conn.execute("UPDATE slot_probe SET n = n + 1 WHERE id = 1")

        held = asyncio.create_task(holder())
        await holding.wait()
        # The second slot: in, and blocked on the lock.
        blocked = asyncio.create_task(waiter("second"))
        while "second" not in entered:
            await asyncio.sleep(0.01)
        # The third write finds no slot: it waits without taking a connection.
        queued = asyncio.create_task(waiter("third"))
        await asyncio.sleep(0.3)
        assert entered == ["second"]

        # Two of four connections are free: reads answer at once, several at a time.
        async def read() -> int:
            async with db.read() as conn:
                return (await conn.fetch("SELECT n FROM slot_probe WHERE id = 1", ()))[0]["n"]

        assert await asyncio.wait_for(asyncio.gather(read(), read(), read()), 2) == [0, 0, 0]

        release.set()
        await asyncio.wait_for(asyncio.gather(held, blocked, queued), 10)
        assert entered == ["second", "third"]
        assert await read() == 3
    finally:
        await db.close()


def test_the_pool_and_the_slots_come_from_the_environment() -> None:
    settings = from_env({"ORDERLY_DB_POOL_SIZE": "20", "ORDERLY_DB_WRITE_SLOTS": "12"})
    assert (settings.db_pool_size, settings.db_write_slots) == (20, 12)
    assert (Settings().db_pool_size, Settings().db_write_slots) == (16, 12)


@pytest.mark.parametrize("slots", [0, 9, 10])  # of a pool of 10: at most 8
def test_slots_that_leave_no_connection_for_reads_are_refused(slots: int) -> None:
    with pytest.raises(ValueError, match="ORDERLY_DB_WRITE_SLOTS"):
        PostgresDatabase("postgresql://127.0.0.1/test", max_size=10, write_slots=slots)
