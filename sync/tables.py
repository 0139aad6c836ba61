"""The synced tables as clients see them in pulls: order, wire columns, JSON-valued columns."""

from __future__ import annotations

from shared.mutations import ORDER_UPDATE_FIELDS

# The order of an initial snapshot: what others refer to comes first. New tables go at the end,
# so a snapshot cursor's table index keeps naming the same table.
SYNCED_TABLES: tuple[str, ...] = (
    "warehouses",
    "products",
    "customers",
    "orders",
    "order_lines",
    "payments",
    "stock_levels",
    "stock_moves",
    "conflicts",
    "signing_keys",  # catalog: who may sign order QR codes (docs/qr.md)
    "qr_revocations",  # catalog: revoked QR tokens
    "scans",  # docs/warehouse.md: what devices scanned (wh:<warehouse>, all, rep:<user>)
    "redemptions",  # docs/warehouse.md: orders redeemed (the order's buckets)
    "redemption_leases",  # docs/warehouse.md: who may redeem an order now (wh:<warehouse>, all)
    "stocktakes",  # docs/warehouse.md: count sessions (wh:<warehouse>, all)
    "stocktake_lines",  # what was counted in them
)

# Server-side tables the mutation rules read and write through the same transaction, never
# synced and without the sync columns: the record of every QR token issued, the review rules
# orders meet on submit.
LOCAL_TABLES: tuple[str, ...] = ("qr_tokens", "review_rules", "after_sales_cases")

# Columns the server keeps for itself; never sent in a pull.
SERVER_ONLY: frozenset[str] = frozenset({"field_versions", "buckets", "deleted", "notes_hlc"})

# Text columns holding JSON: decoded before they go on the wire.
JSON_COLUMNS: dict[str, frozenset[str]] = {
    "orders": frozenset({"status_history"}),
    "conflicts": frozenset(
        {"base_value", "server_value", "client_value", "mutation", "resolved_value"}
    ),
}

# Fields whose replaced values are kept in field_history (base values of conflicts, notes LWW).
HISTORY_FIELDS: dict[str, frozenset[str]] = {
    "customers": frozenset({"name", "phone", "address", "region"}),
    "orders": frozenset({*ORDER_UPDATE_FIELDS, "status"}),
    "order_lines": frozenset({"product_id", "qty", "unit_price", "discount_bp", "deleted"}),
    "payments": frozenset({"method", "amount", "status"}),
}

META_COLUMNS: frozenset[str] = frozenset(
    {"id", "version", "field_versions", "updated_by", "deleted", "buckets"}
)
