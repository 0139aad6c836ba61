"""A scratch sync engine for recording vectors: a real SQLite store, a pinned clock, pinned ids.

Everything the real engine writes goes through here unchanged (``sync.push``, ``sync.pull``,
``sync.direct``); only the wall clock and the server's own ids are fixed, so the same scenario
records the same rows on any day. A scenario pushes each mutation at the moment its HLC names
(the device was online when the user acted), which is what the PWA's prediction assumes.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from server.config import Settings
from server.db.migrate import migrate
from server.db.sql import open_database
from server.db.sync_store import SqlSyncStore
from sync import ids, pull, push
from sync.context import Actor
from sync.hlc import BadHlc, Timestamp
from sync.protocol import MutationIn, MutationResult, PullRequest, PushRequest

View = dict[str, dict[str, dict[str, Any]]]


class PinnedTime:
    """The engine's wall clock and server-made ids, fixed: ``at(ms)`` moves the clock; ids the
    server makes (conflicts, reservation moves) are ``name`` queued by ``next_ids``, else a
    counter."""

    def __init__(self, ms: int) -> None:
        self.ms = ms
        self.named: list[str] = []
        self.count = 0

    def at(self, ms: int) -> None:
        self.ms = ms

    def next_ids(self, *names: str) -> None:
        self.named.extend(names)

    def uuid7(self) -> str:
        if self.named:
            return self.named.pop(0)
        self.count += 1
        return f"00000000-0000-7000-8000-{self.count:012d}"

    def wall_ms(self) -> int:
        return self.ms

    @contextmanager
    def installed(self) -> Iterator[None]:
        pinned = self

        class Clock(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
                return datetime.fromtimestamp(pinned.ms / 1000, tz or UTC)

        # Every module that took ``uuid7`` by name makes its ids here.
        takers = [
            (module, "uuid7")
            for name, module in list(sys.modules.items())
            if name.startswith(("sync.", "server.")) and getattr(module, "uuid7", None) is ids.uuid7
        ]
        with (
            mock.patch("sync.context.datetime", Clock),
            mock.patch.object(push, "wall_ms", self.wall_ms),
            contextmanager(_patch_all)(takers, self.uuid7),
        ):
            yield


def _patch_all(targets: list[tuple[Any, str]], value: Any) -> Iterator[None]:
    saved = [(module, attr, getattr(module, attr)) for module, attr in targets]
    for module, attr, _ in saved:
        setattr(module, attr, value)
    try:
        yield
    finally:
        for module, attr, old in saved:
            setattr(module, attr, old)


class Device:
    """One installation: a client id, its mutation ids, pushes one mutation at its HLC's time."""

    def __init__(self, engine: Engine, actor: Actor, client_id: str) -> None:
        self.engine = engine
        self.actor = actor
        self.client_id = client_id
        self.next_id = 1

    async def push(self, name: str, args: Any, hlc: str) -> MutationResult:
        m = MutationIn(id=self.next_id, name=name, args=args, hlc=hlc, user_id=self.actor.user_id)
        self.next_id += 1
        # An unreadable HLC: the server refuses it at whatever time it is.
        with contextlib.suppress(BadHlc):
            self.engine.time.at(Timestamp.parse(hlc).ms)
        req = PushRequest(client_id=self.client_id, schema=1, mutations=[m])
        (result,) = (await push.push(self.engine.store, self.actor, req)).results
        return result

    async def pull(self) -> View:
        """Everything this device's user may see, from an initial sync."""
        view: View = {}
        cursor = None
        while True:
            req = PullRequest(client_id=self.client_id, schema=1, cursor=cursor)
            resp = await pull.pull(self.engine.store, self.actor, req)
            for c in resp.changes:
                rows = view.setdefault(c.t, {})
                if c.op == "put" and c.row is not None:
                    rows[c.id] = c.row
                else:
                    rows.pop(c.id, None)
            cursor = resp.cursor
            if not resp.more:
                return {t: rows for t, rows in sorted(view.items()) if rows}


class Engine:
    """A migrated SQLite store in a scratch directory; ``copy()`` gives an independent one."""

    def __init__(self, data_dir: Path, time: PinnedTime) -> None:
        self.data_dir = data_dir
        self.time = time
        self.store: SqlSyncStore

    @classmethod
    async def fresh(cls, root: Path, time: PinnedTime) -> Engine:
        engine = cls(root / "world", time)
        await migrate(Settings(data_dir=engine.data_dir))
        await engine.open()
        return engine

    async def open(self) -> None:
        self.store = SqlSyncStore(await open_database(Settings(data_dir=self.data_dir)))

    async def close(self) -> None:
        await self.store.db.close()

    async def copy(self, name: str) -> Engine:
        """A second store with this one's rows (this one closed and reopened around the copy)."""
        await self.close()
        other = Engine(self.data_dir.parent / name, self.time)
        shutil.copytree(self.data_dir, other.data_dir)
        await self.open()
        await other.open()
        return other

    def device(self, actor: Actor, client_id: str) -> Device:
        return Device(self, actor, client_id)


@contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orderly-vectors-") as root:
        yield Path(root)
