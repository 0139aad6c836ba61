"""The sync tables as SQL sees them: which names may reach SQL text, the columns a pull sends,
the booleans SQLite returns as 0/1, the bucket filter, and a client's state row."""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.columns import Boolean

from server.db.sql import Conn
from server.db.tables import TABLES
from sync import buckets as bk
from sync.store import ClientState
from sync.tables import LOCAL_TABLES, META_COLUMNS, SERVER_ONLY, SYNCED_TABLES

# Boolean columns clients see; SQLite hands them back as 0/1.
WIRE_BOOLS: dict[str, tuple[str, ...]] = {
    t._meta.tablename: tuple(
        c._meta.db_column_name
        for c in t._meta.columns
        if isinstance(c, Boolean) and c._meta.db_column_name not in META_COLUMNS
    )
    for t in TABLES
    if t._meta.tablename in (*SYNCED_TABLES, *LOCAL_TABLES)
}
# The columns a pull sends, selected by name so snapshot rows need no copy to drop the rest.
WIRE_COLUMNS: dict[str, str] = {
    t._meta.tablename: ", ".join(
        c._meta.db_column_name for c in t._meta.columns if c._meta.db_column_name not in SERVER_ONLY
    )
    for t in TABLES
    if t._meta.tablename in SYNCED_TABLES
}
# Columns of the engine's own tables, in the order its writes give them.
HISTORY_COLUMNS = (
    "table_name", "row_id", "field", "value", "version", "replaced_at", "hlc", "replaced_by",
)  # fmt: skip
LOG_COLUMNS = (
    "client_id", "mutation_id", "name", "args", "hlc", "user_id", "device_id", "status",
    "conflict_id", "error", "message", "received_at",
)  # fmt: skip
QUEUED_CHANGE_COLUMNS = ("table_name", "row_id", "op", "buckets", "removed")
CHANGE_COLUMNS = ("seq", *QUEUED_CHANGE_COLUMNS)
_SYNC_TABLES = frozenset(SYNCED_TABLES) | frozenset(LOCAL_TABLES)
IN_CHUNK = 500  # ids per ``IN (...)`` when reading rows by id


def sync_table(name: str) -> str:
    if name not in _SYNC_TABLES:  # table names reach SQL text: only known ones
        raise ValueError(f"not a table of the sync engine: {name}")
    return name


def bucket_filter(
    dialect: str, buckets: bk.Buckets | None, columns: Sequence[str]
) -> tuple[str, list[str]]:
    """SQL that keeps rows in any of ``buckets``: the space-framed name found as plain text.

    Not ``LIKE``: its ``_`` is a wildcard, so warehouse ``wh_north`` pulled ``whXnorth``'s rows,
    and SQLite's LIKE ignores case (tests/sync/test_pull.py, buckets match exactly)."""
    if buckets is None:
        return "", []
    find = "instr({}, ?) > 0" if dialect == "sqlite" else "strpos({}, ?) > 0"
    ors = [find.format(col) for col in columns for _ in buckets]
    args = [f" {b} " for _ in columns for b in sorted(buckets)]
    return " AND (" + " OR ".join(ors) + ")", args


async def client_state(conn: Conn, client_id: str, lock: bool = False) -> ClientState | None:
    """A client's sync state; ``lock`` (PostgreSQL): its row locked until commit."""
    row = await conn.fetchrow(
        "SELECT c.client_id, c.user_id, c.device_id, c.last_mutation_id, c.pending,"
        " d.revoked AS device_revoked FROM sync_clients c"
        " LEFT JOIN devices d ON d.id = c.device_id WHERE c.client_id = ?"
        + (" FOR UPDATE OF c" if lock else ""),
        (client_id,),
    )
    if not row:
        return None
    return ClientState(**{**row, "device_revoked": bool(row["device_revoked"])})
