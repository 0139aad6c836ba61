"""Settings: ``ORDERLY_*`` environment variables read once at start into one Struct."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import msgspec


class Settings(msgspec.Struct, frozen=True):
    data_dir: Path = Path("data")
    # Empty means the embedded SQLite file under data_dir.
    database_url: str = ""
    public_url: str = "http://localhost:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    push_max_mutations: int = 1000
    push_max_bytes: int = 4 * 1024 * 1024
    pull_max_limit: int = 10_000
    # Seconds between keep-alive comments on the poke stream.
    poke_heartbeat: float = 15.0
    # Seconds an event stream waits after a poke before the next (which carries the newest
    # sequence): bounds the messages per stream whatever the commit rate (server/poke.py).
    poke_min_interval: float = 1.0
    # Auth (docs/auth.md).
    session_days: int = 30
    enrollment_ttl_hours: int = 72
    challenge_ttl_seconds: int = 300
    auth_rate_per_minute: int = 30
    # Views of the public order status page /q/<token> per client address and minute.
    qr_page_rate_per_minute: int = 60
    # A redemption of an order whose total is above this (minor units) waits for a manager's
    # review (docs/warehouse.md).
    redeem_review_amount: int = 100_000
    # A device that has not synced for this long is flagged stale on the admin devices page.
    device_stale_hours: int = 72
    # A bearer token that may read /metrics from anywhere (loopback needs none); empty: none.
    metrics_token: str = ""
    # PostgreSQL: connections in each process's pool, and how many of them writes may hold at
    # once (at most the pool less 2): the rest stay free for pulls and lists while writes wait on
    # row locks (server/db/postgres.py, docs/operations.md § 2).
    db_pool_size: int = 16
    db_write_slots: int = 12
    # age public keys (age1…, spaces or commas between) every backup is encrypted to; empty:
    # archives are plain tar and `orderly backup` says so (docs/operations.md § 6).
    backup_recipients: str = ""

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "orderly.sqlite3"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def rp_id(self) -> str:
        """The WebAuthn relying party id: the public URL's host name."""
        return urlparse(self.public_url).hostname or "localhost"

    @property
    def origin(self) -> str:
        """The exact origin browsers report in WebAuthn client data (no trailing slash)."""
        u = urlparse(self.public_url)
        return f"{u.scheme}://{u.netloc}"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://") or self.rp_id == "localhost"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def with_(self, **changes: object) -> Settings:
        return msgspec.structs.replace(self, **changes)


def from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    fields: dict[str, object] = {}
    for name, field_type in (
        ("data_dir", Path),
        ("database_url", str),
        ("public_url", str),
        ("host", str),
        ("port", int),
        ("push_max_mutations", int),
        ("push_max_bytes", int),
        ("pull_max_limit", int),
        ("poke_heartbeat", float),
        ("poke_min_interval", float),
        ("session_days", int),
        ("enrollment_ttl_hours", int),
        ("challenge_ttl_seconds", int),
        ("auth_rate_per_minute", int),
        ("qr_page_rate_per_minute", int),
        ("redeem_review_amount", int),
        ("device_stale_hours", int),
        ("metrics_token", str),
        ("backup_recipients", str),
        ("db_pool_size", int),
        ("db_write_slots", int),
    ):
        raw = env.get(f"ORDERLY_{name.upper()}")
        if raw is not None and raw != "":
            fields[name] = field_type(raw)
    settings = Settings(**fields)
    if "public_url" not in fields:
        settings = settings.with_(public_url=local_url(settings.port))
    return settings


def local_url(port: int) -> str:
    """The public URL when none is configured: this machine's browser on ``localhost``, the one
    host name besides HTTPS ones that WebAuthn accepts."""
    return f"http://localhost:{port}"
