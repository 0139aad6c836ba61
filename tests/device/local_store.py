"""A simulated device's state: the mirror as pulled, the cursor, the outbox and the clock.

The outbox bookkeeping is the same as the PWA's (``pwa/js/core/outbox.js``), held to the same
vectors (``tests/vectors/outbox.json``). A store can be saved to a file and loaded again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from sync.hlc import Clock, Timestamp
from sync.protocol import Change, MutationIn

Row = dict[str, Any]
View = dict[str, dict[str, Row]]


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
    it acknowledged to a push but a pull has not shown back yet: a screen keeps showing those, so
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

    def unconfirmed(self, skip: Iterable[int] = ()) -> list[MutationIn]:
        """What a screen would lay over the mirror: every mutation a pull has not shown back yet,
        in order (``skip``: ids known to be rejected). The PWA predicts their effect
        (pwa/js/core/optimistic.js); this simulator shows the mirror alone."""
        skipped = set(skip)
        return [*(m for m in self.unpulled if m.id not in skipped), *self.outbox]

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
