"""The Python sync client: a mirror of the server's rows, an outbox of mutations, push and pull.

``LocalStore`` is what a device keeps (and can save to a file); ``SyncClient`` talks to a server
through a ``Transport``. What the user sees is ``view()``: the mirror with every mutation the
server has not yet shown back re-applied on top (rebase), predicted by ``sync.optimistic``.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from sync.errors import BadCursor, Gap, SyncError, TooLarge
from sync.hlc import Clock, Timestamp
from sync.ids import uuid7
from sync.optimistic import Row, View, rebase
from sync.protocol import (
    SCHEMA_VERSION,
    Change,
    MutationIn,
    MutationResult,
    PullRequest,
    PushRequest,
    SnapshotProgress,
)
from sync.transport import Transport, TransportError

MAX_BATCH = 100


class _Saved(msgspec.Struct):
    """The file form of a ``LocalStore``."""

    node: str
    hlc: str
    cursor: str | None
    last_mutation_id: int
    next_mutation_id: int
    tables: dict[str, dict[str, dict[str, Any]]]
    outbox: list[MutationIn]
    unpulled: list[MutationIn]
    format: int = 1


class LocalStore:
    """A device's state: the mirror as pulled, the cursor, the outbox and the clock.

    ``outbox`` holds what the server has not acknowledged, in id order. ``unpulled`` holds what
    it acknowledged to a push but a pull has not shown back yet: the view keeps applying those, so
    an edit does not flicker away between a push and the pull that follows it.
    """

    def __init__(
        self,
        node: str = "client",
        *,
        tables: View | None = None,
        cursor: str | None = None,
        last_mutation_id: int = 0,
        next_mutation_id: int = 1,
        outbox: list[MutationIn] | None = None,
        unpulled: list[MutationIn] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.tables: View = tables if tables is not None else {}
        self.cursor = cursor
        self.last_mutation_id = last_mutation_id
        self.next_mutation_id = next_mutation_id
        self.outbox: list[MutationIn] = outbox if outbox is not None else []
        self.unpulled: list[MutationIn] = unpulled if unpulled is not None else []
        self.clock = clock or Clock(node)

    # ---- the mirror --------------------------------------------------------------------------

    def view(self, user_id: str | None = None, skip: Iterable[int] = ()) -> View:
        """The mirror with pending mutations re-applied (``skip``: ids known to be rejected)."""
        skipped = set(skip)
        pending = [m for m in self.unpulled if m.id not in skipped]
        return rebase(self.tables, [*pending, *self.outbox], user_id)

    def apply_changes(self, changes: Iterable[Change]) -> None:
        for c in changes:
            rows = self.tables.setdefault(c.t, {})
            if c.op == "put" and c.row is not None:
                rows[c.id] = c.row
            else:
                rows.pop(c.id, None)

    def reset_mirror(self) -> None:
        """Forget every pulled row and the cursor; the outbox stays."""
        self.tables = {}
        self.cursor = None

    # ---- the outbox --------------------------------------------------------------------------

    def enqueue(self, name: str, args: dict[str, Any], user_id: str | None = None) -> MutationIn:
        m = MutationIn(
            id=self.next_mutation_id,
            name=name,
            args=args,
            hlc=str(self.clock.now()),
            user_id=user_id,
        )
        self.next_mutation_id += 1
        self.outbox.append(m)
        return m

    def acknowledged(self, last: int) -> None:
        """A push answered: mutations up to ``last`` are applied on the server."""
        self.unpulled.extend(m for m in self.outbox if m.id <= last)
        self.outbox = [m for m in self.outbox if m.id > last]
        self._seen(last)

    def pulled(self, last: int) -> None:
        """A whole pull answered: the mirror now holds the effects of mutations up to ``last``.
        Acknowledged mutations above ``last`` are ones the server no longer has (it was restored
        from a backup): they go back to the outbox under their ids, for the next push to send
        (the server answers a gap, or ``duplicate`` if it had them after all)."""
        lost = [m for m in self.unpulled if m.id > last]
        self.unpulled = []
        self.outbox = sorted([*lost, *(m for m in self.outbox if m.id > last)], key=lambda m: m.id)
        self._seen(last)

    def resume_after(self, server_last: int) -> None:
        """The server's last applied mutation is ``server_last`` and it wants ``server_last+1``
        next (a gap). Whatever it has not applied is queued again under the ids it expects, so
        nothing captured here is dropped, even when the server lost mutations it had acknowledged
        (restored from a backup). Renumbered mutations keep their content and HLC."""
        keep = sorted(
            (m for m in [*self.unpulled, *self.outbox] if m.id > server_last), key=lambda m: m.id
        )
        self.unpulled = [m for m in self.unpulled if m.id <= server_last]
        self.outbox = [
            msgspec.structs.replace(m, id=server_last + 1 + i) for i, m in enumerate(keep)
        ]
        self.next_mutation_id = server_last + 1 + len(keep)
        self.last_mutation_id = server_last

    def _seen(self, last: int) -> None:
        self.last_mutation_id = max(self.last_mutation_id, last)
        # The server knows ids this store never issued (it was restored from an older copy):
        # new mutations must not reuse them, or they would be taken for duplicates.
        self.next_mutation_id = max(self.next_mutation_id, last + 1)

    # ---- files -------------------------------------------------------------------------------

    def to_json(self) -> bytes:
        return msgspec.json.encode(
            _Saved(
                node=self.clock.node,
                hlc=str(self.clock.last),
                cursor=self.cursor,
                last_mutation_id=self.last_mutation_id,
                next_mutation_id=self.next_mutation_id,
                tables=self.tables,
                outbox=self.outbox,
                unpulled=self.unpulled,
            )
        )

    @classmethod
    def from_json(cls, data: bytes | str) -> LocalStore:
        s = msgspec.json.decode(data, type=_Saved)
        return cls(
            s.node,
            tables=s.tables,
            cursor=s.cursor,
            last_mutation_id=s.last_mutation_id,
            next_mutation_id=s.next_mutation_id,
            outbox=s.outbox,
            unpulled=s.unpulled,
            clock=Clock(s.node, Timestamp.parse(s.hlc)),
        )

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(self.to_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path) -> LocalStore:
        return cls.from_json(Path(path).read_bytes())


def _node(client_id: str) -> str:
    return client_id[:40]


class SyncClient:
    """One device's sync: queue mutations, push them, pull what changed, retry when offline."""

    def __init__(
        self,
        transport: Transport,
        client_id: str,
        store: LocalStore | None = None,
        user_id: str | None = None,
        *,
        batch_size: int = MAX_BATCH,
        pull_limit: int = 5000,
        attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.transport = transport
        self.client_id = client_id
        self.store = store or LocalStore(_node(client_id))
        self.user_id = user_id
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.pull_limit = pull_limit
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._rng = rng or random.Random()
        # The outcome of each pushed mutation, by id, as the server first answered it.
        self.results: dict[int, MutationResult] = {}
        # The progress of the snapshot being pulled (initial sync, reset); None otherwise.
        self.snapshot: SnapshotProgress | None = None
        self._push_lock = asyncio.Lock()
        self._pull_lock = asyncio.Lock()

    # ---- what the user sees ------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self.store.outbox)

    def view(self) -> View:
        rejected = [i for i, r in self.results.items() if r.status == "rejected"]
        return self.store.view(self.user_id, skip=rejected)

    def row(self, table: str, row_id: str) -> Row | None:
        return self.view().get(table, {}).get(row_id)

    def base_version(self, table: str, row_id: str) -> int:
        """The version of the row as last pulled; 0 for a row that exists only here."""
        row = self.store.tables.get(table, {}).get(row_id)
        return int(row["version"]) if row else 0

    # ---- mutations ---------------------------------------------------------------------------

    def mutate(self, name: str, args: dict[str, Any]) -> MutationIn:
        """Queue a mutation (the caller saves the store before telling the user "saved")."""
        return self.store.enqueue(name, args, self.user_id)

    def upsert_customer(
        self, name: str, customer_id: str | None = None, **fields: Any
    ) -> MutationIn:
        """Create a customer, or edit one: only the fields given are sent (the server leaves
        the others alone; ``name`` is always sent and counts as an edit only if it changed)."""
        customer_id = customer_id or uuid7()
        args = {f: fields[f] for f in ("phone", "address", "region") if f in fields}
        return self.mutate(
            "customer.upsert",
            {
                "id": customer_id,
                "name": name,
                **args,
                "base_version": self.base_version("customers", customer_id),
            },
        )

    def create_order(
        self, number: str, customer_id: str, lines: Sequence[dict[str, Any]] = (), **fields: Any
    ) -> MutationIn:
        """``lines``: ``{product_id, qty, unit_price}`` (an ``id`` is made when missing);
        ``fields``: status, priority, due_date, notes, delivery_address, warehouse_id, channel."""
        args = {
            "id": fields.pop("id", None) or uuid7(),
            "number": number,
            "customer_id": customer_id,
            "lines": [{"id": line.get("id") or uuid7(), **line} for line in lines],
            **fields,
        }
        return self.mutate("order.create", args)

    def update_order(self, order_id: str, **changes: Any) -> MutationIn:
        return self.mutate(
            "order.update",
            {"id": order_id, "base_version": self.base_version("orders", order_id), "set": changes},
        )

    def resolve_conflict(
        self, conflict_id: str, resolution: str, value: Any = msgspec.UNSET
    ) -> MutationIn:
        """``resolution``: server, client, custom (with ``value``) or admin."""
        args: dict[str, Any] = {"id": conflict_id, "resolution": resolution}
        if value is not msgspec.UNSET:
            args["value"] = value
        return self.mutate("conflict.resolve", args)

    def upsert_line(self, order_id: str, line: dict[str, Any]) -> MutationIn:
        # Every line write re-versions its order, so the order's version is the lines' base.
        return self.mutate(
            "order.line.upsert",
            {
                "order_id": order_id,
                "base_version": self.base_version("orders", order_id),
                "line": {"id": line.get("id") or uuid7(), **line},
            },
        )

    def remove_line(self, order_id: str, line_id: str) -> MutationIn:
        return self.mutate(
            "order.line.remove",
            {
                "order_id": order_id,
                "base_version": self.base_version("orders", order_id),
                "line_id": line_id,
            },
        )

    def transition(self, order_id: str, to: str, reason: str | None = None) -> MutationIn:
        order = self.row("orders", order_id)
        status = order["status"] if order else ""
        return self.mutate(
            "order.transition", {"id": order_id, "from": status, "to": to, "reason": reason}
        )

    def move_stock(
        self, product_id: str, warehouse_id: str, delta: int, reason: str, ref: str | None = None
    ) -> MutationIn:
        return self.mutate(
            "stock.move",
            {
                "id": uuid7(),
                "product_id": product_id,
                "warehouse_id": warehouse_id,
                "delta": delta,
                "reason": reason,
                "ref": ref,
            },
        )

    def record_payment(
        self,
        order_id: str,
        method: str,
        amount: int,
        status: str = "paid",
        payment_id: str | None = None,
    ) -> MutationIn:
        return self.mutate(
            "payment.record",
            {
                "id": payment_id or uuid7(),
                "order_id": order_id,
                "method": method,
                "amount": amount,
                "status": status,
            },
        )

    # ---- talking to the server ---------------------------------------------------------------

    async def push(self) -> list[MutationResult]:
        """Send the outbox in order, in batches; returns the results this call received."""
        async with self._push_lock:
            return await self._push()

    async def _push(self) -> list[MutationResult]:
        st = self.store
        received: list[MutationResult] = []
        size, gaps = self.batch_size, 0
        while st.outbox:
            batch = st.outbox[:size]
            req = PushRequest(
                client_id=self.client_id,
                schema=SCHEMA_VERSION,
                mutations=batch,
                pending=len(st.outbox),
            )
            try:
                resp = await self.transport.push(req)
            except Gap as e:
                last = e.extra.get("last_mutation_id")
                gaps += 1
                if not isinstance(last, int) or gaps > 3:
                    raise
                st.resume_after(last)
                continue
            except TooLarge as e:
                limits = e.extra.get("limits")
                limit = limits.get("max_mutations") if isinstance(limits, dict) else None
                size = limit if isinstance(limit, int) and len(batch) > limit else len(batch) // 2
                if size < 1:
                    raise
                continue
            for r in resp.results:
                # A retried push answers "duplicate": keep the first outcome when we have it.
                if r.status != "duplicate" or r.id not in self.results:
                    self.results[r.id] = r
            received.extend(resp.results)
            first = batch[0].id
            st.acknowledged(resp.last_mutation_id)
            if resp.last_mutation_id < first:
                raise SyncError(
                    f"the server acknowledged up to {resp.last_mutation_id}, below the "
                    f"mutation {first} it was sent"
                )
        return received

    async def pull(self) -> int:
        """Pull until the server has nothing more; returns how many changes came."""
        async with self._pull_lock:
            return await self._pull()

    async def _pull(self) -> int:
        st = self.store
        count, restarted = 0, False
        while True:
            req = PullRequest(
                client_id=self.client_id,
                schema=SCHEMA_VERSION,
                cursor=st.cursor,
                limit=self.pull_limit,
            )
            try:
                resp = await self.transport.pull(req)
            except BadCursor:
                if restarted or st.cursor is None:
                    raise
                restarted = True
                st.reset_mirror()  # a cursor the server cannot read: start over
                continue
            if resp.reset:
                # The answer is the first page of a fresh snapshot; the outbox is kept.
                st.reset_mirror()
            st.apply_changes(resp.changes)
            st.cursor = resp.cursor
            self.snapshot = resp.snapshot
            count += len(resp.changes)
            if not resp.more:
                st.pulled(resp.last_mutation_id)
                return count

    async def sync(self) -> None:
        """Push, then pull; on a transport failure retry with exponential backoff and jitter."""
        for attempt in range(self.attempts):
            try:
                await self.push()
                await self.pull()
                return
            except TransportError:
                if attempt + 1 >= self.attempts:
                    raise
                await self._sleep(self.backoff(attempt))

    def backoff(self, attempt: int) -> float:
        """Delay before retry ``attempt + 1``: half of ``base * 2**attempt`` (capped) plus a
        random share of the other half, so devices that failed together do not retry together."""
        cap = min(self.max_delay, self.base_delay * 2**attempt)
        return cap / 2 + self._rng.uniform(0, cap / 2)
