"""Planning: the checked rows of a sheet turned into what to write — new products and the
fields that change on existing ones, or ``order.create`` arguments grouped by order number —
with every row's errors. Looks SKUs, customers, warehouses and order numbers up (``queries``);
writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.admin.imports import cells
from server.admin.imports.cells import Line
from server.admin.imports.queries import live_warehouses, rows_where_in
from server.admin.imports.schemas import MAX_LINES, MAX_QTY
from server.admin.imports.sheet import Sheet
from server.db.sql import Conn, Row
from shared.states import STATUSES
from sync.context import Actor
from sync.ids import uuid7


@dataclass
class Plan:
    lines: list[Line]
    new: list[Row] = field(default_factory=list)  # products
    changed: list[Row] = field(default_factory=list)  # products: id + the fields given
    orders: list[dict[str, Any]] = field(default_factory=list)  # order.create arguments
    # The sales rep each created order is written as (order id → the rep's Actor); the
    # importing admin's orders are not in it.
    reps: dict[str, Actor] = field(default_factory=dict)
    # Update mode: per order in the file, what it should be (``write.update_orders``).
    updates: list[dict[str, Any]] = field(default_factory=list)


# ---- products ----------------------------------------------------------------------------------

PRODUCT_COLUMNS = ("sku", "name", "barcode", "unit_price", "unit", "safety_stock",
                   "reorder_point", "active")  # fmt: skip
PRODUCT_REQUIRED = ("sku",)


async def plan_products(conn: Conn, sheet: Sheet) -> Plan:
    lines = cells.lines(sheet, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
    plan = Plan(lines)
    parsed: list[tuple[Line, Row]] = []
    for line in lines:
        row = {
            "sku": line.get("sku", cells.text, 64, required=True),
            "name": line.get("name", cells.text, 200),
            "barcode": line.get("barcode", cells.text, 64),
            "unit_price": line.get("unit_price", cells.money),
            "unit": line.get("unit", cells.text, 16),
            "safety_stock": line.get("safety_stock", cells.whole_number, 0, 10**9),
            "reorder_point": line.get("reorder_point", cells.whole_number, 0, 10**9),
            "active": line.get("active", cells.boolean),
        }
        parsed.append((line, row))
    skus = [row["sku"] for _, row in parsed if row["sku"]]
    found = await rows_where_in(conn, "products", "sku", skus, "*", live=False)
    existing = {r["sku"]: r for r in found}
    seen: dict[str, int] = {}
    for line, row in parsed:
        sku = row["sku"]
        if sku is None:
            continue
        if sku in seen:
            line.fail("sku", "duplicate_sku", f"SKU {sku} is already on row {seen[sku]}")
            continue
        seen[sku] = line.number
        given = {k: v for k, v in row.items() if v is not None}
        current = existing.get(sku)
        if current is None:
            if row["name"] is None:
                line.fail("name", "required", "a new product needs a name")
            if line.errors:
                continue
            plan.new.append({"id": uuid7(), "unit_price": 0, "unit": "pcs", "active": True,
                             "safety_stock": 0, "reorder_point": 0, "barcode": None,
                             **given})  # fmt: skip
        elif not line.errors:
            if current["deleted"]:
                line.fail("sku", "unknown_sku", f"product {sku} was deleted")
                continue
            # Only what differs (SQLite answers booleans as 0/1): an unchanged row writes nothing.
            changes = {k: v for k, v in given.items()
                       if (bool(current[k]) if k == "active" else current[k]) != v}  # fmt: skip
            if changes:
                plan.changed.append({"id": current["id"], **changes})
    return plan


# ---- orders ------------------------------------------------------------------------------------

ORDER_COLUMNS = ("number", "customer", "sku", "qty", "unit_price", "priority", "due_date",
                 "warehouse", "notes", "delivery_address", "channel", "status",
                 "sales_rep", "discount", "order_discount")  # fmt: skip
ORDER_REQUIRED = ("number", "customer", "sku", "qty")
# Fields of the order (not of the line): every row of one number must agree on them.
_HEADER = ("customer", "priority", "due_date", "warehouse", "notes", "delivery_address",
           "channel", "status", "sales_rep", "order_discount")  # fmt: skip
# The statuses order.create takes; an update may move an order to any (order.transition decides).
_CREATE_STATUSES = ("submitted", "draft")
# The order's fields an update compares with the file, by the column that holds each.
_UPDATABLE = {"customer": "customer_id", "priority": "priority", "due_date": "due_date",
              "warehouse": "warehouse_id", "notes": "notes",
              "delivery_address": "delivery_address",
              "order_discount": "discount_bp"}  # fmt: skip


async def _reps(conn: Conn, wanted: set[str]) -> dict[str, Row]:
    """Users by id or by name (names are unique): the ``sales_rep`` column's values."""
    found: dict[str, Row] = {}
    cols = "id, name, role, warehouse_id, disabled"
    for column in ("id", "name"):
        for r in await rows_where_in(conn, "users", column, wanted, cols, live=False):
            found.setdefault(r[column], r)
            found.setdefault(r["id"], r)  # the plan keeps the rep by id
    return found


async def plan_orders(conn: Conn, sheet: Sheet, mode: str = "create") -> Plan:
    """``mode`` create: every number is a new order. update: every number is an existing order,
    changed to what the file says (blank cells change nothing)."""
    lines = cells.lines(sheet, ORDER_COLUMNS, ORDER_REQUIRED)
    plan = Plan(lines)
    statuses = _CREATE_STATUSES if mode == "create" else STATUSES
    parsed: list[tuple[Line, dict[str, Any]]] = []
    for line in lines:
        parsed.append((line, {
            "number": line.get("number", cells.text, 40, required=True),
            # On the first row of an order at least; its other rows may leave it blank.
            "customer": line.get("customer", cells.text, 200),
            "sku": line.get("sku", cells.text, 64, required=True),
            "qty": line.get("qty", cells.whole_number, 1, MAX_QTY, required=True),
            "unit_price": line.get("unit_price", cells.money),
            "priority": line.get("priority", cells.choice, ("high", "normal", "low")),
            "due_date": line.get("due_date", cells.day),
            "warehouse": line.get("warehouse", cells.text, 16),
            "notes": line.get("notes", cells.text, 2000),
            "delivery_address": line.get("delivery_address", cells.text, 2000),
            "channel": line.get("channel", cells.text, 40),
            "status": line.get("status", cells.choice, statuses),
            "sales_rep": line.get("sales_rep", cells.text, 200),
            "discount": line.get("discount", cells.percent),
            "order_discount": line.get("order_discount", cells.percent),
        }))  # fmt: skip

    def wanted(key: str) -> set[str]:
        return {p[key] for _, p in parsed if p[key] is not None}

    found = await rows_where_in(
        conn, "products", "sku", wanted("sku"), "id, sku, unit_price, active"
    )
    products = {r["sku"]: r for r in found}
    names = wanted("customer")
    cols = "id, name, buckets"
    by_id = {r["id"]: r for r in await rows_where_in(conn, "customers", "id", names, cols)}
    by_name: dict[str, list[str]] = {}
    for r in await rows_where_in(conn, "customers", "name", names, cols):
        by_name.setdefault(r["name"], []).append(r["id"])
        by_id.setdefault(r["id"], r)
    reps = await _reps(conn, wanted("sales_rep"))
    found = await rows_where_in(conn, "warehouses", "code", wanted("warehouse"), "id, code")
    warehouses = {r["code"].lower(): r["id"] for r in found}
    # Codes are matched case-insensitively: look up the ones the exact match missed.
    if missing := {w for w in wanted("warehouse") if w.lower() not in warehouses}:
        for r in await live_warehouses(conn):
            if r["code"].lower() in {m.lower() for m in missing}:
                warehouses[r["code"].lower()] = r["id"]
    # Deleted orders keep their number (it is unique): taken all the same.
    cols = "id, number, deleted, status, owner_id, channel, " + ", ".join(_UPDATABLE.values())
    found = await rows_where_in(conn, "orders", "number", wanted("number"), cols, live=False)
    taken = {r["number"]: r for r in found}

    orders: dict[str, dict[str, Any]] = {}
    for line, p in parsed:
        customer_id = None
        if p["customer"] is not None:
            if p["customer"] in by_id:
                customer_id = p["customer"]
            elif len(ids := by_name.get(p["customer"], [])) == 1:
                customer_id = ids[0]
            elif ids:
                line.fail("customer", "ambiguous_customer",
                          f"{len(ids)} customers are named {p['customer']!r}: use the id")  # fmt: skip
            else:
                line.fail("customer", "unknown_customer",
                          f"no customer with the id or name {p['customer']!r}")  # fmt: skip
        product = products.get(p["sku"]) if p["sku"] is not None else None
        if p["sku"] is not None:
            if product is None:
                line.fail("sku", "unknown_sku", f"no product with the SKU {p['sku']!r}")
            elif not product["active"]:
                line.fail("sku", "inactive_sku", f"product {p['sku']} is not active")
        warehouse_id = None
        if p["warehouse"] is not None:
            warehouse_id = warehouses.get(p["warehouse"].lower())
            if warehouse_id is None:
                line.fail("warehouse", "unknown_warehouse",
                          f"no warehouse with the code {p['warehouse']!r}")  # fmt: skip
        rep = None
        if p["sales_rep"] is not None:
            rep = reps.get(p["sales_rep"])
            if rep is None:
                line.fail("sales_rep", "unknown_rep",
                          f"no user with the id or name {p['sales_rep']!r}")  # fmt: skip
            elif rep["disabled"]:
                line.fail("sales_rep", "rep_disabled", f"user {rep['name']} is disabled")
                rep = None
            elif customer_id is not None and mode == "create" and not _actor(rep).can_see(
                by_id[customer_id]["buckets"]
            ):
                # The rule would refuse it too (order.create needs a customer its actor sees):
                # said here, on the cell, in words.
                line.fail("sales_rep", "customer_not_visible",
                          f"{rep['name']} cannot see customer {p['customer']!r}: the order "
                          "would not reach their phone with its customer")  # fmt: skip
        number = p["number"]
        if number is None:
            continue
        existing = taken.get(number)
        if mode == "create" and existing is not None:
            line.fail("number", "duplicate_number", f"order {number} already exists")
        elif mode == "update" and (existing is None or existing["deleted"]):
            line.fail("number", "unknown_order", f"no order {number} to update")
            existing = None
        elif mode == "update" and rep is not None and rep["id"] != existing["owner_id"]:
            line.fail("sales_rep", "not_updatable",
                      "an order's sales rep cannot be changed by an import")  # fmt: skip
        if (mode == "update" and existing is not None and p["channel"] is not None
                and p["channel"] != existing["channel"]):  # fmt: skip
            line.fail("channel", "not_updatable", "an order's channel cannot be changed")
        header = {"customer": customer_id, "priority": p["priority"], "due_date": p["due_date"],
                  "warehouse": warehouse_id, "notes": p["notes"],
                  "delivery_address": p["delivery_address"], "channel": p["channel"],
                  "status": p["status"], "sales_rep": rep["id"] if rep else None,
                  "order_discount": p["order_discount"]}  # fmt: skip
        order = orders.get(number)
        if order is None:
            order = orders[number] = {"row": line.number, "first": line, "header": {},
                                      "customer": False, "lines": [], "existing": existing,
                                      "rows": []}  # fmt: skip
        order["rows"].append(line)
        order["customer"] |= p["customer"] is not None or "customer" in {
            e.column for e in line.errors
        }
        for key in _HEADER:
            value = header[key]
            if value is None or p[key] is None:
                continue
            if key not in order["header"]:
                order["header"][key] = value
            elif order["header"][key] != value:
                line.fail(key, "duplicate_number",
                          f"order {number} has another {key} on row {order['row']}")  # fmt: skip
        if len(order["lines"]) == MAX_LINES:
            line.fail("number", "too_many_lines", f"an order has at most {MAX_LINES} lines")
        if product is not None and p["qty"] is not None:
            price = p["unit_price"] if p["unit_price"] is not None else product["unit_price"]
            ln = {"id": uuid7(), "product_id": product["id"], "qty": p["qty"],
                  "unit_price": int(price)}  # fmt: skip
            if p["discount"] is not None:
                ln["discount_bp"] = p["discount"]
            if mode == "update":  # what the row leaves blank, an existing line keeps
                ln["given"] = [f for f, c in (("unit_price", "unit_price"),
                                              ("discount_bp", "discount")) if p[c] is not None]  # fmt: skip
            order["lines"].append(ln)
    if mode == "update":
        for number, order in orders.items():
            if (existing := order["existing"]) is not None:
                plan.updates.append(_update(number, order, existing))
        return plan
    for number, order in orders.items():
        if not order["customer"]:
            order["first"].fail("customer", "required", f"order {number} needs a customer")
        h = order["header"]
        plan.orders.append({
            "id": uuid7(), "number": number, "customer_id": h.get("customer"),
            "lines": order["lines"], "status": h.get("status", "submitted"),
            "priority": h.get("priority", "normal"), "due_date": h.get("due_date"),
            "notes": h.get("notes"), "delivery_address": h.get("delivery_address"),
            "warehouse_id": h.get("warehouse"), "channel": h.get("channel", "import"),
            "discount_bp": h.get("order_discount", 0),
        })  # fmt: skip
        if (rep_id := h.get("sales_rep")) is not None:
            plan.reps[plan.orders[-1]["id"]] = _actor(reps[rep_id])
    return plan


def _actor(user: Row) -> Actor:
    """The rep as the engine's actor: their role and warehouse (what they may see)."""
    return Actor(user["id"], user["role"], user["warehouse_id"])


def _update(number: str, order: dict[str, Any], existing: Row) -> dict[str, Any]:
    """What an existing order should become: the fields the file gives that differ, its lines
    as the file lists them, its status."""
    h = order["header"]
    changes = {field: h[column] for column, field in _UPDATABLE.items()
               if column in h and h[column] != existing[field]}  # fmt: skip
    status = h.get("status")
    return {"id": existing["id"], "number": number, "set": changes, "lines": order["lines"],
            "status": status if status != existing["status"] else None,
            "rows": order["rows"]}  # fmt: skip
