"""Pokes: after a push commits, every open event stream of this process hears the new cursor.

One process fans out through in-memory queues. (Several processes on PostgreSQL will relay
through LISTEN/NOTIFY; that is the scale-out issue's work.)
"""

from __future__ import annotations

import asyncio


class Poker:
    def __init__(self, queue_size: int = 16) -> None:
        self._subscribers: set[asyncio.Queue[str]] = set()
        self._queue_size = queue_size

    def subscribe(self) -> asyncio.Queue[str]:
        q: asyncio.Queue[str] = asyncio.Queue(self._queue_size)
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[str]) -> None:
        self._subscribers.discard(q)

    def poke(self, seq: int) -> None:
        for q in list(self._subscribers):
            if q.full():
                # A slow listener needs only the newest poke: it pulls everything anyway.
                q.get_nowait()
            q.put_nowait(str(seq))

    @property
    def listeners(self) -> int:
        return len(self._subscribers)
