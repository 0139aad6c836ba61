"""The Python sync client against the real engine and a real database (LocalTransport), and the
HTTP transport's error mapping against a mock server."""

from __future__ import annotations

import random

import httpx
import msgspec
import pytest

from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.errors import Gap, TooLarge, Unauthorized
from sync.ids import stock_level_id
from sync.protocol import PullRequest, PullResponse, PushRequest, PushResponse
from sync.push import PushLimits
from tests.device.client import SyncClient
from tests.device.local_store import LocalStore
from tests.device.transport import HttpTransport, LocalTransport, TransportError

REP = Actor("u-rep", "sales", device_id="d-rep")
ADMIN = Actor("u-admin", "admin", device_id="d-admin")
PICKER = Actor("u-pick", "warehouse", warehouse_id="wh-1", device_id="d-pick")


class Flaky:
    """A transport that fails on demand: before sending, or after the server applied (lost
    response)."""

    def __init__(self, inner: LocalTransport) -> None:
        self.inner = inner
        self.fail_before = 0
        self.lose_push_responses = 0
        self.pushes = 0

    async def push(self, req: PushRequest) -> PushResponse:
        if self.fail_before:
            self.fail_before -= 1
            raise TransportError("offline")
        resp = await self.inner.push(req)
        self.pushes += 1
        if self.lose_push_responses:
            self.lose_push_responses -= 1
            raise TransportError("connection reset after the server answered")
        return resp

    async def pull(self, req: PullRequest) -> PullResponse:
        if self.fail_before:
            self.fail_before -= 1
            raise TransportError("offline")
        return await self.inner.pull(req)


def client(store: SqlSyncStore, actor: Actor, cid: str, **kw) -> SyncClient:
    kw.setdefault("base_delay", 0)
    return SyncClient(LocalTransport(store, actor), cid, user_id=actor.user_id, **kw)


async def logged(store: SqlSyncStore, client_id: str) -> list[tuple[int, str]]:
    async with store.db.read() as conn:
        rows = await conn.fetch(
            "SELECT mutation_id, status FROM mutation_log WHERE client_id = ? ORDER BY mutation_id",
            (client_id,),
        )
    return [(r["mutation_id"], r["status"]) for r in rows]


async def test_round_trip_between_two_devices(store, catalog):
    rep = client(store, REP, "client-rep-1")
    admin = client(store, ADMIN, "client-admin-1")
    await rep.sync()
    assert set(rep.store.tables["products"]) == {"p-1", "p-2", "p-3"}

    cust = rep.upsert_customer("Tea House", phone="555")
    order = rep.create_order(
        "REP-00001",
        cust.args["id"],
        [{"product_id": "p-1", "qty": 2, "unit_price": 1200}],
        warehouse_id="wh-1",
    )
    oid = order.args["id"]
    # Queued, not shown: the simulator shows what the server sent (the PWA predicts).
    assert rep.pending == 2 and rep.row("orders", oid) is None

    await rep.sync()
    assert [rep.results[m.id].status for m in (cust, order)] == ["applied", "applied"]
    assert rep.pending == 0 and not rep.store.unpulled
    assert rep.store.tables["orders"][oid]["total"] == 2400

    await admin.sync()
    admin.update_order(oid, priority="high")
    admin.upsert_line(oid, {"product_id": "p-2", "qty": 1, "unit_price": 300})
    await admin.sync()
    await rep.sync()
    row = rep.store.tables["orders"][oid]
    assert (row["priority"], row["total"]) == ("high", 2700)
    assert await logged(store, "client-rep-1") == [(1, "applied"), (2, "applied")]


async def test_pending_edits_stay_unconfirmed_until_a_pull_shows_them(store, catalog):
    rep = client(store, REP, "client-rep-1")
    admin = client(store, ADMIN, "client-admin-1")
    cust = rep.upsert_customer("Tea House")
    order = rep.create_order("REP-00001", cust.args["id"], [], warehouse_id="wh-1")
    oid = order.args["id"]
    await rep.sync()
    await admin.sync()

    admin.update_order(oid, priority="low")
    await admin.sync()
    rep.update_order(oid, notes="ring twice")
    rep.upsert_line(oid, {"product_id": "p-1", "qty": 3, "unit_price": 1000})
    await rep.pull()  # the admin's edit arrives under the rep's pending ones
    assert rep.row("orders", oid)["priority"] == "low"
    assert [m.name for m in rep.store.unconfirmed()] == ["order.update", "order.line.upsert"]

    await rep.push()
    # Acknowledged but not pulled yet: still laid over the mirror, so no edit flickers away.
    assert rep.pending == 0 and len(rep.store.unpulled) == 2
    assert [m.name for m in rep.store.unconfirmed()] == ["order.update", "order.line.upsert"]
    await rep.pull()
    assert not rep.store.unconfirmed()
    seen = rep.row("orders", oid)
    assert (seen["priority"], seen["notes"], seen["total"]) == ("low", "ring twice", 3000)


async def test_customer_edit_keeps_fields_left_out(store, catalog):
    rep = client(store, REP, "client-rep-1")
    cust = rep.upsert_customer("Tea House", phone="555", address="1 Main St")
    await rep.sync()
    rep.upsert_customer("Tea Palace", customer_id=cust.args["id"])
    await rep.sync()
    seen = rep.row("customers", cust.args["id"])
    assert (seen["name"], seen["phone"], seen["address"]) == ("Tea Palace", "555", "1 Main St")


async def test_outbox_kept_across_reset(store, catalog):
    rep = client(store, REP, "client-rep-1", pull_limit=2)
    cust = rep.upsert_customer("Tea House")
    await rep.sync()
    epoch_cursor = rep.store.cursor
    assert epoch_cursor and ".d." in epoch_cursor

    rep.create_order(
        "REP-00001", cust.args["id"], [{"product_id": "p-1", "qty": 1, "unit_price": 5}]
    )
    rep.upsert_customer("Tea House 2", customer_id=cust.args["id"])
    # A cursor from another history (a restored server): the server answers reset.
    rep.store.cursor = "0000000000000000" + epoch_cursor[epoch_cursor.index(".") :]
    rep.store.tables["products"]["ghost"] = {"id": "ghost", "version": 1}
    await rep.pull()
    assert "ghost" not in rep.store.tables["products"]
    assert set(rep.store.tables["customers"]) == {cust.args["id"]}
    assert [m.name for m in rep.store.outbox] == ["order.create", "customer.upsert"]

    # A cursor the server cannot read at all: start over, outbox kept too.
    rep.store.cursor = "garbage"
    await rep.pull()
    assert rep.pending == 2 and "p-1" in rep.store.tables["products"]

    await rep.sync()
    assert rep.pending == 0
    assert rep.store.tables["customers"][cust.args["id"]]["name"] == "Tea House 2"
    assert len(rep.store.tables["orders"]) == 1


async def test_lost_push_response_is_answered_as_duplicate(store, catalog):
    flaky = Flaky(LocalTransport(store, PICKER))
    picker = SyncClient(flaky, "client-pick-1", user_id=PICKER.user_id, attempts=3, base_delay=0)
    move = picker.move_stock("p-1", "wh-1", 7, "receive")
    flaky.lose_push_responses = 1
    await picker.sync()  # applied, response lost, retried: a duplicate, counted once

    assert flaky.pushes == 2
    assert picker.results[move.id].status == "duplicate"
    assert picker.pending == 0
    assert await logged(store, "client-pick-1") == [(1, "applied")]
    level = picker.store.tables["stock_levels"][stock_level_id("wh-1", "p-1")]
    assert level["on_hand"] == 7

    # The response lost and no retry: the next pull alone acknowledges it.
    second = picker.move_stock("p-1", "wh-1", -2, "pick")
    flaky.lose_push_responses = 1
    with pytest.raises(TransportError):
        await picker.push()
    assert picker.pending == 1
    await picker.pull()
    assert picker.pending == 0 and second.id not in picker.results
    assert picker.store.tables["stock_levels"][stock_level_id("wh-1", "p-1")]["on_hand"] == 5
    assert not picker.store.unconfirmed()


async def test_sync_retries_with_exponential_backoff_and_jitter(store, catalog):
    delays: list[float] = []

    async def sleep(d: float) -> None:
        delays.append(d)

    flaky = Flaky(LocalTransport(store, REP))
    rep = SyncClient(
        flaky, "client-rep-1", attempts=5, base_delay=1.0, max_delay=3.0, sleep=sleep,
        rng=random.Random(7),
    )  # fmt: skip
    rep.upsert_customer("Tea House")
    flaky.fail_before = 4
    await rep.sync()
    assert rep.pending == 0 and len(delays) == 4
    for attempt, d in enumerate(delays):
        cap = min(3.0, 1.0 * 2**attempt)
        assert cap / 2 <= d <= cap

    delays.clear()
    flaky.fail_before = 99
    rep.upsert_customer("Other")
    with pytest.raises(TransportError):
        await rep.sync()
    assert len(delays) == 4 and rep.pending == 1


async def test_gap_resends_from_the_servers_next_id(store, catalog):
    rep = client(store, REP, "client-rep-1")
    rep.store.next_mutation_id = 5  # this device lost the memory of ids 1..4 it never sent
    a = rep.upsert_customer("A")
    b = rep.upsert_customer("B")
    assert (a.id, b.id) == (5, 6)
    await rep.sync()
    assert await logged(store, "client-rep-1") == [(1, "applied"), (2, "applied")]
    assert rep.pending == 0 and rep.store.next_mutation_id == 3
    assert {c["name"] for c in rep.store.tables["customers"].values()} == {"A", "B"}


async def test_gap_without_last_id_is_raised(store, catalog):
    transport = LocalTransport(store, REP)
    with pytest.raises(Gap):
        await transport.push(
            msgspec.convert(
                {
                    "client_id": "client-rep-1",
                    "schema": 1,
                    "mutations": [
                        {"id": 1, "name": "x", "args": {}, "hlc": "x"},
                        {"id": 3, "name": "x", "args": {}, "hlc": "x"},
                    ],
                },
                PushRequest,
            )
        )


async def test_batches_shrink_to_the_servers_limit(store, catalog):
    transport = LocalTransport(store, REP, limits=PushLimits(max_mutations=2))
    seen: list[int] = []
    push = transport.push

    async def counting(req: PushRequest) -> PushResponse:
        seen.append(len(req.mutations))
        return await push(req)

    transport.push = counting  # type: ignore[method-assign]
    rep = SyncClient(transport, "client-rep-1", batch_size=100)
    for i in range(5):
        rep.upsert_customer(f"C{i}")
    await rep.sync()
    assert rep.pending == 0 and seen == [5, 2, 2, 1]
    assert len(rep.store.tables["customers"]) == 5


async def test_saved_store_resumes(store, catalog, tmp_path):
    rep = client(store, REP, "client-rep-1")
    cust = rep.upsert_customer("Tea House")
    await rep.sync()
    rep.create_order("REP-00001", cust.args["id"], [])
    path = tmp_path / "device.json"
    rep.store.save(path)
    last_hlc = rep.store.clock.last

    again = SyncClient(
        LocalTransport(store, REP), "client-rep-1", LocalStore.load(path), REP.user_id
    )
    assert again.store.tables == rep.store.tables and again.store.cursor == rep.store.cursor
    assert [m.id for m in again.store.outbox] == [2]
    assert again.upsert_customer("More").hlc > str(last_hlc)
    await again.sync()
    assert again.pending == 0 and len(again.store.tables["orders"]) == 1
    assert [m for m, _ in await logged(store, "client-rep-1")] == [1, 2, 3]


async def test_paged_pull_equals_one_page(store, catalog):
    rep = client(store, REP, "client-rep-1", pull_limit=1)
    for i in range(3):
        c = rep.upsert_customer(f"C{i}")
        rep.create_order(f"N-{i}", c.args["id"], [{"product_id": "p-2", "qty": 1, "unit_price": 3}])
    await rep.sync()
    whole = client(store, REP, "client-rep-2")
    await whole.pull()
    assert rep.store.tables == whole.store.tables
    assert len(rep.store.tables["order_lines"]) == 3


# ---- HttpTransport ---------------------------------------------------------------------------


def _http(handler) -> HttpTransport:
    return HttpTransport(
        "http://sync.test/",
        "tok-1",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )


PUSH = PushRequest(client_id="client-rep-1", schema=1, mutations=[])
PULL = PullRequest(client_id="client-rep-1", schema=1)


async def test_http_transport_posts_json_with_bearer_token():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/sync/push":
            return httpx.Response(200, json={"last_mutation_id": 4, "results": []})
        return httpx.Response(
            200,
            json={"cursor": "c", "last_mutation_id": 4, "more": False, "reset": False,
                  "changes": [{"t": "orders", "id": "o1", "op": "del", "v": 9}]},
        )  # fmt: skip

    t = _http(handler)
    assert (await t.push(PUSH)).last_mutation_id == 4
    assert (await t.pull(PULL)).changes[0].op == "del"
    assert [r.url.path for r in seen] == ["/api/sync/push", "/api/sync/pull"]
    assert all(r.headers["authorization"] == "Bearer tok-1" for r in seen)
    assert msgspec.json.decode(seen[1].content)["client_id"] == "client-rep-1"


@pytest.mark.parametrize(
    ("status", "body", "kind", "extra"),
    [
        (409, {"code": "mutation_gap", "message": "m", "last_mutation_id": 3}, Gap,
         {"last_mutation_id": 3}),
        (413, {"code": "too_large", "message": "m", "limits": {"max_mutations": 9}}, TooLarge,
         {"limits": {"max_mutations": 9}}),
        (401, {"code": "unauthorized", "message": "m"}, Unauthorized, {}),
    ],
)  # fmt: skip
async def test_http_transport_maps_error_codes(status, body, kind, extra):
    t = _http(lambda request: httpx.Response(status, json=body))
    with pytest.raises(kind) as info:
        await t.push(PUSH)
    assert info.value.extra == extra and info.value.code == body["code"]


async def test_http_transport_unknown_code_keeps_it():
    t = _http(lambda request: httpx.Response(422, json={"code": "weird", "message": "m"}))
    with pytest.raises(Exception) as info:
        await t.pull(PULL)
    assert info.value.code == "weird" and not isinstance(info.value, TransportError)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_http_transport_server_failures_are_retryable(status):
    t = _http(lambda request: httpx.Response(status, text="<html>bad gateway</html>"))
    with pytest.raises(TransportError):
        await t.push(PUSH)


async def test_http_transport_network_failures_are_retryable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError):
        await _http(refuse).pull(PULL)

    cut = _http(lambda request: httpx.Response(200, content=b'{"last_mutation_id": 4, "res'))
    with pytest.raises(TransportError):
        await cut.push(PUSH)
