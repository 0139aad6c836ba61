"""What some optimistic scenarios add to the world before the device pulls: QR keys and orders
that can be redeemed, redemptions waiting for review, an open stocktake."""

from __future__ import annotations

from server.qr.keys import SYSTEM
from shared import qr
from sync import buckets as bk
from sync import writer
from sync.direct import server_context
from sync.rules import qr as qr_rules
from tests.vectors import qr_vectors as qv
from tests.vectors.clock import T0
from tests.vectors.engine import Engine
from tests.vectors.optimistic_world import ADMIN, PICKER, REP, People, new_line

# Orders a QR token can name: their ids are UUIDs.
Q_OWN = "0193a8f2-0000-7000-8000-000000000001"  # the rep's, submitted: the rep's device signs it
Q_READY = "0193a8f2-0000-7000-8000-000000000002"  # packed and paid: a picker may redeem it
Q_BIG1 = "0193a8f2-0000-7000-8000-000000000003"  # redeemed, above the review amount
Q_BIG2 = "0193a8f2-0000-7000-8000-000000000004"
Q_DONE = "0193a8f2-0000-7000-8000-000000000005"  # redeemed, below it: completed
REP_KEY = "rep-device"
READY_AT = (T0 - 60_000) // 1000  # when the server issued Q_READY's token (seconds)


class _Steps(People):
    """The people of the world, doing what a QR scenario needs."""

    async def ready_order(self, oid: str, number: str, qty: int, *, redeem: str | None = None):
        """An order of ``qty`` pots made by the rep, packed and paid in full; redeemed (with a
        server token) as ``redeem`` when given."""
        await self.send(REP, "order.create", {"id": oid, "number": number, "customer_id": "c-1",
                        "lines": [new_line(f"l-{number}", "p-3", qty, 4000)],
                        "warehouse_id": "w-1"})  # fmt: skip
        status = "submitted"
        for to in ("confirmed", "picking", "packed"):
            await self.send(ADMIN, "order.transition", {"id": oid, "from": status, "to": to})
            status = to
        await self.send(REP, "payment.record", {"id": f"pay-{number}", "order_id": oid,
                        "method": "card", "amount": qty * 4000, "status": "paid"})  # fmt: skip
        if redeem is not None:
            token = await self.server_token(oid)
            await self.send(PICKER, "qr.redeem", {"id": redeem, "order_id": oid, "token": token})

    async def server_token(self, oid: str, at: int | None = None) -> str:
        token = qr.issue(qv.private("server"), oid, self.ms // 1000 if at is None else at)
        async with self.engine.store.write() as tx:
            ctx = server_context(tx, ADMIN, "vectors.qr")
            await qr_rules.record(ctx, token, qr.decode(token), "server")
        return token


async def qr_world(engine: Engine) -> None:
    """The server's and the rep's device keys, an order of the rep's, one ready to redeem,
    and three redeemed: two waiting for review (``r-p``, ``r-q``), one completed (``r-done``)."""
    async with engine.store.write() as tx:
        ctx = server_context(tx, SYSTEM, "vectors.keys")
        await writer.insert(ctx, "signing_keys", qv._server_row("server"), bk.CATALOG)
        device_key = qv._device_row(REP_KEY, REP.device_id or "", "K7F", user_id=REP.user_id)
        await writer.insert(ctx, "signing_keys", device_key, bk.CATALOG)
    steps = _Steps(engine, T0 - 900_000, "setup")
    await steps.send(REP, "order.create", {"id": Q_OWN, "number": "K7F-00080",
                     "customer_id": "c-1", "lines": [new_line("l-q1")]})  # fmt: skip
    await steps.ready_order(Q_READY, "K7F-00081", 1)
    assert await steps.server_token(Q_READY, READY_AT) == ready_token()
    await steps.ready_order(Q_BIG1, "K7F-00082", 30, redeem="r-p")
    await steps.ready_order(Q_BIG2, "K7F-00083", 40, redeem="r-q")
    await steps.ready_order(Q_DONE, "K7F-00084", 2, redeem="r-done")


def ready_token() -> str:
    """The server's token of Q_READY, as its QR code shows it."""
    return qr.issue(qv.private("server"), Q_READY, READY_AT)


def rep_token(order_id: str, ms: int) -> str:
    """A token the rep's device signs for its order at ``ms``."""
    return qr.issue(qv.private(REP_KEY), order_id, ms // 1000)


async def open_count(engine: Engine) -> None:
    """An open stocktake ``st-1`` of warehouse w-1, as the warehouse page opens one."""
    async with engine.store.write() as tx:
        ctx = server_context(tx, PICKER, "vectors.stocktake")
        row = {"id": "st-1", "warehouse_id": "w-1", "status": "open", "opened_by": PICKER.user_id,
               "opened_at": ctx.now, "applied_by": None, "applied_at": None}  # fmt: skip
        await writer.insert(ctx, "stocktakes", row, frozenset({"wh:w-1", "all"}))
