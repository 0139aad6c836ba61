"""Who is acting, and everything a mutation handler needs while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sync import buckets as bk
from sync.hlc import Timestamp
from sync.protocol import MutationIn
from sync.store import WriteTx


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_of_ms(ms: int) -> str:
    """Milliseconds since the epoch in ``now_iso``'s form (exact: no float division)."""
    at = datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Actor:
    """The authenticated user (and device) a request acts for."""

    user_id: str
    role: str
    warehouse_id: str | None = None
    device_id: str | None = None

    @property
    def buckets(self) -> bk.Buckets | None:
        return bk.for_user(self.role, self.user_id, self.warehouse_id)

    @property
    def by(self) -> str:
        return f"{self.user_id}/{self.device_id or '-'}"

    def can_see(self, row_buckets: bk.Buckets | str) -> bool:
        if isinstance(row_buckets, str):
            row_buckets = bk.decode(row_buckets)
        return bk.visible(row_buckets, self.buckets)


@dataclass(frozen=True)
class Policy:
    """Settings the rules apply (from ``ORDERLY_*`` on the server)."""

    # A redemption of an order whose total is above this (minor units) waits for review.
    redeem_review_amount: int = 100_000


@dataclass
class MutationContext:
    tx: WriteTx
    actor: Actor
    client_id: str
    mutation: MutationIn
    hlc: Timestamp
    now: str = field(default_factory=now_iso)
    policy: Policy = field(default_factory=Policy)

    @property
    def made_at(self) -> str:
        """When the person did it: the time of the mutation's HLC (the device's clock when it
        was made, offline perhaps days ago), never after the server's now. What a record's
        ``created_at`` says, so that it does not change when the device syncs."""
        return min(iso_of_ms(self.hlc.ms), self.now)
