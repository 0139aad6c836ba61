"""Buckets: which devices a row belongs to. Every change carries its row's buckets.

``catalog`` (products, warehouses, stock levels, QR signing keys and revoked QR tokens) goes to
everyone; ``rep:<user>`` to the owner of
customers, orders and conflicts; ``wh:<warehouse>`` to a warehouse's devices; ``all`` to admins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.roles import SCOPE_BY_ROLE

Buckets = frozenset[str]

CATALOG: Buckets = frozenset({"catalog"})


def encode(buckets: Iterable[str]) -> str:
    """Stored form: space-framed, so the plain text `` rep:u1 `` finds exactly one bucket."""
    items = sorted(buckets)
    return f" {' '.join(items)} " if items else ""


def decode(text: str | None) -> Buckets:
    return frozenset((text or "").split())


def for_order(order: Mapping[str, Any]) -> Buckets:
    b = {f"rep:{order['owner_id']}", "all"}
    if order.get("warehouse_id"):
        b.add(f"wh:{order['warehouse_id']}")
    return frozenset(b)


def for_customer(customer: Mapping[str, Any]) -> Buckets:
    return frozenset({f"rep:{customer['owner_id']}", "all"})


def for_stock_level(row: Mapping[str, Any]) -> Buckets:
    """A stock level: its warehouse's devices and admins, and the catalog, so that sales reps
    see what is in stock on the products screen."""
    return frozenset({f"wh:{row['warehouse_id']}", "all", "catalog"})


def for_stock_move(row: Mapping[str, Any]) -> Buckets:
    """A stock move (who moved what, why): its warehouse and admins only."""
    return frozenset({f"wh:{row['warehouse_id']}", "all"})


def for_conflict(user_id: str) -> Buckets:
    return frozenset({f"rep:{user_id}", "all"})


def for_user(role: str, user_id: str, warehouse_id: str | None) -> Buckets | None:
    """The buckets a user pulls; None means every row (the ``all`` scope)."""
    scope = SCOPE_BY_ROLE.get(role)
    if scope == "all":
        return None
    if scope == "own":
        return frozenset({"catalog", f"rep:{user_id}"})
    if scope == "warehouse":
        b = {"catalog", f"rep:{user_id}"}
        if warehouse_id:
            b.add(f"wh:{warehouse_id}")
        return frozenset(b)
    return CATALOG


def visible(row_buckets: Buckets, user_buckets: Buckets | None) -> bool:
    return user_buckets is None or not row_buckets.isdisjoint(user_buckets)
