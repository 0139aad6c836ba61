"""Batch import of products and orders from a CSV or XLSX file (docs/admin.md § Import).

The request body is the file's bytes. What it is comes from its content, never its name: a zip
(``PK\\x03\\x04``) that openpyxl opens is an XLSX (its first sheet); otherwise text is CSV in
UTF-8 (with or without a BOM) or, when that fails, GB18030 (a superset of GBK: what Excel saves
as "CSV" on a Chinese Windows). Anything else is refused with a stable code.

Every row is checked first and answered in a report, row by row, with the spreadsheet's row
numbers. The import is **whole or nothing**: one bad row and nothing is written (422
``import_invalid`` with the report). The writes go through the sync engine in ONE transaction:
products through the direct writer (as ``PUT /api/catalog/products`` does), orders as
``order.create`` mutations of the importing admin, each logged in ``mutation_log`` like a pushed
one (client ``import-<id>``), so devices pull them and the order's timeline names the import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import msgspec
from openpyxl import load_workbook

from server.admin.tabular import MINOR
from server.db.sql import Conn, is_unique_violation
from sync import writer
from sync.context import Actor, Policy, now_iso
from sync.direct import apply_mutation, buckets_of, server_context
from sync.errors import BadRequest, MutationRejected, SyncError
from sync.hlc import Clock
from sync.ids import uuid7
from sync.store import ClientState, LoggedMutation, Row, Store, WriteTx

Kind = Literal["products", "orders"]

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB
MAX_ROWS = 20_000  # data rows (blank rows not counted)
MAX_LINES = 500  # per order (OrderCreate.lines)
MAX_PRICE = 10**12  # minor units (shared.mutations.Money)
MAX_QTY = 1_000_000
_CHUNK = 500
_clock = Clock("server-import")


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


class TooLarge(SyncError):
    code = "too_large"
    status = 413


class WriteRefused(SyncError):
    """The write failed although every row was valid (someone took a SKU meanwhile)."""

    code = "import_conflict"
    status = 409


# ---- the report --------------------------------------------------------------------------------


class CellError(msgspec.Struct):
    column: str
    code: str
    message: str


class RowReport(msgspec.Struct):
    row: int  # the spreadsheet's row number (the header is row 1 when it is the first row)
    ok: bool
    errors: list[CellError]


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
    mode: str = "whole"


# ---- reading the file --------------------------------------------------------------------------


@dataclass
class Sheet:
    format: str
    encoding: str | None
    header: list[str]  # normalized: stripped, lower case
    rows: list[tuple[int, list[Any]]]  # (row number, cells)


_BINARY_MAGIC = (
    b"\x89PNG",
    b"%PDF",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\xd0\xcf\x11\xe0",  # old Excel (.xls) and other OLE files
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _take(numbered: Iterable[tuple[int, Sequence[Any]]], fmt: str, encoding: str | None) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in numbered:
        if _blank(cells):
            continue
        if header is None:
            header = [str(c).strip().lstrip("\ufeff").lower() if c is not None else ""
                      for c in cells]  # fmt: skip
            continue
        if len(rows) == MAX_ROWS:
            raise TooManyRows(f"more than {MAX_ROWS} rows; split the file")
        rows.append((number, list(cells)))
    if header is None:
        raise EmptyFile("the file holds no rows at all")
    if not rows:
        raise NoRows("the file has a header but no rows under it")
    return Sheet(fmt, encoding, header, rows)


def _xlsx(data: bytes) -> Sheet:
    # Untrusted bytes: whatever openpyxl (zipfile, the XML parser) raises on them means "not a
    # workbook we can read", a 400, never a 500. Our own file errors pass through.
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001
        raise NotASpreadsheet(
            f"a zip file, but not an XLSX workbook ({type(e).__name__})"
        ) from None
    try:
        if not book.worksheets:
            raise EmptyFile("the workbook has no sheet")
        rows = book.worksheets[0].iter_rows(values_only=True)
        return _take(enumerate(rows, start=1), "xlsx", None)
    except SyncError:
        raise
    except Exception as e:  # noqa: BLE001
        raise NotASpreadsheet(f"the workbook's sheet is unreadable ({type(e).__name__})") from None
    finally:
        book.close()


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise NotASpreadsheet("neither an XLSX workbook nor CSV text (UTF-8 or GB18030)") from None


def _csv(data: bytes) -> Sheet:
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:65536]:
        raise NotASpreadsheet("not a spreadsheet: save it as XLSX or CSV")
    text, encoding = _decode(data)
    if _CONTROL.search(text[:65536]):
        raise NotASpreadsheet("binary content: not CSV text")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _take(enumerate(reader, start=1), "csv", encoding)
    except csv.Error as e:
        raise NotASpreadsheet(f"unreadable CSV: {e}") from None


def read_sheet(data: bytes) -> Sheet:
    """The first sheet of an XLSX or a CSV file, from its bytes; file-level errors raise."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise EmptyFile("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx(data)
    return _csv(data)


# ---- cells -------------------------------------------------------------------------------------


class Bad(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _text(value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    s = str(value).strip()
    if not s:
        return None
    if len(s) > max_length:
        raise Bad("too_long", f"at most {max_length} characters (this has {len(s)})")
    return s


def _money(value: Any) -> int | None:
    """Major units (12.50) to minor units (1250)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Bad("wrong_type", "a price, like 12.50")
    if isinstance(value, float):
        value = repr(value)
    s = re.sub(r"[\s,¥￥$€£]", "", str(value))
    try:
        amount = Decimal(s)
    except InvalidOperation:
        raise Bad("wrong_type", f"{str(value)!r} is not a price, like 12.50") from None
    if not amount.is_finite():
        raise Bad("wrong_type", f"{str(value)!r} is not a price, like 12.50")
    minor = amount * MINOR
    if minor != minor.to_integral_value():
        raise Bad("wrong_type", "at most two decimals")
    if minor < 0:
        raise Bad("negative", "must not be negative")
    if minor > MAX_PRICE:
        raise Bad("out_of_range", f"at most {MAX_PRICE // MINOR}")
    return int(minor)


def _int(value: Any, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Bad("wrong_type", "a whole number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise Bad("wrong_type", f"{str(value)!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Bad("wrong_type", f"{str(value)!r} is not a whole number")
    if number < 0 and low >= 0:
        raise Bad("negative", "must not be negative")
    if not low <= number <= high:
        raise Bad("out_of_range", f"must be {low} … {high}")
    return int(number)


_TRUE = {"true", "yes", "y", "1", "on", "是", "真", "t"}
_FALSE = {"false", "no", "n", "0", "off", "否", "假", "f"}


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = str(value).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise Bad("wrong_type", f"{str(value)!r} is not true/false")


_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    s = str(value).strip()
    if not s:
        return None
    m = _DATE.match(s.split(" ")[0].split("T")[0])
    try:
        if m is None:
            raise ValueError
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise Bad("wrong_type", f"{s!r} is not a date like 2026-12-31") from None


def _choice(value: Any, choices: tuple[str, ...]) -> str | None:
    s = _text(value, 40)
    if s is None:
        return None
    if s.lower() not in choices:
        raise Bad("out_of_range", f"one of {', '.join(choices)}")
    return s.lower()


# ---- rows --------------------------------------------------------------------------------------


@dataclass
class Line:
    number: int
    cells: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)

    def fail(self, column: str, code: str, message: str) -> None:
        self.errors.append(CellError(column, code, message))

    def get(self, column: str, parse: Any, *args: Any, required: bool = False) -> Any:
        try:
            value = parse(self.cells.get(column), *args)
        except Bad as e:
            self.fail(column, e.code, e.message)
            return None
        if value is None and required:
            self.fail(column, "required", f"{column} is required")
        return value


def _lines(sheet: Sheet, columns: tuple[str, ...], required: tuple[str, ...]) -> list[Line]:
    missing = [c for c in required if c not in sheet.header]
    if missing:
        raise MissingColumns(
            f"missing column(s): {', '.join(missing)}; the columns are {', '.join(columns)}",
        )
    where = {name: i for i, name in reversed(list(enumerate(sheet.header))) if name in columns}
    return [
        Line(number, {c: cells[i] if i < len(cells) else None for c, i in where.items()})
        for number, cells in sheet.rows
    ]


def _ignored(sheet: Sheet, columns: tuple[str, ...]) -> list[str]:
    return [h for h in dict.fromkeys(sheet.header) if h and h not in columns]


async def _by(
    conn: Conn, table: str, column: str, values: Iterable[str], cols: str, live: bool = True
) -> list[Row]:
    """Rows whose ``column`` is one of ``values`` (not deleted ones when ``live``), in chunks."""
    found: list[Row] = []
    keys = list(dict.fromkeys(values))
    alive = " AND deleted = ?" if live else ""
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found += await conn.fetch(
            f"SELECT {cols} FROM {table} WHERE {column} IN ({marks}){alive}",
            [*chunk, False] if live else chunk,
        )
    return found


# ---- products ----------------------------------------------------------------------------------

PRODUCT_COLUMNS = ("sku", "name", "barcode", "unit_price", "unit", "safety_stock",
                   "reorder_point", "active")  # fmt: skip
PRODUCT_REQUIRED = ("sku",)


@dataclass
class Plan:
    lines: list[Line]
    new: list[Row] = field(default_factory=list)  # products
    changed: list[Row] = field(default_factory=list)  # products: id + the fields given
    orders: list[dict[str, Any]] = field(default_factory=list)  # order.create arguments


async def plan_products(conn: Conn, sheet: Sheet) -> Plan:
    lines = _lines(sheet, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
    plan = Plan(lines)
    parsed: list[tuple[Line, Row]] = []
    for line in lines:
        row = {
            "sku": line.get("sku", _text, 64, required=True),
            "name": line.get("name", _text, 200),
            "barcode": line.get("barcode", _text, 64),
            "unit_price": line.get("unit_price", _money),
            "unit": line.get("unit", _text, 16),
            "safety_stock": line.get("safety_stock", _int, 0, 10**9),
            "reorder_point": line.get("reorder_point", _int, 0, 10**9),
            "active": line.get("active", _bool),
        }
        parsed.append((line, row))
    skus = [row["sku"] for _, row in parsed if row["sku"]]
    existing = {r["sku"]: r for r in await _by(conn, "products", "sku", skus, "*",
                                               live=False)}  # fmt: skip
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


async def write_products(tx: WriteTx, actor: Actor, plan: Plan) -> tuple[int, int]:
    ctx = server_context(tx, actor, "server.import.products")
    current = {}
    ids = [r["id"] for r in plan.changed]
    for i in range(0, len(ids), _CHUNK):
        current.update(await tx.get_many("products", ids[i : i + _CHUNK]))
    updated = 0
    for row in plan.changed:
        before = current[row["id"]]
        changes = {k: v for k, v in row.items() if k != "id" and before.get(k) != v}
        if changes:
            await writer.update(ctx, "products", before, changes,
                                buckets_of("products", {**before, **changes}))  # fmt: skip
            # As sync/direct.py put_rows audits a catalog write.
            tx.audit("server.update.products", row["id"], {"fields": sorted(changes)},
                     actor.user_id)  # fmt: skip
            updated += 1
    for row in plan.new:
        await writer.insert(ctx, "products", row, buckets_of("products", row))
        tx.audit("server.insert.products", row["id"], {}, actor.user_id)
    return len(plan.new), updated


# ---- orders ------------------------------------------------------------------------------------

ORDER_COLUMNS = ("number", "customer", "sku", "qty", "unit_price", "priority", "due_date",
                 "warehouse", "notes", "delivery_address", "channel", "status")  # fmt: skip
ORDER_REQUIRED = ("number", "customer", "sku", "qty")
# Fields of the order (not of the line): every row of one number must agree on them.
_HEADER = ("customer", "priority", "due_date", "warehouse", "notes", "delivery_address",
           "channel", "status")  # fmt: skip


async def plan_orders(conn: Conn, sheet: Sheet) -> Plan:
    lines = _lines(sheet, ORDER_COLUMNS, ORDER_REQUIRED)
    plan = Plan(lines)
    parsed: list[tuple[Line, dict[str, Any]]] = []
    for line in lines:
        parsed.append((line, {
            "number": line.get("number", _text, 40, required=True),
            # On the first row of an order at least; its other rows may leave it blank.
            "customer": line.get("customer", _text, 200),
            "sku": line.get("sku", _text, 64, required=True),
            "qty": line.get("qty", _int, 1, MAX_QTY, required=True),
            "unit_price": line.get("unit_price", _money),
            "priority": line.get("priority", _choice, ("high", "normal", "low")),
            "due_date": line.get("due_date", _date),
            "warehouse": line.get("warehouse", _text, 16),
            "notes": line.get("notes", _text, 2000),
            "delivery_address": line.get("delivery_address", _text, 2000),
            "channel": line.get("channel", _text, 40),
            "status": line.get("status", _choice, ("submitted", "draft")),
        }))  # fmt: skip

    def wanted(key: str) -> set[str]:
        return {p[key] for _, p in parsed if p[key] is not None}

    products = {r["sku"]: r for r in await _by(conn, "products", "sku", wanted("sku"),
                                               "id, sku, unit_price, active")}  # fmt: skip
    names = wanted("customer")
    by_id = {r["id"]: r for r in await _by(conn, "customers", "id", names, "id, name")}
    by_name: dict[str, list[str]] = {}
    for r in await _by(conn, "customers", "name", names, "id, name"):
        by_name.setdefault(r["name"], []).append(r["id"])
    warehouses = {r["code"].lower(): r["id"] for r in await _by(
        conn, "warehouses", "code", wanted("warehouse"), "id, code")}  # fmt: skip
    # Codes are matched case-insensitively: look up the ones the exact match missed.
    if missing := {w for w in wanted("warehouse") if w.lower() not in warehouses}:
        for r in await conn.fetch("SELECT id, code FROM warehouses WHERE deleted = ?", (False,)):
            if r["code"].lower() in {m.lower() for m in missing}:
                warehouses[r["code"].lower()] = r["id"]
    # Deleted orders keep their number (it is unique): taken all the same.
    taken = {r["number"] for r in await _by(conn, "orders", "number", wanted("number"), "number",
                                            live=False)}  # fmt: skip

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


class _EngineRefused(Exception):
    def __init__(self, row: int, code: str, message: str) -> None:
        super().__init__(message)
        self.row, self.code, self.message = row, code, message


async def write_orders(
    tx: WriteTx, actor: Actor, plan: Plan, policy: Policy, import_id: str
) -> tuple[int, int]:
    """Each order as the admin's ``order.create``, logged as a pushed mutation would be."""
    client_id = f"import-{import_id}"
    received_at = now_iso()
    for i, args in enumerate(plan.orders, start=1):
        hlc = _clock.now()
        try:
            outcome = await apply_mutation(tx, actor, "order.create", args, policy=policy,
                                           client_id=client_id, mutation_id=i, hlc=hlc)  # fmt: skip
        except MutationRejected as e:
            raise _EngineRefused(i, e.code, e.message) from None
        if outcome.status != "applied":
            raise _EngineRefused(i, outcome.status, f"order {args['number']}: {outcome.status}")
        await tx.log_mutation(LoggedMutation(
            client_id=client_id, mutation_id=i, name="order.create",
            args=msgspec.json.encode(args).decode(), hlc=str(hlc), user_id=actor.user_id,
            device_id=actor.device_id, status="applied", conflict_id=None, error=None,
            message=None, received_at=received_at,
        ))  # fmt: skip
        # As a push audits each applied mutation (sync/push.py).
        tx.audit("mutation.applied", f"{client_id}#{i}",
                 {"name": "order.create", "device": actor.device_id, "conflict": None},
                 actor.user_id)  # fmt: skip
    # The import's client id is bound to the admin like a device's (sync.push.check_owner): no
    # one else may push under it, to take its logged ids or pass its writes off as their own.
    await tx.save_client(
        ClientState(client_id, actor.user_id, actor.device_id, len(plan.orders)), received_at
    )
    # What the review rules held (sync/rules/review.py, on create): counted once at the end.
    submitted = [o["id"] for o in plan.orders if o["status"] == "submitted"]
    held = 0
    for i in range(0, len(submitted), _CHUNK):
        chunk = submitted[i : i + _CHUNK]
        held += int(await tx.conn.fetchval(  # type: ignore[attr-defined]
            f"SELECT COUNT(*) FROM orders WHERE id IN ({','.join('?' * len(chunk))})"
            " AND status = ?", [*chunk, "on_hold"]))  # fmt: skip
    return len(plan.orders), held


# ---- the import --------------------------------------------------------------------------------


def _report(kind: str, sheet: Sheet, plan: Plan, dry_run: bool) -> Report:
    rows = [RowReport(line.number, not line.errors, line.errors) for line in plan.lines]
    bad = sum(not r.ok for r in rows)
    columns = PRODUCT_COLUMNS if kind == "products" else ORDER_COLUMNS
    return Report(
        kind=kind, ok=bad == 0, dry_run=dry_run, rows=rows, total_rows=len(rows), error_rows=bad,
        created=len(plan.new) if kind == "products" else len(plan.orders),
        updated=len(plan.changed), lines=sum(len(o["lines"]) for o in plan.orders),
        on_hold=0, ignored_columns=_ignored(sheet, columns), format=sheet.format,
        encoding=sheet.encoding, elapsed_ms=0,
    )  # fmt: skip


class _Invalid(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__("import_invalid")
        self.report = report


async def run(
    store: Store,
    db: Any,
    actor: Actor,
    kind: Kind,
    data: bytes,
    *,
    dry_run: bool,
    policy: Policy,
) -> Report:
    """Check the file and, unless ``dry_run`` or a row is bad, write it all in one transaction.
    A report with ``ok`` false means nothing was written."""
    started = time.perf_counter()
    sheet = read_sheet(data)
    planner = plan_products if kind == "products" else plan_orders

    def finish(report: Report) -> Report:
        report.elapsed_ms = round((time.perf_counter() - started) * 1000)
        return report

    if dry_run:
        plan = await db.run_read(lambda conn: planner(conn, sheet))
        return finish(_report(kind, sheet, plan, True))

    import_id = uuid7()

    async def work(tx: WriteTx) -> Report:
        plan = await planner(tx.conn, sheet)  # type: ignore[attr-defined]
        report = _report(kind, sheet, plan, False)
        if not report.ok:
            raise _Invalid(report)  # rolls the transaction back (it wrote nothing yet)
        if kind == "products":
            report.created, report.updated = await write_products(tx, actor, plan)
        else:
            try:
                report.created, report.on_hold = await write_orders(tx, actor, plan, policy,
                                                                    import_id)  # fmt: skip
            except _EngineRefused as e:
                order = plan.orders[e.row - 1]
                first = min(line.number for line in plan.lines if _same(line, order["number"]))
                for line in plan.lines:
                    if line.number == first:
                        line.fail("number", e.code, e.message)
                raise _Invalid(_report(kind, sheet, plan, False)) from None
        tx.audit(f"import.{kind}", import_id, {
            "format": sheet.format, "rows": report.total_rows, "created": report.created,
            "updated": report.updated, "lines": report.lines, "on_hold": report.on_hold,
        }, actor.user_id)  # fmt: skip
        return report

    try:
        return finish(await store.run_write(work))
    except _Invalid as e:
        return finish(e.report)
    except Exception as e:
        if is_unique_violation(e):
            raise WriteRefused("a SKU or order number was taken while importing; "
                               "check the file again") from None  # fmt: skip
        raise


def _same(line: Line, number: str) -> bool:
    try:
        return _text(line.cells.get("number"), 40) == number
    except Bad:
        return False
