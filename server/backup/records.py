"""What a backup or a restore leaves behind: an audit entry, and a signed checkpoint of the
audit chain's head (server/audit_anchor.py)."""

from __future__ import annotations

from server.audit_anchor import Checkpoint
from server.audit_anchor import make as make_checkpoint
from server.config import Settings


async def checkpoint(settings: Settings) -> Checkpoint:
    from server.db.sql import open_database
    from server.keys import load

    db = await open_database(settings)
    try:
        return await make_checkpoint(db, load(settings.keys_dir))
    finally:
        await db.close()


async def audit(settings: Settings, action: str, subject: str, detail: dict) -> None:
    from server import audit as audit_log
    from server.audit import AuditEntry
    from server.db.sql import open_database

    db = await open_database(settings)
    try:
        await audit_log.record(db, AuditEntry(action, subject[-200:], detail))
    finally:
        await db.close()
