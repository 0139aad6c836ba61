"""An admin's write through the sync engine: what a person does in the console (assigning an
order, a review decision, a refund, …) applied as the mutation a device would push, as that
person, in the caller's transaction.

So the row is versioned, the role check and the rule are the device's own, and every device
concerned pulls the change. The engine's refusal becomes an HTTP error here, once: its
``forbidden`` a 403, any other code (or a conflict) a 409 with the engine's code, and the
transaction then writes nothing.
"""

from __future__ import annotations

from typing import Any

from server.errors import Conflict, Forbidden
from sync.context import Actor, Policy
from sync.direct import apply_mutation
from sync.errors import MutationRejected
from sync.store import WriteTx


class Refused(Conflict):
    """The engine refused the write (e.g. the order is no longer on hold); ``code`` is its."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def apply_as(
    tx: WriteTx, actor: Actor, name: str, args: dict[str, Any], policy: Policy
) -> None:
    """Mutation ``name`` applied in ``tx`` as ``actor`` (``sync.direct.apply_mutation``); a
    refusal or a conflict raises (see the module)."""
    try:
        outcome = await apply_mutation(tx, actor, name, args, policy=policy)
    except MutationRejected as e:
        raise (
            Forbidden(e.message) if e.code == "forbidden" else Refused(e.code, e.message)
        ) from None
    if outcome.status == "conflict":
        raise Refused("conflict", f"{name} came to a conflict ({outcome.conflict_id})")
