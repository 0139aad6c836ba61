"""The console's writes on customers: a credit limit (through the sync writer), a customer
created or edited (the ``customer.upsert`` a device would push, as the acting admin:
server/admin/writes.py), and a note (an audit entry)."""

from __future__ import annotations

from server.admin.customers import queries
from server.admin.customers.schemas import (
    CreditLimitIn,
    CustomerCredit,
    CustomerDetail,
    CustomerIn,
    NoteIn,
)
from server.admin.writes import apply_as
from server.db.sql import Database
from server.errors import NotFound
from sync.context import Actor, Policy
from sync.direct import put_rows
from sync.ids import uuid7
from sync.store import Store


async def set_credit_limit(
    store: Store, actor: Actor, customer_id: str, data: CreditLimitIn
) -> CustomerCredit:
    """Written through the sync writer (versioned, audited, pulled by the devices that hold the
    customer); the next order of theirs that reaches ``submitted`` meets it."""
    async with store.read() as rtx:
        found = await rtx.rows("customers", [customer_id])
    if not found:
        raise NotFound(f"no customer {customer_id}")
    await put_rows(
        store, actor, "customers", [{"id": customer_id, "credit_limit": data.credit_limit}]
    )
    return CustomerCredit(customer_id, found[0]["name"], data.credit_limit)


def _fields(data: CustomerIn) -> dict[str, object]:
    return {"name": data.name, "phone": data.phone, "address": data.address, "region": data.region}


async def create(
    store: Store, db: Database, policy: Policy, actor: Actor, data: CustomerIn
) -> CustomerDetail:
    """A new customer, the admin its owner (as a rep's phone makes one)."""
    customer_id = uuid7()
    async with store.write() as tx:
        await apply_as(tx, actor, "customer.upsert", {"id": customer_id, **_fields(data)}, policy)
        tx.audit("customers.create", customer_id, {"name": data.name}, actor.user_id)
    return await queries.detail(db, customer_id)


async def edit(
    store: Store, db: Database, policy: Policy, actor: Actor, customer_id: str, data: CustomerIn
) -> CustomerDetail:
    """Their fields set from ``base_version`` (the rule merges or answers a conflict: 409)."""
    async with store.write() as tx:
        current = await tx.get("customers", customer_id)
        if current is None or current["deleted"]:
            raise NotFound(f"no customer {customer_id}")
        base = current["version"] if data.base_version is None else data.base_version
        args = {"id": customer_id, **_fields(data), "base_version": base}
        await apply_as(tx, actor, "customer.upsert", args, policy)
        changed = sorted(f for f, v in _fields(data).items() if current[f] != v)
        tx.audit("customers.edit", customer_id, {"name": data.name, "set": changed},
                 actor.user_id)  # fmt: skip
    return await queries.detail(db, customer_id)


async def note(store: Store, db: Database, actor: Actor, customer_id: str, data: NoteIn
               ) -> CustomerDetail:  # fmt: skip
    async with store.write() as tx:
        current = await tx.get("customers", customer_id)
        if current is None or current["deleted"]:
            raise NotFound(f"no customer {customer_id}")
        tx.audit("customers.note", customer_id, {"text": data.text}, actor.user_id)
    return await queries.detail(db, customer_id)
