"""Thin handlers: each is one call into the sync engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TypeVar

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage

from server import metrics
from server.auth.devices import record_sync
from server.auth.principal import authenticate, still_valid
from server.errors import BadRequest
from server.state import AppState
from sync.context import Actor
from sync.protocol import PullRequest, PullResponse, PushRequest, PushResponse
from sync.pull import pull
from sync.push import push

T = TypeVar("T")


async def strict(request: Request, kind: type[T]) -> T:
    """The body as ``kind`` with msgspec's strict types. Litestar converts a body leniently
    (``"schema": "1"`` and ``"limit": "5"`` became numbers), so the protocol's own fields are
    decoded again from the bytes, as every client is told they are read (docs/protocol.md)."""
    try:
        return msgspec.json.decode(await request.body(), type=kind)
    except msgspec.ValidationError as e:
        raise BadRequest(f"{kind.__name__}: {e}") from None


class SyncController(Controller):
    path = "/api/sync"
    tags = ["sync"]

    @post(
        "/push",
        status_code=200,
        operation_id="syncPush",
        summary="Push mutations; each is applied once and stored with its outcome",
    )
    async def push(
        self,
        request: Request,
        data: JSONBody[PushRequest],
        actor: NamedDependency[Actor],
        app_state: NamedDependency[AppState],
    ) -> PushResponse:
        started = time.perf_counter()
        data = await strict(request, PushRequest)
        response = await push(app_state.store, actor, data, app_state.push_limits, app_state.policy)
        if actor.device_id:
            await record_sync(app_state.db, actor.device_id, data.pending)
        metrics.pushed(response, time.perf_counter() - started)
        return response

    @post(
        "/pull",
        status_code=200,
        operation_id="syncPull",
        summary="Pull the rows of your scope changed since your cursor",
    )
    async def pull(
        self,
        request: Request,
        data: JSONBody[PullRequest],
        actor: NamedDependency[Actor],
        app_state: NamedDependency[AppState],
    ) -> PullResponse:
        started = time.perf_counter()
        data = await strict(request, PullRequest)
        response = await pull(app_state.store, actor, data, app_state.settings.pull_max_limit)
        if actor.device_id:
            await record_sync(app_state.db, actor.device_id, None)
        metrics.pulled(response, time.perf_counter() - started)
        return response

    @get(
        "/events",
        operation_id="syncEvents",
        summary="Server-sent `poke` events carrying the newest change sequence",
    )
    async def events(
        self,
        request: Request,
        actor: NamedDependency[Actor],
        app_state: NamedDependency[AppState],
    ) -> ServerSentEvent:
        poker = app_state.poker
        heartbeat = app_state.settings.poke_heartbeat
        interval = app_state.settings.poke_min_interval
        principal = await authenticate(request)  # cached by ``actor``: no second lookup
        buckets = actor.buckets  # pokes of commits in these only (server/poke.py)

        async def stream() -> AsyncIterator[ServerSentEventMessage | str]:
            poker.opened()
            metrics.EVENT_STREAMS.inc()
            try:
                sent = app_state.last_seq
                yield ServerSentEventMessage(event="hello", data=str(sent))
                seen, checked = poker.revocations, time.monotonic()
                while True:
                    seq = await poker.after(sent, heartbeat, seen, buckets)
                    # A revocation here, or a heartbeat's time (one made by another process):
                    # a stream of a revoked device, session, passkey or token ends now.
                    if poker.revocations != seen or time.monotonic() - checked >= heartbeat:
                        seen, checked = poker.revocations, time.monotonic()
                        if not await still_valid(app_state.db, principal):
                            yield ServerSentEventMessage(event="revoked", data="")
                            return
                    if seq is None:
                        yield ServerSentEventMessage(comment="keep-alive")
                        continue
                    if seq <= sent:
                        continue
                    sent = seq
                    yield ServerSentEventMessage(event="poke", data=str(seq))
                    # Commits in the next moment are told together, as the newest sequence.
                    await asyncio.sleep(interval)
            finally:
                metrics.EVENT_STREAMS.dec()
                poker.closed()

        return ServerSentEvent(stream(), headers={"Cache-Control": "no-store"})
