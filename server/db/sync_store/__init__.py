"""The sync engine's ``Store`` in SQL, for SQLite and PostgreSQL alike.

A reader never sees change N+1 without N, so the pull cursor cannot skip a change that commits
late: on SQLite the single writer (``BEGIN IMMEDIATE``) numbers its changes itself; on
PostgreSQL writes queue them and the tick after each commit numbers them in commit order
(server/db/sequencer.py). A push runs in a ``BatchedWriteTx``: its reads made ahead, its writes
sent as a set (docs/scale.md).
"""

from server.db.sync_store.compaction import compact
from server.db.sync_store.read_tx import SqlReadTx
from server.db.sync_store.store import SqlSyncStore
from server.db.sync_store.write_tx import SqlWriteTx

__all__ = ["SqlReadTx", "SqlSyncStore", "SqlWriteTx", "compact"]
