"""A per-address limit for the public status page: a fixed one-minute window, in memory (one
process; a page view is cheap, this only keeps a scraper from walking the token space or
hammering the database)."""

from __future__ import annotations

import time


class PerMinute:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._window = 0
        self._counts: dict[str, int] = {}

    def allow(self, address: str) -> bool:
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._counts = window, {}
        n = self._counts.get(address, 0) + 1
        self._counts[address] = n
        return n <= self.limit
