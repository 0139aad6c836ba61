"""One mutation through its rule: the step a push and a server-side write share.

The role may send it, the catalog takes its arguments, its HLC reads, and the rule runs in a
savepoint (a refusal half way leaves no half-applied effects). Every refusal is a
``MutationRejected`` with the code a device sees.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from shared.mutations import check
from shared.roles import may_send
from sync.context import Actor, MutationContext, Policy
from sync.errors import MutationRejected
from sync.hlc import BadHlc, Timestamp
from sync.outcome import Outcome
from sync.protocol import MutationIn
from sync.rules import HANDLERS
from sync.store import WriteTx

# The time a mutation is taken at; raises ``BadHlc`` when it cannot be read.
HlcOf = Callable[[MutationIn], Timestamp]


async def run_rule(
    tx: WriteTx, actor: Actor, client_id: str, m: MutationIn, policy: Policy, hlc_of: HlcOf
) -> Outcome:
    """``m`` applied inside ``tx`` as ``actor``, in this order of refusals: unknown name,
    forbidden, invalid arguments, unreadable HLC (the order devices have always been told)."""
    handler = HANDLERS.get(m.name)
    if handler is None:
        raise MutationRejected("unknown_mutation", f"no mutation named {m.name!r} in catalog v1")
    if not may_send(actor.role, m.name):
        raise MutationRejected("forbidden", f"a {actor.role} may not send {m.name}")
    try:
        args = check(m.name, m.args)  # the catalog: one definition of valid
    except msgspec.ValidationError as e:
        raise MutationRejected("invalid_args", f"{m.name}: {e}") from None
    try:
        hlc = hlc_of(m)
    except BadHlc as e:
        raise MutationRejected("bad_hlc", str(e)) from None
    ctx = MutationContext(
        tx=tx, actor=actor, client_id=client_id, mutation=m, hlc=hlc, policy=policy
    )
    async with tx.savepoint():
        return await handler(ctx, args)
