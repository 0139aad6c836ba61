"""The sync engine's ``Store`` in SQL, for SQLite and PostgreSQL alike.

Change sequence numbers come from the single ``sync_state`` row, read under a write lock that is
held until commit (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL). So
sequence numbers are handed out in commit order, and a reader never sees change N+1 without N:
the pull cursor cannot skip a change that commits late.
"""

from server.db.sync_store.compaction import compact
from server.db.sync_store.read_tx import SqlReadTx
from server.db.sync_store.store import SqlSyncStore
from server.db.sync_store.write_tx import SqlWriteTx

__all__ = ["SqlReadTx", "SqlSyncStore", "SqlWriteTx", "compact"]
