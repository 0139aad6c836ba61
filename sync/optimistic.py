"""The optimistic UI: a pending mutation applied to a local view the way the server would.

Only the common case is predicted (no conflicts, permissions or scopes): the server decides, and
the next pull replaces whatever was guessed here. A mutation that does not fit the view (an
unknown order, a locked one, malformed args) changes nothing.

A view is ``{table: {id: row}}`` with rows as pulls deliver them. ``apply`` changes the table dicts
of the view it is given but never a row dict in place, so a view made by ``rebase`` (shallow
copies of the tables) leaves the mirror it came from untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from shared.mutations import ORDER_UPDATE_FIELDS
from shared.states import FIELDS_LOCKED, LINES_LOCKED, can_transition
from sync.context import now_iso
from sync.hlc import BadHlc, Timestamp
from sync.ids import stock_level_id
from sync.protocol import MutationIn

Row = dict[str, Any]
View = dict[str, dict[str, Row]]

CUSTOMER_FIELDS = ("name", "phone", "address", "region")
LINE_FIELDS = ("product_id", "qty", "unit_price")


def rebase(mirror: View, pending: Iterable[MutationIn], user_id: str | None = None) -> View:
    """The mirror with ``pending`` applied in order, as a new view (rows shared, not copied)."""
    view: View = {table: dict(rows) for table, rows in mirror.items()}
    for m in pending:
        apply(view, m, user_id)
    return view


def apply(view: View, m: MutationIn, user_id: str | None = None) -> bool:
    """Apply one mutation to ``view``; whether it changed anything."""
    handler = _HANDLERS.get(m.name)
    if handler is None:
        return False
    try:
        return handler(view, m.args, _Meta(user_id, m.hlc))
    except (KeyError, TypeError, ValueError, AttributeError):
        return False  # malformed args: the server will say what is wrong with them


class _Meta:
    __slots__ = ("hlc", "now", "user_id")

    def __init__(self, user_id: str | None, hlc: str) -> None:
        self.user_id = user_id
        self.hlc = hlc
        # When the user made the edit (its HLC), not when the view is computed: the same state
        # always gives the same view.
        try:
            ms = Timestamp.parse(hlc).ms
            self.now = datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")
            self.now = self.now.replace("+00:00", "Z")
        except (BadHlc, ValueError, OverflowError):
            self.now = now_iso()


def _table(view: View, name: str) -> dict[str, Row]:
    return view.setdefault(name, {})


def _retotal(view: View, order: Row, meta: _Meta) -> None:
    total = sum(
        line["qty"] * line["unit_price"]
        for line in _table(view, "order_lines").values()
        if line.get("order_id") == order["id"]
    )
    _table(view, "orders")[order["id"]] = {**order, "total": total, "updated_at": meta.now}


def _customer_upsert(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    customers = _table(view, "customers")
    current = customers.get(a["id"])
    if current is None:
        customers[a["id"]] = {
            "id": a["id"],
            **{f: a.get(f) for f in CUSTOMER_FIELDS},
            "owner_id": meta.user_id,
            "credit_limit": None,
            "created_at": meta.now,
            "version": 0,
            "updated_by": "",
        }
    else:
        # Like the server: a field left out of an edit keeps its value.
        customers[a["id"]] = {**current, **{f: a[f] for f in CUSTOMER_FIELDS if f in a}}
    return True


def _order_create(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    orders = _table(view, "orders")
    if a["id"] in orders:
        return False
    status = a.get("status") or "submitted"
    # Everything is read from the args before anything is written: malformed args change nothing.
    new_lines = [
        {
            "id": line["id"],
            "order_id": a["id"],
            **{f: line[f] for f in LINE_FIELDS},
            "version": 0,
            "updated_by": "",
        }
        for line in a.get("lines") or ()
    ]
    order = {
        "id": a["id"],
        "number": a["number"],
        "customer_id": a["customer_id"],
        "owner_id": meta.user_id,
        "status": status,
        "priority": a.get("priority") or "normal",
        "due_date": a.get("due_date"),
        "notes": a.get("notes"),
        "delivery_address": a.get("delivery_address"),
        "warehouse_id": a.get("warehouse_id"),
        "assignee_id": None,
        "channel": a.get("channel") or "field",
        "total": sum(line["qty"] * line["unit_price"] for line in new_lines),
        "status_history": [{"to": status, "at": meta.now, "by": meta.user_id, "hlc": meta.hlc}],
        "created_at": meta.now,
        "updated_at": meta.now,
        "version": 0,
        "updated_by": "",
    }
    lines = _table(view, "order_lines")
    for line in new_lines:
        lines[line["id"]] = line
    orders[a["id"]] = order
    return True


def _order_update(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    orders = _table(view, "orders")
    order = orders.get(a["id"])
    if order is None or order["status"] in FIELDS_LOCKED:
        return False
    changes = {k: v for k, v in a["set"].items() if k in ORDER_UPDATE_FIELDS}
    if not changes:
        return False
    orders[order["id"]] = {**order, **changes, "updated_at": meta.now}
    return True


def _editable_order(view: View, order_id: str) -> Row | None:
    order = _table(view, "orders").get(order_id)
    if order is None or order["status"] in LINES_LOCKED:
        return None
    return order


def _line_upsert(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    order = _editable_order(view, a["order_id"])
    if order is None:
        return False
    lines = _table(view, "order_lines")
    new = a["line"]
    current = lines.get(new["id"])
    if current is not None and current.get("order_id") != order["id"]:
        return False
    base = current or {"id": new["id"], "order_id": order["id"], "version": 0, "updated_by": ""}
    line = {**base, **{f: new[f] for f in LINE_FIELDS}}
    line["qty"] * line["unit_price"] + 0  # a malformed line fails here, before anything is written
    lines[new["id"]] = line
    _retotal(view, order, meta)
    return True


def _line_remove(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    order = _editable_order(view, a["order_id"])
    if order is None:
        return False
    lines = _table(view, "order_lines")
    line = lines.get(a["line_id"])
    if line is None or line.get("order_id") != order["id"]:
        return False
    del lines[a["line_id"]]
    _retotal(view, order, meta)
    return True


def _transition(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    orders = _table(view, "orders")
    order = orders.get(a["id"])
    if order is None or order["status"] == a["to"] or not can_transition(order["status"], a["to"]):
        return False
    step = {
        "from": order["status"],
        "to": a["to"],
        "at": meta.now,
        "by": meta.user_id,
        "hlc": meta.hlc,
        "reason": a.get("reason"),
    }
    orders[order["id"]] = {
        **order,
        "status": a["to"],
        "status_history": [*(order.get("status_history") or ()), step],
        "updated_at": meta.now,
    }
    return True


def _stock_move(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    moves = _table(view, "stock_moves")
    if a["id"] in moves:
        return False  # the same move again counts once
    # The level first: a malformed delta fails before anything is written.
    levels = _table(view, "stock_levels")
    level_id = stock_level_id(a["warehouse_id"], a["product_id"])
    current = levels.get(level_id)
    if current is None:
        level = {
            "id": level_id,
            "product_id": a["product_id"],
            "warehouse_id": a["warehouse_id"],
            "on_hand": a["delta"],
            "reserved": 0,
            "version": 0,
            "updated_by": "",
        }
    else:
        level = {**current, "on_hand": current["on_hand"] + a["delta"]}
    moves[a["id"]] = {
        "id": a["id"],
        "product_id": a["product_id"],
        "warehouse_id": a["warehouse_id"],
        "delta": a["delta"],
        "reason": a["reason"],
        "ref": a.get("ref"),
        "created_at": meta.now,
        "created_by": meta.user_id,
        "version": 0,
        "updated_by": "",
    }
    levels[level_id] = level
    return True


def _payment_record(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    if a["order_id"] not in _table(view, "orders"):
        return False
    payments = _table(view, "payments")
    status = a.get("status") or "paid"
    current = payments.get(a["id"])
    if current is None:
        payments[a["id"]] = {
            "id": a["id"],
            "order_id": a["order_id"],
            "method": a["method"],
            "amount": a["amount"],
            "status": status,
            "created_at": meta.now,
            "version": 0,
            "updated_by": "",
        }
        return True
    # Only the status of a recorded payment may move; anything else is the server's conflict.
    same = current["method"] == a["method"] and current["amount"] == a["amount"]
    if current.get("order_id") != a["order_id"] or not same or current["status"] == status:
        return False
    payments[a["id"]] = {**current, "status": status}
    return True


# Field conflicts whose value a resolution writes back onto the row (sync.rules.conflicts).
_WRITABLE = {"orders": frozenset(ORDER_UPDATE_FIELDS), "customers": frozenset(CUSTOMER_FIELDS)}


def _conflict_resolve(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    conflicts = _table(view, "conflicts")
    c = conflicts.get(a["id"])
    resolution = a["resolution"]
    if c is None or c.get("status") == "resolved":
        return False
    if resolution == "admin":
        if c.get("status") == "referred":
            return False
        conflicts[c["id"]] = {**c, "status": "referred", "resolution": None}
        return True
    table, field = c.get("table_name"), c.get("field")
    row = _table(view, table).get(c.get("row_id")) if table else None
    if resolution in ("client", "custom"):
        if c.get("kind") not in ("field", "overwritten") or field not in _WRITABLE.get(table, ()):
            return False
        if resolution == "custom" and "value" not in a:
            return False
        value = c.get("client_value") if resolution == "client" else a["value"]
        if row is not None and row.get(field) != value:
            changed = {field: value}
            if table == "orders":
                if row.get("status") in FIELDS_LOCKED:
                    return False
                changed["updated_at"] = meta.now
            _table(view, table)[row["id"]] = {**row, **changed}
    elif resolution == "server":
        value = row.get(field) if row is not None and field else None
    else:
        return False
    conflicts[c["id"]] = {
        **c,
        "status": "resolved",
        "resolution": resolution,
        "resolved_value": value,
        "resolver_id": meta.user_id,
        "resolved_at": meta.now,
    }
    return True


def _nothing(view: View, args: Any, meta: _Meta) -> bool:
    """``qr.issue``: the device made the token itself; its record (``qr_tokens``) stays on the
    server, and a revocation it causes reaches devices in a pull."""
    return False


def _scan_record(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    """``scan.record``: the scan appears in the device's list at once (the server adds the
    device, the token id and the warehouse it belongs to)."""
    scans = _table(view, "scans")
    if a["id"] in scans:
        return False
    scans[a["id"]] = {
        "id": a["id"],
        "action": a["action"],
        "result": a["result"],
        "code": a.get("code"),
        "token_id": None,
        "order_id": a.get("order_id"),
        "product_id": a.get("product_id"),
        "warehouse_id": a.get("warehouse_id"),
        "device_id": None,
        "user_id": meta.user_id,
        "at": meta.now,
        "received_at": None,
        "version": 0,
        "updated_by": "",
    }
    return True


# Redemptions that stand: the order counts as redeemed (docs/warehouse.md).
_STANDING = frozenset({"completed", "pending_review", "queued"})


def _qr_redeem(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    """``qr.redeem``: the redemption appears at once as ``queued`` (the server decides whether
    it is ``completed`` or ``pending_review``, or refuses it); an order the view already shows
    redeemed changes nothing."""
    redemptions = _table(view, "redemptions")
    order = _table(view, "orders").get(a["order_id"])
    if a["id"] in redemptions or order is None:
        return False
    for r in redemptions.values():
        if r.get("order_id") == order["id"] and r.get("status") in _STANDING:
            return False
    redemptions[a["id"]] = {
        "id": a["id"],
        "order_id": order["id"],
        "token_id": None,
        "device_id": None,
        "user_id": meta.user_id,
        "client_id": None,
        "at": meta.now,
        "received_at": None,
        "amount": order.get("total"),
        "status": "queued",
        "reviewer_id": None,
        "reviewed_at": None,
        "reason": None,
        "version": 0,
        "updated_by": "",
    }
    return True


def _redemption_review(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    redemptions = _table(view, "redemptions")
    r = redemptions.get(a["id"])
    if r is None or r.get("status") != "pending_review":
        return False
    redemptions[r["id"]] = {
        **r,
        "status": "completed" if a["approve"] is True else "refused",
        "reviewer_id": meta.user_id,
        "reviewed_at": meta.now,
        "reason": a.get("reason"),
    }
    return True


def _stocktake_line(view: View, a: dict[str, Any], meta: _Meta) -> bool:
    """``stocktake.line``: the count appears at once (the server adds the device)."""
    lines = _table(view, "stocktake_lines")
    if a["id"] in lines:
        return False
    lines[a["id"]] = {
        "id": a["id"],
        "session_id": a["session_id"],
        "warehouse_id": a["warehouse_id"],
        "product_id": a["product_id"],
        "counted": a["counted"],
        "user_id": meta.user_id,
        "device_id": None,
        "at": meta.now,
        "hlc": meta.hlc,
        "version": 0,
        "updated_by": "",
    }
    return True


_HANDLERS = {
    "customer.upsert": _customer_upsert,
    "order.create": _order_create,
    "order.update": _order_update,
    "order.line.upsert": _line_upsert,
    "order.line.remove": _line_remove,
    "order.transition": _transition,
    "stock.move": _stock_move,
    "payment.record": _payment_record,
    "conflict.resolve": _conflict_resolve,
    "qr.issue": _nothing,
    "scan.record": _scan_record,
    "qr.redeem": _qr_redeem,
    "redemption.review": _redemption_review,
    "stocktake.line": _stocktake_line,
}
