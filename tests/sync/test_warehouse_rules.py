"""The warehouse rules of docs/warehouse.md through ``sync.push``, against a real database:
scans (``scan.record``), redemption (``qr.redeem``, ``redemption.review``), leases, reservation
of stock and stocktaking lines. Orders live in warehouse wh-1 of the ``catalog`` fixture."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.qr.service import QrService
from shared import qr
from sync import buckets as bk
from sync import writer
from sync.context import Actor, Policy
from sync.direct import server_context
from sync.ids import uuid7
from sync.protocol import PullRequest, PushRequest
from sync.pull import pull
from sync.push import PushLimits, push
from sync.rules import qr as qr_rules
from tests.sync.test_rules import Device, conflict_row, get, line, order_args, sql

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
    if lines is None:
        lines = [line(uuid7(), "p-1", 2, 1200), line(uuid7(), "p-2", 3, 300)]
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


async def test_a_scan_of_an_order_outside_the_users_scope_is_not_attached_to_it(
    store: Any, catalog: dict
) -> None:
    # Another rep's order, another warehouse's order: stored (what the device saw is a fact,
    # code kept), but with no order, so it never shows in that order's timeline.
    order = await make_order(store)  # rep A's, in wh-1
    rep_b, w2 = Device(store, REP_B, "rep-b-phone"), Device(store, W2, "w2-handheld")
    r = await rep_b.send("scan.record", {"id": "s-b", "action": "view", "result": "valid",
                                         "code": "K7F-CODE", "order_id": order})  # fmt: skip
    assert r.status == "applied", r
    r = await w2.send("scan.record", {"id": "s-w2", "action": "pick", "result": "ok",
                                      "order_id": order})  # fmt: skip
    assert r.status == "applied", r
    b, other = await get(store, "scans", "s-b"), await get(store, "scans", "s-w2")
    assert (b["order_id"], b["code"], b["user_id"]) == (None, "K7F-CODE", "u-b")
    assert (other["order_id"], other["warehouse_id"]) == (None, "wh-2")
    attached = await sql(store, "SELECT id FROM scans WHERE order_id = ?", (order,))
    assert attached == []
    # The owner's own scan, and one in the order's warehouse, are attached.
    await Device(store, REP_A, "rep-a-phone").send(
        "scan.record", {"id": "s-a", "action": "view", "result": "valid", "order_id": order})
    await Device(store, W1, "w1-handheld").send(
        "scan.record", {"id": "s-w1", "action": "pick", "result": "ok", "order_id": order})
    attached = await sql(store, "SELECT id FROM scans WHERE order_id = ? ORDER BY id", (order,))
    assert [x["id"] for x in attached] == ["s-a", "s-w1"]


@pytest.mark.dates
async def test_purge_removes_old_scans_and_devices_drop_them(store: Any, catalog: dict) -> None:
    picker = Device(store, W1, "w1-handheld")
    for sid in ("s-old", "s-new"):
        await picker.send("scan.record", {"id": sid, "action": "pick", "result": "ok"})
    first = await pull(store, W1B, PullRequest(client_id="w1b", schema=1, limit=10_000))
    while first.more:
        first = await pull(store, W1B, PullRequest(client_id="w1b", schema=1, cursor=first.cursor))
    async with store.write() as tx:
        # By the server's time of receipt: s-new's device clock said 2020, it arrived now.
        await tx.conn.execute(
            "UPDATE scans SET received_at = '2020-01-01T00:00:00.000Z' WHERE id = 's-old'"
        )
        await tx.conn.execute("UPDATE scans SET at = '2020-01-01T00:00:00.000Z' WHERE id = 's-new'")
    removed = await QrService(store.db, store, None, "http://x").purge(timedelta(days=365))
    assert removed == {"qr_tokens": 0, "scans": 1}
    assert await get(store, "scans", "s-old") is None and await get(store, "scans", "s-new")
    delta = await pull(store, W1B, PullRequest(client_id="w1b", schema=1, cursor=first.cursor))
    assert [(c.t, c.id, c.op) for c in delta.changes] == [("scans", "s-old", "del")]
    (entry,) = await sql(store, "SELECT detail FROM audit_log WHERE action = 'qr.purged'")
    assert '"scans":1' in entry["detail"]


# ---- redemption -----------------------------------------------------------------------------


class PolicyDevice(Device):
    """A device whose pushes run under a given policy (the server's settings)."""

    def __init__(self, store: Any, actor: Actor, client_id: str, policy: Policy) -> None:
        super().__init__(store, actor, client_id)
        self.policy = policy

    async def push(self, *mutations: Any) -> list[Any]:
        req = PushRequest(client_id=self.client_id, schema=1, mutations=list(mutations))
        return (await push(self.store, self.actor, req, PushLimits(), self.policy)).results


@pytest.fixture
async def server_key(store: Any, catalog: dict) -> Any:
    from server.qr.keys import SYSTEM
    from tests.vectors import qr_vectors as qv

    async with store.write() as tx:
        ctx = server_context(tx, SYSTEM, "test.keys")
        await writer.insert(ctx, "signing_keys", qv._server_row("server"), bk.CATALOG)
    return qv.private("server")


async def issue_token(store: Any, key: Any, order_id: str, at: int = T) -> str:
    """A server token for the order, recorded as its current one (revoking earlier ones)."""
    token = qr.issue(key, order_id, at)
    async with store.write() as tx:
        ctx = server_context(tx, ADMIN, "test.qr")
        await qr_rules.record(ctx, token, qr.decode(token), "server")
    return token


async def walk(store: Any, order_id: str, *statuses: str) -> None:
    admin = Device(store, ADMIN, f"admin-{uuid7()[-8:]}")
    current = (await get(store, "orders", order_id))["status"]
    for status in statuses:
        r = await admin.send("order.transition", {"id": order_id, "from": current, "to": status})
        assert r.status == "applied", r
        current = status


async def pay(store: Any, order_id: str, amount: int, status: str = "paid") -> None:
    rep = Device(store, REP_A, f"rep-pay-{uuid7()[-8:]}")
    r = await rep.send("payment.record", {"id": uuid7(), "order_id": order_id, "method": "cash",
                                          "amount": amount, "status": status})  # fmt: skip
    assert r.status == "applied", r


@pytest.fixture
async def ready(store: Any, server_key: Any) -> dict[str, str]:
    """An order of wh-1, packed and paid in full (3300), with its current server token."""
    order = await make_order(store)
    await walk(store, order, "confirmed", "picking", "packed")
    await pay(store, order, 3300)
    return {"order": order, "token": await issue_token(store, server_key, order)}


async def test_a_redemption_of_a_ready_order_completes(store: Any, ready: dict) -> None:
    picker = Device(store, W1, "w1-handheld")
    r = await picker.send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                        "token": qr.url("https://x.example", ready["token"])})  # fmt: skip
    assert (r.status, r.error, r.conflict_id) == ("applied", None, None)
    row = await get(store, "redemptions", "r-1")
    assert row is not None
    assert (row["status"], row["amount"], row["token_id"], row["device_id"], row["user_id"],
            row["client_id"], row["reviewer_id"]) == (
        "completed", 3300, qr.token_id(ready["token"]), "dev-w1", "u-w1", "w1-handheld", None,
    )  # fmt: skip
    # The order's buckets: its owner, its warehouse, admins.
    for actor, seen in [(REP_A, True), (W1B, True), (ADMIN, True), (REP_B, False), (W2, False)]:
        ids = [x["id"] for x in await rows_pulled(store, actor, "redemptions")]
        assert ids == (["r-1"] if seen else []), actor
    # The same redemption again from another client: merged, still one.
    again = Device(store, W1, "w1-handheld-2")
    r = await again.send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                       "token": ready["token"]})  # fmt: skip
    assert r.status == "merged"


async def test_double_redemption_from_two_clients_is_one_completed_and_a_high_conflict(
    store: Any, ready: dict
) -> None:
    a, b = Device(store, W1, "w1-handheld"), Device(store, W1B, "w1b-handheld")
    # Both scanned the code offline; a reaches the server first.
    ma = a.mutation("qr.redeem", {"id": "r-a", "order_id": ready["order"], "token": ready["token"]})
    mb = b.mutation("qr.redeem", {"id": "r-b", "order_id": ready["order"], "token": ready["token"]})
    (ra,) = await a.push(ma)
    (rb,) = await b.push(mb)
    assert ra.status == "applied"
    assert rb.status == "conflict" and rb.conflict_id
    rows = await sql(store, "SELECT id, status FROM redemptions WHERE order_id = ?",
                     (ready["order"],))  # fmt: skip
    assert rows == [{"id": "r-a", "status": "completed"}]
    c = await conflict_row(store, rb.conflict_id)
    assert (c["kind"], c["severity"], c["status"], c["table_name"], c["row_id"]) == (
        "double_redemption", "high", "open", "redemptions", "r-a",
    )  # fmt: skip
    assert (c["server_value"]["id"], c["server_value"]["device_id"],
            c["server_value"]["user_id"]) == ("r-a", "dev-w1", "u-w1")  # fmt: skip
    assert (c["client_value"]["id"], c["client_value"]["device_id"],
            c["client_value"]["user_id"]) == ("r-b", "dev-w1b", "u-w1b")  # fmt: skip
    assert c["server_value"]["at"] and c["client_value"]["at"]
    assert (c["user_id"], c["device_id"]) == ("u-w1b", "dev-w1b")
    # Both handhelds' users, the warehouse and admins see it.
    for actor in (W1, W1B, ADMIN):
        assert [x["id"] for x in await rows_pulled(store, actor, "conflicts")] == [c["id"]]
    # The late mutation sent again (lost response): duplicate, with the same conflict.
    (again,) = await b.push(mb)
    assert (again.status, again.conflict_id) == ("duplicate", rb.conflict_id)
    # The same device redeeming again under a new mutation id is a double redemption too.
    r = await a.send("qr.redeem", {"id": "r-a2", "order_id": ready["order"],
                                   "token": ready["token"]})  # fmt: skip
    assert r.status == "conflict"
    assert (await conflict_row(store, r.conflict_id))["kind"] == "double_redemption"


async def test_a_replaced_or_forged_token_is_refused_with_its_reason(
    store: Any, ready: dict, server_key: Any
) -> None:
    from tests.vectors import qr_vectors as qv

    picker = Device(store, W1, "w1-handheld")
    old = ready["token"]
    await issue_token(store, server_key, ready["order"], T + 10)  # a reissue
    other = await make_order(store)
    never_recorded = qr.issue(server_key, ready["order"], T + 20)
    cases = [
        (old, "revoked_token", "reissued"),
        (qv._flip(old, 70), "tampered", ""),
        ("NOT A TOKEN", "malformed", ""),
        (await issue_token(store, server_key, other), "wrong_order", ""),
        (never_recorded, "not_current", ""),
        (qr.issue(qv.private("stranger"), ready["order"], T), "unknown_key", ""),
    ]
    for token, reason, detail in cases:
        r = await picker.send("qr.redeem", {"id": uuid7(), "order_id": ready["order"],
                                            "token": token})  # fmt: skip
        assert (r.status, r.error) == ("rejected", "invalid_token"), (reason, r)
        assert r.message.startswith(reason) and detail in r.message, (reason, r.message)
    assert await sql(store, "SELECT id FROM redemptions") == []
    (logged,) = await sql(store, "SELECT error FROM mutation_log WHERE client_id = ? AND "
                          "mutation_id = 1", ("w1-handheld",))  # fmt: skip
    assert logged["error"] == "invalid_token"  # stored with its outcome


async def test_a_superseded_device_token_says_so(store: Any, ready: dict, server_key: Any) -> None:
    # A newer token is current; an older one recorded late is revoked at once (superseded).
    await issue_token(store, server_key, ready["order"], T + 100)
    late = await issue_token(store, server_key, ready["order"], T + 50)
    r = await Device(store, W1, "w1").send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                                         "token": late})  # fmt: skip
    assert r.error == "invalid_token" and "superseded" in r.message, r.message


@pytest.mark.parametrize("statuses", [(), ("confirmed",), ("confirmed", "cancelled")])
async def test_an_order_not_yet_redeemable_is_refused(
    store: Any, server_key: Any, statuses: tuple
) -> None:
    order = await make_order(store)
    await walk(store, order, *statuses)
    await pay(store, order, 3300)
    token = await issue_token(store, server_key, order)
    r = await Device(store, W1, "w1").send("qr.redeem", {"id": "r-1", "order_id": order,
                                                         "token": token})  # fmt: skip
    assert (r.status, r.error) == ("rejected", "not_redeemable")


@pytest.mark.parametrize("statuses", [("shipped",), ("shipped", "delivered")])
async def test_shipped_and_delivered_orders_are_redeemable(
    store: Any, ready: dict, statuses: tuple
) -> None:
    await walk(store, ready["order"], *statuses)
    r = await Device(store, W1, "w1").send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                                         "token": ready["token"]})  # fmt: skip
    assert r.status == "applied"


async def test_an_order_not_paid_in_full_is_refused(store: Any, server_key: Any) -> None:
    order = await make_order(store)
    await walk(store, order, "confirmed", "picking", "packed")
    await pay(store, order, 3000)
    await pay(store, order, 300, status="pending")  # not paid yet: does not count
    token = await issue_token(store, server_key, order)
    w1 = Device(store, W1, "w1")
    r = await w1.send("qr.redeem", {"id": "r-1", "order_id": order, "token": token})
    assert (r.status, r.error) == ("rejected", "not_paid")
    assert "3000 of 3300" in r.message
    await pay(store, order, 300)
    r = await w1.send("qr.redeem", {"id": "r-1", "order_id": order, "token": token})
    assert r.status == "applied"


async def test_an_order_outside_the_users_scope_is_a_missing_reference(
    store: Any, ready: dict
) -> None:
    r = await Device(store, W2, "w2").send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                                         "token": ready["token"]})  # fmt: skip
    assert r.status == "conflict"
    assert (await conflict_row(store, r.conflict_id))["kind"] == "missing_reference"


async def test_above_the_review_amount_a_redemption_waits_for_a_manager(
    store: Any, ready: dict
) -> None:
    policy = Policy(redeem_review_amount=3299)  # the order's total is 3300
    w1 = PolicyDevice(store, W1, "w1", policy)
    r = await w1.send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                    "token": ready["token"]})  # fmt: skip
    assert r.status == "applied"
    assert (await get(store, "redemptions", "r-1"))["status"] == "pending_review"
    # Pending stands: another redemption meanwhile is a double redemption.
    w1b = PolicyDevice(store, W1B, "w1b", policy)
    r = await w1b.send("qr.redeem", {"id": "r-2", "order_id": ready["order"],
                                     "token": ready["token"]})  # fmt: skip
    assert r.status == "conflict"
    # Only reviewers review.
    r = await w1.send("redemption.review", {"id": "r-1", "approve": True})
    assert (r.status, r.error) == ("rejected", "forbidden")
    mgr = Device(store, MANAGER, "mgr")
    r = await mgr.send("redemption.review", {"id": "r-1", "approve": True, "reason": "known"})
    assert r.status == "applied"
    row = await get(store, "redemptions", "r-1")
    assert (row["status"], row["reviewer_id"], row["reason"]) == ("completed", "u-mgr", "known")
    assert row["reviewed_at"]
    # The same decision again: merged; another: refused, the first stands.
    admin = Device(store, ADMIN, "admin")
    assert (await admin.send("redemption.review", {"id": "r-1", "approve": True})).status == "merged"
    r = await admin.send("redemption.review", {"id": "r-1", "approve": False})
    assert (r.status, r.error) == ("rejected", "already_reviewed")
    assert (await admin.send("redemption.review", {"id": "nope", "approve": True})).error == (
        "invalid_args"
    )


@pytest.mark.parametrize("reviewer", [MANAGER, ADMIN])
async def test_a_redemption_is_reviewed_by_a_second_person(
    store: Any, ready: dict, reviewer: Actor
) -> None:
    policy = Policy(redeem_review_amount=0)
    mine = PolicyDevice(store, reviewer, "reviewer-handheld", policy)
    r = await mine.send("qr.redeem", {"id": "r-1", "order_id": ready["order"],
                                      "token": ready["token"]})  # fmt: skip
    assert r.status == "applied", r
    for approve in (True, False):  # neither decision on their own, from any of their clients
        again = Device(store, reviewer, f"reviewer-desk-{approve}")
        r = await again.send("redemption.review", {"id": "r-1", "approve": approve})
        assert (r.status, r.error) == ("rejected", "forbidden"), r
    assert (await get(store, "redemptions", "r-1"))["status"] == "pending_review"
    second = ADMIN if reviewer is MANAGER else MANAGER
    r = await Device(store, second, "second").send("redemption.review", {"id": "r-1", "approve": True})
    assert r.status == "applied"
    assert (await get(store, "redemptions", "r-1"))["reviewer_id"] == second.user_id


async def test_a_refused_redemption_does_not_stand(store: Any, ready: dict) -> None:
    policy = Policy(redeem_review_amount=0)
    w1 = PolicyDevice(store, W1, "w1", policy)
    await w1.send("qr.redeem", {"id": "r-1", "order_id": ready["order"], "token": ready["token"]})
    mgr = Device(store, MANAGER, "mgr")
    r = await mgr.send("redemption.review", {"id": "r-1", "approve": False, "reason": "ID check"})
    assert r.status == "applied"
    assert (await get(store, "redemptions", "r-1"))["status"] == "refused"
    r = await w1.send("qr.redeem", {"id": "r-2", "order_id": ready["order"],
                                    "token": ready["token"]})  # fmt: skip
    assert r.status == "applied"
    # A redemption that never waited for review cannot be reviewed.
    w1_default = Device(store, W1B, "w1b")
    other = await make_order(store, lines=[])
    await walk(store, other, "confirmed", "picking", "packed")
    token = await issue_token(store, qr_vectors_key(), other)
    await w1_default.send("qr.redeem", {"id": "r-3", "order_id": other, "token": token})
    assert (await get(store, "redemptions", "r-3"))["status"] == "completed"  # total 0: paid
    r = await mgr.send("redemption.review", {"id": "r-3", "approve": True})
    assert (r.status, r.error) == ("rejected", "not_pending")


def qr_vectors_key() -> Any:
    from tests.vectors import qr_vectors as qv

    return qv.private("server")


# ---- leases ---------------------------------------------------------------------------------


@pytest.mark.dates
async def test_a_live_lease_lets_only_its_device_redeem(store: Any, ready: dict) -> None:
    from server.warehouse.service import LeaseIn, take_leases

    out = await take_leases(store, W1, LeaseIn(order_ids=[ready["order"]], minutes=10))
    (lease,) = out.leases
    assert (lease["device_id"], lease["order_id"], lease["warehouse_id"], lease["released"]) == (
        "dev-w1", ready["order"], "wh-1", False,
    )  # fmt: skip
    other = Device(store, W1B, "w1b")
    r = await other.send("qr.redeem", {"id": "r-b", "order_id": ready["order"],
                                       "token": ready["token"]})  # fmt: skip
    assert (r.status, r.error) == ("rejected", "leased")
    (logged,) = await sql(store, "SELECT status, error FROM mutation_log WHERE client_id = 'w1b'")
    assert logged == {"status": "rejected", "error": "leased"}
    # An expired lease is ignored.
    async with store.write() as tx:
        await tx.conn.execute("UPDATE redemption_leases SET expires_at = ?",
                              ("2020-01-01T00:00:00.000Z",))  # fmt: skip
    r = await other.send("qr.redeem", {"id": "r-b2", "order_id": ready["order"],
                                       "token": ready["token"]})  # fmt: skip
    assert r.status == "applied"


async def test_a_redemption_refused_for_a_lease_after_the_leaseholders_is_a_double_redemption(
    store: Any, ready: dict
) -> None:
    # Issue 14, item 3: A redeems offline at 10:00 without a lease, B takes the lease and
    # redeems at 10:05, A syncs: the goods went out twice, a person must know.
    from server.warehouse.service import LeaseIn, take_leases

    a, b = Device(store, W1B, "w1b-handheld"), Device(store, W1, "w1-handheld")
    late = a.mutation("qr.redeem", {"id": "r-a", "order_id": ready["order"],
                                    "token": ready["token"]})  # fmt: skip
    await take_leases(store, W1, LeaseIn(order_ids=[ready["order"]], minutes=10))
    assert (await b.send("qr.redeem", {"id": "r-b", "order_id": ready["order"],
                                       "token": ready["token"]})).status == "applied"  # fmt: skip
    (r,) = await a.push(late)
    assert (r.status, r.error) == ("conflict", None), r
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["severity"], c["row_id"], c["user_id"]) == (
        "double_redemption", "high", "r-b", "u-w1b",
    )  # fmt: skip
    assert (c["client_value"]["id"], c["server_value"]["device_id"]) == ("r-a", "dev-w1")
    assert [x["id"] for x in await sql(store, "SELECT id FROM redemptions")] == ["r-b"]
    for actor in (W1, W1B, ADMIN):
        assert [x["id"] for x in await rows_pulled(store, actor, "conflicts")] == [c["id"]]


async def test_the_leaseholders_redemption_after_one_refused_for_its_lease_raises_the_conflict(
    store: Any, ready: dict
) -> None:
    # A's redemption reaches the server first and is refused for B's lease (A handed the goods
    # over offline); B then redeems: recorded, and a double_redemption conflict for a person.
    from server.warehouse.service import LeaseIn, take_leases

    await take_leases(store, W1, LeaseIn(order_ids=[ready["order"]], minutes=10))
    a, b = Device(store, W1B, "w1b-handheld"), Device(store, W1, "w1-handheld")
    r = await a.send("qr.redeem", {"id": "r-a", "order_id": ready["order"], "token": ready["token"]})
    assert (r.status, r.error) == ("rejected", "leased")
    r = await b.send("qr.redeem", {"id": "r-b", "order_id": ready["order"], "token": ready["token"]})
    assert r.status == "applied" and r.conflict_id, r
    assert (await get(store, "redemptions", "r-b"))["status"] == "completed"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["severity"], c["row_id"]) == ("double_redemption", "high", "r-b")
    assert (c["client_value"]["id"], c["client_value"]["device_id"]) == ("r-a", "dev-w1b")
    for actor in (W1, W1B, ADMIN):
        assert [x["id"] for x in await rows_pulled(store, actor, "conflicts")] == [c["id"]]
    assert await rows_pulled(store, W2, "conflicts") == []


async def test_the_leaseholder_redeems_and_a_released_lease_is_ignored(
    store: Any, ready: dict
) -> None:
    from server.warehouse.service import LeaseIn, release_lease, take_leases

    (lease,) = (await take_leases(store, W1, LeaseIn(order_ids=[ready["order"]]))).leases
    assert (await rows_pulled(store, W1B, "redemption_leases"))[0]["id"] == lease["id"]
    assert await rows_pulled(store, W2, "redemption_leases") == []
    assert await rows_pulled(store, REP_A, "redemption_leases") == []
    released = await release_lease(store, W1, lease["id"])
    assert released["released"] is True and released["released_at"]
    r = await Device(store, W1B, "w1b").send("qr.redeem", {"id": "r-b", "order_id": ready["order"],
                                                          "token": ready["token"]})  # fmt: skip
    assert r.status == "applied"
    # Taking it again: the same device replaces its own lease; another device is refused.
    from server.warehouse.service import Leased

    first = (await take_leases(store, W1, LeaseIn(order_ids=[ready["order"]]))).leases[0]
    second = (await take_leases(store, W1, LeaseIn(order_ids=[ready["order"]]))).leases[0]
    assert (await get(store, "redemption_leases", first["id"]))["released"]
    assert not (await get(store, "redemption_leases", second["id"]))["released"]
    with pytest.raises(Leased):
        await take_leases(store, W1B, LeaseIn(order_ids=[ready["order"]]))


# ---- reservation ----------------------------------------------------------------------------


async def levels(store: Any, warehouse: str = "wh-1") -> dict[str, tuple[int, int]]:
    rows = await sql(store, "SELECT product_id, on_hand, reserved FROM stock_levels"
                     " WHERE warehouse_id = ? ORDER BY product_id", (warehouse,))  # fmt: skip
    return {r["product_id"]: (r["on_hand"], r["reserved"]) for r in rows}


async def receive(store: Any, qty: int) -> None:
    w1 = Device(store, W1, f"w1-recv-{uuid7()[-8:]}")
    for product in ("p-1", "p-2"):
        r = await w1.send("stock.move", {"id": uuid7(), "product_id": product,
                                         "warehouse_id": "wh-1", "delta": qty,
                                         "reason": "receive"})  # fmt: skip
        assert r.status == "applied"


async def test_confirm_reserves_cancel_and_hold_release(store: Any, catalog: dict) -> None:
    await receive(store, 10)
    order = await make_order(store)  # p-1 × 2, p-2 × 3
    assert await levels(store) == {"p-1": (10, 0), "p-2": (10, 0)}  # submitted: nothing held
    await walk(store, order, "confirmed")
    assert await levels(store) == {"p-1": (10, 2), "p-2": (10, 3)}
    # A line changed while confirmed: the reservation follows.
    o = await get(store, "orders", order)
    lines = await sql(store, "SELECT id FROM order_lines WHERE order_id = ? AND product_id = 'p-1'",
                      (order,))  # fmt: skip
    rep = Device(store, REP_A, "rep-a-edit")
    r = await rep.send("order.line.upsert", {"order_id": order, "base_version": o["version"],
                                             "line": line(lines[0]["id"], "p-1", 5, 1200)})  # fmt: skip
    assert r.status == "applied", r
    assert await levels(store) == {"p-1": (10, 5), "p-2": (10, 3)}
    await walk(store, order, "on_hold")  # a held order holds no stock
    assert await levels(store) == {"p-1": (10, 0), "p-2": (10, 0)}
    await walk(store, order, "confirmed", "picking")
    assert await levels(store) == {"p-1": (10, 5), "p-2": (10, 3)}
    await walk(store, order, "cancelled")
    assert await levels(store) == {"p-1": (10, 0), "p-2": (10, 0)}


async def test_shipping_moves_the_goods_and_releases_the_reservation(
    store: Any, catalog: dict
) -> None:
    await receive(store, 10)
    order = await make_order(store)
    await walk(store, order, "confirmed", "picking", "packed")
    assert await levels(store) == {"p-1": (10, 2), "p-2": (10, 3)}
    await walk(store, order, "shipped")
    assert await levels(store) == {"p-1": (8, 0), "p-2": (7, 0)}
    number = (await get(store, "orders", order))["number"]
    moves = await sql(store, "SELECT product_id, delta, reason, ref FROM stock_moves"
                      " WHERE reason = 'ship' ORDER BY product_id")  # fmt: skip
    assert moves == [
        {"product_id": "p-1", "delta": -2, "reason": "ship", "ref": f"order:{number}"},
        {"product_id": "p-2", "delta": -3, "reason": "ship", "ref": f"order:{number}"},
    ]
    # Delivered, completed: nothing moves again; cancelling after shipping is not allowed.
    await walk(store, order, "delivered")
    assert await levels(store) == {"p-1": (8, 0), "p-2": (7, 0)}
    r = await Device(store, ADMIN, "adm").send("order.transition",
                                               {"id": order, "from": "delivered", "to": "cancelled"})  # fmt: skip
    assert r.status == "conflict"
    assert await levels(store) == {"p-1": (8, 0), "p-2": (7, 0)}


async def test_a_received_return_puts_the_goods_back(store: Any, catalog: dict) -> None:
    await receive(store, 10)
    order = await make_order(store)
    await walk(store, order, "confirmed", "picking", "packed", "shipped", "delivered")
    assert await levels(store) == {"p-1": (8, 0), "p-2": (7, 0)}
    await walk(store, order, "returned")
    assert await levels(store) == {"p-1": (10, 0), "p-2": (10, 0)}
    number = (await get(store, "orders", order))["number"]
    moves = await sql(store, "SELECT product_id, delta, ref FROM stock_moves"
                      " WHERE reason = 'return' ORDER BY product_id")  # fmt: skip
    assert moves == [
        {"product_id": "p-1", "delta": 2, "ref": f"order:{number}"},
        {"product_id": "p-2", "delta": 3, "ref": f"order:{number}"},
    ]
    # Refunding moves nothing more.
    await walk(store, order, "refunded")
    assert await levels(store) == {"p-1": (10, 0), "p-2": (10, 0)}


async def test_shipping_below_zero_raises_negative_stock(store: Any, catalog: dict) -> None:
    order = await make_order(store)  # no stock received
    await walk(store, order, "confirmed", "picking", "packed")
    r = await Device(store, ADMIN, "adm").send("order.transition",
                                               {"id": order, "from": "packed", "to": "shipped"})  # fmt: skip
    assert r.status == "applied" and r.conflict_id
    assert (await conflict_row(store, r.conflict_id))["kind"] == "negative_stock"
    assert await levels(store) == {"p-1": (-2, 0), "p-2": (-3, 0)}


async def test_an_order_without_a_warehouse_reserves_nothing_until_it_gets_one(
    store: Any, catalog: dict
) -> None:
    order = await make_order(store, warehouse=None)
    await walk(store, order, "confirmed")
    assert await sql(store, "SELECT * FROM stock_levels") == []
    admin = Device(store, ADMIN, "adm")
    o = await get(store, "orders", order)
    r = await admin.send("order.update", {"id": order, "base_version": o["version"],
                                          "set": {"warehouse_id": "wh-2"}})  # fmt: skip
    assert r.status == "applied"
    assert await levels(store, "wh-2") == {"p-1": (0, 2), "p-2": (0, 3)}
    o = await get(store, "orders", order)
    await admin.send("order.update", {"id": order, "base_version": o["version"],
                                      "set": {"warehouse_id": "wh-1"}})  # fmt: skip
    assert await levels(store, "wh-2") == {"p-1": (0, 0), "p-2": (0, 0)}
    assert await levels(store, "wh-1") == {"p-1": (0, 2), "p-2": (0, 3)}
    # Reps see levels (the catalog bucket).
    seen = {(r["warehouse_id"], r["product_id"]): r["reserved"]
            for r in await rows_pulled(store, REP_B, "stock_levels")}  # fmt: skip
    assert seen[("wh-1", "p-1")] == 2


# ---- stocktaking ----------------------------------------------------------------------------


async def test_stocktake_lines_variance_and_apply(store: Any, catalog: dict) -> None:
    from server.warehouse.service import (
        StocktakeClosed,
        StocktakeIn,
        apply_stocktake,
        open_stocktake,
        show_stocktake,
    )

    await receive(store, 10)
    session = await open_stocktake(store, MANAGER, StocktakeIn(warehouse_id="wh-1"))
    assert session.status == "open"
    assert [r["id"] for r in await rows_pulled(store, W1, "stocktakes")] == [session.id]
    a, b = Device(store, W1, "w1-a"), Device(store, W1B, "w1-b")

    def args(lid: str, product: str, counted: int, **extra: Any) -> dict:
        return {"id": lid, "session_id": session.id, "warehouse_id": "wh-1",
                "product_id": product, "counted": counted, **extra}  # fmt: skip

    assert (await a.send("stocktake.line", args("l-1", "p-1", 7))).status == "applied"
    assert (await b.send("stocktake.line", args("l-2", "p-1", 8))).status == "applied"  # later
    assert (await a.send("stocktake.line", args("l-3", "p-2", 10))).status == "applied"
    assert (await a.send("stocktake.line", args("l-1", "p-1", 7))).status == "merged"
    r = await Device(store, W2, "w2").send("stocktake.line", args("l-4", "p-1", 1))
    assert r.error == "forbidden"
    r = await a.send("stocktake.line", {**args("l-5", "p-1", 1), "warehouse_id": "wh-1",
                                        "session_id": "no-such"})  # fmt: skip
    assert r.status == "conflict"
    shown = await show_stocktake(store, W1, session.id)
    assert [(v.product_id, v.counted, v.on_hand, v.variance) for v in shown.lines] == [
        ("p-1", 8, 10, -2), ("p-2", 10, 10, 0),
    ]  # fmt: skip
    applied = await apply_stocktake(store, MANAGER, session.id)
    assert applied.status == "applied" and applied.applied_by == "u-mgr"
    assert await levels(store) == {"p-1": (8, 0), "p-2": (10, 0)}
    moves = await sql(store, "SELECT product_id, delta, ref FROM stock_moves WHERE reason = 'count'")
    assert moves == [{"product_id": "p-1", "delta": -2, "ref": f"stocktake:{session.id}"}]
    with pytest.raises(StocktakeClosed):
        await apply_stocktake(store, MANAGER, session.id)
    r = await a.send("stocktake.line", args("l-6", "p-1", 3))
    assert (r.status, r.error) == ("rejected", "stocktake_closed")
