"""The import's limits, the errors that refuse a whole file, and the report answered row by
row."""

from __future__ import annotations

from typing import Literal

import msgspec

from server.errors import BadRequest, Conflict

Kind = Literal["products", "orders"]
# Orders: ``create`` new ones, or ``update`` existing ones found by number (docs/admin.md § Import).
Mode = Literal["create", "update"]

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB
MAX_ROWS = 20_000  # data rows (blank rows not counted)
MAX_LINES = 500  # per order (OrderCreate.lines)
MAX_PRICE = 10**12  # minor units (shared.mutations.Money)
MAX_QTY = 1_000_000


# ---- file-level errors -------------------------------------------------------------------------


class EmptyFile(BadRequest):
    code = "empty_file"


class NotASpreadsheet(BadRequest):
    code = "not_a_spreadsheet"


class NoRows(BadRequest):
    code = "no_rows"


class TooManyRows(BadRequest):
    code = "too_many_rows"


class MissingColumns(BadRequest):
    code = "missing_columns"


class WriteRefused(Conflict):
    """The write failed although every row was valid (someone took a SKU meanwhile)."""

    code = "import_conflict"


# ---- the report --------------------------------------------------------------------------------


class CellError(msgspec.Struct):
    column: str
    code: str
    message: str


class RowReport(msgspec.Struct, omit_defaults=True):
    row: int  # the spreadsheet's row number (the header is row 1 when it is the first row)
    ok: bool
    errors: list[CellError]
    # What an import that went in did with the row's order: created, updated or unchanged.
    outcome: str | None = None


class Report(msgspec.Struct):
    kind: str
    ok: bool
    dry_run: bool
    rows: list[RowReport]
    total_rows: int
    error_rows: int
    created: int  # products or orders (would be, on a dry run)
    updated: int  # products
    lines: int  # order lines
    on_hold: int  # imported orders a review rule held
    ignored_columns: list[str]
    format: str  # "csv" | "xlsx"
    encoding: str | None  # of a CSV
    elapsed_ms: int
    mode: str = "whole"  # whole or nothing
    action: str = "create"  # orders: create or update (the request's mode)
