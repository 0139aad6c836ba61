"""Pokes: after a push commits, every open event stream of this process hears the new cursor.

One process fans out in memory; several processes on PostgreSQL relay commits to each other
through LISTEN/NOTIFY (server/pokes_pg.py), each then pokes its own streams here.

A poke costs O(1) whatever the number of streams: it records the newest sequence and wakes the
streams waiting for one (a shared event, replaced at each poke). A stream that has just sent a
poke waits ``min_interval`` before its next, and then sends only the newest sequence: a poke
means "pull", and one pull fetches everything, so a burst of commits costs each stream one
message, not one per commit (with 3,000 streams and 100 commits/s, one per commit would be
300,000 messages/s: docs/benchmarks.md, Load).

A revocation (a device, a passkey, a session, an API token, a user disabled) bumps
``revocations`` and wakes every stream of this process at once: each then checks that what it
was opened with still holds and ends if not. Streams of other processes check at least once a
heartbeat (docs/auth.md).
"""

from __future__ import annotations

import asyncio


class Poker:
    def __init__(self) -> None:
        self.latest = 0
        self._event = asyncio.Event()
        self._listeners = 0
        self.revocations = 0

    def revoked(self) -> None:
        """Something that signs a caller in was revoked: wake every stream to check its own."""
        self.revocations += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    def poke(self, seq: int) -> None:
        if seq <= self.latest:
            return
        self.latest = seq
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def after(self, seen: int, timeout: float, revocations: int | None = None) -> int | None:
        """The newest sequence once it is above ``seen``; None if none came within ``timeout``.
        Returns early (with ``latest``, maybe not above ``seen``) once ``revocations`` differs
        from the count the caller last saw."""
        if self.latest > seen:
            return self.latest
        mark = self.revocations if revocations is None else revocations
        try:
            async with asyncio.timeout(timeout):
                while self.latest <= seen and self.revocations == mark:
                    await self._event.wait()
        except TimeoutError:
            return None
        return self.latest

    def opened(self) -> None:
        self._listeners += 1

    def closed(self) -> None:
        self._listeners -= 1

    @property
    def listeners(self) -> int:
        return self._listeners
