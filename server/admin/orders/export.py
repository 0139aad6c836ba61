"""The orders export in the import's format (server/admin/imports/plan.py ``ORDER_COLUMNS``):
one row per line, the same column names, money in yuan, so an exported file imports again (in
update mode to change orders, in create mode into another database with the same customers,
products and users). The order's fields are on each of its rows; an order without lines has
one row with an empty SKU."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from server.admin.imports.plan import ORDER_COLUMNS
from server.admin.imports.queries import rows_where_in
from server.admin.orders import queries
from server.admin.orders.schemas import Filters
from server.db.sql import Conn, Database

COLUMNS: tuple[str, ...] = ORDER_COLUMNS
MONEY = ("unit_price",)


async def rows(db: Database, f: Filters) -> list[list[Any]]:
    """Every order the list's filters match, newest first, as import rows."""
    found = [dict(zip(queries.COLUMNS, r, strict=True)) for r in await queries.every(db, f)]
    ids = [o["id"] for o in found]

    async def work(conn: Conn) -> list[list[Any]]:
        more = {r["id"]: r for r in await rows_where_in(
            conn, "orders", "id", ids, "id, notes, delivery_address, discount_bp")}  # fmt: skip
        lines: dict[str, list[dict[str, Any]]] = {}
        for ln in await rows_where_in(
            conn, "order_lines", "order_id", ids,
            "id, order_id, product_id, qty, unit_price, discount_bp",
        ):
            lines.setdefault(ln["order_id"], []).append(ln)
        skus = {r["id"]: r["sku"] for r in await rows_where_in(
            conn, "products", "id", {ln["product_id"] for ls in lines.values() for ln in ls},
            "id, sku", live=False)}  # fmt: skip
        # A customer is written by name, as people read it; where two share the name, by id
        # (the import takes either, and a name it could not tell apart is refused).
        names = {o["customer_name"] for o in found if o["customer_name"]}
        twins = await _shared_names(conn, names)
        out: list[list[Any]] = []
        for o in found:
            name = o["customer_name"]
            customer = o["customer_id"] if name is None or name in twins else name
            head = {
                "number": o["number"], "customer": customer, "priority": o["priority"],
                "due_date": o["due_date"], "warehouse": o["warehouse_code"],
                "notes": more.get(o["id"], {}).get("notes"),
                "delivery_address": more.get(o["id"], {}).get("delivery_address"),
                "channel": o["channel"], "status": o["status"], "sales_rep": o["owner_name"],
                "order_discount": _percent(more.get(o["id"], {}).get("discount_bp")),
            }  # fmt: skip
            order_lines = sorted(lines.get(o["id"], []), key=lambda ln: ln["id"])
            for ln in order_lines or [None]:
                cells = {**head, "sku": None, "qty": None, "unit_price": None, "discount": None}
                if ln is not None:
                    cells |= {"sku": skus.get(ln["product_id"]), "qty": ln["qty"],
                              "unit_price": ln["unit_price"],
                              "discount": _percent(ln["discount_bp"])}  # fmt: skip
                out.append([cells[c] for c in COLUMNS])
        return out

    return await db.run_read(work)


def _percent(bp: int | None) -> Decimal | None:
    """Basis points as the import's percent (1250 → 12.5); none for no discount."""
    return Decimal(bp) / 100 if bp else None


async def _shared_names(conn: Conn, names: Sequence[str] | set[str]) -> set[str]:
    seen: dict[str, int] = {}
    for r in await rows_where_in(conn, "customers", "name", names, "name"):
        seen[r["name"]] = seen.get(r["name"], 0) + 1
    return {name for name, count in seen.items() if count > 1}
