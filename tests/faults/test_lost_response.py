"""A device whose push response was lost after the server committed it: the server is killed
between its commit and the answer reaching the device. The device sends the same mutations
again (same client id, same ids) and gets ``duplicate`` with the first outcome, and no second
order exists."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.db.sql import open_database
from tests.dbs import TestDatabases
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport, TransportError
from tests.faults.harness import ServerProcess


class KillAfterAnswer(httpx.AsyncBaseTransport):
    """Passes requests to the server; for the first push, once the server has answered (so it
    has committed), kills the server with SIGKILL and cuts the connection instead of handing
    the answer on: the device never learns what happened."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.inner = httpx.AsyncHTTPTransport()
        self.armed = True
        self.lost: bytes | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.armed and request.url.path == "/api/sync/push":
            self.armed = False
            self.lost = await response.aread()
            self.server.kill()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_response_lost_after_commit_answers_duplicate_not_a_second_order(
    databases: TestDatabases, tmp_path: Path
) -> None:
    server = ServerProcess(await databases.fresh(), tmp_path / "server.log")
    await server.start()
    try:
        token = server.token("rep1", "sales")
        cut = KillAfterAnswer(server)
        async with httpx.AsyncClient(transport=cut, timeout=10) as http:
            device = SyncClient(HttpTransport(server.url, token, client=http), "lost-answer-1")
            customer = device.upsert_customer("Lost & Found Ltd")
            order = device.create_order("LOST-1", customer.args["id"])
            taken = device.create_order("LOST-1", customer.args["id"])  # rejected: number taken
            with pytest.raises(TransportError):
                await device.push()
            assert cut.lost is not None and b'"applied"' in cut.lost  # it did commit
            assert device.pending == 3  # the device still holds all three

            await server.start()  # the same database, after the kill
            results = await device.push()
            assert [r.status for r in results] == ["duplicate"] * 3
            # The first outcome comes with the duplicate: the rejection and its code.
            assert results[2].error == "number_taken"
            assert device.pending == 0
            await device.pull()
            orders = device.store.tables["orders"]
            assert [o["number"] for o in orders.values()] == ["LOST-1"]
            assert order.args["id"] in orders and taken.args["id"] not in orders

        rows = await _rows(server)
        assert rows["orders"] == 1
        assert rows["logged"] == [(1, "applied"), (2, "applied"), (3, "rejected")]
    finally:
        server.stop()


async def _rows(server: ServerProcess) -> dict:
    db = await open_database(server.settings)
    try:
        async with db.read() as conn:
            orders = await conn.fetchval("SELECT count(*) FROM orders WHERE number = 'LOST-1'")
            logged = await conn.fetch_tuples(
                "SELECT mutation_id, status FROM mutation_log WHERE client_id = ?"
                " ORDER BY mutation_id",
                ("lost-answer-1",),
            )
    finally:
        await db.close()
    return {"orders": orders, "logged": logged}
