"""``qr.issue`` (docs/qr.md): a device records the token it signed for an order it made offline.
Against a real database, through ``sync.push``; keys are the fixed ones of tests/vectors/qr.json."""

from __future__ import annotations

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
T = 1_780_000_000


@pytest.fixture
async def keys(store: Any, catalog: dict[str, str]) -> dict[str, Any]:
    """The server key; rep A's device key (dev-a) and rep B's (dev-b), certified by it."""
    rows = [
        qv._server_row("server"),
        qv._device_row("device", "dev-a", "K7F"),
        qv._device_row("device-revoked", "dev-b", "R2D"),  # not revoked here: just rep B's key
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
    token = qr.issue(keys["a"], order, T)
    r = await dev.send("qr.issue", {"order_id": order, "token": token})
    assert (r.status, r.error) == ("applied", None)
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
    first, second = qr.issue(keys["a"], order, T), qr.issue(keys["a"], order, T + 5)
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
    older = qr.issue(keys["a"], order, T - 60)
    assert (await dev.send("qr.issue", {"order_id": order, "token": older})).status == "merged"
    current = [r["id"] for r in await _records(store, order) if not r["revoked"]]
    assert current == [qr.token_id(second)]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda k, o: "NOT-A-TOKEN", "malformed"),
        (lambda k, o: qr.issue(k["a"], uuid7(), T), "wrong_order"),
        (lambda k, o: qr.issue(k["b"], o, T), "wrong_signer"),  # rep B's device key
        (lambda k, o: qr.issue(k["server"], o, T), "wrong_signer"),
        (lambda k, o: qr.issue(qv.private("stranger"), o, T), "unknown_key"),
        (lambda k, o: qv._flip(qr.issue(k["a"], o, T), 70), "tampered"),
        (lambda k, o: qr.encode(o, T, qr.key_id(k["a"]), k["a"], version=2), "wrong_version"),
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
    first, second = qr.issue(keys["a"], order, T), qr.issue(keys["a"], order, T + 5)
    await dev.send("qr.issue", {"order_id": order, "token": first})
    await dev.send("qr.issue", {"order_id": order, "token": second})
    other = Device(store, REP_A, "rep-a-tablet")
    r = await other.send("qr.issue", {"order_id": uuid7(), "token": first})
    assert (r.error, r.message.split(":")[0]) == ("invalid_token", "revoked_token")


async def test_an_order_the_user_cannot_see_is_a_missing_reference(store: Any, keys: dict) -> None:
    order = await _order(Device(store, REP_A, "rep-a-phone"))
    rep_b = Device(store, REP_B, "rep-b-phone")
    r = await rep_b.send("qr.issue", {"order_id": order, "token": qr.issue(keys["b"], order, T)})
    assert r.status == "conflict"


async def test_an_order_id_that_is_not_a_canonical_uuid_is_invalid_args(
    store: Any, keys: dict
) -> None:
    dev = Device(store, REP_A, "rep-a-phone")
    order = await _order(dev)
    token = qr.issue(keys["a"], order, T)
    r = await dev.send("qr.issue", {"order_id": order.upper(), "token": token})
    assert r.error == "invalid_args"
