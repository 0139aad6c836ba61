"""Simulation: devices edit at random, go offline, lose responses and retry; all converge.

A hypothesis state machine drives 3 to 8 devices (sales reps, some with a second device,
warehouse workers, maybe an admin or a finance clerk) against one real database through the real
engine (``LocalTransport``). Between steps the network misbehaves: partitions, push responses
lost after the server applied them, pushes delivered twice, lost pull responses, app restarts
from the saved store, a warehouse worker moved to another warehouse (a scope change: reset), and
catalog edits on the server. Deliberate races check the conflict rules as they happen.

At the end every device syncs until quiet, and then:
- each device's mirror equals a fresh full pull of its scope, with nothing left unconfirmed;
- every mutation each device made is in the mutation log exactly once, none lost, none failed
  with an internal error, and its outcome is the one the device was told;
- stock levels equal the sum of their moves and of the moves the log says were applied;
- order totals equal their live lines; every deliberate same-field race left its conflict.

Runs on SQLite, and on PostgreSQL with ``ORDERLY_TEST_DB=postgres``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from shared.roles import may_send
from shared.states import FIELDS_LOCKED, LINES_LOCKED, STATUSES, TRANSITIONS, role_may_transition
from sync.context import Actor
from sync.direct import put_rows
from sync.protocol import PullRequest, PullResponse, PushRequest, PushResponse
from tests import dbs
from tests.device.client import SyncClient
from tests.device.local_store import LocalStore
from tests.device.transport import LocalTransport, TransportError

SETTINGS = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ROOT = Actor("u-root", "admin", device_id="d-root")
PRODUCTS = ("p-1", "p-2")
WAREHOUSES = ("wh-1", "wh-2")
PRICES = (100, 250, 1200)


class Net:
    """The network between one device and the server, failing when told to."""

    def __init__(self, inner: LocalTransport) -> None:
        self.inner = inner
        self.offline = False
        self.lose_push = 0
        self.lose_pull = 0
        self.dup_push = 0
        self.answer_second = False

    def heal(self) -> None:
        self.offline = False
        self.lose_push = self.lose_pull = self.dup_push = 0

    async def push(self, req: PushRequest) -> PushResponse:
        if self.offline:
            raise TransportError("offline")
        resp = await self.inner.push(req)
        if self.dup_push:
            self.dup_push -= 1
            again = await self.inner.push(req)  # the network delivered the request twice
            assert again.last_mutation_id == resp.last_mutation_id
            assert [r.status for r in again.results] == ["duplicate"] * len(req.mutations)
            assert [(r.conflict_id, r.error) for r in again.results] == [
                (r.conflict_id, r.error) for r in resp.results
            ]
            if self.answer_second:
                resp = again
        if self.lose_push:
            self.lose_push -= 1
            raise TransportError("push applied, response lost")
        return resp

    async def pull(self, req: PullRequest) -> PullResponse:
        if self.offline:
            raise TransportError("offline")
        resp = await self.inner.pull(req)
        if self.lose_pull:
            self.lose_pull -= 1
            raise TransportError("pull response lost")
        return resp


@dataclass
class Device:
    name: str
    actor: Actor
    net: Net
    client: SyncClient
    numbers: int = 0

    @property
    def role(self) -> str:
        return self.net.inner.actor.role

    def can(self, mutation: str) -> bool:
        return may_send(self.role, mutation)

    def next_number(self) -> str:
        self.numbers += 1
        return f"{self.name}-{self.numbers:05d}"


def tables(t: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: rows for name, rows in t.items() if rows}


def diff(mine: dict, truth: dict) -> list[str]:
    out = []
    for t in sorted(set(mine) | set(truth)):
        a, b = mine.get(t, {}), truth.get(t, {})
        out += [f"{t}/{i}: only on device" for i in a.keys() - b.keys()]
        out += [f"{t}/{i}: missing on device" for i in b.keys() - a.keys()]
        out += [f"{t}/{i}: {a[i]} != {b[i]}" for i in a.keys() & b.keys() if a[i] != b[i]]
    return out


class Simulation(RuleBasedStateMachine):
    def __init__(self, databases: dbs.TestDatabases) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.db = None
        self.db = self.run(open_database(self.run(databases.fresh())))
        self.store = SqlSyncStore(self.db)
        self.run(self.seed())
        self.devices: list[Device] = []
        # Same-field races: the loser, its conflict, and what the conflict must record.
        self.races: list[tuple[Device, str, tuple]] = []
        self.races_run: list[str] = []
        self.ids = 0

    def new_id(self) -> str:
        """Ids in creation order: what the rules draw from must not depend on random ids, or
        hypothesis could not replay (and shrink) a run."""
        self.ids += 1
        return f"00000000-0000-7000-8000-{self.ids:012d}"

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    async def seed(self) -> None:
        await put_rows(self.store, ROOT, "warehouses",
                       [{"id": w, "code": w.upper(), "name": w} for w in WAREHOUSES])  # fmt: skip
        await put_rows(
            self.store,
            ROOT,
            "products",
            [
                {"id": "p-1", "sku": "TEA-1", "name": "Green tea", "unit_price": 1200},
                {"id": "p-2", "sku": "CUP-1", "name": "Cup", "unit_price": 300},
                {
                    "id": "p-3",
                    "sku": "OLD-1",
                    "name": "Retired",
                    "unit_price": 100,
                    "active": False,
                },
            ],
        )

    def add(self, name: str, actor: Actor, pull_limit: int) -> None:
        net = Net(LocalTransport(self.store, actor))
        cid = f"client-{name.lower()}-{len(self.devices)}"
        client = SyncClient(
            net, cid, user_id=actor.user_id, attempts=3, base_delay=0, pull_limit=pull_limit
        )
        self.devices.append(Device(name, actor, net, client))

    # ---- the cast ----------------------------------------------------------------------------

    @initialize(data=st.data())
    def cast(self, data: st.DataObject) -> None:
        reps = data.draw(st.integers(1, 3), label="reps")
        second = [data.draw(st.booleans(), label=f"rep {i} has two devices") for i in range(reps)]
        pickers = data.draw(st.integers(1, 2), label="warehouse workers")
        office = data.draw(st.sampled_from([None, "admin", "finance"]), label="back office")
        limit = lambda: data.draw(st.sampled_from([3, 7, 5000]), label="pull limit")  # noqa: E731
        for i in range(reps):
            for d in range(1 + second[i]):
                self.add(
                    f"R{i}{'AB'[d]}", Actor(f"u-rep{i}", "sales", device_id=f"d-r{i}{d}"), limit()
                )
        for i in range(pickers):
            wh = data.draw(st.sampled_from(WAREHOUSES), label=f"picker {i} warehouse")
            self.add(f"W{i}", Actor(f"u-wh{i}", "warehouse", wh, f"d-w{i}"), limit())
        if office or len(self.devices) < 3:
            role = office or "admin"
            self.add(role[:3].upper(), Actor(f"u-{role}", role, device_id="d-office"), limit())
        while len(self.devices) > 8:
            self.devices.pop(0)
        # A day that starts online: every rep has a customer and an order everyone concerned sees.
        for dev in self.devices:
            if dev.role == "sales" and dev.name.endswith("A"):
                dev.client.create_order(
                    dev.next_number(),
                    dev.client.upsert_customer(f"First of {dev.name}", self.new_id()).args["id"],
                    [{"id": self.new_id(), "product_id": "p-1", "qty": 2, "unit_price": 1200}],
                    warehouse_id="wh-1",
                    id=self.new_id(),
                )
        for dev in self.devices:
            self.run(dev.client.sync())

    # ---- helpers -----------------------------------------------------------------------------

    def pick(self, data: st.DataObject, mutation: str | None = None) -> Device | None:
        able = [d for d in self.devices if mutation is None or d.can(mutation)]
        return data.draw(st.sampled_from(able), label="device") if able else None

    def pick_order(self, data: st.DataObject, dev: Device, editable: bool = False) -> dict | None:
        orders = [
            o
            for o in dev.client.store.tables.get("orders", {}).values()
            if not editable or o["status"] not in FIELDS_LOCKED
        ]
        if not orders:
            return None
        orders.sort(key=lambda o: o["id"])
        return data.draw(st.sampled_from(orders), label="order")

    def customer_for(self, data: st.DataObject, dev: Device) -> str:
        customers = sorted(dev.client.store.tables.get("customers", {}))
        if customers and data.draw(st.integers(0, 3), label="reuse customer"):
            return data.draw(st.sampled_from(customers), label="customer")
        name = data.draw(st.sampled_from(["Tea House", "Cafe", "Mall"]), label="customer name")
        return dev.client.upsert_customer(f"{name} {dev.name}", self.new_id()).args["id"]

    def try_sync(self, dev: Device) -> None:
        with contextlib.suppress(TransportError):
            self.run(dev.client.sync())

    # ---- what people do ----------------------------------------------------------------------

    @rule(data=st.data())
    def create_order(self, data: st.DataObject) -> None:
        dev = self.pick(data, "order.create")
        if dev is None:
            return
        lines = [
            {
                "id": self.new_id(),
                "product_id": data.draw(st.sampled_from([*PRODUCTS * 4, "p-3"])),
                "qty": data.draw(st.integers(1, 5)),
                "unit_price": data.draw(st.sampled_from(PRICES)),
            }
            for _ in range(data.draw(st.integers(0, 3), label="lines"))
        ]
        dev.client.create_order(
            dev.next_number(),
            self.customer_for(data, dev),
            lines,
            warehouse_id=data.draw(st.sampled_from([None, *WAREHOUSES]), label="warehouse"),
            status=data.draw(st.sampled_from(["submitted", "draft"])),
            priority=data.draw(st.sampled_from(["high", "normal", "low"])),
            id=self.new_id(),
        )

    @rule(data=st.data())
    def edit_order(self, data: st.DataObject) -> None:
        dev = self.pick(data, "order.update")
        order = dev and self.pick_order(data, dev, editable=data.draw(st.booleans()))
        if not order:
            return
        choices = {
            "priority": st.sampled_from(["high", "normal", "low"]),
            "due_date": st.sampled_from([None, "2030-01-01", "2030-02-02"]),
            "notes": st.sampled_from([None, "call first", "fragile"]),
            "delivery_address": st.sampled_from(["Dock 1", "Dock 2", "Back door"]),
            "warehouse_id": st.sampled_from([None, *WAREHOUSES]),
            "assignee_id": st.sampled_from([None, "u-wh0", "u-wh1"]),
        }
        fields = data.draw(st.sets(st.sampled_from(sorted(choices)), min_size=1, max_size=3))
        dev.client.update_order(order["id"], **{f: data.draw(choices[f]) for f in sorted(fields)})

    @rule(data=st.data())
    def change_lines(self, data: st.DataObject) -> None:
        dev = self.pick(data, "order.line.upsert")
        order = dev and self.pick_order(data, dev)
        if not order:
            return
        lines = sorted(
            (x for x in dev.client.store.tables.get("order_lines", {}).values()
             if x["order_id"] == order["id"]),
            key=lambda x: x["id"],
        )  # fmt: skip
        what = data.draw(st.sampled_from(["add", "qty", "remove"] if lines else ["add"]))
        if what == "add":
            line = {"id": self.new_id(), "product_id": data.draw(st.sampled_from(PRODUCTS))}
            line |= {"qty": 1, "unit_price": 250}
            dev.client.upsert_line(order["id"], line)
            return
        line = data.draw(st.sampled_from(lines), label="line")
        if what == "remove":
            dev.client.remove_line(order["id"], line["id"])
        else:
            fields = {k: line[k] for k in ("id", "product_id", "unit_price")}
            dev.client.upsert_line(order["id"], {**fields, "qty": data.draw(st.integers(1, 9))})

    @rule(data=st.data())
    def transition(self, data: st.DataObject) -> None:
        dev = self.pick(data, "order.transition")
        order = dev and self.pick_order(data, dev)
        if not order:
            return
        allowed = sorted(
            s for s in TRANSITIONS[order["status"]] if role_may_transition(dev.role, s)
        )
        if allowed and data.draw(st.integers(0, 4), label="by the book"):
            to = data.draw(st.sampled_from(allowed), label="to")
        else:
            to = data.draw(st.sampled_from(STATUSES), label="to (anything)")
        dev.client.transition(order["id"], to)

    @rule(data=st.data())
    def move_stock(self, data: st.DataObject) -> None:
        dev = self.pick(data, "stock.move")
        if dev is None:
            return
        wh = dev.net.inner.actor.warehouse_id or data.draw(st.sampled_from(WAREHOUSES))
        delta = data.draw(st.integers(-5, 10).filter(bool), label="delta")
        reason = "receive" if delta > 0 else data.draw(st.sampled_from(["pick", "adjust"]))
        dev.client.move_stock(data.draw(st.sampled_from(PRODUCTS)), wh, delta, reason)

    @rule(data=st.data())
    def payment(self, data: st.DataObject) -> None:
        dev = self.pick(data, "payment.record")
        order = dev and self.pick_order(data, dev)
        if not order:
            return
        paid = sorted(
            (p for p in dev.client.store.tables.get("payments", {}).values()
             if p["order_id"] == order["id"]),
            key=lambda p: p["id"],
        )  # fmt: skip
        if paid and data.draw(st.booleans(), label="change a payment"):
            p = data.draw(st.sampled_from(paid))
            amount = p["amount"] + data.draw(st.sampled_from([0, 0, 1]))  # +1: a conflict
            status = data.draw(st.sampled_from(["pending", "paid", "refunded"]))
            dev.client.record_payment(order["id"], p["method"], amount, status, p["id"])
        else:
            method = data.draw(st.sampled_from(["cash", "card", "wallet"]))
            amount = data.draw(st.integers(1, 5000))
            dev.client.record_payment(order["id"], method, amount, payment_id=self.new_id())

    @rule(data=st.data())
    def edit_customer(self, data: st.DataObject) -> None:
        dev = self.pick(data, "customer.upsert")
        customers = sorted(dev.client.store.tables.get("customers", {})) if dev else []
        if not customers:
            return
        cid = data.draw(st.sampled_from(customers))
        name = data.draw(st.sampled_from(["Tea House", "Tea Palace", "Cafe Uno"]))
        dev.client.upsert_customer(
            name, cid, phone=data.draw(st.sampled_from([None, "555", "777"]))
        )

    # ---- the network and the devices' lives ----------------------------------------------------

    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        self.try_sync(self.pick(data))

    @rule(data=st.data())
    def network(self, data: st.DataObject) -> None:
        """The network misbehaves for one device."""
        dev = self.pick(data)
        what = data.draw(
            st.sampled_from(["offline", "online", "lose push", "push twice", "lose pull", "poke"]),
            label="network",
        )
        if what == "offline":
            dev.net.offline = True
            return
        if what == "online":
            dev.net.offline = False
        elif dev.net.offline:
            return
        elif what == "poke":
            # The server says something changed: the device pulls, its outbox still queued.
            with contextlib.suppress(TransportError):
                self.run(dev.client.pull())
            return
        elif what == "lose push":
            dev.net.lose_push = 1
            if not data.draw(st.booleans(), label="retry at once"):
                with contextlib.suppress(TransportError):
                    self.run(dev.client.push())
        elif what == "push twice":
            dev.net.dup_push = 1
            dev.net.answer_second = data.draw(st.booleans(), label="answer of the second copy")
        else:
            dev.net.lose_pull = 1
        self.try_sync(dev)
        dev.net.heal()
        dev.net.offline = False

    @rule(data=st.data())
    def life(self, data: st.DataObject) -> None:
        """Things that happen to devices and the server besides edits."""
        what = data.draw(st.sampled_from(["restart app", "move worker", "catalog"]), label="life")
        if what == "restart app":
            # The app is killed and starts again from its saved store.
            dev = self.pick(data)
            old = dev.client
            dev.client = SyncClient(
                old.transport, old.client_id, LocalStore.from_json(old.store.to_json()),
                old.user_id, attempts=old.attempts, base_delay=0, pull_limit=old.pull_limit,
            )  # fmt: skip
            dev.client.results = dict(old.results)  # forgotten by a real app; kept for the check
            assert dev.client.store.tables == old.store.tables
            assert dev.client.store.unconfirmed() == old.store.unconfirmed()
        elif what == "move worker":
            # A warehouse worker moves to the other warehouse: a scope change, so a reset.
            workers = [d for d in self.devices if d.role == "warehouse"]
            if workers:
                dev = data.draw(st.sampled_from(workers))
                a = dev.net.inner.actor
                other = next(w for w in WAREHOUSES if w != a.warehouse_id)
                dev.net.inner.actor = Actor(a.user_id, a.role, other, a.device_id)
                # The server pokes the worker's device; its queued moves stay queued.
                with contextlib.suppress(TransportError):
                    self.run(dev.client.pull())
        else:
            change: dict[str, Any] = {"id": "p-2"}
            if data.draw(st.booleans(), label="toggle p-2"):
                change["active"] = data.draw(st.booleans())
            else:
                change["unit_price"] = data.draw(st.sampled_from([300, 350]))
            self.run(put_rows(self.store, ROOT, "products", [change]))

    # ---- deliberate races ----------------------------------------------------------------------

    @rule(data=st.data())
    def race(self, data: st.DataObject) -> None:
        """Two online devices edit one order from the same version."""
        editors = [d for d in self.devices if d.can("order.update") and not d.net.offline]
        pairs = [
            (a, b)
            for a in editors
            for b in editors
            if a is not b and (a.role == "admin" or b.role == "admin" or a.actor.user_id == b.actor.user_id)
        ]  # fmt: skip
        if not pairs:
            return
        a, b = data.draw(st.sampled_from(pairs), label="racers")
        for dev in (a, b, a):  # then both have pulled everything either pushed
            self.run(dev.client.sync())
        orders_a, orders_b = (d.client.store.tables.get("orders", {}) for d in (a, b))
        shared = sorted(
            i for i, o in orders_a.items()
            if i in orders_b and orders_b[i]["version"] == o["version"]
            and o["status"] not in FIELDS_LOCKED
        )  # fmt: skip
        if not shared:
            return
        order = orders_a[data.draw(st.sampled_from(shared), label="order")]
        lines = sorted(
            (x for x in a.client.store.tables.get("order_lines", {}).values()
             if x["order_id"] == order["id"]),
            key=lambda x: x["id"],
        )  # fmt: skip
        kinds = ["same field", "other fields", "notes"]
        if lines and order["status"] not in LINES_LOCKED:
            kinds.append("same line")
        kind = data.draw(st.sampled_from(kinds), label="race")
        self.races_run.append(kind)
        expect = None  # what the conflict record must say: table, field, base, server, client
        if kind == "same field":
            field = data.draw(st.sampled_from(["priority", "delivery_address", "due_date"]))
            values = {
                "priority": ["high", "normal", "low"],
                "delivery_address": ["Dock 1", "Dock 2", "Dock 3"],
                "due_date": ["2031-01-01", "2031-02-02", "2031-03-03"],
            }[field]
            va, vb = [v for v in values if v != order[field]][:2]
            ma = a.client.update_order(order["id"], **{field: va})
            mb = b.client.update_order(order["id"], **{field: vb})
            expect = ("orders", field, order[field], va, vb)
        elif kind == "same line":
            line = data.draw(st.sampled_from(lines), label="line")
            qa, qb = [q for q in (1, 2, 3) if q != line["qty"]][:2]
            keep = {k: line[k] for k in ("id", "product_id", "unit_price")}
            ma = a.client.upsert_line(order["id"], {**keep, "qty": qa})
            mb = b.client.upsert_line(order["id"], {**keep, "qty": qb})
            # A line is one unit for conflicts: the record holds the whole line each side.
            whole = {k: line[k] for k in ("product_id", "qty", "unit_price", "discount_bp")}
            expect = ("order_lines", "line", whole, whole | {"qty": qa}, whole | {"qty": qb})
        elif kind == "other fields":
            pa = next(v for v in ("high", "normal", "low") if v != order["priority"])
            da = next(v for v in ("Dock 1", "Dock 2") if v != order["delivery_address"])
            ma = a.client.update_order(order["id"], priority=pa)
            mb = b.client.update_order(order["id"], delivery_address=da)
        else:
            n = len(self.races_run)
            ma = a.client.update_order(order["id"], notes=f"{a.name} in race {n}")
            mb = b.client.update_order(order["id"], notes=f"{b.name} in race {n}")
        self.run(a.client.push())
        self.run(b.client.push())
        ra, rb = a.client.results[ma.id], b.client.results[mb.id]
        assert ra.status == "applied", (kind, ra)
        if expect:
            assert rb.status == "conflict" and rb.conflict_id, (kind, rb)
            self.races.append((b, rb.conflict_id, expect))
            return
        assert rb.status == ("applied" if kind == "other fields" else "merged"), (kind, rb)
        self.run(a.client.pull())
        got = a.client.store.tables["orders"][order["id"]]
        if kind == "other fields":
            assert (got["priority"], got["delivery_address"]) == (pa, da)
        else:
            winner = max((ma, mb), key=lambda m: m.hlc)
            assert got["notes"] == winner.args["set"]["notes"]
            if a.actor.user_id != b.actor.user_id:  # the loser is told (sync/notices.py)
                loser, lost = (b, mb) if winner is ma else (a, ma)
                self.run(loser.client.pull())
                told = [
                    c for c in loser.client.store.tables.get("conflicts", {}).values()
                    if c["kind"] == "overwritten" and c["user_id"] == loser.actor.user_id
                    and c["client_value"] == lost.args["set"]["notes"]
                ]  # fmt: skip
                assert len(told) == 1, (loser.name, told)
                assert told[0]["server_value"] == winner.args["set"]["notes"]
                assert (rb.conflict_id == told[0]["id"]) == (loser is b), (rb, told)

    # ---- always ------------------------------------------------------------------------------

    @invariant()
    def outboxes_are_in_order(self) -> None:
        for dev in self.devices:
            st_ = dev.client.store
            ids = [m.id for m in st_.unpulled + st_.outbox]
            assert ids == sorted(ids) and len(set(ids)) == len(ids)
            if st_.outbox:
                assert [m.id for m in st_.outbox] == list(
                    range(st_.outbox[0].id, st_.next_mutation_id)
                )

    # ---- the end -----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            if sys.exc_info()[0] is None and self.devices:
                self.run(self.converge_and_check())
        finally:
            if self.db is not None:
                self.run(self.db.close())
            self.loop.close()

    async def converge_and_check(self) -> None:
        for dev in self.devices:
            dev.net.heal()
        for _ in range(2):  # the first round pushes everything, the second pulls it everywhere
            for dev in self.devices:
                await dev.client.sync()
        for dev in self.devices:
            c = dev.client
            assert c.pending == 0 and not c.store.unpulled, dev.name
            fresh = SyncClient(
                LocalTransport(self.store, dev.net.inner.actor), "fresh-" + c.client_id
            )
            await fresh.pull()
            problems = diff(tables(c.store.tables), tables(fresh.store.tables))
            assert not problems, (dev.name, problems[:10])
        await self.check_log()
        await self.check_rows()

    async def fetch(self, sql: str) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            return await conn.fetch(sql)

    async def check_log(self) -> None:
        log = await self.fetch(
            "SELECT client_id, mutation_id, name, args, status, conflict_id, error FROM mutation_log"
        )
        seen = Counter((r["client_id"], r["mutation_id"]) for r in log)
        assert all(n == 1 for n in seen.values()), [k for k, n in seen.items() if n > 1]
        by_key = {(r["client_id"], r["mutation_id"]): r for r in log}
        for dev in self.devices:
            c = dev.client
            made = {i for cid, i in seen if cid == c.client_id}
            assert made == set(range(1, c.store.next_mutation_id)), (dev.name, sorted(made))
            for mid, result in c.results.items():
                logged = by_key[(c.client_id, mid)]
                assert result.conflict_id == logged["conflict_id"], (dev.name, mid)
                if result.status != "duplicate":
                    assert result.status == logged["status"], (dev.name, mid, result, logged)
        failed = [r for r in log if r["error"] == "internal_error"]
        assert not failed, failed
        assert {c.client_id for d in self.devices for c in [d.client]} >= {cid for cid, _ in seen}
        self.log = log

    async def check_rows(self) -> None:
        applied_moves: dict[tuple[str, str], int] = defaultdict(int)
        move_ids = set()
        for r in self.log:
            if r["name"] == "stock.move" and r["status"] == "applied":
                args = msgspec.json.decode(r["args"])
                applied_moves[(args["warehouse_id"], args["product_id"])] += args["delta"]
                move_ids.add(args["id"])
        moves = await self.fetch("SELECT id, warehouse_id, product_id, delta FROM stock_moves")
        # The moves of stock.move mutations, and the ship moves of orders shipped.
        assert {m["id"] for m in moves} >= move_ids
        summed: dict[tuple[str, str], int] = defaultdict(int)
        by_mutations: dict[tuple[str, str], int] = defaultdict(int)
        for m in moves:
            summed[(m["warehouse_id"], m["product_id"])] += m["delta"]
            if m["id"] in move_ids:
                by_mutations[(m["warehouse_id"], m["product_id"])] += m["delta"]
        assert dict(by_mutations) == dict(applied_moves)
        stock = await self.fetch(
            "SELECT warehouse_id, product_id, on_hand, reserved FROM stock_levels"
        )
        levels = {(r["warehouse_id"], r["product_id"]): r["on_hand"] for r in stock}
        for key in set(levels) | set(summed):
            assert levels.get(key, 0) == summed.get(key, 0), (key, levels, summed)
        # Reserved: what orders confirmed, picking or packed hold in their warehouse.
        held: dict[tuple[str, str], int] = defaultdict(int)
        for row in await self.fetch(
            "SELECT o.warehouse_id, l.product_id, l.qty FROM orders o JOIN order_lines l"
            " ON l.order_id = o.id WHERE NOT l.deleted AND o.warehouse_id IS NOT NULL"
            " AND o.status IN ('confirmed', 'picking', 'packed')"
        ):
            held[(row["warehouse_id"], row["product_id"])] += row["qty"]
        reserved = {(r["warehouse_id"], r["product_id"]): r["reserved"] for r in stock}
        for key in set(reserved) | set(held):
            assert reserved.get(key, 0) == held.get(key, 0), (key, reserved, held)

        created = [r for r in self.log if r["name"] == "order.create" and r["status"] == "applied"]
        orders = await self.fetch("SELECT id, total FROM orders")
        assert len(orders) == len(created)
        live: dict[str, int] = defaultdict(int)
        for line in await self.fetch("SELECT order_id, qty, unit_price, deleted FROM order_lines"):
            if not line["deleted"]:
                live[line["order_id"]] += line["qty"] * line["unit_price"]
        assert {o["id"]: o["total"] for o in orders} == {o["id"]: live[o["id"]] for o in orders}

        conflicts = {r["id"]: r for r in await self.fetch("SELECT id, kind, field FROM conflicts")}
        field_conflicts = [c for c in conflicts.values() if c["kind"] == "field"]
        assert len(field_conflicts) >= len(self.races)
        for loser, cid, expect in self.races:
            assert conflicts[cid]["kind"] == "field", conflicts[cid]
            row = loser.client.store.tables.get("conflicts", {}).get(cid)
            assert row is not None, (loser.name, cid)
            got = tuple(row[k] for k in ("table_name", "field", "base_value", "server_value",
                                         "client_value"))  # fmt: skip
            assert got == expect, (loser.name, got, expect)


def test_devices_converge(databases: dbs.TestDatabases) -> None:
    run_state_machine_as_test(lambda: Simulation(databases), settings=SETTINGS)
