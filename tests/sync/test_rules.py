"""The conflict rules of DESIGN §5, through ``sync.push.push`` against a real database.

Every test starts from a fresh database with the ``catalog`` fixture (warehouses wh-1, wh-2;
products p-1, p-2 and the inactive p-3), and drives the engine the way devices do: numbered
mutations with HLC timestamps, edits based on the row version the device last saw.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from sync.context import Actor, iso_of_ms, now_iso
from sync.errors import Gap
from sync.hlc import Clock, wall_ms
from sync.ids import stock_level_id
from sync.protocol import Change, MutationIn, MutationResult, PullRequest, PushRequest
from sync.pull import pull
from sync.push import push

REP_A = Actor("u-a", "sales", device_id="dev-a")
REP_B = Actor("u-b", "sales", device_id="dev-b")
ADMIN = Actor("u-admin", "admin", device_id="dev-admin")
FINANCE = Actor("u-fin", "finance", device_id="dev-fin")
SUPPORT = Actor("u-sup", "support", device_id="dev-sup")
W1 = Actor("u-w1", "warehouse", "wh-1", device_id="dev-w1")
W2 = Actor("u-w2", "warehouse", "wh-2", device_id="dev-w2")


# ---- helpers ------------------------------------------------------------------------------


class Device:
    """One client: its own mutation counter and HLC clock."""

    def __init__(self, store: Any, actor: Actor, client_id: str) -> None:
        self.store = store
        self.actor = actor
        self.client_id = client_id
        self.clock = Clock(client_id)
        self.next_id = 1

    def mutation(self, name: str, args: dict[str, Any], hlc: str | None = None) -> MutationIn:
        m = MutationIn(
            id=self.next_id,
            name=name,
            args=args,
            hlc=hlc or str(self.clock.now()),
            user_id=self.actor.user_id,
        )
        self.next_id += 1
        return m

    async def push(self, *mutations: MutationIn) -> list[MutationResult]:
        req = PushRequest(client_id=self.client_id, schema=1, mutations=list(mutations))
        resp = await push(self.store, self.actor, req)
        assert resp.last_mutation_id == self.next_id - 1
        return resp.results

    async def send(self, name: str, args: dict[str, Any], hlc: str | None = None) -> MutationResult:
        (result,) = await self.push(self.mutation(name, args, hlc))
        return result


def hlc_at(ms: int, node: str) -> str:
    return str(Clock(node, wall=lambda: ms).now())


def line(line_id: str, product_id: str = "p-1", qty: int = 1, unit_price: int = 1200) -> dict:
    return {"id": line_id, "product_id": product_id, "qty": qty, "unit_price": unit_price}


LINES = [line("l-1", "p-1", 2, 1200), line("l-2", "p-2", 3, 300)]  # total 3300


def order_args(
    order_id: str = "o-1",
    number: str | None = None,
    customer_id: str = "c-a",
    lines: list[dict] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": order_id,
        "number": number or f"K7F-{order_id}",
        "customer_id": customer_id,
        "lines": LINES if lines is None else lines,
        **extra,
    }


async def get(store: Any, table: str, row_id: str) -> dict[str, Any] | None:
    async with store.read() as r:
        rows = await r.rows(table, [row_id])
    return rows[0] if rows else None


async def sql(store: Any, query: str, args: tuple = ()) -> list[dict[str, Any]]:
    async with store.read() as r:
        return await r.conn.fetch(query, args)


async def version(store: Any, table: str, row_id: str) -> int:
    row = await get(store, table, row_id)
    assert row is not None
    return row["version"]


async def conflict_row(store: Any, conflict_id: str | None) -> dict[str, Any]:
    assert conflict_id is not None
    row = await get(store, "conflicts", conflict_id)
    assert row is not None
    for k in ("base_value", "server_value", "client_value", "mutation"):
        row[k] = None if row[k] is None else msgspec.json.decode(row[k])
    return row


async def conflicts(store: Any) -> list[dict[str, Any]]:
    return await sql(store, "SELECT id, kind, row_id, field FROM conflicts ORDER BY id")


async def last_seq(store: Any) -> int:
    async with store.read() as r:
        return (await r.state()).last_seq


async def history(store: Any, table: str, row_id: str, field: str) -> list[dict[str, Any]]:
    rows = await sql(
        store,
        "SELECT value, version, replaced_at, hlc FROM field_history"
        " WHERE table_name = ? AND row_id = ? AND field = ? ORDER BY replaced_at, id",
        (table, row_id, field),
    )
    for r in rows:
        r["value"] = msgspec.json.decode(r["value"]) if r["value"] is not None else None
    return rows


async def pull_all(
    store: Any, actor: Actor, client_id: str, cursor: str | None = None
) -> tuple[list[Change], str]:
    changes: list[Change] = []
    while True:
        resp = await pull(store, actor, PullRequest(client_id=client_id, schema=1, cursor=cursor))
        assert not resp.reset
        changes.extend(resp.changes)
        cursor = resp.cursor
        if not resp.more:
            return changes, cursor


def ids(changes: list[Change], table: str, op: str = "put") -> set[str]:
    return {c.id for c in changes if c.t == table and c.op == op}


# ---- fixtures -----------------------------------------------------------------------------


@pytest.fixture
async def phone(store: Any, catalog: dict[str, str]) -> Device:
    """Rep A's phone, with two customers of rep A."""
    dev = Device(store, REP_A, "rep-a-phone")
    results = await dev.push(
        dev.mutation(
            "customer.upsert",
            {"id": "c-a", "name": "Ann's shop", "phone": "111", "address": "1 Main St"},
        ),
        dev.mutation("customer.upsert", {"id": "c-a2", "name": "Second shop"}),
        dev.mutation("customer.upsert", {"id": "c-a3", "name": "Third shop"}),
    )
    assert [r.status for r in results] == ["applied"] * 3
    return dev


@pytest.fixture
def tablet(store: Any, phone: Device) -> Device:
    """Rep A's second device: same user, another client."""
    return Device(store, REP_A, "rep-a-tablet")


@pytest.fixture
def office(store: Any, phone: Device) -> Device:
    return Device(store, ADMIN, "admin-desk")


@pytest.fixture
async def order(store: Any, phone: Device) -> int:
    """Order o-1 by rep A, assigned to wh-1; returns its version."""
    r = await phone.send(
        "order.create",
        order_args(delivery_address="Dock 1", notes="ring twice", warehouse_id="wh-1"),
    )
    assert r.status == "applied"
    return await version(store, "orders", "o-1")


async def walk(dev: Device, order_id: str, *path: str) -> None:
    """Move an order along ``path`` (first item: its current status), asserting each step."""
    for src, dst in zip(path, path[1:], strict=False):
        r = await dev.send("order.transition", {"id": order_id, "from": src, "to": dst})
        assert r.status == "applied", (src, dst, r)


async def new_order(dev: Device, order_id: str, **extra: Any) -> int:
    """A further order of rep A (one line ``l-<order id>``, at wh-1); returns its version."""
    r = await dev.send(
        "order.create",
        order_args(
            order_id,
            lines=[line(f"l-{order_id}", "p-1", 1, 1000)],
            delivery_address="Dock 1",
            warehouse_id="wh-1",
            **extra,
        ),
    )
    assert r.status == "applied", r
    return await version(dev.store, "orders", order_id)


# ---- order.create -------------------------------------------------------------------------


async def test_orders_created_offline_never_conflict(
    store: Any, phone: Device, tablet: Device
) -> None:
    rep_b = Device(store, REP_B, "rep-b-phone")
    assert (await rep_b.send("customer.upsert", {"id": "c-b", "name": "Bob's"})).status == "applied"
    # Captured offline on three devices (same customer on two of them), pushed in any order.
    batch_phone = [
        phone.mutation(
            "order.create",
            order_args(f"o-p{i}", f"PHN-{i:05d}", lines=[line(f"l-p{i}", "p-1", i + 1)]),
        )
        for i in range(3)
    ]
    batch_tablet = [
        tablet.mutation(
            "order.create",
            order_args(f"o-t{i}", f"TAB-{i:05d}", lines=[line(f"l-t{i}", "p-1", i + 1)]),
        )
        for i in range(3)
    ]
    res_b = await rep_b.send("order.create", order_args("o-b", "BOB-00001", customer_id="c-b"))
    res_t = await tablet.push(*batch_tablet)
    res_p = await phone.push(*batch_phone)
    results = [*res_p, *res_t, res_b]
    assert [r.status for r in results] == ["applied"] * 7
    assert all(r.conflict_id is None for r in results)
    assert await conflicts(store) == []
    o = await get(store, "orders", "o-t2")
    assert (o["status"], o["owner_id"], o["total"]) == ("submitted", "u-a", 3 * 1200)
    assert (await get(store, "orders", "o-b"))["owner_id"] == "u-b"


async def test_order_create_defaults_and_the_same_order_sent_again(
    store: Any, phone: Device, tablet: Device
) -> None:
    r = await phone.send("order.create", order_args(status="draft", priority="high"))
    assert r.status == "applied"
    o = await get(store, "orders", "o-1")
    assert (o["status"], o["priority"], o["channel"]) == ("draft", "high", "field")
    assert o["total"] == 2 * 1200 + 3 * 300
    assert [h["to"] for h in msgspec.json.decode(o["status_history"])] == ["draft"]
    lines = await sql(
        store, "SELECT id, qty FROM order_lines WHERE order_id = ? ORDER BY id", ("o-1",)
    )
    assert lines == [{"id": "l-1", "qty": 2}, {"id": "l-2", "qty": 3}]

    seq = await last_seq(store)
    again = await tablet.send("order.create", order_args(status="draft", priority="high"))
    assert again.status == "merged"  # already here: nothing doubled
    assert await last_seq(store) == seq
    other = await Device(store, REP_B, "rep-b-phone").send("order.create", order_args())
    assert (other.status, other.error) == ("rejected", "already_exists")
    taken = await phone.send("order.create", order_args("o-2", number="K7F-o-1", lines=[]))
    assert (taken.status, taken.error) == ("rejected", "number_taken")
    assert await get(store, "orders", "o-2") is None
    assert await last_seq(store) == seq


async def test_a_record_made_offline_keeps_the_time_it_was_made(
    store: Any, phone: Device, tablet: Device
) -> None:
    """``created_at`` is when the rep made it (the mutation's HLC, the device's clock), not when
    the device synced: the same time the phone showed before it synced (issue 17 item 7). A
    clock ahead of the server's is no later than the server's now."""
    made = wall_ms() - 3 * 3600_000  # three hours offline
    r = await phone.send(
        "customer.upsert", {"id": "c-off", "name": "Offline Tea"}, hlc_at(made, "phone")
    )
    assert r.status == "applied"
    r = await phone.send(
        "order.create", order_args("o-off", customer_id="c-off"), hlc_at(made + 1, "phone")
    )
    assert r.status == "applied"
    order = await get(store, "orders", "o-off")
    assert order["created_at"] == iso_of_ms(made + 1)
    assert msgspec.json.decode(order["status_history"])[0]["at"] == iso_of_ms(made + 1)
    assert order["updated_at"] > order["created_at"]  # it reached the server now
    assert (await get(store, "customers", "c-off"))["created_at"] == iso_of_ms(made)

    before = now_iso()
    ahead = wall_ms() + 60_000  # within the skew the server takes, but in its future
    r = await tablet.send(
        "order.create",
        order_args("o-ahead", "K7F-AHEAD", lines=[line("l-a")]),
        hlc_at(ahead, "tablet"),
    )
    assert r.status == "applied"
    created = (await get(store, "orders", "o-ahead"))["created_at"]
    assert before <= created <= now_iso() < iso_of_ms(ahead)


# ---- order.update: per-field merge --------------------------------------------------------


async def test_two_devices_change_different_fields_both_applied(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    r1 = await phone.send(
        "order.update", {"id": "o-1", "base_version": order, "set": {"priority": "high"}}
    )
    r2 = await office.send(
        "order.update",
        {
            "id": "o-1",
            "base_version": order,
            "set": {"delivery_address": "Dock 9", "due_date": "2030-01-31"},
        },
    )
    assert (r1.status, r2.status) == ("applied", "applied")
    o = await get(store, "orders", "o-1")
    assert (o["priority"], o["delivery_address"], o["due_date"]) == ("high", "Dock 9", "2030-01-31")
    assert await conflicts(store) == []


# field, the value the first device sets, the value the second sets, the value both saw
SAME_FIELD_CASES = [
    ("delivery_address", "Dock 2", "Dock 3", "Dock 1"),
    ("priority", "high", "low", "normal"),
    ("due_date", "2030-01-01", "2030-02-02", None),
    ("customer_id", "c-a2", "c-a3", "c-a"),
    ("warehouse_id", "wh-2", None, "wh-1"),
    # assignee_id: a rep may not assign (orders.assign): tests/sync/test_assign_rules.py races
    # two managers' assignments instead.
]


async def test_same_field_different_values_first_stays_second_conflicts(
    store: Any, phone: Device, tablet: Device
) -> None:
    for i, (field, first, second, original) in enumerate(SAME_FIELD_CASES):
        oid = f"o-f{i}"
        base = await new_order(phone, oid)
        r1 = await phone.send(
            "order.update", {"id": oid, "base_version": base, "set": {field: first}}
        )
        assert r1.status == "applied", field
        seen = await version(store, "orders", oid)
        r2 = await tablet.send(
            "order.update", {"id": oid, "base_version": base, "set": {field: second}}
        )
        assert r2.status == "conflict" and r2.conflict_id, field
        o = await get(store, "orders", oid)
        assert o[field] == first, field  # the first to reach the server stays
        assert o["version"] == seen, field  # and the second wrote nothing to the order
        c = await conflict_row(store, r2.conflict_id)
        assert (c["kind"], c["status"]) == ("field", "open"), field
        assert (c["table_name"], c["row_id"], c["field"]) == ("orders", oid, field)
        assert c["base_version"] == base
        assert (c["base_value"], c["server_value"], c["client_value"]) == (original, first, second)
        assert (c["user_id"], c["device_id"], c["client_id"]) == ("u-a", "dev-a", "rep-a-tablet")
        assert c["mutation"]["name"] == "order.update" and c["mutation"]["id"] == r2.id
        assert "changed by someone else" in c["reason"]
    assert len(await conflicts(store)) == len(SAME_FIELD_CASES)


async def test_conflict_base_value_is_the_value_the_client_saw(
    store: Any, phone: Device, office: Device, tablet: Device, order: int
) -> None:
    """Two writes since the base: the base value is the one at the base, not the middle one."""

    def addr(base: int, value: str) -> dict:
        return {"id": "o-1", "base_version": base, "set": {"delivery_address": value}}

    await phone.send("order.update", addr(order, "Dock 2"))
    mid = await version(store, "orders", "o-1")
    await office.send("order.update", addr(mid, "Dock 3"))
    r = await tablet.send("order.update", addr(order, "Dock 4"))
    c = await conflict_row(store, r.conflict_id)
    assert (c["base_value"], c["server_value"], c["client_value"]) == ("Dock 1", "Dock 3", "Dock 4")
    r = await tablet.send("order.update", addr(mid, "Dock 5"))
    c = await conflict_row(store, r.conflict_id)
    assert (c["base_value"], c["server_value"], c["client_value"]) == ("Dock 2", "Dock 3", "Dock 5")


async def test_mixed_update_applies_free_fields_and_reports_the_conflict(
    store: Any, phone: Device, tablet: Device, order: int
) -> None:
    await phone.send(
        "order.update", {"id": "o-1", "base_version": order, "set": {"priority": "high"}}
    )
    r = await tablet.send(
        "order.update",
        {"id": "o-1", "base_version": order, "set": {"priority": "low", "due_date": "2031-05-05"}},
    )
    assert r.status == "conflict"
    o = await get(store, "orders", "o-1")
    assert (o["priority"], o["due_date"]) == ("high", "2031-05-05")
    assert [c["field"] for c in await conflicts(store)] == ["priority"]


async def test_same_value_is_merged_and_an_edit_from_a_fresh_base_applies(
    store: Any, phone: Device, tablet: Device, order: int
) -> None:
    def addr(base: int, value: str) -> dict:
        return {"id": "o-1", "base_version": base, "set": {"delivery_address": value}}

    r1 = await phone.send("order.update", addr(order, "Dock 7"))
    seen = await version(store, "orders", "o-1")
    r2 = await tablet.send("order.update", addr(order, "Dock 7"))
    assert (r1.status, r2.status) == ("applied", "merged")
    assert r2.conflict_id is None
    assert await version(store, "orders", "o-1") == seen  # nothing written
    # The tablet pulls, sees Dock 7, and edits from there: no conflict.
    r3 = await tablet.send("order.update", addr(seen, "Dock 8"))
    assert r3.status == "applied"
    assert (await get(store, "orders", "o-1"))["delivery_address"] == "Dock 8"
    assert await conflicts(store) == []


async def test_own_earlier_mutations_are_not_conflicts(
    store: Any, phone: Device, office: Device
) -> None:
    """A device edits its own offline-created order from base_version 0, many times."""

    def upd(**fields: Any) -> dict:
        return {"id": "o-1", "base_version": 0, "set": fields}

    def upsert(ln: dict) -> dict:
        return {"order_id": "o-1", "base_version": 0, "line": ln}

    results = await phone.push(
        phone.mutation("order.create", order_args(delivery_address="Dock 1")),
        phone.mutation("order.update", upd(delivery_address="Dock 2", priority="high")),
        phone.mutation("order.update", upd(delivery_address="Dock 3")),
        phone.mutation("order.line.upsert", upsert(line("l-1", "p-1", 9, 1200))),
        phone.mutation("order.line.upsert", upsert(line("l-9", "p-2", 1, 300))),
        phone.mutation("order.line.upsert", upsert(line("l-9", "p-2", 4, 300))),
        phone.mutation(
            "order.line.remove", {"order_id": "o-1", "base_version": 0, "line_id": "l-2"}
        ),
    )
    assert [r.status for r in results] == ["applied"] * 7
    o = await get(store, "orders", "o-1")
    assert (o["delivery_address"], o["priority"]) == ("Dock 3", "high")
    assert o["total"] == 9 * 1200 + 4 * 300
    assert await conflicts(store) == []
    # Someone else's write in between is still a conflict for a base-0 edit of that field...
    await office.send(
        "order.update",
        {"id": "o-1", "base_version": o["version"], "set": {"delivery_address": "Office dock"}},
    )
    r = await phone.send("order.update", upd(delivery_address="Dock 4"))
    assert r.status == "conflict"
    # ...but not of the fields only this device wrote.
    r = await phone.send("order.update", upd(priority="low"))
    assert r.status == "applied"


# ---- notes: last writer by HLC wins, history kept -----------------------------------------


def notes(base: int, text: str) -> dict:
    return {"id": "o-1", "base_version": base, "set": {"notes": text}}


async def test_notes_later_hlc_wins_even_when_it_arrives_first(
    store: Any, phone: Device, tablet: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    late, early = hlc_at(t + 5_000, "tablet"), hlc_at(t, "phone")
    r1 = await tablet.send("order.update", notes(order, "late words"), hlc=late)
    r2 = await phone.send("order.update", notes(order, "early words"), hlc=early)
    assert (r1.status, r2.status) == ("applied", "merged")
    assert r2.conflict_id is None
    o = await get(store, "orders", "o-1")
    assert (o["notes"], o["notes_hlc"]) == ("late words", late)
    values = [h["value"] for h in await history(store, "orders", "o-1", "notes")]
    assert "ring twice" in values  # replaced by the winner
    assert "early words" in values  # the loser is kept, not thrown away
    assert await conflicts(store) == []


async def test_notes_later_hlc_wins_when_it_arrives_second(
    store: Any, phone: Device, tablet: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    early, late = hlc_at(t, "tablet"), hlc_at(t + 5_000, "phone")
    r1 = await tablet.send("order.update", notes(order, "early words"), hlc=early)
    r2 = await phone.send("order.update", notes(order, "late words"), hlc=late)
    assert (r1.status, r2.status) == ("applied", "merged")
    o = await get(store, "orders", "o-1")
    assert (o["notes"], o["notes_hlc"]) == ("late words", late)
    hist = await history(store, "orders", "o-1", "notes")
    assert [h["value"] for h in hist] == ["ring twice", "early words"]
    assert hist[-1]["hlc"] == late  # replaced by the later writer
    assert await conflicts(store) == []


async def test_notes_edit_from_a_current_base_wins_whatever_its_clock(
    store: Any, phone: Device, tablet: Device, order: int
) -> None:
    t = wall_ms() + 60_000
    await tablet.send("order.update", notes(order, "tablet"), hlc=hlc_at(t, "tab"))
    seen = await version(store, "orders", "o-1")
    behind = hlc_at(t - 50_000, "phone")  # a phone whose clock is behind, but that saw "tablet"
    r = await phone.send("order.update", notes(seen, "phone"), hlc=behind)
    assert r.status == "applied"
    assert (await get(store, "orders", "o-1"))["notes"] == "phone"


# ---- line items ----------------------------------------------------------------------------


def upsert_line(base: int, ln: dict, order_id: str = "o-1") -> dict:
    return {"order_id": order_id, "base_version": base, "line": ln}


def remove_line(base: int, line_id: str, order_id: str = "o-1") -> dict:
    return {"order_id": order_id, "base_version": base, "line_id": line_id}


async def test_line_add_and_remove_by_different_clients_merge(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    _, cursor = await pull_all(store, REP_A, "rep-a-phone")
    r1 = await phone.send("order.line.upsert", upsert_line(order, line("l-3", "p-2", 5, 250)))
    r2 = await office.send("order.line.remove", remove_line(order, "l-2"))
    assert (r1.status, r2.status) == ("applied", "applied")
    # Both reach the rep's devices: the new line, the removed one as a delete, the new total.
    changes, _ = await pull_all(store, REP_A, "rep-a-phone", cursor)
    assert ids(changes, "order_lines") == {"l-3"}
    assert ids(changes, "order_lines", "del") == {"l-2"}
    (o,) = [c for c in changes if c.t == "orders"]
    assert o.row["total"] == 2 * 1200 + 5 * 250
    rows = await sql(
        store, "SELECT id, deleted FROM order_lines WHERE order_id = ? ORDER BY id", ("o-1",)
    )
    assert [(x["id"], bool(x["deleted"])) for x in rows] == [
        ("l-1", False),
        ("l-2", True),
        ("l-3", False),
    ]
    assert (await get(store, "orders", "o-1"))["total"] == 2 * 1200 + 5 * 250
    assert await conflicts(store) == []


async def test_another_client_edits_lines_of_a_fresh_order_from_its_version(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    """The order's version is the base for its lines: it is never older than the lines."""
    rows = await sql(store, "SELECT version FROM order_lines WHERE order_id = ?", ("o-1",))
    assert rows and all(x["version"] <= order for x in rows)
    r1 = await office.send("order.line.upsert", upsert_line(order, line("l-1", "p-1", 4, 1100)))
    v = await version(store, "orders", "o-1")
    assert v > order  # a line write re-versions the order
    r2 = await phone.send("order.line.remove", remove_line(v, "l-1"))
    assert (r1.status, r2.status) == ("applied", "applied")
    assert await conflicts(store) == []


async def test_concurrent_quantity_changes_conflict_equal_ones_merge(
    store: Any, phone: Device, tablet: Device, office: Device, order: int
) -> None:
    r1 = await phone.send("order.line.upsert", upsert_line(order, line("l-1", "p-1", 5, 1200)))
    r2 = await tablet.send("order.line.upsert", upsert_line(order, line("l-1", "p-1", 7, 1200)))
    r3 = await office.send("order.line.upsert", upsert_line(order, line("l-1", "p-1", 5, 1200)))
    assert (r1.status, r2.status, r3.status) == ("applied", "conflict", "merged")
    assert (await get(store, "order_lines", "l-1"))["qty"] == 5
    assert (await get(store, "orders", "o-1"))["total"] == 5 * 1200 + 3 * 300
    c = await conflict_row(store, r2.conflict_id)
    # A line is one unit for conflicts (docs/protocol.md § Merge rules): the whole line each.
    assert (c["kind"], c["table_name"], c["row_id"], c["field"]) == (
        "field",
        "order_lines",
        "l-1",
        "line",
    )
    assert (c["base_value"], c["server_value"], c["client_value"]) == (
        {"product_id": "p-1", "qty": 2, "unit_price": 1200, "discount_bp": 0},
        {"product_id": "p-1", "qty": 5, "unit_price": 1200, "discount_bp": 0},
        {"product_id": "p-1", "qty": 7, "unit_price": 1200, "discount_bp": 0},
    )
    assert len(await conflicts(store)) == 1


async def test_line_edit_then_remove_conflicts(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    await phone.send("order.line.upsert", upsert_line(order, line("l-1", "p-1", 5, 1200)))
    r = await office.send("order.line.remove", remove_line(order, "l-1"))
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"]) == ("line_changed", "order_lines", "l-1")
    assert c["server_value"] == {"product_id": "p-1", "qty": 5, "unit_price": 1200, "discount_bp": 0}
    assert c["client_value"] is None
    assert "qty" in c["reason"]
    ln = await get(store, "order_lines", "l-1")
    assert not ln["deleted"] and ln["qty"] == 5


async def test_line_remove_then_edit_conflicts(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    await office.send("order.line.remove", remove_line(order, "l-1"))
    r = await phone.send("order.line.upsert", upsert_line(order, line("l-1", "p-1", 5, 1200)))
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"]) == ("line_removed", "order_lines", "l-1")
    assert c["client_value"] == {"product_id": "p-1", "qty": 5, "unit_price": 1200, "discount_bp": 0}
    assert bool((await get(store, "order_lines", "l-1"))["deleted"])
    assert (await get(store, "orders", "o-1"))["total"] == 3 * 300


async def test_line_removed_twice_is_merged_and_re_adding_after_seeing_it_works(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    r1 = await office.send("order.line.remove", remove_line(order, "l-2"))
    r2 = await phone.send("order.line.remove", remove_line(order, "l-2"))
    assert (r1.status, r2.status) == ("applied", "merged")
    seen = await version(store, "orders", "o-1")
    r3 = await phone.send("order.line.upsert", upsert_line(seen, line("l-2", "p-2", 1, 300)))
    assert r3.status == "applied"
    assert not (await get(store, "order_lines", "l-2"))["deleted"]
    assert (await get(store, "orders", "o-1"))["total"] == 2 * 1200 + 300
    assert await conflicts(store) == []


async def test_line_references_a_product_it_may_use_and_its_own_order(
    store: Any, phone: Device, order: int
) -> None:
    for product in ("p-3", "p-404"):  # inactive, unknown
        r = await phone.send("order.line.upsert", upsert_line(order, line("l-x", product)))
        assert r.status == "conflict", product
        c = await conflict_row(store, r.conflict_id)
        assert (c["kind"], c["table_name"], c["row_id"]) == (
            "missing_reference",
            "products",
            product,
        )
    assert await get(store, "order_lines", "l-x") is None
    await new_order(phone, "o-2")
    r = await phone.send("order.line.upsert", upsert_line(order, line("l-o-2", "p-1", 3)))
    assert (r.status, r.error) == ("rejected", "invalid_args")
    assert (await get(store, "order_lines", "l-o-2"))["order_id"] == "o-2"


async def test_lines_locked_from_picking_on_header_still_editable(
    store: Any, phone: Device, office: Device
) -> None:
    for oid, path in (
        ("o-pick", ("submitted", "confirmed", "picking")),
        ("o-pack", ("submitted", "confirmed", "picking", "packed")),
    ):
        await new_order(phone, oid)
        await walk(office, oid, *path)
        v = await version(store, "orders", oid)
        r1 = await phone.send("order.line.upsert", upsert_line(v, line(f"l-{oid}", "p-1", 9), oid))
        r2 = await phone.send("order.line.upsert", upsert_line(v, line(f"l-new-{oid}"), oid))
        r3 = await phone.send("order.line.remove", remove_line(v, f"l-{oid}", oid))
        for r in (r1, r2, r3):
            assert r.status == "conflict", oid
            c = await conflict_row(store, r.conflict_id)
            assert c["kind"] == "locked" and c["server_value"] == {"status": path[-1]}
        ln = await get(store, "order_lines", f"l-{oid}")
        assert (ln["qty"], bool(ln["deleted"])) == (1, False)
        assert await get(store, "order_lines", f"l-new-{oid}") is None
        # Header fields are not locked before shipping.
        r = await phone.send(
            "order.update", {"id": oid, "base_version": v, "set": {"priority": "high"}}
        )
        assert r.status == "applied", oid


# ---- order.transition ---------------------------------------------------------------------


def tr(order_id: str, src: str, dst: str, reason: str | None = None) -> dict:
    return {"id": order_id, "from": src, "to": dst, "reason": reason}


async def test_allowed_transitions_by_their_roles(store: Any, phone: Device, order: int) -> None:
    fin = Device(store, FINANCE, "finance-desk")
    hand = Device(store, W1, "handheld-w1")
    steps = [
        (fin, "submitted", "on_hold"),
        (fin, "on_hold", "confirmed"),
        (hand, "confirmed", "picking"),
        (hand, "picking", "packed"),
        (hand, "packed", "shipped"),
        (phone, "shipped", "delivered"),
        (fin, "delivered", "completed"),
        (Device(store, SUPPORT, "support-desk"), "completed", "returned"),
        (fin, "returned", "refunded"),
    ]
    for dev, src, dst in steps:
        r = await dev.send("order.transition", tr("o-1", src, dst, "ok"))
        assert r.status == "applied", (src, dst, r)
        assert (await get(store, "orders", "o-1"))["status"] == dst
    o = await get(store, "orders", "o-1")
    hist = msgspec.json.decode(o["status_history"])
    assert [(h.get("from"), h["to"]) for h in hist] == [(None, "submitted")] + [
        (s, d) for _, s, d in steps
    ]
    assert (hist[3]["by"], hist[3]["reason"]) == ("u-w1", "ok")
    replaced = [h["value"] for h in await history(store, "orders", "o-1", "status")]
    assert replaced == ["submitted"] + [d for _, _, d in steps[:-1]]
    # A rep's own draft: submit, then cancel.
    await new_order(phone, "o-2", status="draft")
    await walk(phone, "o-2", "draft", "submitted", "cancelled")
    assert (await get(store, "orders", "o-2"))["status"] == "cancelled"


async def test_disallowed_transition_is_a_conflict_with_the_reason(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    await walk(office, "o-1", "submitted", "confirmed", "picking", "packed", "shipped")
    v = await version(store, "orders", "o-1")
    # The rep cancels offline, having last seen the order packed: after shipping it cannot be.
    r = await phone.send("order.transition", tr("o-1", "packed", "cancelled"))
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"], c["field"]) == (
        "transition",
        "orders",
        "o-1",
        "status",
    )
    assert (c["base_value"], c["server_value"], c["client_value"]) == (
        "packed",
        "shipped",
        "cancelled",
    )
    assert "not allowed" in c["reason"] and "shipped" in c["reason"]
    o = await get(store, "orders", "o-1")
    assert (o["status"], o["version"]) == ("shipped", v)


async def test_same_transition_twice_is_a_no_op(store: Any, office: Device, order: int) -> None:
    await walk(office, "o-1", "submitted", "confirmed")
    a, b = Device(store, W1, "handheld-1"), Device(store, W1, "handheld-2")
    r1 = await a.send("order.transition", tr("o-1", "confirmed", "picking"))
    v = await version(store, "orders", "o-1")
    r2 = await b.send("order.transition", tr("o-1", "confirmed", "picking"))
    assert (r1.status, r2.status) == ("applied", "merged")
    assert r2.conflict_id is None
    o = await get(store, "orders", "o-1")
    assert o["version"] == v
    assert [h["to"] for h in msgspec.json.decode(o["status_history"])].count("picking") == 1
    assert await conflicts(store) == []


async def test_allowed_transition_from_another_status_than_seen_is_merged(
    store: Any, phone: Device, office: Device, order: int
) -> None:
    await walk(office, "o-1", "submitted", "confirmed")
    r = await phone.send("order.transition", tr("o-1", "submitted", "cancelled"))
    assert r.status == "merged"
    o = await get(store, "orders", "o-1")
    assert o["status"] == "cancelled"
    assert msgspec.json.decode(o["status_history"])[-1]["from"] == "confirmed"


async def test_transition_refusals(store: Any, office: Device, order: int) -> None:
    # A role that may not make the transition: rejected, whatever the order.
    for actor, src, dst in [
        (W1, "submitted", "confirmed"),
        (REP_A, "confirmed", "picking"),
        (FINANCE, "packed", "shipped"),
        (SUPPORT, "submitted", "cancelled"),
    ]:
        r = await Device(store, actor, f"dev-{actor.user_id}").send(
            "order.transition", tr("o-1", src, dst)
        )
        assert (r.status, r.error) == ("rejected", "forbidden"), (actor.role, dst)
    # A status the machine does not know.
    r = await office.send("order.transition", tr("o-1", "submitted", "teleported"))
    assert (r.status, r.error) == ("rejected", "invalid_args")
    assert (await get(store, "orders", "o-1"))["status"] == "submitted"
    # A handheld of another warehouse does not see the order.
    await walk(office, "o-1", "submitted", "confirmed")
    r = await Device(store, W2, "handheld-w2").send(
        "order.transition", tr("o-1", "confirmed", "picking")
    )
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"]) == ("missing_reference", "orders", "o-1")
    assert (await get(store, "orders", "o-1"))["status"] == "confirmed"


# ---- locked orders ---------------------------------------------------------------------------


async def test_edit_of_a_shipped_or_closed_order_is_a_locked_conflict(
    store: Any, phone: Device, office: Device
) -> None:
    paths = {
        "o-shipped": ("submitted", "confirmed", "picking", "packed", "shipped"),
        "o-cancelled": ("submitted", "cancelled"),
        "o-completed": (
            "submitted",
            "confirmed",
            "picking",
            "packed",
            "shipped",
            "delivered",
            "completed",
        ),
    }
    for oid, path in paths.items():
        await new_order(phone, oid)
        await walk(office, oid, *path)
        v = await version(store, "orders", oid)
        r = await phone.send(
            "order.update", {"id": oid, "base_version": v, "set": {"delivery_address": "Too late"}}
        )
        assert r.status == "conflict", oid
        c = await conflict_row(store, r.conflict_id)
        assert (c["kind"], c["table_name"], c["row_id"]) == ("locked", "orders", oid)
        assert c["server_value"] == {"status": path[-1]}
        assert c["client_value"] == {"delivery_address": "Too late"}
        assert path[-1] in c["reason"]
        o = await get(store, "orders", oid)
        assert (o["delivery_address"], o["version"]) == ("Dock 1", v)


# ---- stock ---------------------------------------------------------------------------------


def move(
    move_id: str, delta: int, reason: str = "adjust", wh: str = "wh-1", product: str = "p-1"
) -> dict:
    return {
        "id": move_id,
        "product_id": product,
        "warehouse_id": wh,
        "delta": delta,
        "reason": reason,
    }


async def stock_on_hand(store: Any, wh: str, product: str) -> int:
    row = await get(store, "stock_levels", stock_level_id(wh, product))
    assert row is not None
    return row["on_hand"]


async def sum_of_moves(store: Any, wh: str, product: str) -> int:
    rows = await sql(
        store,
        "SELECT delta FROM stock_moves WHERE warehouse_id = ? AND product_id = ?",
        (wh, product),
    )
    return sum(r["delta"] for r in rows)


async def test_stock_moves_are_deltas_always_applied_once_each(store: Any, catalog: Any) -> None:
    h1, h2 = Device(store, W1, "handheld-1"), Device(store, W1, "handheld-2")
    assert (await h1.send("stock.move", move("m-1", 10, "receive"))).status == "applied"
    # Two handhelds pick offline from the same level they saw: both count.
    r1 = await h1.send("stock.move", move("m-2", -3, "pick"))
    r2 = await h2.send("stock.move", move("m-3", -4, "pick"))
    r3 = await h2.send("stock.move", move("m-4", 2, "return"))
    assert [r.status for r in (r1, r2, r3)] == ["applied"] * 3
    assert all(r.conflict_id is None for r in (r1, r2, r3))
    assert (
        await stock_on_hand(store, "wh-1", "p-1") == 5 == await sum_of_moves(store, "wh-1", "p-1")
    )
    # The same move (same id) sent again by another device counts once.
    r = await h2.send("stock.move", move("m-1", 10, "receive"))
    assert r.status == "merged"
    assert await stock_on_hand(store, "wh-1", "p-1") == 5
    # Another product and warehouse are separate counters.
    await Device(store, ADMIN, "admin-desk").send(
        "stock.move", move("m-5", 7, "receive", "wh-2", "p-2")
    )
    assert await stock_on_hand(store, "wh-2", "p-2") == 7
    assert await stock_on_hand(store, "wh-1", "p-1") == 5
    assert await conflicts(store) == []


async def test_stock_going_negative_is_applied_and_raises_an_alert(
    store: Any, catalog: Any
) -> None:
    h = Device(store, W1, "handheld-1")
    await h.send("stock.move", move("m-1", 2, "receive"))
    r = await h.send("stock.move", move("m-2", -5, "pick"))
    assert r.status == "applied" and r.conflict_id is not None
    assert (
        await stock_on_hand(store, "wh-1", "p-1") == -3 == await sum_of_moves(store, "wh-1", "p-1")
    )
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"], c["field"]) == (
        "negative_stock",
        "stock_levels",
        stock_level_id("wh-1", "p-1"),
        "on_hand",
    )
    assert c["severity"] == "low"
    assert (c["server_value"], c["client_value"]) == (-3, -5)
    # Back above zero: no new alert.
    r = await h.send("stock.move", move("m-3", 10, "receive"))
    assert r.status == "applied" and r.conflict_id is None
    # A first move that is negative creates the level below zero: also an alert.
    r = await h.send("stock.move", move("m-4", -1, "count", product="p-2"))
    assert r.status == "applied" and r.conflict_id is not None
    assert await stock_on_hand(store, "wh-1", "p-2") == -1
    assert len(await conflicts(store)) == 2


async def test_stock_move_scope_and_references(store: Any, catalog: Any) -> None:
    r = await Device(store, W1, "handheld-1").send("stock.move", move("m-1", 5, "receive", "wh-2"))
    assert (r.status, r.error) == ("rejected", "forbidden")  # only in the handheld's warehouse
    assert await get(store, "stock_moves", "m-1") is None
    assert await get(store, "stock_levels", stock_level_id("wh-2", "p-1")) is None
    admin = Device(store, ADMIN, "admin-desk")
    r1 = await admin.send("stock.move", move("m-2", 5, product="p-404"))
    r2 = await admin.send("stock.move", move("m-3", 5, wh="wh-404"))
    for r, table, row_id in ((r1, "products", "p-404"), (r2, "warehouses", "wh-404")):
        assert r.status == "conflict"
        c = await conflict_row(store, r.conflict_id)
        assert (c["kind"], c["table_name"], c["row_id"]) == ("missing_reference", table, row_id)
    assert await sql(store, "SELECT id FROM stock_moves") == []
    assert await sql(store, "SELECT id FROM stock_levels") == []


# ---- payments ------------------------------------------------------------------------------


async def test_payment_record(store: Any, phone: Device, order: int) -> None:
    fin = Device(store, FINANCE, "finance-desk")
    pay = {"id": "pay-1", "order_id": "o-1", "method": "cash", "amount": 3300, "status": "pending"}
    assert (await phone.send("payment.record", pay)).status == "applied"
    row = await get(store, "payments", "pay-1")
    assert (row["order_id"], row["method"], row["amount"], row["status"]) == (
        "o-1",
        "cash",
        3300,
        "pending",
    )
    assert row["buckets"] == (await get(store, "orders", "o-1"))["buckets"]
    assert (await phone.send("payment.record", pay)).status == "merged"
    r = await fin.send("payment.record", {**pay, "status": "paid"})
    assert r.status == "applied"
    assert (await get(store, "payments", "pay-1"))["status"] == "paid"
    r = await fin.send("payment.record", {**pay, "amount": 3000, "status": "paid"})
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"]) == ("payment", "payments", "pay-1")
    assert (c["server_value"], c["client_value"]) == ({"amount": 3300}, {"amount": 3000})
    assert (await get(store, "payments", "pay-1"))["amount"] == 3300
    # On a missing order: a missing reference; an existing payment of another order: rejected.
    r = await phone.send("payment.record", {**pay, "id": "pay-2", "order_id": "o-404"})
    assert r.status == "conflict"
    assert (await conflict_row(store, r.conflict_id))["kind"] == "missing_reference"
    assert await get(store, "payments", "pay-2") is None
    await new_order(phone, "o-2")
    r = await phone.send("payment.record", {**pay, "order_id": "o-2"})
    assert (r.status, r.error) == ("rejected", "invalid_args")
    assert (await get(store, "payments", "pay-1"))["order_id"] == "o-1"


# ---- customers -----------------------------------------------------------------------------


def cust(base: int | None = None, **fields: Any) -> dict:
    args = {"id": "c-a", "name": "Ann's shop", **fields}
    if base is not None:
        args["base_version"] = base
    return args


async def test_customer_created_for_its_owner_and_different_fields_both_applied(
    store: Any, phone: Device, tablet: Device
) -> None:
    c = await get(store, "customers", "c-a")
    assert (c["name"], c["phone"], c["address"], c["owner_id"]) == (
        "Ann's shop",
        "111",
        "1 Main St",
        "u-a",
    )
    assert set(c["buckets"].split()) == {"rep:u-a", "all"}
    v = c["version"]
    r1 = await phone.send("customer.upsert", cust(v, phone="222"))
    r2 = await tablet.send("customer.upsert", cust(v, address="2 High St"))
    assert (r1.status, r2.status) == ("applied", "applied")
    c = await get(store, "customers", "c-a")
    assert (c["name"], c["phone"], c["address"]) == ("Ann's shop", "222", "2 High St")
    assert await conflicts(store) == []


async def test_customer_field_left_out_is_left_alone_and_null_clears_it(
    store: Any, phone: Device
) -> None:
    v = await version(store, "customers", "c-a")
    r = await phone.send("customer.upsert", {"id": "c-a", "name": "Ann & Co", "base_version": v})
    assert r.status == "applied"
    c = await get(store, "customers", "c-a")
    assert (c["name"], c["phone"], c["address"]) == ("Ann & Co", "111", "1 Main St")
    r = await phone.send(
        "customer.upsert",
        {"id": "c-a", "name": "Ann & Co", "phone": None, "base_version": c["version"]},
    )
    assert r.status == "applied"
    c = await get(store, "customers", "c-a")
    assert (c["phone"], c["address"]) == (None, "1 Main St")


async def test_customer_same_field_conflicts_and_same_value_merges(
    store: Any, phone: Device, tablet: Device
) -> None:
    v = await version(store, "customers", "c-a")
    await phone.send("customer.upsert", cust(v, phone="222"))
    r = await tablet.send("customer.upsert", cust(v, phone="333"))
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"], c["field"]) == (
        "field",
        "customers",
        "c-a",
        "phone",
    )
    assert (c["base_value"], c["server_value"], c["client_value"]) == ("111", "222", "333")
    assert (await get(store, "customers", "c-a"))["phone"] == "222"
    r = await tablet.send("customer.upsert", cust(v, phone="222"))
    assert r.status == "merged"
    assert len(await conflicts(store)) == 1


async def test_customer_of_another_rep_is_a_missing_reference(store: Any, phone: Device) -> None:
    r = await Device(store, REP_B, "rep-b-phone").send("customer.upsert", cust(99, name="Mine now"))
    assert r.status == "conflict"
    c = await conflict_row(store, r.conflict_id)
    assert (c["kind"], c["table_name"], c["row_id"]) == ("missing_reference", "customers", "c-a")
    c = await get(store, "customers", "c-a")
    assert (c["name"], c["owner_id"]) == ("Ann's shop", "u-a")
    # An admin sees every customer and may edit it.
    r = await Device(store, ADMIN, "admin-desk").send(
        "customer.upsert", cust(c["version"], name="Ann Ltd")
    )
    assert r.status == "applied"
    assert (await get(store, "customers", "c-a"))["name"] == "Ann Ltd"


# ---- references, validation, permissions ---------------------------------------------------


def upd(order_id: str, **fields: Any) -> dict:
    return {"id": order_id, "base_version": 1, "set": fields}


# mutation, args, the table and row the conflict names
MISSING_CASES = [
    (
        "order.create",
        order_args("o-9", customer_id="c-404", lines=[line("l-9")]),
        "customers",
        "c-404",
    ),
    ("order.create", order_args("o-9", customer_id="c-b", lines=[line("l-9")]), "customers", "c-b"),
    ("order.create", order_args("o-9", lines=[line("l-9", "p-3")]), "products", "p-3"),
    ("order.create", order_args("o-9", lines=[line("l-9", "p-404")]), "products", "p-404"),
    (
        "order.create",
        order_args("o-9", lines=[line("l-9")], warehouse_id="wh-404"),
        "warehouses",
        "wh-404",
    ),
    ("order.update", upd("o-404", priority="low"), "orders", "o-404"),
    ("order.update", upd("o-b", priority="low"), "orders", "o-b"),
    ("order.update", upd("o-1", customer_id="c-b"), "customers", "c-b"),
    ("order.update", upd("o-1", warehouse_id="wh-9"), "warehouses", "wh-9"),
    ("order.line.upsert", upsert_line(1, line("l-b"), "o-b"), "orders", "o-b"),
    ("order.line.remove", remove_line(1, "l-ob", "o-b"), "orders", "o-b"),
    ("order.transition", tr("o-b", "submitted", "cancelled"), "orders", "o-b"),
    (
        "payment.record",
        {"id": "pay-9", "order_id": "o-b", "method": "cash", "amount": 1},
        "orders",
        "o-b",
    ),
]


async def test_reference_to_a_missing_or_invisible_row_is_a_conflict(
    store: Any, phone: Device, order: int
) -> None:
    rep_b = Device(store, REP_B, "rep-b-phone")
    await rep_b.send("customer.upsert", {"id": "c-b", "name": "Bob's"})
    r = await rep_b.send("order.create", order_args("o-b", customer_id="c-b", lines=[line("l-ob")]))
    assert r.status == "applied"
    before = {
        t: await sql(store, f"SELECT id, version FROM {t} ORDER BY id")
        for t in ("orders", "order_lines", "payments", "customers")
    }
    for name, args, table, row_id in MISSING_CASES:
        r = await phone.send(name, args)
        assert r.status == "conflict", (name, args)
        c = await conflict_row(store, r.conflict_id)
        assert (c["kind"], c["table_name"], c["row_id"]) == ("missing_reference", table, row_id), (
            args
        )
        assert (c["user_id"], c["status"]) == ("u-a", "open")
        assert "not visible" in c["reason"]
    after = {t: await sql(store, f"SELECT id, version FROM {t} ORDER BY id") for t in before}
    assert after == before  # none of them wrote anything but its conflict
    assert len(await conflicts(store)) == len(MISSING_CASES)


INVALID_CASES = [
    ("order.create", order_args(lines=[line("l-1", qty=0)])),
    ("order.create", order_args(lines=[line("l-1", qty=-2)])),
    ("order.create", order_args(lines=[line("l-1", unit_price=-1)])),
    ("order.create", order_args(lines=[line("l-1"), line("l-1")])),  # a line id twice
    ("order.create", {**order_args(), "colour": "red"}),  # unknown field
    ("order.create", order_args(priority="urgent")),
    ("order.create", order_args(due_date="tomorrow")),
    ("order.create", order_args(status="shipped")),
    ("order.create", {"id": "o-1", "number": "X"}),  # required fields missing
    ("order.create", order_args("bad id with spaces")),
    ("order.update", upd("o-1", total=1)),
    ("order.update", upd("o-1", status="shipped")),  # status moves by order.transition only
    ("order.update", upd("o-1")),  # nothing to set
    ("order.update", {"id": "o-1", "base_version": "one", "set": {"priority": "low"}}),
    ("order.line.upsert", upsert_line(1, {"id": "l-1"})),
    ("order.transition", {"id": "o-1", "to": "cancelled"}),  # "from" missing
    ("stock.move", {**move("m-1", 5), "reason": "theft"}),
    ("stock.move", move("m-1", 2_000_000)),
    ("payment.record", {"id": "pay-1", "order_id": "o-1", "method": "barter", "amount": 1}),
    ("customer.upsert", {"id": "c-9", "name": ""}),
]


async def test_invalid_args_are_rejected_and_stored(store: Any, catalog: Any) -> None:
    dev = Device(store, ADMIN, "admin-desk")
    seq = await last_seq(store)
    for name, args in INVALID_CASES:
        r = await dev.send(name, args)
        assert (r.status, r.error) == ("rejected", "invalid_args"), (name, args, r)
        assert r.message
    assert await last_seq(store) == seq  # nothing was written
    logged = await sql(
        store,
        "SELECT mutation_id, name, status, error, args FROM mutation_log"
        " WHERE client_id = ? ORDER BY mutation_id",
        ("admin-desk",),
    )
    assert [(x["name"], x["status"], x["error"]) for x in logged] == [
        (n, "rejected", "invalid_args") for n, _ in INVALID_CASES
    ]
    assert [msgspec.json.decode(x["args"]) for x in logged] == [a for _, a in INVALID_CASES]


async def test_an_edit_with_one_invalid_field_is_refused_whole_and_kept(
    store: Any, phone: Device, order: int
) -> None:
    """docs/protocol.md § Refused work: the server applies no part of an edit it refuses; the
    device keeps the whole edit for its person to fix. A good due date sent with a note past the
    2,000-character bound stays unapplied, and the log keeps both fields with the refusal."""
    before = await get(store, "orders", "o-1")
    seq = await last_seq(store)
    edit = {"id": "o-1", "base_version": order,
            "set": {"due_date": "2031-05-06", "notes": "n" * 5000}}  # fmt: skip
    r = await phone.send("order.update", edit)
    assert (r.status, r.error) == ("rejected", "invalid_args")
    assert "notes" in (r.message or "")  # the refusal names the field
    assert await get(store, "orders", "o-1") == before
    assert await last_seq(store) == seq
    (logged,) = await sql(
        store, "SELECT status, error, args FROM mutation_log WHERE client_id = ? AND name = ?",
        ("rep-a-phone", "order.update"),
    )  # fmt: skip
    assert (logged["status"], logged["error"]) == ("rejected", "invalid_args")
    assert msgspec.json.decode(logged["args"]) == edit


async def test_an_order_total_past_the_bound_is_refused_not_a_server_failure(
    store: Any, phone: Device, order: int
) -> None:
    """Ten lines of 1,000,000 × 10¹² pass every line's bounds but total past 64 bits (it failed
    as internal_error): the catalog bounds the total (ORDER_TOTAL_MAX), at creation and when a
    line is added later, and the refusal leaves nothing written."""
    top = line("l-top", "p-1", 1_000_000, 10**9)  # 10¹⁵ exactly: the most an order may total
    r = await phone.send("order.create", order_args("o-top", number="TOP-1", lines=[top]))
    assert r.status == "applied", r
    huge = [line(f"l-big-{i}", "p-1", 1_000_000, 10**12) for i in range(10)]
    r = await phone.send("order.create", order_args("o-big", number="BIG-1", lines=huge))
    assert (r.status, r.error) == ("rejected", "invalid_args"), r
    assert "total" in (r.message or "")
    assert await get(store, "orders", "o-big") is None
    seq = await last_seq(store)
    before = await get(store, "orders", "o-top")
    r = await phone.send("order.line.upsert", {
        "order_id": "o-top", "base_version": before["version"], "line": line("l-one-more", "p-1", 1, 1)})  # fmt: skip
    assert (r.status, r.error) == ("rejected", "invalid_args"), r
    assert await get(store, "order_lines", "l-one-more") is None
    assert await get(store, "orders", "o-top") == before
    assert await last_seq(store) == seq


async def test_unknown_mutation_and_bad_hlc_are_rejected_and_kept(
    store: Any, phone: Device
) -> None:
    results = await phone.push(
        phone.mutation("order.teleport", {"id": "o-1", "to": "mars"}),
        phone.mutation("customer.upsert", {"id": "c-8", "name": "Y"}, hlc="yesterday"),
        phone.mutation("customer.upsert", {"id": "c-9", "name": "After"}),
    )
    assert [(r.status, r.error) for r in results] == [
        ("rejected", "unknown_mutation"),
        ("rejected", "bad_hlc"),
        ("applied", None),
    ]
    assert await get(store, "customers", "c-8") is None
    assert await get(store, "customers", "c-9") is not None  # the queue moves on
    logged = await sql(
        store,
        "SELECT mutation_id, name, args, hlc, user_id, device_id, status, error"
        " FROM mutation_log WHERE client_id = ? AND name = ?",
        ("rep-a-phone", "order.teleport"),
    )
    assert len(logged) == 1
    x = logged[0]
    assert (x["mutation_id"], x["status"], x["error"]) == (4, "rejected", "unknown_mutation")
    assert (x["user_id"], x["device_id"]) == ("u-a", "dev-a")
    assert msgspec.json.decode(x["args"]) == {"id": "o-1", "to": "mars"}
    assert x["hlc"]


FORBIDDEN_CASES = [
    (W1, "order.create", order_args("o-9", lines=[line("l-9")])),
    (W1, "customer.upsert", {"id": "c-9", "name": "X"}),
    (W1, "payment.record", {"id": "pay-9", "order_id": "o-1", "method": "cash", "amount": 1}),
    (FINANCE, "order.update", upd("o-1", priority="low")),
    (FINANCE, "stock.move", move("m-9", 1)),
    (REP_A, "stock.move", move("m-9", 1)),
    (SUPPORT, "order.create", order_args("o-9", lines=[line("l-9")])),
    (SUPPORT, "order.line.upsert", upsert_line(1, line("l-9"))),
    (Actor("u-x", "intruder"), "customer.upsert", {"id": "c-9", "name": "X"}),
]


async def test_forbidden_role_is_rejected_and_kept(store: Any, order: int) -> None:
    seq = await last_seq(store)
    for i, (actor, name, args) in enumerate(FORBIDDEN_CASES):
        r = await Device(store, actor, f"other-device-{i}").send(name, args)
        assert (r.status, r.error) == ("rejected", "forbidden"), (actor.role, name)
        logged = await sql(
            store,
            "SELECT name, status, error FROM mutation_log WHERE client_id = ?",
            (f"other-device-{i}",),
        )
        assert logged == [{"name": name, "status": "rejected", "error": "forbidden"}]
    assert await last_seq(store) == seq


# ---- exactly once --------------------------------------------------------------------------


async def test_retried_push_is_duplicate_and_applies_nothing_twice(
    store: Any, catalog: Any
) -> None:
    h = Device(store, W1, "handheld-1")
    batch = [
        h.mutation("stock.move", move("m-1", 5, "receive")),
        h.mutation("stock.move", move("m-2", -8, "pick")),  # goes negative: applied + alert
        h.mutation("order.teleport", {}),
    ]
    first = await h.push(*batch)
    assert [r.status for r in first] == ["applied", "applied", "rejected"]
    seq = await last_seq(store)
    logged = len(await sql(store, "SELECT id FROM mutation_log"))
    again = await h.push(*batch)  # the response was lost: the device sends it all again
    assert [r.status for r in again] == ["duplicate"] * 3
    assert again[1].conflict_id == first[1].conflict_id is not None
    assert again[2].error == "unknown_mutation"
    assert await last_seq(store) == seq
    assert len(await sql(store, "SELECT id FROM mutation_log")) == logged
    assert await stock_on_hand(store, "wh-1", "p-1") == -3
    assert len(await conflicts(store)) == 1
    # A retry that overlaps: the known part is duplicate, the new part applies once.
    nxt = h.mutation("stock.move", move("m-3", 4, "receive"))
    res = await h.push(*batch[1:], nxt)
    assert [r.status for r in res] == ["duplicate", "duplicate", "applied"]
    assert await stock_on_hand(store, "wh-1", "p-1") == 1
    assert len(await sql(store, "SELECT id FROM stock_moves")) == 3


async def test_gap_in_mutation_ids_is_refused(store: Any, phone: Device) -> None:
    seq = await last_seq(store)
    last = phone.next_id - 1

    def m(mid: int, cid: str) -> MutationIn:
        return MutationIn(
            id=mid,
            name="customer.upsert",
            args={"id": cid, "name": "X"},
            hlc=str(phone.clock.now()),
        )

    async def send(*ms: MutationIn) -> None:
        await push(
            store, REP_A, PushRequest(client_id=phone.client_id, schema=1, mutations=list(ms))
        )

    with pytest.raises(Gap) as e:
        await send(m(last + 2, "c-9"))
    assert e.value.extra["last_mutation_id"] == last
    # A gap inside one push is refused too, and nothing of the batch is applied.
    with pytest.raises(Gap):
        await send(m(last + 1, "c-8"), m(last + 3, "c-9"))
    assert await last_seq(store) == seq
    assert await get(store, "customers", "c-8") is None
    assert await get(store, "customers", "c-9") is None
    async with store.read() as r:
        assert (await r.client(phone.client_id)).last_mutation_id == last
    await send(m(last + 1, "c-8"))  # the right next id is accepted
    assert await get(store, "customers", "c-8") is not None


# ---- buckets: who pulls what ---------------------------------------------------------------


async def test_order_moving_warehouse_leaves_one_bucket_and_enters_the_other(
    store: Any, phone: Device, order: int
) -> None:
    snap1, cur1 = await pull_all(store, W1, "handheld-w1")
    snap2, cur2 = await pull_all(store, W2, "handheld-w2")
    assert "o-1" in ids(snap1, "orders") and {"l-1", "l-2"} <= ids(snap1, "order_lines")
    assert "o-1" not in ids(snap2, "orders") and not ids(snap2, "order_lines")

    r = await phone.send("order.update", upd("o-1", warehouse_id="wh-2") | {"base_version": order})
    assert r.status == "applied"
    await phone.send(
        "payment.record", {"id": "pay-1", "order_id": "o-1", "method": "cash", "amount": 5}
    )

    d1, _ = await pull_all(store, W1, "handheld-w1", cur1)
    d2, _ = await pull_all(store, W2, "handheld-w2", cur2)
    assert ids(d1, "orders", "del") == {"o-1"} and not ids(d1, "orders")
    assert ids(d1, "order_lines", "del") == {"l-1", "l-2"} and not ids(d1, "order_lines")
    assert not ids(d1, "payments") and not ids(d1, "payments", "del")  # never was theirs
    assert ids(d2, "orders") == {"o-1"} and not ids(d2, "orders", "del")
    assert ids(d2, "order_lines") == {"l-1", "l-2"}
    assert ids(d2, "payments") == {"pay-1"}
    (o,) = [c for c in d2 if c.t == "orders"]
    assert o.row["warehouse_id"] == "wh-2"
    assert "buckets" not in o.row and "field_versions" not in o.row  # server-only columns


async def test_a_sales_rep_pulls_only_their_own_customers_and_orders(
    store: Any, phone: Device, order: int
) -> None:
    rep_b = Device(store, REP_B, "rep-b-phone")
    await rep_b.send("customer.upsert", {"id": "c-b", "name": "Bob's"})
    await rep_b.send("order.create", order_args("o-b", customer_id="c-b", lines=[line("l-b")]))
    snap_a, cur_a = await pull_all(store, REP_A, "rep-a-phone")
    snap_b, cur_b = await pull_all(store, REP_B, "rep-b-phone")
    assert ids(snap_a, "customers") == {"c-a", "c-a2", "c-a3"}
    assert ids(snap_a, "orders") == {"o-1"}
    assert ids(snap_a, "order_lines") == {"l-1", "l-2"}
    assert ids(snap_b, "customers") == {"c-b"} and ids(snap_b, "orders") == {"o-b"}
    assert ids(snap_b, "order_lines") == {"l-b"}
    for snap in (snap_a, snap_b):  # the catalog goes to everyone, stock moves to no rep
        assert ids(snap, "products") == {"p-1", "p-2", "p-3"}
        assert ids(snap, "warehouses") == {"wh-1", "wh-2"}
        assert not ids(snap, "stock_levels") and not ids(snap, "stock_moves")

    # Deltas: B's edits and conflicts never reach A; A's own conflict does.
    v = await version(store, "orders", "o-b")
    await rep_b.send("order.update", {"id": "o-b", "base_version": v, "set": {"priority": "high"}})
    theirs = await rep_b.send("order.update", upd("o-404", priority="low"))
    mine = await phone.send("order.update", upd("o-404", priority="low"))
    assert theirs.status == mine.status == "conflict"
    await Device(store, ADMIN, "admin-desk").send("stock.move", move("m-1", 5))
    d_a, _ = await pull_all(store, REP_A, "rep-a-phone", cur_a)
    d_b, _ = await pull_all(store, REP_B, "rep-b-phone", cur_b)
    # The stock level is in the catalog (reps see stock on the products screen); the move not.
    level = ("stock_levels", stock_level_id("wh-1", "p-1"))
    assert {(c.t, c.id, c.op) for c in d_a} == {("conflicts", mine.conflict_id, "put"), (*level, "put")}
    assert {(c.t, c.id) for c in d_b} == {("orders", "o-b"), ("conflicts", theirs.conflict_id), level}
    (c,) = [c for c in d_a if c.t == "conflicts"]
    assert c.row["kind"] == "missing_reference" and isinstance(c.row["mutation"], dict)
    (s,) = [c for c in d_a if c.t == "stock_levels"]
    assert s.row["on_hand"] == 5 and s.row["warehouse_id"] == "wh-1"


async def test_customer_fields_sent_unchanged_from_base_do_not_conflict(store, catalog):
    """Device A renames a customer; device B (from the same base) edits only the phone, and
    sends the name as it saw it: B's phone applies, A's name stays, no conflict."""
    rep = Actor("u-rep-cu", "sales")
    a, b = Clock("client-cust-a"), Clock("client-cust-b")
    await push(store, rep, PushRequest("client-cust-a", 1, [
        MutationIn(1, "customer.upsert", {"id": "c-9", "name": "Old", "phone": "1"}, str(a.now()))]))
    async with store.read() as rtx:
        base = (await rtx.rows("customers", ["c-9"]))[0]["version"]
    await push(store, rep, PushRequest("client-cust-a", 1, [
        MutationIn(2, "customer.upsert", {"id": "c-9", "name": "New", "base_version": base},
                   str(a.now()))]))
    r = await push(store, rep, PushRequest("client-cust-b", 1, [
        MutationIn(1, "customer.upsert",
                   {"id": "c-9", "name": "Old", "phone": "2", "base_version": base}, str(b.now()))]))
    assert r.results[0].status == "applied"
    async with store.read() as rtx:
        row = (await rtx.rows("customers", ["c-9"]))[0]
    assert (row["name"], row["phone"]) == ("New", "2")
