"""The names of what a page's arguments name by id: products, customers, orders, warehouses and
users, looked up in chunks (a refused order.create may name thousands)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from server.admin.mutations.schemas import MutationRow, OrderRef, ProductRef, Refs
from server.db.sql import Conn
from sync.store import Row

_IN_CHUNK = 500  # ids per ``IN (…)``


def _ids(rows: list[MutationRow]) -> dict[str, set[str]]:
    """The ids the rows' arguments name, by what they are."""
    wanted: dict[str, set[str]] = {k: set() for k in Refs.__struct_fields__}

    def add(kind: str, value: Any) -> None:
        if isinstance(value, str) and 0 < len(value) <= 64:
            wanted[kind].add(value)

    for row in rows:
        args = row.args
        if not isinstance(args, dict):
            continue
        add("orders", row.order_id)
        fields = dict(args)
        if isinstance(args.get("set"), dict):  # order.update
            fields.update(args["set"])
        lines = args.get("lines") if isinstance(args.get("lines"), list) else []
        if isinstance(args.get("line"), dict):  # order.line.upsert
            lines = [*lines, args["line"]]
        add("products", fields.get("product_id"))
        for line in lines:
            if isinstance(line, dict):
                add("products", line.get("product_id"))
        add("customers", fields.get("customer_id"))
        add("warehouses", fields.get("warehouse_id"))
        add("users", fields.get("assignee_id"))
    return wanted


def _chunks(ids: set[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), _IN_CHUNK):
        yield ordered[i : i + _IN_CHUNK]


async def _lookup(conn: Conn, sql: str, ids: set[str]) -> list[Row]:
    found: list[Row] = []
    for chunk in _chunks(ids):
        found += await conn.fetch(sql.format(marks=", ".join("?" * len(chunk))), chunk)
    return found


async def refs(conn: Conn, rows: list[MutationRow]) -> Refs:
    ids = _ids(rows)
    orders = await _lookup(conn, "SELECT o.id, o.number, o.customer_id, c.name AS customer_name"
                           " FROM orders o LEFT JOIN customers c ON c.id = o.customer_id"
                           " WHERE o.id IN ({marks})", ids["orders"])  # fmt: skip
    ids["customers"] |= {o["customer_id"] for o in orders}
    products = await _lookup(conn, "SELECT id, sku, name FROM products WHERE id IN ({marks})",
                             ids["products"])  # fmt: skip
    customers = await _lookup(conn, "SELECT id, name FROM customers WHERE id IN ({marks})",
                              ids["customers"])  # fmt: skip
    warehouses = await _lookup(conn, "SELECT id, code FROM warehouses WHERE id IN ({marks})",
                               ids["warehouses"])  # fmt: skip
    users = await _lookup(conn, "SELECT id, name FROM users WHERE id IN ({marks})", ids["users"])
    return Refs(
        products={p["id"]: ProductRef(p["sku"], p["name"]) for p in products},
        customers={c["id"]: c["name"] for c in customers},
        orders={
            o["id"]: OrderRef(o["number"], o["customer_id"], o["customer_name"]) for o in orders
        },  # fmt: skip
        warehouses={w["id"]: w["code"] for w in warehouses},
        users={u["id"]: u["name"] for u in users},
    )
