"""The world every optimistic scenario starts from, built through the real engine.

Catalog rows are written the way the server writes them (``sync.direct.put_rows``); everything
else is pushed by the people who would do it, so every row (versions, history, conflicts) is what
a device would really pull. Ids the server makes are named (``PinnedTime.next_ids``) so that the
scenarios can refer to them.
"""

from __future__ import annotations

from typing import Any

from sync.context import Actor
from sync.direct import put_rows
from sync.hlc import Timestamp
from tests.vectors.clock import NODE, T0  # the scenarios' mutations come after T0
from tests.vectors.engine import Device, Engine

ADMIN = Actor("u-admin", "admin", device_id="d-admin")
REP = Actor("u-rep", "sales", device_id="d-rep")
OTHER_REP = Actor("u-rep2", "sales", device_id="d-rep2")
PICKER = Actor("u-pick", "warehouse", warehouse_id="w-1", device_id="d-pick")
MANAGER = Actor("u-man", "manager", device_id="d-man")

USERS = [("u-admin", "admin", None), ("u-rep", "sales", None), ("u-rep2", "sales", None),
         ("u-pick", "warehouse", "w-1"), ("u-man", "manager", None)]  # fmt: skip


def hlc(ms: int, node: str = NODE) -> str:
    return str(Timestamp(ms, 0, node))


def new_line(lid: str, pid: str = "p-1", qty: Any = 3, price: Any = 1000) -> dict[str, Any]:
    return {"id": lid, "product_id": pid, "qty": qty, "unit_price": price}


class People:
    """Push as the people who would, one mutation a second from ``ms``, each checked to do what
    it should (``expect``); each person's device is ``<prefix>-<user id>``."""

    def __init__(self, engine: Engine, ms: int, prefix: str) -> None:
        self.engine = engine
        self.ms = ms
        self.prefix = prefix
        self.devices: dict[str, Device] = {}

    async def send(self, actor: Actor, name: str, args: dict[str, Any], expect: str = "applied"):
        device = self.devices.get(actor.user_id)
        if device is None:
            client = f"{self.prefix}-{actor.user_id}"
            device = self.devices[actor.user_id] = self.engine.device(actor, client)
        self.ms += 1000
        result = await device.push(name, args, hlc(self.ms, device.client_id))
        assert result.status == expect, (name, args, result)
        return result


def _order(oid: str, number: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": oid, "number": number, "customer_id": "c-1", "lines": lines,
            "warehouse_id": "w-1", "due_date": "2026-12-01", "notes": "ring twice",
            "delivery_address": "1 Road", **extra}  # fmt: skip


async def build_world(engine: Engine) -> None:
    """Customers, orders in several states, stock, a payment and conflicts of every kind a
    person resolves."""
    engine.time.at(T0 - 7_200_000)
    async with engine.store.write() as tx:
        for uid, role, warehouse in USERS:
            await tx.conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO users (id, name, role, warehouse_id, disabled, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (uid, uid.title(), role, warehouse, False, "2025-01-01T00:00:00.000Z"),
            )
    await put_rows(engine.store, ADMIN, "warehouses", [
        {"id": "w-1", "code": "MAIN", "name": "Main"},
        {"id": "w-2", "code": "NORTH", "name": "North"},
    ])  # fmt: skip
    await put_rows(engine.store, ADMIN, "products", [
        {"id": "p-1", "sku": "SKU-1", "name": "Tea", "unit_price": 1500},
        {"id": "p-2", "sku": "SKU-2", "name": "Cup", "unit_price": 250},
        {"id": "p-3", "sku": "SKU-3", "name": "Pot", "unit_price": 4000},
    ])  # fmt: skip
    s = People(engine, T0 - 3_600_000, "seed")
    await s.send(REP, "customer.upsert", {"id": "c-1", "name": "Acme", "phone": "123",
                                          "address": "1 Road", "region": "north"})  # fmt: skip
    await s.send(PICKER, "stock.move", {"id": "mv-1", "product_id": "p-1", "warehouse_id": "w-1",
                                        "delta": 10, "reason": "receive"})  # fmt: skip
    await s.send(PICKER, "stock.move", {"id": "mv-2", "product_id": "p-2", "warehouse_id": "w-1",
                                        "delta": 10, "reason": "receive"})  # fmt: skip
    await s.send(REP, "order.create", _order("o-sub", "K7F-00001", [
        new_line("l-1", "p-1", 2, 1500), new_line("l-2", "p-2", 1, 250)]))  # fmt: skip
    await s.send(REP, "order.create", _order("o-conf", "K7F-00002", []))
    await s.send(
        REP, "order.create", _order("o-pick", "K7F-00003", [new_line("l-3", "p-1", 1, 1500)])
    )
    await s.send(
        REP, "order.create", _order("o-ship", "K7F-00004", [new_line("l-4", "p-2", 2, 250)])
    )
    await conflicts_of_every_kind(s)
    for oid, steps in {
        "o-conf": ["confirmed"],
        "o-pick": ["confirmed", "picking"],
        "o-ship": ["confirmed", "picking", "packed", "shipped"],
    }.items():
        status = "submitted"
        for to in steps:
            await s.send(ADMIN, "order.transition", {"id": oid, "from": status, "to": to})
            status = to
    await s.send(REP, "payment.record", {"id": "pay-1", "order_id": "o-sub", "method": "card",
                                         "amount": 3250, "status": "pending"})  # fmt: skip


async def _version(engine: Engine, table: str, row_id: str) -> int:
    async with engine.store.write() as tx:
        row = await tx.get(table, row_id)
    assert row is not None, (table, row_id)
    return int(row["version"])


async def _stale_edit(s: People, cid: str, table: str, row_id: str, field: str, theirs: Any,
                      mine: Any) -> None:  # fmt: skip
    """The admin changes ``field`` to ``theirs``; the rep, from the version before, sends
    ``mine``: the server keeps the admin's and records conflict ``cid`` for the rep."""
    base = await _version(s.engine, table, row_id)
    if table == "orders":
        await s.send(ADMIN, "order.update", {"id": row_id, "base_version": base,
                                             "set": {field: theirs}})  # fmt: skip
        s.engine.time.next_ids(cid)
        await s.send(REP, "order.update", {"id": row_id, "base_version": base,
                                           "set": {field: mine}}, "conflict")  # fmt: skip
    else:
        await s.send(ADMIN, "customer.upsert", {"id": row_id, "name": "Acme", field: theirs,
                                                "base_version": base})  # fmt: skip
        s.engine.time.next_ids(cid)
        await s.send(REP, "customer.upsert", {"id": row_id, "name": "Acme", field: mine,
                                              "base_version": base}, "conflict")  # fmt: skip


async def conflicts_of_every_kind(s: People) -> None:
    """The rep's conflicts: on a field (order, customer), one settled, one referred, one whose
    row already holds the rep's value, one on an order that ships later, one about an order
    that does not exist, an overwritten last-writer-wins note."""
    await _stale_edit(s, "cf-order", "orders", "o-sub", "priority", "low", "high")
    await _stale_edit(s, "cf-cust", "customers", "c-1", "phone", "456", "999")
    await _stale_edit(s, "cf-same", "orders", "o-conf", "priority", "low", "high")
    await _stale_edit(s, "cf-done", "orders", "o-conf", "due_date", "2026-12-02", "2026-12-03")
    await _stale_edit(s, "cf-referred", "orders", "o-sub", "due_date", "2026-12-02", "2026-12-04")
    await _stale_edit(s, "cf-ship", "orders", "o-ship", "delivery_address", "2 Dock", "3 Dock")
    s.engine.time.next_ids("cf-gone")
    await s.send(REP, "order.update", {"id": "o-gone", "base_version": 1,
                                       "set": {"notes": "x"}}, "conflict")  # fmt: skip
    base = await _version(s.engine, "orders", "o-conf")
    await s.send(ADMIN, "order.update", {"id": "o-conf", "base_version": base,
                                         "set": {"priority": "high"}})  # fmt: skip
    await s.send(REP, "conflict.resolve", {"id": "cf-done", "resolution": "server"})
    await s.send(REP, "conflict.resolve", {"id": "cf-referred", "resolution": "admin"})
    # Notes are last-writer-wins: the rep's older edit arrives after the admin's and loses.
    base = await _version(s.engine, "orders", "o-sub")
    await s.send(ADMIN, "order.update", {"id": "o-sub", "base_version": base,
                                         "set": {"notes": "the admin's words"}})  # fmt: skip
    device = s.devices["u-rep"]
    s.engine.time.next_ids("cf-over")
    result = await device.push("order.update", {"id": "o-sub", "base_version": base,
                                                "set": {"notes": "my words"}},
                               hlc(s.ms - 500, "seed-u-rep"))  # fmt: skip
    assert result.status in ("merged", "applied"), result
