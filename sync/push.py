"""Push: apply a client's mutations in order, exactly once, each stored with its outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import msgspec

from sync import prefetch
from sync.apply import run_rule
from sync.context import Actor, Policy, now_iso
from sync.errors import ClientIdTaken, Gap, MutationRejected, TooLarge, UpgradeRequired
from sync.hlc import Timestamp, bounded, wall_ms
from sync.outcome import Outcome
from sync.protocol import SCHEMA_VERSION, MutationIn, MutationResult, PushRequest, PushResponse
from sync.store import ClientState, LoggedMutation, Store, WriteTx

log = logging.getLogger("orderly.sync.push")


@dataclass(frozen=True)
class PushLimits:
    max_mutations: int = 1000
    max_bytes: int = 4 * 1024 * 1024

    def as_dict(self) -> dict[str, int]:
        return {"max_mutations": self.max_mutations, "max_bytes": self.max_bytes}


DEFAULT_POLICY = Policy()


def check_schema(schema: int) -> None:
    if schema != SCHEMA_VERSION:
        raise UpgradeRequired(
            f"this server speaks sync schema {SCHEMA_VERSION}, the client sent {schema}: "
            "update the app",
            server_schema=SCHEMA_VERSION,
        )


def check_batch(req: PushRequest, limits: PushLimits) -> None:
    if len(req.mutations) > limits.max_mutations:
        raise TooLarge(
            f"{len(req.mutations)} mutations in one push; at most {limits.max_mutations}",
            limits=limits.as_dict(),
        )


def check_owner(client: ClientState | None, actor: Actor) -> None:
    """A client id belongs to the user and device that first pushed with it: anyone else's
    push or pull under it is refused whole, so no mutation of theirs takes an id of the owner's
    (which the owner's own would then find ``duplicate``) or counts as the owner's own write in
    the merge. The one hand-over: the same user on a new device, once the bound device was
    revoked (its outbox is pushed after logging in again, docs/auth.md)."""
    if client is None:
        return
    if client.user_id != actor.user_id:
        raise ClientIdTaken(
            f"client id {client.client_id} belongs to another user: each installation makes "
            "its own, per user"
        )
    if client.device_id != actor.device_id and not client.device_revoked:
        raise ClientIdTaken(
            f"client id {client.client_id} belongs to another device of yours: each "
            "installation makes its own (a revoked device's passes to the one you log in with)"
        )


def check_ids(req: PushRequest, last: int) -> None:
    """Ids rise by one within a push, and the first is at most ``last + 1``."""
    if req.mutations and req.mutations[0].id > last + 1:
        raise Gap(
            f"next mutation must be {last + 1}, got {req.mutations[0].id}",
            last_mutation_id=last,
        )
    for prev, nxt in zip(req.mutations, req.mutations[1:], strict=False):
        if nxt.id != prev.id + 1:
            raise Gap(
                f"mutation ids must rise by one within a push: {prev.id} then {nxt.id}",
                last_mutation_id=last,
            )


async def push(
    store: Store,
    actor: Actor,
    req: PushRequest,
    limits: PushLimits = PushLimits(),
    policy: Policy = DEFAULT_POLICY,
) -> PushResponse:
    check_schema(req.schema)
    check_batch(req, limits)
    received_at, received_ms = now_iso(), wall_ms()

    async def apply_all(tx: WriteTx) -> PushResponse:
        results: list[MutationResult] = []
        known = await tx.client(req.client_id)
        check_owner(known, actor)
        client = known or ClientState(
            client_id=req.client_id, user_id=actor.user_id, device_id=actor.device_id
        )
        last = client.last_mutation_id
        check_ids(req, last)
        await tx.prefetch(prefetch.wanted((m.name, m.args) for m in req.mutations if m.id > last))
        for m in req.mutations:
            if m.id <= last:
                results.append(await _duplicate(tx, req.client_id, m.id))
                continue
            result = await _apply_one(tx, actor, req.client_id, m, received_at, policy, received_ms)
            results.append(result)
            last = m.id
        client.last_mutation_id = last
        client.device_id = actor.device_id  # moves only from a revoked device (check_owner)
        if req.pending is not None:
            client.pending = req.pending
        await tx.save_client(client, received_at)
        return PushResponse(last_mutation_id=last, results=results)

    # The whole batch is one unit of work: one transaction, and on SQLite one trip to its thread;
    # its reads made ahead and its writes sent as a set (docs/scale.md, "The batched push").
    return await store.run_write(apply_all, batched=True)


async def _duplicate(tx: WriteTx, client_id: str, mutation_id: int) -> MutationResult:
    """A mutation already applied (the response was lost): say so, with its first outcome."""
    logged = await tx.logged(client_id, mutation_id)
    return MutationResult(
        id=mutation_id,
        status="duplicate",
        conflict_id=logged.conflict_id if logged else None,
        error=logged.error if logged else None,
    )


def _scrub(value: object) -> object:
    """``value`` with every NUL character as U+FFFD: PostgreSQL's text and JSONB cannot hold one."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


async def _apply_one(
    tx: WriteTx,
    actor: Actor,
    client_id: str,
    m: MutationIn,
    received_at: str,
    policy: Policy,
    received_ms: int,
) -> MutationResult:
    args = msgspec.json.encode(m.args).decode()
    # A NUL anywhere in the arguments: rejected on either database, and logged without it (it
    # failed the whole push with a 500 on PostgreSQL, and so blocked the device's outbox).
    nul = "\\u0000" in args and _scrub(m.args) != m.args
    if nul:
        args = msgspec.json.encode(_scrub(m.args)).decode()
    try:
        if nul:
            raise MutationRejected("invalid_args", f"{m.name}: text may not contain NUL characters")
        outcome = await _run(tx, actor, client_id, m, policy, received_ms)
        result = MutationResult(id=m.id, status=outcome.status, conflict_id=outcome.conflict_id)
    except MutationRejected as e:
        result = MutationResult(id=m.id, status="rejected", error=e.code, message=e.message)
    except Exception as e:  # a bug must not lose what the device sent: store it, answer rejected
        if tx.unavailable(e):
            raise  # the database failed, not the rule: the whole push fails and is sent again
        log.exception("mutation %s/%s (%s) failed", client_id, m.id, m.name)
        result = MutationResult(
            id=m.id,
            status="rejected",
            error="internal_error",
            message="the server failed to apply this mutation; it is stored for an admin",
        )
    if result.status != "rejected":
        tx.audit(
            f"mutation.{result.status}",
            f"{client_id}#{m.id}",
            {"name": m.name, "device": actor.device_id, "conflict": result.conflict_id},
            actor.user_id,
        )
    await tx.log_mutation(
        LoggedMutation(
            client_id=client_id,
            mutation_id=m.id,
            name=m.name,
            args=args,
            hlc=m.hlc,
            user_id=actor.user_id,
            device_id=actor.device_id,
            status=result.status,
            conflict_id=result.conflict_id,
            error=result.error,
            message=result.message,
            received_at=received_at,
        )
    )
    return result


async def _run(
    tx: WriteTx, actor: Actor, client_id: str, m: MutationIn, policy: Policy, received_ms: int
) -> Outcome:
    def hlc_of(m: MutationIn) -> Timestamp:
        return bounded(Timestamp.parse(m.hlc), received_ms)

    return await run_rule(tx, actor, client_id, m, policy, hlc_of)
