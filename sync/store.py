"""What the engine needs from storage. ``server/db/sync_store/`` implements it in SQL.

Rows are plain dicts of column values as stored (JSON columns as text).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

from sync.buckets import Buckets

if TYPE_CHECKING:
    from sync.prefetch import Wanted

Row = dict[str, Any]
T = TypeVar("T")


class ClientState(msgspec.Struct):
    client_id: str
    user_id: str
    device_id: str | None = None
    last_mutation_id: int = 0
    pending: int = 0
    # Whether ``device_id`` was revoked: its user may then push the client's outbox from the new
    # device they log in with (docs/auth.md), which takes the client id over.
    device_revoked: bool = False


class SyncState(msgspec.Struct):
    epoch: str
    last_seq: int
    horizon: int


class LoggedMutation(msgspec.Struct):
    client_id: str
    mutation_id: int
    name: str
    args: str
    hlc: str
    user_id: str
    device_id: str | None
    status: str
    conflict_id: str | None
    error: str | None
    message: str | None
    received_at: str


class WriteTx(Protocol):
    # What the push's mutations will read (sync/prefetch.py): a store may read it all at once.
    async def prefetch(self, wanted: Wanted) -> None: ...
    async def get(self, table: str, row_id: str) -> Row | None: ...
    async def get_many(self, table: str, row_ids: Sequence[str]) -> dict[str, Row]: ...
    async def find(self, table: str, column: str, value: Any) -> list[Row]: ...
    async def insert(self, table: str, row: Row) -> None: ...
    async def insert_many(self, table: str, rows: Sequence[Row]) -> None: ...  # same keys each
    async def update(self, table: str, row_id: str, fields: Row) -> None: ...
    async def next_seq(self) -> int: ...
    async def add_change(
        self, seq: int, table: str, row_id: str, op: str, buckets: str, removed: str
    ) -> None: ...
    async def add_changes(self, changes: Sequence[tuple[int, str, str, str, str, str]]) -> None: ...
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
    ) -> None: ...
    async def history_value(
        self, table: str, row_id: str, field: str, at_version: int
    ) -> tuple[bool, str | None]: ...
    def savepoint(self) -> AbstractAsyncContextManager[None]: ...
    # Whether ``exc`` is the database failing (connection gone, disk, lock) or the write losing
    # a race the store runs it again for (PostgreSQL), not a rule's bug: the push must then fail
    # whole, not store a server error.
    def unavailable(self, exc: BaseException) -> bool: ...
    async def client(self, client_id: str) -> ClientState | None: ...
    # A person's display name (None for ids that are no user): conflict rows carry the names of
    # the other side, for devices, which hold no users.
    async def user_name(self, user_id: str) -> str | None: ...
    # A user's ``id, role, warehouse_id, disabled`` (None if no such user): whom an order may
    # be assigned to (sync/rules/assign.py).
    async def user(self, user_id: str) -> Row | None: ...
    async def save_client(self, state: ClientState, now: str) -> None: ...
    async def log_mutation(self, entry: LoggedMutation) -> None: ...
    async def logged(self, client_id: str, mutation_id: int) -> LoggedMutation | None: ...
    # The ``qr.redeem`` mutations of an order refused for another device's lease (``leased``),
    # oldest first: a device that redeemed offline may have handed the goods over.
    async def refused_redemptions(self, order_id: str) -> list[LoggedMutation]: ...
    # An entry for the audit chain, written with this transaction (kept only if it commits).
    def audit(self, action: str, subject: str, detail: dict[str, Any], actor_id: str) -> None: ...


class ReadTx(Protocol):
    async def state(self) -> SyncState: ...
    async def client(self, client_id: str) -> ClientState | None: ...
    async def changed_rows(
        self, after: int, upto: int, buckets: Buckets | None, limit: int
    ) -> list[tuple[str, str, int]]: ...
    async def rows(self, table: str, ids: Sequence[str]) -> list[Row]: ...
    # Live rows in id order, with only the columns a client gets (none of ``SERVER_ONLY``).
    async def snapshot_page(
        self, table: str, after_id: str, buckets: Buckets | None, limit: int
    ) -> list[Row]: ...
    # Live rows of ``table`` in ``buckets``: the total an initial sync reports progress against.
    async def count_rows(self, table: str, buckets: Buckets | None) -> int: ...


class Store(Protocol):
    def write(self) -> AbstractAsyncContextManager[WriteTx]: ...
    def read(self) -> AbstractAsyncContextManager[ReadTx]: ...
    # One unit of work in one transaction / snapshot. ``work`` awaits nothing but the store: an
    # embedded store may run it whole on its database thread (SQLite does).
    # ``batched``: a push's unit of work, which may hold its writes until the end and write
    # them as a set (the rules see the same either way; docs/scale.md).
    async def run_write(
        self, work: Callable[[WriteTx], Awaitable[T]], batched: bool = False
    ) -> T: ...
    async def run_read(self, work: Callable[[ReadTx], Awaitable[T]]) -> T: ...
