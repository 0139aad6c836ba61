"""A simulated device's sync: queue mutations, push them, pull what changed, retry when offline.

The device simulator that tests, benchmarks and the load and fault harnesses drive the server
with (the app people use is the PWA). ``SyncClient`` talks through a ``Transport``
(``tests.device.transport``: HTTP or in process) and keeps a ``LocalStore``. It shows what the
server sent, nothing predicted: what the PWA predicts is held to the real engine by
``tests/vectors/optimistic.json``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from sync.errors import BadCursor, Gap, SyncError, TooLarge
from sync.ids import uuid7
from sync.protocol import (
    SCHEMA_VERSION,
    MutationIn,
    MutationResult,
    PullRequest,
    PushRequest,
    SnapshotProgress,
)
from tests.device.local_store import LocalStore, Row
from tests.device.transport import Transport, TransportError

MAX_BATCH = 100


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

    # ---- what the device holds ---------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self.store.outbox)

    def row(self, table: str, row_id: str) -> Row | None:
        """The row as last pulled (the simulator predicts nothing: the PWA does)."""
        return self.store.tables.get(table, {}).get(row_id)

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
