"""What planning looks up: rows by a column's values (SKUs, customer ids and names, warehouse
codes, order numbers), in chunks a statement can bind."""

from __future__ import annotations

from collections.abc import Iterable

from server.db.sql import Conn, Row

CHUNK = 500  # values bound in one statement


async def rows_where_in(
    conn: Conn, table: str, column: str, values: Iterable[str], cols: str, live: bool = True
) -> list[Row]:
    """Rows whose ``column`` is one of ``values`` (not deleted ones when ``live``), in chunks."""
    found: list[Row] = []
    keys = list(dict.fromkeys(values))
    alive = " AND deleted = ?" if live else ""
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        found += await conn.fetch(
            f"SELECT {cols} FROM {table} WHERE {column} IN ({marks}){alive}",
            [*chunk, False] if live else chunk,
        )
    return found


async def live_warehouses(conn: Conn) -> list[Row]:
    """``id, code`` of every warehouse not deleted."""
    return await conn.fetch("SELECT id, code FROM warehouses WHERE deleted = ?", (False,))
