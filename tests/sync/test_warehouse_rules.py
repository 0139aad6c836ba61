"""The warehouse rules of docs/warehouse.md through ``sync.push``, against a real database:
scans (``scan.record``), redemption (``qr.redeem``, ``redemption.review``), leases, reservation
of stock and stocktaking lines. Orders live in warehouse wh-1 of the ``catalog`` fixture."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.qr.service import QrService
from shared import qr
from sync.context import Actor
from sync.ids import uuid7
from sync.protocol import PullRequest
from sync.pull import pull
from tests.sync.test_rules import Device, get, order_args, sql

REP_A = Actor("u-a", "sales", device_id="dev-a")
REP_B = Actor("u-b", "sales", device_id="dev-b")
FINANCE = Actor("u-fin", "finance", device_id="dev-fin")
ADMIN = Actor("u-admin", "admin", device_id="dev-admin")
MANAGER = Actor("u-mgr", "manager", device_id="dev-mgr")
W1 = Actor("u-w1", "warehouse", "wh-1", device_id="dev-w1")
W1B = Actor("u-w1b", "warehouse", "wh-1", device_id="dev-w1b")
W2 = Actor("u-w2", "warehouse", "wh-2", device_id="dev-w2")
T = 1_780_000_000


async def rows_pulled(store: Any, actor: Actor, table: str) -> list[dict]:
    resp = await pull(store, actor, PullRequest(client_id=f"p-{uuid7()}", schema=1, limit=10_000))
    return [c.row for c in resp.changes if c.t == table]


async def make_order(store: Any, *, warehouse: str | None = "wh-1", lines=None) -> str:
    """An order of rep A (lines p-1 × 2 at 1200, p-2 × 3 at 300: total 3300)."""
    rep = Device(store, REP_A, f"rep-a-{uuid7()[-8:]}")
    order_id, customer = uuid7(), uuid7()
    extra = {"warehouse_id": warehouse} if warehouse else {}
    results = await rep.push(
        rep.mutation("customer.upsert", {"id": customer, "name": "Ann"}),
        rep.mutation(
            "order.create",
            order_args(order_id, f"K7F-{order_id[-6:]}", customer, lines=lines, **extra),
        ),
    )
    assert [r.status for r in results] == ["applied", "applied"], results
    return order_id


# ---- scans ----------------------------------------------------------------------------------


async def test_a_scan_is_stored_as_sent_with_the_sessions_user_and_device(
    store: Any, catalog: dict
) -> None:
    order = await make_order(store)
    picker = Device(store, W1, "w1-handheld")
    code = "4006381333931"  # a product barcode, not a token: no token id
    r = await picker.send("scan.record", {"id": "s-1", "action": "pick", "result": "wrong_item",
                                          "code": code, "order_id": order, "product_id": "p-2"})  # fmt: skip
    assert (r.status, r.error) == ("applied", None)
    row = await get(store, "scans", "s-1")
    assert row is not None
    assert (row["action"], row["result"], row["code"], row["token_id"]) == (
        "pick", "wrong_item", code, None,
    )  # fmt: skip
    assert (row["user_id"], row["device_id"], row["warehouse_id"]) == ("u-w1", "dev-w1", "wh-1")
    assert row["at"].endswith("Z") and row["received_at"].endswith("Z")
    assert row["buckets"] == " all rep:u-w1 wh:wh-1 "
    # The same scan again (a retry from another client of the device): recorded once.
    again = Device(store, W1, "w1-handheld-2")
    r = await again.send("scan.record", {"id": "s-1", "action": "pick", "result": "ok"})
    assert r.status == "merged"
    assert (await get(store, "scans", "s-1"))["result"] == "wrong_item"


async def test_a_token_scan_records_its_token_id(store: Any, catalog: dict) -> None:
    from tests.vectors import qr_vectors as qv

    order = await make_order(store)
    token = qr.issue(qv.private("server"), order, T)
    picker = Device(store, W1, "w1-handheld")
    for i, code in enumerate([token, qr.url("https://x.example", token), "bogus", None]):
        args = {"id": f"s-{i}", "action": "view", "result": "valid", "order_id": order}
        if code is not None:
            args["code"] = code
        assert (await picker.send("scan.record", args)).status == "applied"
    ids = [(await get(store, "scans", f"s-{i}"))["token_id"] for i in range(4)]
    assert ids == [qr.token_id(token), qr.token_id(token), None, None]


async def test_scans_are_never_rejected_for_their_result(store: Any, catalog: dict) -> None:
    picker = Device(store, W1, "w1-handheld")
    for i, result in enumerate(["forged", "revoked", "unknown_order", "tampered", "duplicate"]):
        r = await picker.send("scan.record", {"id": f"s-{i}", "action": "view", "result": result,
                                              "order_id": uuid7()})  # fmt: skip
        assert r.status == "applied", (result, r)
    # A result that is no verdict word at all is malformed args, not a verdict.
    r = await picker.send("scan.record", {"id": "s-x", "action": "view", "result": "Not OK!"})
    assert r.error == "invalid_args"
    r = await picker.send("scan.record", {"id": "s-y", "action": "dance", "result": "ok"})
    assert r.error == "invalid_args"


@pytest.mark.parametrize(
    ("actor", "action", "allowed"),
    [
        (REP_A, "view", True),
        (FINANCE, "view", True),
        (REP_A, "pick", False),
        (FINANCE, "redeem", False),
        (W1, "ship", True),
        (W1, "count", True),
        (ADMIN, "redeem", True),
        (MANAGER, "return", True),
    ],
)
async def test_scan_actions_by_role(
    store: Any, catalog: dict, actor: Actor, action: str, allowed: bool
) -> None:
    dev = Device(store, actor, f"{actor.user_id}-dev")
    r = await dev.send("scan.record", {"id": uuid7(), "action": action, "result": "ok"})
    if allowed:
        assert r.status == "applied", r
    else:
        assert (r.status, r.error) == ("rejected", "forbidden")


async def test_a_warehouse_user_scans_in_their_own_warehouse_only(
    store: Any, catalog: dict
) -> None:
    picker = Device(store, W1, "w1-handheld")
    r = await picker.send("scan.record", {"id": "s-1", "action": "pick", "result": "ok",
                                          "warehouse_id": "wh-2"})  # fmt: skip
    assert (r.status, r.error) == ("rejected", "forbidden")
    admin = Device(store, ADMIN, "admin-pc")
    r = await admin.send("scan.record", {"id": "s-2", "action": "pick", "result": "ok",
                                         "warehouse_id": "wh-nowhere"})  # fmt: skip
    assert r.error == "invalid_args"
    r = await admin.send("scan.record", {"id": "s-3", "action": "pick", "result": "ok",
                                         "warehouse_id": "wh-2"})  # fmt: skip
    assert r.status == "applied"


async def test_scans_reach_their_warehouse_admins_and_for_views_the_orders_owner(
    store: Any, catalog: dict
) -> None:
    order = await make_order(store)
    picker = Device(store, W1, "w1-handheld")
    await picker.send("scan.record", {"id": "s-view", "action": "view", "result": "valid",
                                      "order_id": order})  # fmt: skip
    await picker.send("scan.record", {"id": "s-pack", "action": "pack", "result": "ok",
                                      "order_id": order})  # fmt: skip
    rep_b = Device(store, REP_B, "rep-b-phone")  # not the owner: no owner bucket for B's order
    await rep_b.send("scan.record", {"id": "s-b", "action": "view", "result": "valid",
                                     "order_id": order})  # fmt: skip

    def ids(rows: list[dict]) -> list[str]:
        return sorted(r["id"] for r in rows)

    assert ids(await rows_pulled(store, W1B, "scans")) == ["s-pack", "s-view"]
    assert ids(await rows_pulled(store, W2, "scans")) == []
    assert ids(await rows_pulled(store, REP_A, "scans")) == ["s-view"]
    assert ids(await rows_pulled(store, REP_B, "scans")) == ["s-b"]
    assert ids(await rows_pulled(store, ADMIN, "scans")) == ["s-b", "s-pack", "s-view"]
    (row,) = [r for r in await rows_pulled(store, ADMIN, "scans") if r["id"] == "s-b"]
    assert set(row) >= {"id", "action", "result", "code", "token_id", "order_id", "product_id",
                        "warehouse_id", "device_id", "user_id", "at", "received_at", "version"}  # fmt: skip
    assert "buckets" not in row


async def test_purge_removes_old_scans_and_devices_drop_them(store: Any, catalog: dict) -> None:
    picker = Device(store, W1, "w1-handheld")
    for sid in ("s-old", "s-new"):
        await picker.send("scan.record", {"id": sid, "action": "pick", "result": "ok"})
    first = await pull(store, W1B, PullRequest(client_id="w1b", schema=1, limit=10_000))
    while first.more:
        first = await pull(store, W1B, PullRequest(client_id="w1b", schema=1, cursor=first.cursor))
    async with store.write() as tx:
        await tx.conn.execute("UPDATE scans SET at = '2020-01-01T00:00:00.000Z' WHERE id = 's-old'")
    removed = await QrService(store.db, store, None, "http://x").purge(timedelta(days=365))
    assert removed == {"qr_tokens": 0, "scans": 1}
    assert await get(store, "scans", "s-old") is None and await get(store, "scans", "s-new")
    delta = await pull(store, W1B, PullRequest(client_id="w1b", schema=1, cursor=first.cursor))
    assert [(c.t, c.id, c.op) for c in delta.changes] == [("scans", "s-old", "del")]
    (entry,) = await sql(store, "SELECT detail FROM audit_log WHERE action = 'qr.purged'")
    assert '"scans":1' in entry["detail"]
