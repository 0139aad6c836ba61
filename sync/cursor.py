"""Pull cursors: opaque to clients, meaningful here.

``<epoch>.d.<scope>.<seq>``             deltas after change ``seq``
``<epoch>.s.<scope>.<high>.<total>.<done>.<table>.<after id>``
                                        an initial snapshot in progress, taken when the last
                                        change was ``high``: ``total`` rows in scope when it
                                        began, ``done`` sent so far (the progress a pull reports)
``epoch`` names the database's change history, ``scope`` the client's buckets: a cursor from
another history or scope gets ``reset``. A snapshot cursor of the older six-part form
(``<epoch>.s.<scope>.<high>.<table>.<after id>``, without the counts) still parses, with
``total`` None; a pull answers it with a reset (a fresh snapshot), as it cannot tell the progress.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sync.buckets import Buckets
from sync.errors import BadCursor
from sync.tables import SYNCED_TABLES

_DIGITS = re.compile(r"[0-9]{1,19}")

# Which rows a bucket holds, as a version: bumped when that changes (stock levels joined the
# catalog in 2; signing keys and QR revocations in 3), so every cursor issued under the old
# rules is answered with a reset.
SCOPE_RULES = 3


def scope_key(buckets: Buckets | None) -> str:
    text = "*" if buckets is None else ",".join(sorted(buckets))
    return hashlib.sha256(f"{SCOPE_RULES}:{text}".encode()).hexdigest()[:10]


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
    total: int | None = None  # None: an old cursor that did not count
    done: int = 0

    def __str__(self) -> str:
        return (
            f"{self.epoch}.s.{self.scope}.{self.high}.{self.total or 0}.{self.done}"
            f".{self.table}.{self.after}"
        )


def _number(text: str) -> int:
    # ASCII digits only: int() also takes "-1", "+1", " 1", "1_0" and other scripts' digits.
    if not _DIGITS.fullmatch(text):
        raise ValueError(text)
    return int(text)


def parse(text: str) -> Delta | Snapshot:
    """The position ``text`` names; ``BadCursor`` for anything this server could not have
    issued (a made-up snapshot with more rows sent than counted, a table past the last)."""
    parts = text.split(".")
    try:
        if len(parts) == 4 and parts[1] == "d":
            return Delta(parts[0], parts[2], _number(parts[3]))
        if len(parts) == 8 and parts[1] == "s":
            epoch, _, scope, high, total, done, table, after = parts
            snap = Snapshot(
                epoch, scope, _number(high), _number(table), after, _number(total), _number(done)
            )
            if snap.done <= (snap.total or 0) and snap.table < len(SYNCED_TABLES):
                return snap
        if len(parts) == 6 and parts[1] == "s":
            snap = Snapshot(parts[0], parts[2], _number(parts[3]), _number(parts[4]), parts[5])
            if snap.table < len(SYNCED_TABLES):
                return snap
    except ValueError:
        pass
    raise BadCursor(f"not a cursor this server issued: {text[:60]!r}")
