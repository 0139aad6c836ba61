"""The optimistic scenarios: what a person does on a device, recorded through the real engine.

Each case is pushed by ``actor`` from the world of ``optimistic_world`` (or from what ``setup``
adds to it). ``server_decides`` names what the server alone knows and the PWA does not predict in
that case: a table (``conflicts``: the server records one) or ``table.field`` (``stock_levels.
reserved``: what confirming an order reserves). Anything else that differs between the PWA's
prediction and the pull is a change on screen when the pull comes back, and fails the PWA test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sync.context import Actor
from tests.vectors.clock import T0
from tests.vectors.engine import Engine
from tests.vectors.optimistic_setups import (
    Q_OWN,
    Q_READY,
    open_count,
    qr_world,
    ready_token,
    rep_token,
)
from tests.vectors.optimistic_world import (
    ADMIN,
    MANAGER,
    PICKER,
    REP,
    new_line,
)

Doc = dict[str, Any]


@dataclass(frozen=True)
class Base:
    """The version of a row as the device's mirror has it (filled in when the case runs)."""

    table: str
    row_id: str


@dataclass
class Case:
    name: str
    actor: Actor
    pending: list[Doc]
    server_decides: tuple[str, ...] = ()
    setup: Callable[[Engine], Awaitable[None]] | None = None
    mirror: str = "world"  # names the mirror a setup makes, shared by the cases that use it


def m(name: str, args: Any, at: str | None = None) -> Doc:
    return {"name": name, "args": args, "hlc": at}


def case(name: str, *pending: Doc, actor: Actor = REP, decides: tuple[str, ...] = (),
         setup: Callable[[Engine], Awaitable[None]] | None = None, mirror: str = "world") -> Case:  # fmt: skip
    return Case(name, actor, list(pending), decides, setup, mirror)


UPD, LUP, LRM, TRN = "order.update", "order.line.upsert", "order.line.remove", "order.transition"
PAY, RES, MOVE = "payment.record", "conflict.resolve", "stock.move"
CONFLICT = ("conflicts",)  # the server records a conflict the device learns of in the pull
RESERVES = ("stock_levels.reserved",)  # what an order's status, warehouse or lines reserve


def _upd(oid: str, **set_: Any) -> Doc:
    return m(UPD, {"id": oid, "base_version": Base("orders", oid), "set": set_})


def _lup(oid: str, line: Any) -> Doc:
    return m(LUP, {"order_id": oid, "base_version": Base("orders", oid), "line": line})


def _lrm(oid: str, line_id: str) -> Doc:
    return m(LRM, {"order_id": oid, "base_version": Base("orders", oid), "line_id": line_id})


def _move(mid: str, pid: str, delta: Any, reason: str = "receive", **extra: Any) -> Doc:
    return m(MOVE, {"id": mid, "product_id": pid, "warehouse_id": "w-1", "delta": delta,
                    "reason": reason, **extra})  # fmt: skip


def _pay(pid: str, oid: str, amount: int, method: str = "card", **extra: Any) -> Doc:
    return m(PAY, {"id": pid, "order_id": oid, "method": method, "amount": amount, **extra})


def _create(oid: str, number: str, lines: list[Doc], **extra: Any) -> Doc:
    return m("order.create", {"id": oid, "number": number, "customer_id": "c-1",
                              "lines": lines, **extra})  # fmt: skip


CASES: list[Case] = [
    # customer.upsert
    case("customer.upsert creates a customer with the fields sent (the others null)",
         m("customer.upsert", {"id": "c-new", "name": "Bo", "phone": "88"})),
    case("customer.upsert edits only the fields sent",
         m("customer.upsert", {"id": "c-1", "name": "Acme Ltd", "phone": "555",
                               "base_version": Base("customers", "c-1")})),
    case("customer.upsert: an explicit null clears a field",
         m("customer.upsert", {"id": "c-1", "name": "Acme", "address": None,
                               "base_version": Base("customers", "c-1")})),
    case("customer.upsert without an id is refused", m("customer.upsert", {"name": "X"})),
    case("customer.upsert with a list as id is refused",
         m("customer.upsert", {"id": ["c"], "name": "X"})),
    # order.create
    case("order.create with every field",
         _create("o-new", "K7F-00042", [new_line("l-n1", "p-1", 3, 1500),
                                        new_line("l-n2", "p-2", 4, 250)],
                 status="draft", priority="high", due_date="2026-12-24", notes="gate code 1234",
                 delivery_address="2 Street", warehouse_id="w-1", channel="phone")),
    case("order.create with discounts: each line's net, less the order's discount",
         _create("o-disc", "K7F-00045", [{**new_line("l-d1", "p-1", 3, 1500), "discount_bp": 1250},
                                         new_line("l-d2", "p-2", 1, 333)],
                 discount_bp=333)),
    case("order.create with the defaults", _create("o-min", "K7F-00043", [])),
    case("order.create with an empty priority is refused",
         _create("o-min", "K7F-00043", [], priority="")),
    case("order.create of an order already there is refused",
         _create("o-sub", "X-1", [])),
    case("order.create without lines is refused",
         m("order.create", {"id": "o-nl", "number": "K7F-00044", "customer_id": "c-1"})),
    case("order.create without an id is refused",
         m("order.create", {"number": "K", "customer_id": "c-1", "lines": []})),
    case("order.create with lines that are a text is refused", _create("o-x", "K", "abc")),  # type: ignore[arg-type]
    case("order.create with a line without product_id is refused",
         _create("o-x", "K", [{"id": "l-x", "qty": 1, "unit_price": 1}])),
    case("order.create with a text qty is refused",
         _create("o-x", "K", [new_line("l-x", qty="2")])),
    # order.update
    case("order.update sets the fields sent", _upd("o-sub", priority="low", notes=None)),
    case("order.update naming a field outside the set is refused",
         _upd("o-sub", priority="high", status="x")),
    case("order.update with no field is refused", _upd("o-sub")),
    case("order.update of a shipped order: the server's conflict",
         _upd("o-ship", notes="late"), decides=CONFLICT),
    case("order.update of a picking order (header not locked yet)",
         _upd("o-pick", delivery_address="9 Hill Street", due_date="2027-01-02")),
    case("order.update to another warehouse (the stock it reserves moves)",
         _upd("o-pick", warehouse_id="w-2"), decides=("stock_levels",)),
    case("order.update of an unknown order: the server's conflict",
         m(UPD, {"id": "o-none", "base_version": 1, "set": {"notes": "x"}}), decides=CONFLICT),
    case("order.update of the order's discount re-totals it", _upd("o-sub", discount_bp=1000)),
    case("order.update of a discount over 100 % is refused", _upd("o-sub", discount_bp=10_001)),
    case("order.update with set a list is refused",
         m(UPD, {"id": "o-sub", "base_version": Base("orders", "o-sub"), "set": [["notes", "x"]]})),
    # order.line.upsert
    case("order.line.upsert adds a line and re-totals the order", _lup("o-sub", new_line("l-new"))),
    case("order.line.upsert changes a line and re-totals the order",
         _lup("o-sub", new_line("l-1", "p-1", 5, 1400))),
    case("order.line.upsert of a discounted line re-totals the order with its net",
         _lup("o-sub", {**new_line("l-1", "p-1", 5, 1400), "discount_bp": 505})),
    case("order.line.upsert onto a confirmed order without lines",
         _lup("o-conf", new_line("l-c1", "p-2", 7, 250)), decides=RESERVES),
    case("order.line.upsert of another order's line is refused", _lup("o-sub", new_line("l-3"))),
    case("order.line.upsert on a picking order: the server's conflict",
         _lup("o-pick", new_line("l-3", "p-1", 9, 1)), decides=CONFLICT),
    case("order.line.upsert on an unknown order: the server's conflict",
         m(LUP, {"order_id": "o-none", "base_version": 1, "line": new_line("l-z")}),
         decides=CONFLICT),
    case("order.line.upsert of a line without qty is refused",
         _lup("o-sub", {"id": "l-q", "product_id": "p-1", "unit_price": 1})),
    case("order.line.upsert of a line that is not an object is refused",
         _lup("o-sub", ["l-q", "p-1", 1, 1])),
    # order.line.remove
    case("order.line.remove removes a line and re-totals the order", _lrm("o-sub", "l-2")),
    case("order.line.remove of another order's line is refused", _lrm("o-sub", "l-3")),
    case("order.line.remove of an unknown line", _lrm("o-sub", "l-none")),
    case("order.line.remove on a shipped order: the server's conflict", _lrm("o-ship", "l-4"),
         decides=CONFLICT),
    case("order.line.remove without line_id is refused",
         m(LRM, {"order_id": "o-sub", "base_version": Base("orders", "o-sub")})),
    # order.transition
    case("order.transition moves the status and appends to the history",
         m(TRN, {"id": "o-sub", "from": "submitted", "to": "confirmed", "reason": "paid upfront"}),
         actor=ADMIN, decides=RESERVES),
    case("order.transition to the status it has",
         m(TRN, {"id": "o-sub", "from": "submitted", "to": "submitted"})),
    case("order.transition the machine does not allow: the server's conflict",
         m(TRN, {"id": "o-sub", "from": "submitted", "to": "shipped"}), actor=ADMIN,
         decides=CONFLICT),
    case("order.transition goes from the status the order has, whatever `from` says",
         m(TRN, {"id": "o-sub", "from": "draft", "to": "on_hold"}), actor=ADMIN),
    case("order.transition of a shipped order (transitions are not locked)",
         m(TRN, {"id": "o-ship", "from": "shipped", "to": "delivered"}), actor=ADMIN),
    case("order.transition without to is refused", m(TRN, {"id": "o-sub", "from": "submitted"})),
    case("order.transition of an unknown order: the server's conflict",
         m(TRN, {"id": "o-none", "from": "draft", "to": "submitted"}), decides=CONFLICT),
    # stock.move
    case("stock.move onto an existing level",
         _move("mv-10", "p-1", -3, "pick", ref="K7F-00001"), actor=PICKER),
    case("stock.move creates the stock level (its id from stock_level_id)",
         _move("mv-11", "p-3", 5), actor=PICKER),
    case("stock.move: the same move twice counts once",
         _move("mv-12", "p-1", 2, "count"), _move("mv-12", "p-1", 2, "count"), actor=PICKER),
    case("stock.move without a reason is refused",
         m(MOVE, {"id": "mv-13", "product_id": "p-1", "warehouse_id": "w-1", "delta": 1}),
         actor=PICKER),
    case("stock.move with a text delta is refused", _move("mv-14", "p-3", "4", "adjust"),
         actor=PICKER),
    case("stock moves add up on one level",
         _move("mv-a", "p-3", 5), _move("mv-b", "p-3", -2, "pick"),
         _move("mv-c", "p-3", -1, "adjust"), actor=PICKER),
    # payment.record
    case("payment.record records a payment (paid when no status)",
         _pay("pay-2", "o-conf", 500, "cash")),
    case("payment.record moves the status of a recorded payment",
         _pay("pay-1", "o-sub", 3250, status="paid")),
    case("payment.record with the status it has", _pay("pay-1", "o-sub", 3250, status="pending")),
    case("payment.record with another amount: the server's conflict",
         _pay("pay-1", "o-sub", 3000, status="paid"), decides=CONFLICT),
    case("payment.record for an unknown order: the server's conflict",
         _pay("pay-3", "o-none", 1, "cash"), decides=CONFLICT),
    case("payment.record without a method is refused",
         m(PAY, {"id": "pay-4", "order_id": "o-sub", "amount": 1})),
    # conflict.resolve
    case("conflict.resolve client writes the client value onto the order",
         m(RES, {"id": "cf-order", "resolution": "client"})),
    case("conflict.resolve custom writes the value onto the customer",
         m(RES, {"id": "cf-cust", "resolution": "custom", "value": "777"})),
    case("conflict.resolve custom with null clears the field",
         m(RES, {"id": "cf-cust", "resolution": "custom", "value": None})),
    case("conflict.resolve custom without a value is refused",
         m(RES, {"id": "cf-cust", "resolution": "custom"})),
    case("conflict.resolve server keeps the row and records its value",
         m(RES, {"id": "cf-order", "resolution": "server"})),
    case("conflict.resolve admin refers it; again changes nothing",
         m(RES, {"id": "cf-order", "resolution": "admin"}),
         m(RES, {"id": "cf-order", "resolution": "admin"})),
    case("conflict.resolve of a resolved conflict the same way changes nothing",
         m(RES, {"id": "cf-done", "resolution": "server"})),
    case("conflict.resolve of a referred conflict by server",
         m(RES, {"id": "cf-referred", "resolution": "server"})),
    case("conflict.resolve client on a shipped order: the server's conflict",
         m(RES, {"id": "cf-ship", "resolution": "client"}), decides=CONFLICT),
    case("conflict.resolve client when the row has the value already: only the conflict",
         m(RES, {"id": "cf-same", "resolution": "client"})),
    case("conflict.resolve server of a row that does not exist",
         m(RES, {"id": "cf-gone", "resolution": "server"})),
    case("conflict.resolve client of a missing-reference conflict is refused",
         m(RES, {"id": "cf-gone", "resolution": "client"})),
    case("conflict.resolve client of an overwritten notice puts the loser's value back",
         m(RES, {"id": "cf-over", "resolution": "client"})),
    case("conflict.resolve server of an overwritten notice keeps what stands",
         m(RES, {"id": "cf-over", "resolution": "server"})),
    case("conflict.resolve with an unknown resolution is refused",
         m(RES, {"id": "cf-order", "resolution": "both"})),
    case("conflict.resolve of an unknown conflict is refused",
         m(RES, {"id": "cf-none", "resolution": "server"})),
    # anything else
    case("an unknown mutation is refused", m("order.delete", {"id": "o-sub"})),
    case("an unreadable HLC is refused",
         m("customer.upsert", {"id": "c-h", "name": "H"}, at="yesterday")),
    # sequences
    case("an order made offline, edited, moved and paid",
         m("customer.upsert", {"id": "c-new", "name": "New shop"}),
         m("order.create", {"id": "o-off", "number": "K7F-00050", "customer_id": "c-new",
                            "lines": [new_line("l-o1")]}),
         m(LUP, {"order_id": "o-off", "base_version": 0, "line": new_line("l-o2", "p-2", 2, 250)}),
         m(LUP, {"order_id": "o-off", "base_version": 0, "line": new_line("l-o1", "p-1", 1, 1000)}),
         m(LRM, {"order_id": "o-off", "base_version": 0, "line_id": "l-o2"}),
         m(UPD, {"id": "o-off", "base_version": 0, "set": {"notes": "back door"}}),
         m(UPD, {"id": "o-off", "base_version": 0, "set": {"priority": "low"}}),
         _pay("pay-o", "o-off", 1000, "wallet", status="pending"),
         _pay("pay-o", "o-off", 1000, "wallet")),
    case("an order made offline and confirmed at once",
         _create("o-c", "K7F-00051", [new_line("l-c", "p-2", 2, 250)]),
         m(TRN, {"id": "o-c", "from": "submitted", "to": "confirmed"}), actor=ADMIN),
    case("qr.issue shows nothing: the token's record stays on the server",
         m("qr.issue", {"order_id": Q_OWN, "token": rep_token(Q_OWN, T0 + 1000)}),
         setup=qr_world, mirror="qr"),
    case("qr.redeem: the redemption appears queued (the server decides completed or review); "
         "a second one of the order changes nothing",
         m("qr.redeem", {"id": "r-1", "order_id": Q_READY, "token": ready_token()}),
         m("qr.redeem", {"id": "r-2", "order_id": Q_READY, "token": ready_token()}),
         actor=PICKER, setup=qr_world, mirror="qr", decides=("conflicts", "redemptions.status")),
    case("scan.record: the scan appears at once",
         m("scan.record", {"id": "s-1", "action": "view", "result": "valid", "order_id": "o-sub",
                           "code": "HTTPS://X/Q/ABC"})),
    case("scan.record by a picker: the scan appears at once",
         m("scan.record", {"id": "s-2", "action": "pick", "result": "wrong_item",
                           "product_id": "p-2", "warehouse_id": "w-1"}), actor=PICKER),
    case("scan.record of a scan already there changes nothing",
         m("scan.record", {"id": "s-1", "action": "view", "result": "valid"}),
         m("scan.record", {"id": "s-1", "action": "view", "result": "invalid"})),
    case("stocktake.line: the count appears at once; the same line again changes nothing",
         m("stocktake.line", {"id": "sl-1", "session_id": "st-1", "warehouse_id": "w-1",
                              "product_id": "p-1", "counted": 7}),
         m("stocktake.line", {"id": "sl-1", "session_id": "st-1", "warehouse_id": "w-1",
                              "product_id": "p-1", "counted": 9}),
         actor=PICKER, setup=open_count, mirror="stocktake"),
    case("redemption.review of a pending redemption completes or refuses it; others unchanged",
         m("redemption.review", {"id": "r-p", "approve": True, "reason": "known customer"}),
         m("redemption.review", {"id": "r-q", "approve": False}),
         m("redemption.review", {"id": "r-done", "approve": False}),
         actor=MANAGER, setup=qr_world, mirror="qr"),
]  # fmt: skip
