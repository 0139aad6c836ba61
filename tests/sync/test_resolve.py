"""conflict.resolve through ``sync.push.push`` against a real database: a person settles a
conflict, the settlement is a versioned write that every device concerned pulls."""

from __future__ import annotations

from typing import Any

import pytest

from sync.context import Actor
from tests.sync.test_rules import (
    ADMIN,
    REP_A,
    REP_B,
    W1,
    Device,
    get,
    move,
    new_order,
    pull_all,
    version,
)

MANAGER = Actor("u-mgr", "manager", device_id="dev-mgr")
FINANCE = Actor("u-fin", "finance", device_id="dev-fin")


@pytest.fixture
async def phone(store: Any, catalog: dict[str, str]) -> Device:
    dev = Device(store, REP_A, "rep-a-phone")
    for cid, name in (("c-a", "Ann's shop"), ("c-a2", "Second shop")):
        r = await dev.send("customer.upsert", {"id": cid, "name": name, "phone": "111"})
        assert r.status == "applied"
    return dev


@pytest.fixture
def tablet(store: Any, phone: Device) -> Device:
    return Device(store, REP_A, "rep-a-tablet")


async def field_conflict(
    store: Any, first: Device, second: Device, field: str, a: Any, b: Any, oid: str = "o-1"
) -> str:
    """``first`` sets ``field`` to ``a``, then ``second`` (from the same base) to ``b``: the
    second becomes a conflict, whose id this returns."""
    base = await new_order(first, oid)
    r1 = await first.send("order.update", {"id": oid, "base_version": base, "set": {field: a}})
    r2 = await second.send("order.update", {"id": oid, "base_version": base, "set": {field: b}})
    assert (r1.status, r2.status) == ("applied", "conflict")
    assert r2.conflict_id
    return r2.conflict_id


def resolve(cid: str, resolution: str, **value: Any) -> dict[str, Any]:
    return {"id": cid, "resolution": resolution, **value}


async def test_author_takes_the_client_value_both_devices_pull_it(
    store: Any, phone: Device, tablet: Device
) -> None:
    cid = await field_conflict(store, phone, tablet, "delivery_address", "Dock 2", "Dock 3")
    _, phone_cursor = await pull_all(store, REP_A, phone.client_id)
    _, tablet_cursor = await pull_all(store, REP_A, tablet.client_id)
    before = await version(store, "orders", "o-1")

    r = await tablet.send("conflict.resolve", resolve(cid, "client"))
    assert (r.status, r.error) == ("applied", None)
    order = await get(store, "orders", "o-1")
    assert order["delivery_address"] == "Dock 3" and order["version"] > before

    for dev, cursor in ((phone, phone_cursor), (tablet, tablet_cursor)):
        changes, _ = await pull_all(store, REP_A, dev.client_id, cursor)
        got = {c.t: c.row for c in changes}
        assert got["orders"]["delivery_address"] == "Dock 3"
        c = got["conflicts"]
        assert (c["status"], c["resolution"], c["resolved_value"]) == (
            "resolved",
            "client",
            "Dock 3",
        )
        assert c["resolver_id"] == "u-a" and c["resolved_at"]
    # The admin's device holds every conflict and every order: it gets both too.
    changes, _ = await pull_all(store, ADMIN, "admin-desk")
    assert {c.t: c.row for c in changes}["conflicts"]["status"] == "resolved"
    # A normal write: the field's history keeps what it replaced.
    async with store.read() as r:
        replaced = await r.conn.fetch(
            "SELECT value FROM field_history WHERE row_id = ? AND field = ? ORDER BY id",
            ("o-1", "delivery_address"),
        )
    assert replaced[-1]["value"] == '"Dock 2"'


async def test_custom_value_is_checked_like_the_field(
    store: Any, phone: Device, tablet: Device
) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    for bad in ({"value": "urgent"}, {"value": None}, {}):
        r = await tablet.send("conflict.resolve", resolve(cid, "custom", **bad))
        assert (r.status, r.error) == ("rejected", "invalid_args"), bad
    cid2 = await field_conflict(store, phone, tablet, "due_date", "2030-01-01", "2030-02-02", "o-2")
    r = await tablet.send("conflict.resolve", resolve(cid2, "custom", value="31/12/2030"))
    assert (r.status, r.error) == ("rejected", "invalid_args")


async def test_custom_value_written(store: Any, phone: Device, tablet: Device) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    r = await phone.send("conflict.resolve", resolve(cid, "custom", value="normal"))
    assert r.status == "applied"
    assert (await get(store, "orders", "o-1"))["priority"] == "normal"
    c = await get(store, "conflicts", cid)
    assert (c["status"], c["resolution"], c["resolved_value"]) == ("resolved", "custom", '"normal"')
    # null clears a nullable field.
    cid2 = await field_conflict(store, phone, tablet, "due_date", "2030-01-01", "2030-02-02", "o-2")
    r = await tablet.send("conflict.resolve", resolve(cid2, "custom", value=None))
    assert r.status == "applied" and (await get(store, "orders", "o-2"))["due_date"] is None


async def test_keep_the_server_value(store: Any, phone: Device, tablet: Device) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    before = await version(store, "orders", "o-1")
    r = await tablet.send("conflict.resolve", resolve(cid, "server"))
    assert r.status == "applied"
    assert await version(store, "orders", "o-1") == before  # nothing written to the order
    c = await get(store, "conflicts", cid)
    assert (c["status"], c["resolution"], c["resolved_value"]) == ("resolved", "server", '"high"')
    assert c["resolver_id"] == "u-a"
    # The same decision again is a no-op; a different one is refused: the first stands.
    seq = await version(store, "conflicts", cid)
    assert (await phone.send("conflict.resolve", resolve(cid, "server"))).status == "merged"
    r = await phone.send("conflict.resolve", resolve(cid, "client"))
    assert (r.status, r.error) == ("rejected", "already_resolved")
    assert await version(store, "conflicts", cid) == seq
    assert (await get(store, "orders", "o-1"))["priority"] == "high"


async def test_leave_it_to_an_admin(store: Any, phone: Device, tablet: Device) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    _, admin_cursor = await pull_all(store, ADMIN, "admin-desk")
    r = await tablet.send("conflict.resolve", resolve(cid, "admin"))
    assert r.status == "applied"
    c = await get(store, "conflicts", cid)
    assert (c["status"], c["resolution"], c["resolver_id"]) == ("referred", None, None)
    assert (await tablet.send("conflict.resolve", resolve(cid, "admin"))).status == "merged"
    changes, _ = await pull_all(store, ADMIN, "admin-desk", admin_cursor)
    assert [(ch.t, ch.row["status"]) for ch in changes] == [("conflicts", "referred")]
    # The admin settles it: takes the client's value.
    office = Device(store, ADMIN, "admin-desk")
    assert (await office.send("conflict.resolve", resolve(cid, "client"))).status == "applied"
    assert (await get(store, "orders", "o-1"))["priority"] == "low"
    c = await get(store, "conflicts", cid)
    assert (c["status"], c["resolution"], c["resolver_id"]) == ("resolved", "client", "u-admin")
    # Resolved: referring it again is refused.
    r = await tablet.send("conflict.resolve", resolve(cid, "admin"))
    assert (r.status, r.error) == ("rejected", "already_resolved")


async def test_who_may_resolve(store: Any, phone: Device, tablet: Device) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    # Another rep, and a role that sees every row but does not settle others' conflicts.
    for actor in (REP_B, FINANCE, W1):
        r = await Device(store, actor, f"{actor.user_id}-dev").send(
            "conflict.resolve", resolve(cid, "server")
        )
        assert (r.status, r.error) == ("rejected", "forbidden"), actor
    assert (await get(store, "conflicts", cid))["status"] == "open"
    manager = Device(store, MANAGER, "mgr-desk")
    r = await manager.send("conflict.resolve", resolve(cid, "custom", value="normal"))
    assert r.status == "applied"
    assert (await get(store, "orders", "o-1"))["priority"] == "normal"
    # An unknown conflict.
    r = await phone.send("conflict.resolve", resolve("no-such", "server"))
    assert (r.status, r.error) == ("rejected", "invalid_args")


async def test_customer_field_conflict_takes_the_client_value(
    store: Any, phone: Device, tablet: Device
) -> None:
    c = await get(store, "customers", "c-a")
    base = c["version"]
    r1 = await phone.send("customer.upsert", {"id": "c-a", "name": "Ann's", "base_version": base,
                                              "phone": "222"})  # fmt: skip
    r2 = await tablet.send("customer.upsert", {"id": "c-a", "name": "Ann's", "base_version": base,
                                               "phone": "333"})  # fmt: skip
    assert (r1.status, r2.status) == ("applied", "conflict")
    r = await tablet.send("conflict.resolve", resolve(r2.conflict_id, "client"))
    assert r.status == "applied"
    assert (await get(store, "customers", "c-a"))["phone"] == "333"
    # A customer's name must not be empty, as in customer.upsert.
    base = await version(store, "customers", "c-a")
    await phone.send("customer.upsert", {"id": "c-a", "name": "A1", "base_version": base})
    r = await tablet.send("customer.upsert", {"id": "c-a", "name": "A2", "base_version": base})
    assert r.status == "conflict"
    bad = await tablet.send("conflict.resolve", resolve(r.conflict_id, "custom", value=""))
    assert (bad.status, bad.error) == ("rejected", "invalid_args")
    too_long = await tablet.send(
        "conflict.resolve", resolve(r.conflict_id, "custom", value="x" * 201)
    )
    assert (too_long.status, too_long.error) == ("rejected", "invalid_args")


async def test_other_kinds_allow_server_and_admin_only(
    store: Any, phone: Device, tablet: Device
) -> None:
    office = Device(store, ADMIN, "admin-desk")
    await new_order(phone, "o-1")
    kinds: dict[str, str] = {}
    r = await phone.send("order.update", {"id": "o-404", "base_version": 1,
                                          "set": {"priority": "high"}})  # fmt: skip
    kinds["missing_reference"] = r.conflict_id
    r = await office.send("order.transition", {"id": "o-1", "from": "submitted", "to": "delivered"})
    kinds["transition"] = r.conflict_id
    r = await office.send("stock.move", move("m-1", -3))
    kinds["negative_stock"] = r.conflict_id
    # A line quantity changed on two devices: a field conflict, but on a line.
    base = await version(store, "orders", "o-1")
    line = {"id": "l-o-1", "product_id": "p-1", "unit_price": 1000}
    await phone.send("order.line.upsert", {"order_id": "o-1", "base_version": base,
                                           "line": {**line, "qty": 2}})  # fmt: skip
    r = await tablet.send("order.line.upsert", {"order_id": "o-1", "base_version": base,
                                                "line": {**line, "qty": 5}})  # fmt: skip
    kinds["field on order_lines"] = r.conflict_id
    await office.send("order.transition", {"id": "o-1", "from": "submitted", "to": "cancelled"})
    r = await phone.send("order.update", {"id": "o-1", "base_version": base,
                                          "set": {"priority": "low"}})  # fmt: skip
    kinds["locked"] = r.conflict_id
    assert all(kinds.values()), kinds

    for kind, cid in kinds.items():
        dev = office if kind in ("negative_stock", "transition") else phone
        for resolution, extra in (("client", {}), ("custom", {"value": 1})):
            r = await dev.send("conflict.resolve", resolve(cid, resolution, **extra))
            assert (r.status, r.error) == ("rejected", "invalid_args"), (kind, resolution)
            assert "'server'" in r.message and "'admin'" in r.message
        assert (await dev.send("conflict.resolve", resolve(cid, "admin"))).status == "applied"
        assert (await dev.send("conflict.resolve", resolve(cid, "server"))).status == "applied"
        c = await get(store, "conflicts", cid)
        assert (c["status"], c["resolution"]) == ("resolved", "server"), kind
    assert (await get(store, "orders", "o-1"))["status"] == "cancelled"


async def test_client_value_on_an_order_locked_since_is_a_locked_conflict(
    store: Any, phone: Device, tablet: Device
) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    office = Device(store, ADMIN, "admin-desk")
    await office.send("order.transition", {"id": "o-1", "from": "submitted", "to": "cancelled"})
    r = await tablet.send("conflict.resolve", resolve(cid, "client"))
    assert r.status == "conflict"
    assert (await get(store, "conflicts", r.conflict_id))["kind"] == "locked"
    assert (await get(store, "conflicts", cid))["status"] == "open"
    assert (await get(store, "orders", "o-1"))["priority"] == "high"


async def test_field_changed_again_since_the_conflict_conflicts_again(
    store: Any, phone: Device, tablet: Device
) -> None:
    cid = await field_conflict(store, phone, tablet, "priority", "high", "low")
    # The phone changes the field again after the conflict was recorded; the tablet, not having
    # seen that, takes its own value: a new conflict, nothing overwritten.
    v = await version(store, "orders", "o-1")
    await phone.send(
        "order.update", {"id": "o-1", "base_version": v, "set": {"priority": "normal"}}
    )
    r = await tablet.send("conflict.resolve", resolve(cid, "client"))
    assert r.status == "conflict" and r.conflict_id != cid
    again = await get(store, "conflicts", r.conflict_id)
    assert (again["kind"], again["field"], again["server_value"]) == (
        "field",
        "priority",
        '"normal"',
    )
    assert (await get(store, "orders", "o-1"))["priority"] == "normal"
    # The phone itself wrote the later value: for the phone it is no conflict.
    r = await phone.send("conflict.resolve", resolve(cid, "client"))
    assert r.status == "applied" and (await get(store, "orders", "o-1"))["priority"] == "low"
