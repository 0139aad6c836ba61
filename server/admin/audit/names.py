"""What an audit entry's subject is, in words: the record an id names (order SAPI-00101, customer
"Café Lumière", user, device, product, warehouse, after-sales case, API token), and for a
``client#mutation`` subject (a pushed or imported mutation) the record that mutation changed.
And the other way round, for the subject filter: the subjects whose record's name contains a text
(searching "SAPI-00101" finds the order's entries, its mutations' included).

The log itself keeps ids (it is hash-chained and never rewritten); names are looked up when read,
so a renamed customer reads under the name of today.
"""

from __future__ import annotations

import msgspec

from server.admin.orders.timeline import mutation_order_expr
from server.db.sql import Conn

# Records an audit subject may name: (kind, table, the SQL of its name, the columns searched).
RECORDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("order", "orders", "number", ("number",)),
    ("customer", "customers", "name", ("name",)),
    ("user", "users", "name", ("name",)),
    ("device", "devices", "code", ("code", "name")),
    ("product", "products", "sku || ' · ' || name", ("sku", "name")),
    ("warehouse", "warehouses", "code", ("code", "name")),
    ("case", "after_sales_cases", "number", ("number",)),
    ("token", "api_tokens", "label", ("label",)),
)
# The kind of record a mutation's args name, by the mutation's family; the id is ``order_id``
# when the args have one (lines, payments, scans are the order's), else ``id``.
MUTATION_KINDS = {"order": "order", "customer": "customer", "payment": "order", "scan": "order",
                  "qr": "order", "stock": "product", "stocktake": "warehouse"}  # fmt: skip
MATCHES_PER_KIND = 200  # ids a subject search takes per kind of record: a text, not a dump
MUTATION_MATCHES = 2000


class Subject(msgspec.Struct, frozen=True):
    kind: str  # order | customer | user | device | product | warehouse | case | token
    id: str  # the record's id (for a mutation: the record it changed)
    name: str
    mutation: str | None = None  # for a client#mutation subject: the mutation's name


def _mutation_key(subject: str) -> tuple[str, int] | None:
    client, sep, number = subject.rpartition("#")
    return (client, int(number)) if sep and client and number.isdigit() else None


def _record_of(name: str, args_text: str) -> tuple[str, str] | None:
    """(kind, id) of the record mutation ``name`` with ``args_text`` changed, if it names one."""
    kind = MUTATION_KINDS.get(name.split(".", 1)[0])
    try:
        args = msgspec.json.decode(args_text)
    except msgspec.DecodeError:
        return None
    if kind is None or not isinstance(args, dict):
        return None
    if kind == "product":
        found = args.get("product_id")
    elif kind == "warehouse":
        found = args.get("warehouse_id")
    else:
        found = args.get("order_id") or args.get("id")
    return (kind, found) if isinstance(found, str) and found else None


async def _names(conn: Conn, ids: set[str]) -> dict[str, tuple[str, str]]:
    """id -> (kind, name) for the ``ids`` some table of ``RECORDS`` holds."""
    found: dict[str, tuple[str, str]] = {}
    wanted = sorted(ids)
    for kind, table, name, _ in RECORDS:
        left = [i for i in wanted if i not in found]
        for part in _chunks(left, 500):
            marks = ", ".join("?" * len(part))
            for r in await conn.fetch(
                f"SELECT id, {name} AS name FROM {table} WHERE id IN ({marks})", part
            ):
                found[r["id"]] = (kind, r["name"] or r["id"])
    return found


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


async def subject_names(conn: Conn, subjects: set[str]) -> dict[str, Subject]:
    """subject -> the record it names, for those that name one (others — "qr_tokens scans", a
    backup's path, a key id — read as stored)."""
    keys = {s: k for s in subjects if (k := _mutation_key(s))}
    changed: dict[str, tuple[str, str, str]] = {}  # subject -> (kind, id, mutation name)
    if keys:
        logged = {}
        for pairs in _chunks(sorted(set(keys.values())), 200):  # an OR chain's depth is bounded
            where = " OR ".join("(client_id = ? AND mutation_id = ?)" for _ in pairs)
            for r in await conn.fetch(f"SELECT client_id, mutation_id, name, args FROM mutation_log"
                                      f" WHERE {where}", [v for p in pairs for v in p]):  # fmt: skip
                logged[(r["client_id"], int(r["mutation_id"]))] = r
        for subject, key in keys.items():
            if (r := logged.get(key)) and (record := _record_of(r["name"], r["args"])):
                changed[subject] = (*record, r["name"])
    plain = {s for s in subjects if s not in keys}
    names = await _names(conn, plain | {rid for _, rid, _ in changed.values()})
    out = {}
    for subject in plain & names.keys():
        kind, name = names[subject]
        out[subject] = Subject(kind, subject, name)
    for subject, (kind, rid, mutation) in changed.items():
        name = names.get(rid, (kind, rid))[1]
        out[subject] = Subject(kind, rid, name, mutation)
    return out


async def subjects_named(conn: Conn, pattern: str) -> list[str]:
    """The subjects whose record's name matches ``pattern`` (a LIKE pattern, lower case, escaped
    with a backslash): the records' ids and the ``client#mutation`` subjects of the mutations
    that changed them."""
    ids: list[str] = []
    for _, table, _, columns in RECORDS:
        match = " OR ".join(f"LOWER({c}) LIKE ? ESCAPE '\\'" for c in columns)
        rows = await conn.fetch(f"SELECT id FROM {table} WHERE {match} LIMIT ?",
                                [*[pattern] * len(columns), MATCHES_PER_KIND])  # fmt: skip
        ids += [r["id"] for r in rows]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = await conn.fetch(
        "SELECT client_id, mutation_id FROM mutation_log"
        f" WHERE {mutation_order_expr(conn.dialect)} IN ({marks}) LIMIT ?",
        [*ids, MUTATION_MATCHES],
    )
    # (mutation_order_expr: the order a mutation names, as its index spells it.)
    return ids + [f"{r['client_id']}#{r['mutation_id']}" for r in rows]
