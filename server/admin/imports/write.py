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
    """The engine refused order ``number`` of the plan: the import writes nothing."""

    def __init__(self, number: str, code: str, message: str) -> None:
        super().__init__(message)
        self.number, self.code, self.message = number, code, message


class _Log:
    """The import's mutations, applied and logged as pushed ones would be, under one client id
    bound to the importing admin."""

    def __init__(self, tx: WriteTx, admin: Actor, policy: Policy, import_id: str) -> None:
        self.tx, self.admin, self.policy = tx, admin, policy
        self.client_id = f"import-{import_id}"
        self.received_at = now_iso()
        self.count = 0

    async def apply(self, number: str, name: str, args: dict, actor: Actor | None = None) -> str:
        """``name`` applied as ``actor`` (the admin unless a sales rep is named): its status
        (applied or merged); a refusal or a conflict raises ``EngineRefused``."""
        self.count += 1
        i, hlc = self.count, _clock.now()
        try:
            outcome = await apply_mutation(self.tx, actor or self.admin, name, args,
                                           policy=self.policy, client_id=self.client_id,
                                           mutation_id=i, hlc=hlc)  # fmt: skip
        except MutationRejected as e:
            raise EngineRefused(number, e.code, e.message) from None
        if outcome.status not in ("applied", "merged"):
            # A conflict (rolled back with the rest): said by its kind and reason, as the
            # conflicts page would (a locked order, a transition the state machine refuses, …).
            row = await self.tx.get("conflicts", outcome.conflict_id) if outcome.conflict_id else None
            code = row["kind"] if row else outcome.status
            reason = row["reason"] if row and row["reason"] else outcome.status
            raise EngineRefused(number, code, f"order {number}: {reason}")
        # Logged as the admin's: the admin sent it (the order's owner is the rep it names).
        await self.tx.log_mutation(LoggedMutation(
            client_id=self.client_id, mutation_id=i, name=name,
            args=msgspec.json.encode(args).decode(), hlc=str(hlc), user_id=self.admin.user_id,
            device_id=self.admin.device_id, status=outcome.status, conflict_id=None, error=None,
            message=None, received_at=self.received_at,
        ))  # fmt: skip
        # As a push audits each applied mutation (sync/push.py).
        self.tx.audit(f"mutation.{outcome.status}", f"{self.client_id}#{i}",
                      {"name": name, "device": self.admin.device_id, "conflict": None},
                      self.admin.user_id)  # fmt: skip
        return outcome.status

    async def close(self) -> None:
        # The import's client id is bound to the admin like a device's (sync.push.check_owner):
        # no one else may push under it, to take its logged ids or pass its writes off as theirs.
        await self.tx.save_client(
            ClientState(self.client_id, self.admin.user_id, self.admin.device_id, self.count),
            self.received_at,
        )


async def write_orders(
    tx: WriteTx, actor: Actor, plan: Plan, policy: Policy, import_id: str
) -> tuple[int, int]:
    """Each order as an ``order.create`` of its sales rep (or the admin), logged as a pushed
    mutation would be: ``(created, held)``, held being the orders a review rule put on hold."""
    log = _Log(tx, actor, policy, import_id)
    for args in plan.orders:
        await log.apply(args["number"], "order.create", args, plan.reps.get(args["id"]))
    await log.close()
    # What the review rules held (sync/rules/review.py, on create): counted once at the end.
    submitted = [o["id"] for o in plan.orders if o["status"] == "submitted"]
    held = 0
    for i in range(0, len(submitted), CHUNK):
        created = await tx.get_many("orders", submitted[i : i + CHUNK])
        held += sum(order["status"] == "on_hold" for order in created.values())
    return len(plan.orders), held




async def update_orders(
    tx: WriteTx, actor: Actor, plan: Plan, policy: Policy, import_id: str
) -> tuple[int, set[str]]:
    """Each existing order changed to what the file says, by the mutations a device would send:
    ``order.update`` for its fields, ``order.line.upsert``/``order.line.remove`` for its lines
    (matched by product, in the file's order), ``order.transition`` for its status, last.
    Answers how many orders changed and their numbers."""
    log = _Log(tx, actor, policy, import_id)
    changed: set[str] = set()

    async def version(order_id: str) -> int:
        row = await tx.get("orders", order_id)
        assert row is not None  # planned in this transaction: it exists
        return int(row["version"])

    for u in plan.updates:
        number, order_id = u["number"], u["id"]
        wrote = False
        if u["set"]:
            args = {"id": order_id, "base_version": await version(order_id), "set": u["set"]}
            wrote |= await log.apply(number, "order.update", args) == "applied"
        current = [r for r in await tx.find("order_lines", "order_id", order_id)
                   if not r["deleted"]]  # fmt: skip
        current.sort(key=lambda r: r["id"])
        for planned in u["lines"]:
            want = {k: v for k, v in planned.items() if k != "given"}
            line = next((r for r in current if r["product_id"] == want["product_id"]), None)
            if line is not None:
                current.remove(line)
                # A price or discount the row leaves blank stays as the line has it.
                said = ("qty", *planned["given"])
                if all(line[f] == want[f] for f in said):
                    continue
                keep = {f: line[f] for f in ("unit_price", "discount_bp") if f not in said}
                want = {**want, **keep, "id": line["id"]}
            args = {"order_id": order_id, "base_version": await version(order_id), "line": want}
            wrote |= await log.apply(number, "order.line.upsert", args) == "applied"
        for line in current:  # on the order, not in the file
            args = {"order_id": order_id, "base_version": await version(order_id),
                    "line_id": line["id"]}  # fmt: skip
            wrote |= await log.apply(number, "order.line.remove", args) == "applied"
        if u["status"] is not None:
            row = await tx.get("orders", order_id)
            assert row is not None
            args = {"id": order_id, "from": row["status"], "to": u["status"]}
            wrote |= await log.apply(number, "order.transition", args) == "applied"
        if wrote:
            changed.add(number)
    await log.close()
    return len(changed), changed
