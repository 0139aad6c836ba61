"""PostgreSQL: change sequence numbers and audit chain links given after commit (docs/scale.md).

Writers never lock a global row: a write transaction queues its change-log entries in
``change_queue`` and its audit entries in ``audit_queue``. A *tick* — one short transaction,
serialised across every process by an advisory lock — moves every queued entry it can see into
``change_log`` with the next sequence numbers and chains the audit entries onto ``audit_head``,
then sets ``sync_state.last_seq`` and notifies the other processes (server/pokes_pg.py).

Why that keeps pull cursors safe: the queue's rows are visible to a tick only once the
transaction that wrote them has committed, ticks run one at a time, and each one's statements see
everything committed before they began. So a change numbered ``n`` was committed before the tick
that numbered it, and anything committed later gets a number above every one handed out so far:
a pull that has read up to ``last_seq`` can never meet a lower number later. A transaction held
open keeps only its own entries back.

Who ticks: the database, right after a write that queued something commits (so the writer's
next pull sees its own changes, as before), and a safety tick every second (a process that died
between its commit and its tick; the tick that failed because the database went away).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from server import audit
from server.db.conn import Conn
from server.db.errors import database_gone
from server.pokes_pg import NOTIFY_CALL, NOTIFY_SQL, poke_payload

log = logging.getLogger("orderly.sequencer")

# pg_advisory_xact_lock's key: "orderly-sequencer" as a number (any constant of our own).
LOCK_KEY = 0x6F72_6465_726C_7931
SAFETY_TICK_SECONDS = 1.0

# Every statement of a tick is a round trip, and a push's answer waits for a tick: the changes
# are numbered and ``last_seq`` moved in one statement, the audit queue taken with the chain's
# head in one, and the links written with the new head and the notification in one.
_MOVE_CHANGES = (
    "WITH moved AS (DELETE FROM change_queue RETURNING *),"
    " base AS (SELECT last_seq FROM sync_state WHERE id = 1),"
    " numbered AS ("
    "  INSERT INTO change_log (seq, table_name, row_id, op, buckets, removed)"
    "  SELECT base.last_seq + row_number() OVER (ORDER BY moved.id),"
    "   moved.table_name, moved.row_id, moved.op, moved.buckets, moved.removed"
    "  FROM moved, base RETURNING seq, buckets, removed),"
    # The buckets the numbered changes went to and left, for the pokes (server/poke.py).
    " summary AS (SELECT count(*) AS n, max(seq) AS last,"
    "  string_agg(DISTINCT buckets || removed, '') AS buckets FROM numbered),"
    " bumped AS (UPDATE sync_state SET last_seq = summary.last FROM summary"
    "  WHERE sync_state.id = 1 AND summary.n > 0 RETURNING sync_state.last_seq)"
    " SELECT n, last, buckets FROM summary"
)
# A LEFT JOIN: without the head row the entries still come back (head None), and the tick fails
# and rolls back instead of deleting them unchained.
_TAKE_AUDIT = (
    "WITH taken AS (DELETE FROM audit_queue RETURNING id, at, actor_id, action, subject, detail)"
    " SELECT taken.*, h.seq AS head_seq, h.hash AS head_hash"
    " FROM taken LEFT JOIN audit_head h ON h.id = 1 ORDER BY taken.id"
)
_LINK_AUDIT = (
    f"WITH linked AS (INSERT INTO audit_log ({', '.join(audit.LOG_COLUMNS)})"
    " SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[],"
    " ?::text[], ?::text[], ?::text[])),"
    " head AS (UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1)"
)


async def tick(conn: Conn) -> tuple[int, frozenset[str]] | None:
    """One tick in ``conn``'s transaction (READ COMMITTED, a transaction of its own): the new
    ``last_seq`` and the buckets of the changes it numbered, or None if there were none."""
    await conn.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
    [(moved, last, bucket_text)] = await conn.fetch_tuples(_MOVE_CHANGES)
    buckets = frozenset((bucket_text or "").split())
    notify = [poke_payload(int(last), buckets)] if moved else []
    entries = await conn.fetch(_TAKE_AUDIT)
    if entries:
        head = entries[0]
        assert head["head_seq"] is not None, "audit_head row missing: run migrations"
        links = audit.links(int(head["head_seq"]), head["head_hash"], [
            (e["at"], e["actor_id"], e["action"], e["subject"], e["detail"]) for e in entries
        ])  # fmt: skip
        columns = [list(column) for column in zip(*links, strict=True)]
        seq, digest = links[-1][0], links[-1][-1]
        tail = f" SELECT {NOTIFY_CALL}" if notify else " SELECT 1"
        await conn.execute(_LINK_AUDIT + tail, [*columns, seq, digest, *notify])
    elif notify:
        await conn.execute(NOTIFY_SQL, notify)
    return (int(last), buckets) if moved else None


class Sequencer:
    """The ticks of one process: a tick started after each commit that queued entries (commits
    that come while one runs share the next), a safety tick every second, and the callbacks
    that hear of each new ``last_seq`` (this process's event streams)."""

    def __init__(self, transaction: Callable[[], Any]) -> None:
        # Opens a plain write transaction (one that does not tick after it): a Conn.
        self._transaction = transaction
        self.listeners: list[Callable[[int, frozenset[str] | None], None]] = []
        self._lock = asyncio.Lock()
        self._asked = 0  # commits that asked for a tick
        self._covered = 0  # of those, the ones a finished tick began after
        self._safety: asyncio.Task | None = None

    async def after_commit(self) -> None:
        """Return once a tick that began after this call has finished (or failed: the safety
        tick will move what it could not)."""
        self._asked += 1
        mine = self._asked
        async with self._lock:
            if self._covered >= mine:
                return  # a tick that began after our commit has run while we waited
            asked = self._asked
            if await self._tick_logged():
                self._covered = asked

    async def _tick_logged(self) -> bool:
        try:
            async with self._transaction() as conn:
                ticked = await tick(conn)
        except Exception as e:
            if not database_gone(e):
                raise
            log.warning("tick failed, the safety tick will retry: %s: %s", type(e).__name__, e)
            return False
        if ticked is not None:
            for listener in self.listeners:
                listener(*ticked)
        return True

    def start(self) -> None:
        if self._safety is None:
            self._safety = asyncio.get_running_loop().create_task(self._safety_ticks())

    async def stop(self) -> None:
        if self._safety is not None:
            self._safety.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._safety
            self._safety = None

    async def _safety_ticks(self) -> None:
        while True:
            await asyncio.sleep(SAFETY_TICK_SECONDS)
            try:
                async with self._lock:
                    await self._tick_logged()
            except Exception:
                log.exception("safety tick failed")
