"""``qr.issue`` (docs/qr.md): a device records the token it signed for an order it made offline.
Against a real database, through ``sync.push``; keys are the fixed ones of tests/vectors/qr.json."""

from __future__ import annotations

import time
from typing import Any

import pytest

from server.qr.keys import SYSTEM
from shared import qr
from sync import buckets as bk
from sync import writer
from sync.context import Actor
from sync.direct import server_context
from sync.ids import uuid7
from sync.protocol import PullRequest
from sync.pull import pull
from tests.sync.test_rules import Device
from tests.vectors import qr_vectors as qv

REP_A = Actor("u-a", "sales", device_id="dev-a")
REP_B = Actor("u-b", "sales", device_id="dev-b")
PICKER = Actor("u-w1", "warehouse", "wh-1", device_id="dev-w1")
# Issue times are bounded by the order's life and the server's clock (docs/qr.md § Issue times):
# tokens here are dated a minute into the test run, whatever day it runs.
def _t() -> int:
    """A token's issue time: a minute from now, read when the test runs (a module constant read
    at collection was minutes old by the time a full run reached these tests, and issue times
    are bounded by the order's life: docs/qr.md)."""
    return int(time.time()) + 60


@pytest.fixture
async def keys(store: Any, catalog: dict[str, str]) -> dict[str, Any]:
    """The server key; rep A's device key (dev-a) and rep B's (dev-b), certified by it."""
    rows = [
        qv._server_row("server"),
        qv._device_row("device", "dev-a", "K7F", user_id="u-a"),
        # Not revoked here: just rep B's key.
        qv._device_row("device-revoked", "dev-b", "R2D", user_id="u-b"),
    ]
    async with store.write() as tx:
        ctx = server_context(tx, SYSTEM, "test.keys")
        for row in rows:
            await writer.insert(ctx, "signing_keys", row, bk.CATALOG)
    return {"server": qv.private("server"), "a": qv.private("device"),
            "b": qv.private("device-revoked")}  # fmt: skip


async def _order(dev: Device) -> str:
    customer, order = uuid7(), uuid7()
    results = await dev.push(
        dev.mutation("customer.upsert", {"id": customer, "name": "Ann", "phone": "555"}),
        dev.mutation(
            "order.create",
            {
                "id": order,
                "number": f"K7F-{order[-5:]}",
                "customer_id": customer,
                "lines": [{"id": uuid7(), "product_id": "p-1", "qty": 1, "unit_price": 1200}],
            },
        ),  # fmt: skip
    )
    assert [r.status for r in results] == ["applied", "applied"]
    return order


def _records(store: Any, order_id: str):
    async def work(tx: Any) -> list[dict]:
        return await tx.find("qr_tokens", "order_id", order_id)

    return store.run_write(work)


async def _catalog_rows(store: Any, actor: Actor, table: str) -> list[dict]:
    resp = await pull(store, actor, PullRequest(client_id=f"p-{uuid7()}", schema=1, limit=10_000))
    return [c.row for c in resp.changes if c.t == table]


async def test_a_device_records_its_own_token(store: Any, keys: dict) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    token = qr.issue(keys["a"], order, _t())
    r = await dev.send("qr.issue", {"order_id": order, "token": token})
    assert (r.status, r.error, r.message) == ("applied", None, None)
    (rec,) = await _records(store, order)
    assert (rec["id"], rec["issuer"], rec["issued_by"], rec["revoked"]) == (
        qr.token_id(token), "dev-a", "u-a", False,
    )  # fmt: skip
    # The same again (another client of the same device, or a URL / lower-case form): merged.
    again = Device(store, REP_A, "rep-a-phone-2")
    r = await again.send("qr.issue", {"order_id": order, "token": qr.url("https://x", token)})
    assert r.status == "merged"


async def test_a_newer_token_revokes_the_older_and_every_device_learns_it(
    store: Any, keys: dict
) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    first, second = qr.issue(keys["a"], order, _t()), qr.issue(keys["a"], order, _t() + 5)
    assert (await dev.send("qr.issue", {"order_id": order, "token": first})).status == "applied"
    assert (await dev.send("qr.issue", {"order_id": order, "token": second})).status == "applied"
    revoked = await _catalog_rows(store, PICKER, "qr_revocations")  # another user, another scope
    assert [(r["id"], r["order_id"], r["reason"]) for r in revoked] == [
        (qr.token_id(first), order, "reissued")
    ]
    pulled_keys = await _catalog_rows(store, PICKER, "signing_keys")
    assert qr.verify(first, pulled_keys, revoked).reason == "revoked_token"
    assert qr.verify(second, pulled_keys, revoked).reason == "valid"
    # An older token arriving late does not replace the newer: recorded, revoked at once.
    older = qr.issue(keys["a"], order, _t() - 60)
    assert (await dev.send("qr.issue", {"order_id": order, "token": older})).status == "merged"
    current = [r["id"] for r in await _records(store, order) if not r["revoked"]]
    assert current == [qr.token_id(second)]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda k, o: "NOT-A-TOKEN", "malformed"),
        (lambda k, o: qr.issue(k["a"], uuid7(), _t()), "wrong_order"),
        (lambda k, o: qr.issue(k["b"], o, _t()), "wrong_signer"),  # rep B's device key
        (lambda k, o: qr.issue(k["server"], o, _t()), "wrong_signer"),
        (lambda k, o: qr.issue(qv.private("stranger"), o, _t()), "unknown_key"),
        (lambda k, o: qv._flip(qr.issue(k["a"], o, _t()), 70), "tampered"),
        (lambda k, o: qr.encode(o, _t(), qr.key_id(k["a"]), k["a"], version=2), "wrong_version"),
    ],
)
async def test_an_invalid_token_is_rejected_with_its_reason(
    store: Any, keys: dict, make, reason: str
) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    r = await dev.send("qr.issue", {"order_id": order, "token": make(keys, order)})
    assert (r.status, r.error) == ("rejected", "invalid_token")
    assert r.message.startswith(reason), r.message
    assert await _records(store, order) == []


async def test_a_revoked_token_cannot_be_recorded_again(store: Any, keys: dict) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    first, second = qr.issue(keys["a"], order, _t()), qr.issue(keys["a"], order, _t() + 5)
    await dev.send("qr.issue", {"order_id": order, "token": first})
    await dev.send("qr.issue", {"order_id": order, "token": second})
    other = Device(store, REP_A, "rep-a-tablet")
    r = await other.send("qr.issue", {"order_id": uuid7(), "token": first})
    assert (r.error, r.message.split(":")[0]) == ("invalid_token", "revoked_token")


async def test_an_order_the_user_cannot_see_is_a_missing_reference(store: Any, keys: dict) -> None:
    order = await _order(Device(store, REP_A, "rep-a-phone"))
    rep_b = Device(store, REP_B, "rep-b-phone")
    r = await rep_b.send("qr.issue", {"order_id": order, "token": qr.issue(keys["b"], order, _t())})
    assert r.status == "conflict"


async def test_an_order_id_that_is_not_a_canonical_uuid_is_invalid_args(
    store: Any, keys: dict
) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    token = qr.issue(keys["a"], order, _t())
    r = await dev.send("qr.issue", {"order_id": order.upper(), "token": token})
    assert r.error == "invalid_args"


async def test_a_device_key_signs_only_orders_its_own_user_made(store: Any, keys: dict) -> None:
    """A manager sees every order: their device key still may not sign a rep's order."""
    order = await _order(Device(store, REP_A, "rep-a-phone"))
    manager = Device(store, Actor("u-b", "manager", device_id="dev-b"), "manager-phone")
    r = await manager.send("qr.issue", {"order_id": order, "token": qr.issue(keys["b"], order, _t())})
    assert (r.status, r.error) == ("rejected", "invalid_token")
    assert r.message.startswith("wrong_signer"), r.message
    assert await _records(store, order) == []


async def test_a_revoked_device_key_records_nothing_however_dated(store: Any, keys: dict) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    async with store.write() as tx:
        ctx = server_context(tx, SYSTEM, "test.revoke")
        row = await tx.get("signing_keys", qr.key_id(keys["a"]))
        await writer.update(ctx, "signing_keys", row,
                            {"revoked": True, "revoked_at": "2099-01-01T00:00:00.000Z"},
                            bk.CATALOG)  # fmt: skip
    r = await dev.send("qr.issue", {"order_id": order, "token": qr.issue(keys["a"], order, _t())})
    assert (r.error, r.message.split(":")[0]) == ("invalid_token", "revoked_key")


SKEW = qr.ISSUE_SKEW_SECONDS


@pytest.mark.parametrize(
    ("dated", "reason"),
    [
        pytest.param(lambda now: now + SKEW + 120, "future", id="ahead-beyond-skew"),
        # 2096: it would become the order's current code for 70 years.
        pytest.param(lambda now: 4_000_000_000, "future", id="2096"),
        pytest.param(lambda now: now - SKEW - 120, "before_order", id="before-order-beyond-skew"),
        pytest.param(lambda now: 1_600_000_000, "before_order", id="2020"),
    ],
)
async def test_a_token_dated_outside_the_orders_life_is_refused(
    store: Any, keys: dict, dated, reason: str
) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    now = int(time.time())
    r = await dev.send(
        "qr.issue", {"order_id": order, "token": qr.issue(keys["a"], order, dated(now))}
    )
    assert (r.status, r.error) == ("rejected", "invalid_token")
    assert r.message.startswith(reason), r.message
    assert await _records(store, order) == []
    # Within the skew either side: accepted.
    early = qr.issue(keys["a"], order, now - SKEW + 30)
    assert (await dev.send("qr.issue", {"order_id": order, "token": early})).status == "applied"
    late = qr.issue(keys["a"], order, now + SKEW - 30)
    assert (await dev.send("qr.issue", {"order_id": order, "token": late})).status == "applied"
