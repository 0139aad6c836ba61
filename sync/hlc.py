"""Hybrid logical clock: wall time plus a counter, so phone clock skew alone decides nothing.

Text form ``<ms:15 digits>-<counter:5 digits>-<node>`` sorts lexicographically in causal order,
the same way in Python, JavaScript and SQL.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

# ASCII digits only and no trailing newline (`$` allows one): the JS client refuses both too.
_FORM = re.compile(r"([0-9]{15})-([0-9]{5})-([A-Za-z0-9_-]{1,40})")
MAX_COUNTER = 99_999


# How far a mutation's HLC may run ahead of the server's clock when it arrives (docs/protocol.md
# § Hybrid logical clock): phone clocks drift and are set by hand. Beyond it the server takes
# the HLC as made at that bound, so a clock a year ahead neither wins every last-writer-wins
# edit nor spreads its date to other devices through the rows it writes.
MAX_SKEW_MS = 5 * 60 * 1000
# Before any device in service: an HLC earlier than this (a clock reset to 1970) is refused.
EARLIEST_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z


class BadHlc(ValueError):
    pass


@dataclass(frozen=True, order=True, slots=True)
class Timestamp:
    ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.ms:015d}-{self.counter:05d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        m = _FORM.fullmatch(text)
        if not m:
            raise BadHlc(f"not an HLC timestamp: {text[:80]!r}")
        return cls(int(m.group(1)), int(m.group(2)), m.group(3))


def bounded(ts: Timestamp, received_ms: int) -> Timestamp:
    """``ts`` as the server takes it at ``received_ms``: clamped to ``MAX_SKEW_MS`` ahead of it
    (counter and node kept, so one client's order stands); ``BadHlc`` before ``EARLIEST_MS``."""
    if ts.ms < EARLIEST_MS:
        raise BadHlc(
            f"HLC {ts} is from before 2020: the device's clock is wrong; set it and send again"
        )
    limit = received_ms + MAX_SKEW_MS
    return ts if ts.ms <= limit else Timestamp(limit, ts.counter, ts.node)


def wall_ms() -> int:
    return int(time.time() * 1000)


class Clock:
    """One node's clock. ``now()`` for a local event, ``receive()`` when a remote one is seen."""

    def __init__(self, node: str, last: Timestamp | None = None, wall=wall_ms) -> None:
        self.node = node
        self._wall = wall
        self.last = last or Timestamp(0, 0, node)

    def now(self) -> Timestamp:
        wall = self._wall()
        if wall > self.last.ms:
            self.last = Timestamp(wall, 0, self.node)
        else:
            self.last = self._bump(self.last.ms, self.last.counter + 1)
        return self.last

    def receive(self, remote: Timestamp) -> Timestamp:
        wall = self._wall()
        ms = max(wall, self.last.ms, remote.ms)
        if ms == self.last.ms == remote.ms:
            counter = max(self.last.counter, remote.counter) + 1
        elif ms == self.last.ms:
            counter = self.last.counter + 1
        elif ms == remote.ms:
            counter = remote.counter + 1
        else:
            counter = 0
        self.last = self._bump(ms, counter)
        return self.last

    def _bump(self, ms: int, counter: int) -> Timestamp:
        # A counter overflow borrows a millisecond from the future rather than wrapping.
        if counter > MAX_COUNTER:
            return Timestamp(ms + 1, 0, self.node)
        return Timestamp(ms, counter, self.node)
