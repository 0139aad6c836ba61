"""Writing a plan through the sync engine, inside the import's one transaction: products as
``sync.direct`` puts catalog rows (versioned, audited, in the catalog bucket), orders as the
admin's ``order.create`` mutations, logged as pushed ones would be. Only the engine's
``WriteTx``."""

from __future__ import annotations

import msgspec

from server.admin.imports.plan import Plan
from server.admin.imports.queries import CHUNK
from sync.context import Actor, Policy, now_iso
from sync.direct import apply_mutation, put_rows_in
from sync.errors import MutationRejected
from sync.hlc import Clock
from sync.store import ClientState, LoggedMutation, WriteTx

_clock = Clock("server-import")


async def write_products(tx: WriteTx, actor: Actor, plan: Plan) -> tuple[int, int]:
    """The plan's changed products updated and new ones inserted, as ``PUT /api/catalog/products``
    writes them (``sync.direct.put_rows``): ``(created, updated)``."""
    return await put_rows_in(tx, actor, "products", [*plan.changed, *plan.new])


class EngineRefused(Exception):
    """The engine refused the plan's ``row``-th order (1-based): the import writes nothing."""

    def __init__(self, row: int, code: str, message: str) -> None:
        super().__init__(message)
        self.row, self.code, self.message = row, code, message


async def write_orders(
    tx: WriteTx, actor: Actor, plan: Plan, policy: Policy, import_id: str
) -> tuple[int, int]:
    """Each order as the admin's ``order.create``, logged as a pushed mutation would be:
    ``(created, held)``, held being the orders a review rule put on hold."""
    client_id = f"import-{import_id}"
    received_at = now_iso()
    for i, args in enumerate(plan.orders, start=1):
        hlc = _clock.now()
        try:
            outcome = await apply_mutation(tx, actor, "order.create", args, policy=policy,
                                           client_id=client_id, mutation_id=i, hlc=hlc)  # fmt: skip
        except MutationRejected as e:
            raise EngineRefused(i, e.code, e.message) from None
        if outcome.status != "applied":
            raise EngineRefused(i, outcome.status, f"order {args['number']}: {outcome.status}")
        await tx.log_mutation(LoggedMutation(
            client_id=client_id, mutation_id=i, name="order.create",
            args=msgspec.json.encode(args).decode(), hlc=str(hlc), user_id=actor.user_id,
            device_id=actor.device_id, status="applied", conflict_id=None, error=None,
            message=None, received_at=received_at,
        ))  # fmt: skip
        # As a push audits each applied mutation (sync/push.py).
        tx.audit("mutation.applied", f"{client_id}#{i}",
                 {"name": "order.create", "device": actor.device_id, "conflict": None},
                 actor.user_id)  # fmt: skip
    # The import's client id is bound to the admin like a device's (sync.push.check_owner): no
    # one else may push under it, to take its logged ids or pass its writes off as their own.
    await tx.save_client(
        ClientState(client_id, actor.user_id, actor.device_id, len(plan.orders)), received_at
    )
    # What the review rules held (sync/rules/review.py, on create): counted once at the end.
    submitted = [o["id"] for o in plan.orders if o["status"] == "submitted"]
    held = 0
    for i in range(0, len(submitted), CHUNK):
        created = await tx.get_many("orders", submitted[i : i + CHUNK])
        held += sum(order["status"] == "on_hold" for order in created.values())
    return len(plan.orders), held
