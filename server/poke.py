"""Pokes: after a push commits, the open event streams of this process that can see what it
changed hear the new cursor.

One process fans out in memory; several processes on PostgreSQL relay commits to each other
through LISTEN/NOTIFY (server/pokes_pg.py), each then pokes its own streams here.

**Scoped.** A commit names the buckets its changes went to (and left: a row moved away is a
delete to pull) and wakes only the streams of users who pull one of them, plus the streams that
see everything (admins). A rep's order pokes that rep's devices, its warehouse's and the
admins', not the other 999 reps' (docs/benchmarks.md, Load: unscoped, 3,000 idle streams took
2,400 pokes a second and a quarter of the server). A commit whose buckets are not known (a
relayed payload without them) pokes everyone, as before: a poke too many costs a pull, a poke
too few a change seen late.

A poke costs what it wakes: each waiting stream is a future filed under each of its buckets.
A stream that has just sent a poke waits ``min_interval`` before its next, and then sends only
the newest sequence: a poke means "pull", and one pull fetches everything, so a burst of
commits costs each stream one message, not one per commit.

A revocation (a device, a passkey, a session, an API token, a user disabled) bumps
``revocations`` and wakes every stream of this process at once: each then checks that what it
was opened with still holds and ends if not. Streams of other processes check at least once a
heartbeat (docs/auth.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

# A stream of someone who sees every row is filed under this key, and woken by every poke.
EVERYTHING = None


class Poker:
    def __init__(self) -> None:
        self.latest = 0  # the newest sequence poked
        self._newest_in: dict[str, int] = {}  # bucket -> the newest sequence that touched it
        self._unscoped = 0  # the newest sequence poked to everyone (buckets not known)
        self._waiting: dict[str | None, set[asyncio.Future[None]]] = {}
        self._listeners = 0
        self.revocations = 0

    def newest_for(self, buckets: frozenset[str] | None) -> int:
        """The newest sequence a user of ``buckets`` (None: every row) has to pull for."""
        if buckets is None:
            return self.latest
        return max(self._unscoped, *(self._newest_in.get(b, 0) for b in buckets), 0)

    def revoked(self) -> None:
        """Something that signs a caller in was revoked: wake every stream to check its own."""
        self.revocations += 1
        self._wake(list(self._waiting))

    def poke(self, seq: int, buckets: Iterable[str] | None = None) -> None:
        """Changes up to ``seq`` committed, in ``buckets`` (None: not known, everyone's)."""
        if seq <= self.latest:
            return
        self.latest = seq
        if buckets is None:
            self._unscoped = seq
            self._wake(list(self._waiting))
            return
        touched = set(buckets)
        for bucket in touched:
            self._newest_in[bucket] = seq
        self._wake([EVERYTHING, *touched])

    def _wake(self, keys: Iterable[str | None]) -> None:
        for key in keys:
            for waiter in self._waiting.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def after(
        self,
        seen: int,
        timeout: float,
        revocations: int | None = None,
        buckets: frozenset[str] | None = None,
    ) -> int | None:
        """The newest sequence for ``buckets`` once it is above ``seen``; None if none came
        within ``timeout``. Returns early (maybe not above ``seen``) once ``revocations``
        differs from the count the caller last saw."""
        if (newest := self.newest_for(buckets)) > seen:
            return newest
        mark = self.revocations if revocations is None else revocations
        keys: list[str | None] = [EVERYTHING] if buckets is None else list(buckets)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while (newest := self.newest_for(buckets)) <= seen and self.revocations == mark:
                    waiter = loop.create_future()
                    for key in keys:
                        self._waiting.setdefault(key, set()).add(waiter)
                    try:
                        await waiter
                    finally:
                        for key in keys:
                            if (filed := self._waiting.get(key)) is not None:
                                filed.discard(waiter)
                                if not filed:
                                    del self._waiting[key]
        except TimeoutError:
            return None
        return newest

    def opened(self) -> None:
        self._listeners += 1

    def closed(self) -> None:
        self._listeners -= 1

    @property
    def listeners(self) -> int:
        return self._listeners
