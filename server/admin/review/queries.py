"""Reading the review rules (as the console shows them) and the queue of what waits for a
person: orders on hold with the reasons, redemptions pending review, oldest first."""

from __future__ import annotations

import msgspec

from server.admin.review.schemas import (
    AbnormalAmount,
    CreditLimit,
    HeldOrder,
    PendingRedemption,
    Queue,
    RequiredFields,
    Rules,
)
from server.db.sql import Conn, Database
from sync.rules.review import REQUIRABLE, rules_of
from sync.store import Row

QUEUE_LIMIT = 500


def rules_out(rows: dict[str, Row]) -> Rules:
    """The rules of the ``review_rules`` rows (by id), defaults for the missing, and who saved
    one last."""
    r = rules_of(rows)
    saved = [row for row in rows.values() if row.get("updated_at")]
    last = max(saved, key=lambda row: row["updated_at"]) if saved else None
    return Rules(
        abnormal_amount=AbnormalAmount(r["abnormal_amount"][0], r["abnormal_amount"][1]["amount"]),
        credit_limit=CreditLimit(r["credit_limit"][0]),
        required_fields=RequiredFields(
            r["required_fields"][0], list(r["required_fields"][1]["fields"])
        ),  # fmt: skip
        requirable=list(REQUIRABLE),
        updated_at=last["updated_at"] if last else None,
        updated_by=last["updated_by"] if last else None,
    )


async def rules(db: Database) -> Rules:
    async with db.read() as conn:
        rows = await conn.fetch("SELECT * FROM review_rules")
    return rules_out({r["id"]: r for r in rows})


def _hold_step(history_text: str | None) -> dict:
    """The latest step into on_hold of a status history."""
    history = msgspec.json.decode(history_text or "[]")
    return next((h for h in reversed(history) if h.get("to") == "on_hold"), {})


async def queue(db: Database) -> Queue:
    async def work(conn: Conn) -> Queue:
        orders = await conn.fetch(
            "SELECT o.id, o.number, o.customer_id, c.name AS customer_name, o.owner_id,"
            " u.name AS owner_name, o.total, o.status_history FROM orders o"
            " LEFT JOIN customers c ON c.id = o.customer_id"
            " LEFT JOIN users u ON u.id = o.owner_id"
            " WHERE o.status = ? AND o.deleted = ? ORDER BY o.updated_at, o.id LIMIT ?",
            ("on_hold", False, QUEUE_LIMIT),
        )
        n_orders = await conn.fetchval(
            "SELECT COUNT(*) FROM orders WHERE status = ? AND deleted = ?", ("on_hold", False)
        )
        redemptions = await conn.fetch(
            "SELECT r.id, r.order_id, o.number AS order_number, r.amount, r.user_id,"
            " u.name AS user_name, r.device_id, r.at, r.received_at FROM redemptions r"
            " LEFT JOIN orders o ON o.id = r.order_id LEFT JOIN users u ON u.id = r.user_id"
            " WHERE r.status = ? AND r.deleted = ? ORDER BY r.received_at, r.id LIMIT ?",
            ("pending_review", False, QUEUE_LIMIT),
        )
        n_redemptions = await conn.fetchval(
            "SELECT COUNT(*) FROM redemptions WHERE status = ? AND deleted = ?",
            ("pending_review", False),
        )
        held = []
        for o in orders:
            step = _hold_step(o.pop("status_history"))
            held.append(HeldOrder(**o, since=step.get("at"), held_by=step.get("by"),
                                  reasons=step.get("reasons") or [],
                                  reason=step.get("reason")))  # fmt: skip
        return Queue(
            orders=held,
            orders_total=int(n_orders),
            redemptions=[PendingRedemption(**r) for r in redemptions],
            redemptions_total=int(n_redemptions),
        )

    return await db.run_read(work)
