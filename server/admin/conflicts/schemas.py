"""A conflict as the list answers it, the page, and the filters."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

Status = Literal["open", "referred", "resolved"]
Severity = Literal["low", "normal", "high"]


class ConflictRow(msgspec.Struct):
    id: str
    kind: str
    severity: str
    status: str
    table_name: str
    row_id: str
    field: str | None
    base_value: Any  # JSON columns decoded, as a device gets them in a pull
    server_value: Any
    client_value: Any
    reason: str
    mutation: Any  # {client_id, id, name, args, hlc}
    user_id: str
    user_name: str | None
    device_id: str | None
    device_code: str | None
    client_id: str
    created_at: str
    resolution: str | None
    resolved_value: Any
    resolver_id: str | None
    resolver_name: str | None
    resolved_at: str | None
    # Who wrote the value that stands, and when (``overwritten`` notices).
    winner_id: str | None
    winner_name: str | None
    winner_at: str | None
    # What the conflict is about, named: its order (of the order, a line or a payment), that
    # order's customer (or the customer itself), the product (of a line, a stock level, or a
    # product that went missing). None where the conflict names no such thing.
    order_id: str | None
    order_number: str | None
    customer_id: str | None
    customer_name: str | None
    product_id: str | None
    product_name: str | None


class ConflictPage(msgspec.Struct):
    rows: list[ConflictRow]
    total: int
    next: int | None  # the offset of the next page


class Filters(msgspec.Struct, frozen=True):
    id: str | None = None
    status: str | None = None
    severity: str | None = None
    kind: str | None = None
    user_id: str | None = None
    device_id: str | None = None
    created_from: str | None = None
    created_to: str | None = None
