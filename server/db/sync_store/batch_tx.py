"""A push's write transaction with its reads batched and its writes deferred (docs/scale.md,
"The batched push").

The rules are the same and decide the same: they still read a row at a time and write a row at a
time through the ``WriteTx`` they are given. What changes is what that costs:

- *prefetch*: before the first mutation runs, everything the push names (``sync.prefetch``) is
  read in one query per table, locked on PostgreSQL in id order; a rule's read is served from
  what was read, and a read that was not foreseen goes to the database as before.
- *decide in Python*: every write lands in the rows held here, so a later mutation of the push
  reads it; a refused mutation's savepoint is undone in memory (no SQL savepoints).
- *write the set*: at the end the rows inserted and the columns updated, the change rows, the
  field history and the mutation log go out in one ``executemany`` per table and column set.

The transaction's view is always "the database as read, overlaid by this push's writes", which
is what the same rules saw through ``SqlWriteTx`` statement by statement. A failure while
writing the set fails the attempt whole; the store then runs the push unbatched, where each
mutation's failure is its own (server/db/sync_store/store.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec

from server.db.sql import Conn
from server.db.sync_store.rows import HISTORY_COLUMNS, IN_CHUNK, LOG_COLUMNS, sync_table
from server.db.sync_store.write_tx import SqlWriteTx
from sync.prefetch import Wanted
from sync.store import LoggedMutation, Row

_ABSENT = object()  # not held here (``None`` held: known not to exist)
# A block of row versions on PostgreSQL: at least this many, drawn at once.
_MIN_BLOCK = 16


class DuplicateRow(Exception):
    """An insert of a row that exists: what the table's primary key would refuse."""


class BatchedWriteTx(SqlWriteTx):
    def __init__(self, conn: Conn, seq: int) -> None:
        super().__init__(conn, seq)
        self._rows: dict[str, dict[str, Row | None]] = defaultdict(dict)
        self._complete: set[tuple[str, str, Any]] = set()  # lookups whose rows are all held
        self._inserted: dict[str, dict[str, None]] = defaultdict(dict)  # ordered sets of ids
        self._dirty: dict[str, dict[str, set[str]]] = defaultdict(dict)  # id -> columns set
        self._changes: list[tuple[int, str, str, str, str, str]] = []
        self._history: list[tuple[Any, ...]] = []
        self._logged: list[LoggedMutation] = []
        self._undo: list[tuple[str, str, Any, bool, set[str] | None]] = []
        self._depth = 0
        self._versions: list[int] = []  # PostgreSQL: drawn, not yet used (last = next)
        self._block = _MIN_BLOCK

    # ---- reads ----------------------------------------------------------------------------

    def _locked_more(self) -> None:
        # PostgreSQL: a row locked now may hold a version drawn after our block; versions of a
        # row only grow, so the next write draws a fresh block (after this lock).
        self._versions.clear()

    async def prefetch(self, wanted: Wanted) -> None:
        self._block = max(_MIN_BLOCK, wanted.writes)
        wanted_rows = {
            table: sorted(i for i in ids if i not in self._rows[table])
            for table, ids in wanted.rows.items()
        }
        by_column: dict[tuple[str, str], list[str]] = defaultdict(list)
        for table, column, value in sorted(wanted.lookups):
            if (table, column, value) not in self._complete:
                by_column[(table, column)].append(value)
        if self._postgres:
            await self._prefetch_at_once(wanted_rows, by_column)
        else:
            for table, ids in wanted_rows.items():
                for i in range(0, len(ids), IN_CHUNK):
                    for row in await self._select(table, "id", ids[i : i + IN_CHUNK]):
                        self._rows[table].setdefault(row["id"], row)
            for (table, column), values in by_column.items():
                for i in range(0, len(values), IN_CHUNK):
                    for row in await self._select(table, column, values[i : i + IN_CHUNK]):
                        self._rows[table].setdefault(row["id"], row)
        for table, ids in wanted_rows.items():
            for row_id in ids:
                self._rows[table].setdefault(row_id, None)
        self._complete.update((t, c, v) for (t, c), values in by_column.items() for v in values)
        self._locked_more()

    async def _prefetch_at_once(
        self, ids: dict[str, list[str]], lookups: dict[tuple[str, str], list[str]]
    ) -> None:
        """PostgreSQL: every read of the prefetch in one statement, so one snapshot. Read
        committed gives each statement its own: read table by table, a push that commits in
        between was half seen (its order absent, its lines present: ``already_exists`` for a
        twin create that is a ``merged``). Rows come as JSON, exact for the sync tables' text,
        integer and boolean columns."""
        parts = [(t, "id", v) for t, v in ids.items() if v]
        parts += [(t, c, v) for (t, c), v in lookups.items()]
        if not parts:
            return
        ctes, selects = [], []
        for n, (table, column, _) in enumerate(parts):
            if column not in ("id", "order_id", "number", "session_id", "customer_id"):
                raise ValueError(f"no lookup by {column}")
            ctes.append(
                f"w{n} AS (SELECT * FROM {sync_table(table)} WHERE {column} = ANY(?::text[])"
                f"{self._for_update(table)})"
            )
            selects.append(f"SELECT {n}, to_jsonb(w{n})::text FROM w{n}")
        rows = await self.conn.fetch_tuples(
            f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}", [v for *_, v in parts]
        )
        for n, text in rows:
            table = parts[n][0]
            row = msgspec.json.decode(text)
            self._rows[table].setdefault(row["id"], row)

    async def _select(self, table: str, column: str, values: Sequence[str]) -> list[Row]:
        if column not in ("id", "order_id", "number", "session_id", "customer_id"):
            raise ValueError(f"no lookup by {column}")
        if self._postgres:  # one statement whatever the count (an IN list is one per count)
            where, args = f"{column} = ANY(?::text[])", [list(values)]
        else:
            where, args = f"{column} IN ({','.join('?' * len(values))})", list(values)
        # No ORDER BY: with it the planner walked the primary key and filtered; the order the
        # rows are locked in only decides who retries after a deadlock.
        rows = await self.conn.fetch(
            f"SELECT * FROM {sync_table(table)} WHERE {where}{self._for_update(table)}", args
        )
        return [self._fix(table, r) for r in rows]  # type: ignore[misc]

    async def get(self, table: str, row_id: str) -> Row | None:
        held = self._rows[table]
        if row_id not in held:
            held[row_id] = await super().get(table, row_id)
            self._locked_more()
        row = held[row_id]
        return None if row is None else dict(row)

    async def get_many(self, table: str, row_ids: Sequence[str]) -> dict[str, Row]:
        held = self._rows[table]
        if todo := [i for i in dict.fromkeys(row_ids) if i not in held]:
            found = await super().get_many(table, todo)
            for row_id in todo:
                held[row_id] = found.get(row_id)
            self._locked_more()
        return {i: dict(r) for i in row_ids if (r := held[i]) is not None}

    async def find(self, table: str, column: str, value: Any) -> list[Row]:
        held = self._rows[table]
        if (table, column, value) not in self._complete:
            for row in await super().find(table, column, value):
                held.setdefault(row["id"], row)  # what this push wrote stands over what was read
            self._complete.add((table, column, value))
            self._locked_more()
        found = [dict(r) for r in held.values() if r is not None and r.get(column) == value]
        return sorted(found, key=lambda r: r["id"])

    # ---- writes, held until flush ---------------------------------------------------------

    def _remember(self, table: str, row_id: str) -> None:
        if self._depth:
            dirty = self._dirty[table].get(row_id)
            self._undo.append((
                table, row_id, self._rows[table].get(row_id, _ABSENT),
                row_id in self._inserted[table], None if dirty is None else set(dirty),
            ))  # fmt: skip

    async def insert(self, table: str, row: Row) -> None:
        sync_table(table)
        if self._rows[table].get(row["id"]) is not None:
            raise DuplicateRow(f"{table} {row['id']} exists")
        self._remember(table, row["id"])
        self._rows[table][row["id"]] = dict(row)
        self._inserted[table][row["id"]] = None

    async def insert_many(self, table: str, rows: Sequence[Row]) -> None:
        for row in rows:
            await self.insert(table, row)

    async def update(self, table: str, row_id: str, fields: Row) -> None:
        current = self._rows[table].get(row_id, _ABSENT)
        if current is _ABSENT:
            await self.get(table, row_id)
            current = self._rows[table][row_id]
        if current is None:
            return  # as ``UPDATE ... WHERE id = ?`` of no row: nothing
        self._remember(table, row_id)
        self._rows[table][row_id] = {**current, **fields}
        if row_id not in self._inserted[table]:
            self._dirty[table][row_id] = self._dirty[table].get(row_id, set()) | set(fields)

    async def next_seq(self) -> int:
        if not self._postgres:
            return await super().next_seq()
        if not self._versions:
            drawn = await self.conn.fetch_tuples(
                "SELECT nextval('row_version') FROM generate_series(1, ?)", (self._block,)
            )
            self._versions = sorted((int(v) for (v,) in drawn), reverse=True)
        return self._versions.pop()

    async def add_changes(self, changes: Sequence[tuple[int, str, str, str, str, str]]) -> None:
        self._changes.extend(changes)

    async def add_history(
        self,
        table: str,
        row_id: str,
        field: str,
        value: str,
        version: int,
        replaced_at: int,
        hlc: str,
        by: str,
    ) -> None:
        self._history.append((table, row_id, field, value, version, replaced_at, hlc, by))

    async def history_value(
        self, table: str, row_id: str, field: str, at_version: int
    ) -> tuple[bool, str | None]:
        # The first value replaced after ``at_version``: one in the database is older than any
        # this push replaced (it holds the row), so the database's, if any, is the one.
        row = await self.conn.fetchrow(
            "SELECT value, version FROM field_history WHERE table_name = ? AND row_id = ? "
            "AND field = ? AND replaced_at > ? AND replaced_at > version "
            "ORDER BY replaced_at LIMIT 1",
            (table, row_id, field, at_version),
        )
        if row is None:
            mine = [
                (h[5], h[4], h[3])
                for h in self._history
                if h[:3] == (table, row_id, field) and h[5] > at_version and h[5] > h[4]
            ]
            if not mine:
                return False, None
            _, version, value = min(mine)
            row = {"version": version, "value": value}
        if row["version"] > at_version:
            return False, None
        return True, row["value"]

    async def log_mutation(self, entry: LoggedMutation) -> None:
        self._logged.append(entry)

    async def logged(self, client_id: str, mutation_id: int) -> LoggedMutation | None:
        for entry in self._logged:
            if (entry.client_id, entry.mutation_id) == (client_id, mutation_id):
                return entry
        return await super().logged(client_id, mutation_id)

    async def refused_redemptions(self, order_id: str) -> list[LoggedMutation]:
        from sync.writer import loads  # the args as logged: JSON text

        mine = []
        for e in self._logged:
            if e.name == "qr.redeem" and e.error == "leased":
                args = loads(e.args)
                if isinstance(args, dict) and args.get("order_id", args.get("id")) == order_id:
                    mine.append(e)
        return [*await super().refused_redemptions(order_id), *mine]

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        mark = (len(self._undo), len(self._changes), len(self._history), self.seq)
        self._depth += 1
        try:
            yield
        except BaseException:
            self._undo_to(mark)
            raise
        finally:
            self._depth -= 1

    def _undo_to(self, mark: tuple[int, int, int, int]) -> None:
        undo, changes, history, self.seq = mark
        while len(self._undo) > undo:
            table, row_id, row, inserted, dirty = self._undo.pop()
            if row is _ABSENT:
                self._rows[table].pop(row_id, None)
            else:
                self._rows[table][row_id] = row
            if inserted:
                self._inserted[table][row_id] = None
            else:
                self._inserted[table].pop(row_id, None)
            if dirty is None:
                self._dirty[table].pop(row_id, None)
            else:
                self._dirty[table][row_id] = dirty
        del self._changes[changes:], self._history[history:]

    # ---- the set, written -----------------------------------------------------------------

    async def flush(self) -> None:
        """Every write held, in one statement per table and column set."""
        for table, ids in self._inserted.items():
            groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
            for row_id in ids:
                row = self._rows[table][row_id]
                assert row is not None
                groups[tuple(row)].append(row)
            for cols, rows in groups.items():
                await self.conn.insert_rows(table, cols, [[row[c] for c in cols] for row in rows])
        for table, dirty in self._dirty.items():
            by_columns: dict[tuple[str, ...], list[str]] = defaultdict(list)
            for row_id, columns in dirty.items():
                by_columns[tuple(sorted(columns))].append(row_id)
            for cols, row_ids in by_columns.items():
                rows = [self._rows[table][i] for i in row_ids]
                await self.conn.executemany(
                    f"UPDATE {table} SET {','.join(f'{c} = ?' for c in cols)} WHERE id = ?",
                    [[*(row[c] for c in cols), row["id"]] for row in rows if row is not None],
                )
        if self._changes:
            await super().add_changes(self._changes)
        if self._history:
            await self.conn.insert_rows("field_history", HISTORY_COLUMNS, self._history)
        if self._logged:
            await self.conn.insert_rows(
                "mutation_log",
                LOG_COLUMNS,
                [
                    (e.client_id, e.mutation_id, e.name, e.args, e.hlc, e.user_id, e.device_id,
                     e.status, e.conflict_id, e.error, e.message, e.received_at)
                    for e in self._logged
                ],
            )  # fmt: skip
        self._inserted.clear()
        self._dirty.clear()
        self._changes, self._history, self._logged = [], [], []
