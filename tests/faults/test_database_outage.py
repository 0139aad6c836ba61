"""The database gone from under a running server (every connection cut, new ones refused: a
proxy between the server and PostgreSQL drops them): requests answer 503
``database_unavailable`` with Retry-After, never 500; when the database is back the pool
reconnects and the device's outbox goes through exactly once. Unlike a PostgreSQL restart
(test_postgres_restart.py) it disturbs no one else's connections, so it is deterministic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from sync.protocol import SCHEMA_VERSION
from tests.dbs import TestDatabases
from tests.device.client import SyncClient
from tests.device.transport import HttpTransport, TransportError
from tests.faults.harness import ServerProcess, TcpProxy, assert_no_server_errors

pytestmark = pytest.mark.postgres_only  # a PostgreSQL connection fault


async def test_requests_during_a_database_outage_answer_503_then_recover(
    databases: TestDatabases, tmp_path: Path
) -> None:
    settings = await databases.fresh()
    url = urlsplit(settings.database_url)
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5432)
    await proxy.resume()
    through = url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}").geturl()
    server = ServerProcess(settings.with_(database_url=through), tmp_path / "server.log")
    await server.start()
    try:
        # In a thread: the proxy runs on this event loop, and the command goes through it.
        token = await asyncio.to_thread(server.token, "rep1", "sales")
        async with HttpTransport(server.url, token) as transport:
            device = SyncClient(transport, "outage-device-1")
            customer = device.upsert_customer("Before the outage")
            await device.push()

            await proxy.cut()
            order = device.create_order("OUT-1", customer.args["id"])
            with pytest.raises(TransportError, match="HTTP 503"):
                await device.push()
            assert device.pending == 1
            headers = {"Authorization": f"Bearer {token}"}
            body = {"client_id": "outage-device-1", "schema": SCHEMA_VERSION, "cursor": None}
            async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
                for _ in range(3):
                    answer = await http.post("/api/sync/pull", json=body)
                    assert answer.status_code == 503, answer.text
                    assert answer.json()["code"] == "database_unavailable"
                    assert answer.headers["Retry-After"] == "1"

            await proxy.resume()
            await device.sync()
            assert device.pending == 0
            assert device.row("orders", order.args["id"])["number"] == "OUT-1"
            assert [r.status for r in device.results.values()] == ["applied", "applied"]
        log = server.output()
        assert "database unavailable" in log
        assert_no_server_errors(log)
    finally:
        server.stop()
        await proxy.cut()
