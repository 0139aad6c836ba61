"""Pull cursors: opaque to clients, meaningful here.

``<epoch>.d.<scope>.<seq>``                      deltas after change ``seq``
``<epoch>.s.<scope>.<high>.<table>.<after id>``  an initial snapshot in progress, taken when
                                                 the last change was ``high``
``epoch`` names the database's change history, ``scope`` the client's buckets: a cursor from
another history or scope gets ``reset``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sync.buckets import Buckets
from sync.errors import BadCursor


def scope_key(buckets: Buckets | None) -> str:
    text = "*" if buckets is None else ",".join(sorted(buckets))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Delta:
    epoch: str
    scope: str
    seq: int

    def __str__(self) -> str:
        return f"{self.epoch}.d.{self.scope}.{self.seq}"


@dataclass(frozen=True)
class Snapshot:
    epoch: str
    scope: str
    high: int
    table: int = 0
    after: str = ""

    def __str__(self) -> str:
        return f"{self.epoch}.s.{self.scope}.{self.high}.{self.table}.{self.after}"


def parse(text: str) -> Delta | Snapshot:
    parts = text.split(".")
    try:
        if len(parts) == 4 and parts[1] == "d":
            return Delta(parts[0], parts[2], int(parts[3]))
        if len(parts) == 6 and parts[1] == "s":
            return Snapshot(parts[0], parts[2], int(parts[3]), int(parts[4]), parts[5])
    except ValueError:
        pass
    raise BadCursor(f"not a cursor this server issued: {text[:60]!r}")
