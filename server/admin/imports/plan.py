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
from sync.ids import uuid7


@dataclass
class Plan:
    lines: list[Line]
    new: list[Row] = field(default_factory=list)  # products
    changed: list[Row] = field(default_factory=list)  # products: id + the fields given
    orders: list[dict[str, Any]] = field(default_factory=list)  # order.create arguments


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
                 "warehouse", "notes", "delivery_address", "channel", "status")  # fmt: skip
ORDER_REQUIRED = ("number", "customer", "sku", "qty")
# Fields of the order (not of the line): every row of one number must agree on them.
_HEADER = ("customer", "priority", "due_date", "warehouse", "notes", "delivery_address",
           "channel", "status")  # fmt: skip


async def plan_orders(conn: Conn, sheet: Sheet) -> Plan:
    lines = cells.lines(sheet, ORDER_COLUMNS, ORDER_REQUIRED)
    plan = Plan(lines)
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
            "status": line.get("status", cells.choice, ("submitted", "draft")),
        }))  # fmt: skip

    def wanted(key: str) -> set[str]:
        return {p[key] for _, p in parsed if p[key] is not None}

    found = await rows_where_in(
        conn, "products", "sku", wanted("sku"), "id, sku, unit_price, active"
    )
    products = {r["sku"]: r for r in found}
    names = wanted("customer")
    by_id = {r["id"]: r for r in await rows_where_in(conn, "customers", "id", names, "id, name")}
    by_name: dict[str, list[str]] = {}
    for r in await rows_where_in(conn, "customers", "name", names, "id, name"):
        by_name.setdefault(r["name"], []).append(r["id"])
    found = await rows_where_in(conn, "warehouses", "code", wanted("warehouse"), "id, code")
    warehouses = {r["code"].lower(): r["id"] for r in found}
    # Codes are matched case-insensitively: look up the ones the exact match missed.
    if missing := {w for w in wanted("warehouse") if w.lower() not in warehouses}:
        for r in await live_warehouses(conn):
            if r["code"].lower() in {m.lower() for m in missing}:
                warehouses[r["code"].lower()] = r["id"]
    # Deleted orders keep their number (it is unique): taken all the same.
    found = await rows_where_in(conn, "orders", "number", wanted("number"), "number", live=False)
    taken = {r["number"] for r in found}

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
        number = p["number"]
        if number is None:
            continue
        if number in taken:
            line.fail("number", "duplicate_number", f"order {number} already exists")
        header = {"customer": customer_id, "priority": p["priority"], "due_date": p["due_date"],
                  "warehouse": warehouse_id, "notes": p["notes"],
                  "delivery_address": p["delivery_address"], "channel": p["channel"],
                  "status": p["status"]}  # fmt: skip
        order = orders.get(number)
        if order is None:
            order = orders[number] = {"row": line.number, "first": line, "header": {},
                                      "customer": False, "lines": []}  # fmt: skip
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
            order["lines"].append({"id": uuid7(), "product_id": product["id"], "qty": p["qty"],
                                   "unit_price": int(price)})  # fmt: skip
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
        })  # fmt: skip
    return plan
