"""Setting a customer's credit limit."""

from __future__ import annotations

from server.admin.customers.schemas import CreditLimitIn, CustomerCredit
from server.errors import NotFound
from sync.context import Actor
from sync.direct import put_rows
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
