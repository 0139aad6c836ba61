"""What the running app holds: settings, the open database, the sync store, the poker."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.admin.users.service import AdminService
from server.auth.service import AuthService
from server.config import Settings
from server.db.sql import Database
from server.db.sync_store import SqlSyncStore
from server.keys import ServerKeys
from server.poke import Poker
from server.qr.limit import PerMinute
from server.qr.service import QrService
from sync.context import Policy
from sync.push import PushLimits


@dataclass
class AppState:
    settings: Settings
    db: Database
    store: SqlSyncStore
    keys: ServerKeys
    auth: AuthService
    admin: AdminService
    qr: QrService
    qr_page_limit: PerMinute
    poker: Poker = field(default_factory=Poker)
    last_seq: int = 0

    def __post_init__(self) -> None:
        # Every commit through the app's store pokes this process's event streams.
        self.store.on_commit.append(self.committed)

    @property
    def push_limits(self) -> PushLimits:
        return PushLimits(self.settings.push_max_mutations, self.settings.push_max_bytes)

    @property
    def policy(self) -> Policy:
        return Policy(redeem_review_amount=self.settings.redeem_review_amount)

    def committed(self, seq: int, buckets: frozenset[str] | None = None) -> None:
        """Changes up to ``seq`` committed, in ``buckets`` (None: not known)."""
        self.last_seq = max(self.last_seq, seq)
        self.poker.poke(seq, buckets)

    def relayed(self, seq: int, buckets: frozenset[str] | None = None) -> None:
        """A commit heard from PostgreSQL (server/pokes_pg.py): by another process, or this
        one's own, already poked by ``committed``."""
        if seq > self.last_seq:
            self.committed(seq, buckets)
