"""What a push's mutations will read, named before any of them runs: the rows their arguments
name, and the lookups by column their rules make. A store that batches (server/db/sync_store/
batch_tx.py) reads all of it in one query per table and serves the rules from what it read.

Only a hint: a rule's read this misses is read when the rule makes it, as before, so a wrong or
missing entry here costs a query, never a different decision. Arguments are the raw ones a
device sent (not yet checked by the catalog): anything that is not text is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sync.ids import stock_level_id
from sync.rules.review import RULES

# The table a mutation's own ``id`` names.
SUBJECT: dict[str, str] = {
    "customer.upsert": "customers",
    "order.create": "orders",
    "order.update": "orders",
    "order.transition": "orders",
    "stock.move": "stock_moves",
    "payment.record": "payments",
    "conflict.resolve": "conflicts",
    "scan.record": "scans",
    "qr.redeem": "redemptions",
    "redemption.review": "redemptions",
    "stocktake.line": "stocktake_lines",
}
# The table an argument named ``<x>_id`` points into.
REFERENCES: dict[str, str] = {
    "order_id": "orders",
    "customer_id": "customers",
    "product_id": "products",
    "warehouse_id": "warehouses",
    "line_id": "order_lines",
}
# Rules that read an order's lines (stock reservation follows them, sync/rules/reserve.py) or
# review it (sync/rules/review.py).
READS_LINES = frozenset(
    {"order.update", "order.line.upsert", "order.line.remove", "order.transition"}
)
REVIEWED = frozenset({"order.create", "order.update", "order.transition"})


@dataclass
class Wanted:
    """Rows by table and id, and lookups ``(table, column, value)`` a rule makes with ``find``."""

    rows: dict[str, set[str]] = field(default_factory=dict)
    lookups: set[tuple[str, str, str]] = field(default_factory=set)
    # Row versions the writes will take, about (PostgreSQL draws them in blocks).
    writes: int = 0

    def row(self, table: str, row_id: Any) -> None:
        if isinstance(row_id, str):
            self.rows.setdefault(table, set()).add(row_id)

    def lookup(self, table: str, column: str, value: Any) -> None:
        if isinstance(value, str):
            self.lookups.add((table, column, value))


def _references(args: dict[str, Any], wanted: Wanted) -> None:
    for name, table in REFERENCES.items():
        wanted.row(table, args.get(name))
    if isinstance(args.get("warehouse_id"), str) and isinstance(args.get("product_id"), str):
        wanted.row("stock_levels", stock_level_id(args["warehouse_id"], args["product_id"]))


def wanted(mutations: Iterable[tuple[str, Any]]) -> Wanted:
    """What ``(name, args)`` of a push will read, as far as their arguments say."""
    out = Wanted()
    for name, args in mutations:
        if not isinstance(args, dict):
            continue
        if table := SUBJECT.get(name):
            out.row(table, args.get("id"))
        _references(args, out)
        for nested in ("set", "line"):
            if isinstance(args.get(nested), dict):
                _references(args[nested], out)
                if nested == "line":
                    out.row("order_lines", args[nested].get("id"))
        lines = args.get("lines")
        for line in lines if isinstance(lines, list) else ():
            if isinstance(line, dict):
                out.row("order_lines", line.get("id"))
                out.row("products", line.get("product_id"))
        if name == "order.create":
            out.lookup("orders", "number", args.get("number"))
            out.writes += 1 + (len(lines) if isinstance(lines, list) else 0)
        else:
            out.writes += 4
        order_id = args.get("order_id", args.get("id") if name in READS_LINES else None)
        if name in READS_LINES:
            out.row("orders", order_id)
            out.lookup("order_lines", "order_id", order_id)
        if name in REVIEWED:
            for rule in RULES:
                out.row("review_rules", rule)
    return out
