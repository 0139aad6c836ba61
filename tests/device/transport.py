"""How a sync client reaches a server: over HTTP, or in process.

A transport raises the server's typed errors (``sync.errors``) for answers the client must act
on, and ``TransportError`` when it does not know what happened (no connection, a timeout, a lost
or garbled response, a 5xx): that one is safe to retry, because a push applies nothing twice.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import httpx
import msgspec

from sync.context import Actor
from sync.errors import (
    BadCursor,
    BadRequest,
    ClientIdTaken,
    Forbidden,
    Gap,
    SyncError,
    TooLarge,
    Unauthorized,
    UpgradeRequired,
)
from sync.protocol import ErrorBody, PullRequest, PullResponse, PushRequest, PushResponse
from sync.pull import pull
from sync.push import PushLimits, push
from sync.store import Store

T = TypeVar("T")

_encoder = msgspec.json.Encoder()

ERRORS_BY_CODE: dict[str, type[SyncError]] = {
    cls.code: cls
    for cls in (
        BadRequest, BadCursor, ClientIdTaken, Unauthorized, Forbidden, Gap, UpgradeRequired,
        TooLarge,
    )
}  # fmt: skip
_ERRORS_BY_STATUS: dict[int, type[SyncError]] = {401: Unauthorized, 403: Forbidden, 413: TooLarge}
# Answers that say "not now" rather than "no": the request may be sent again as it is.
_RETRYABLE_STATUS = frozenset({408, 425, 429})


class TransportError(Exception):
    """The request may or may not have reached the server; sending it again is safe."""


class Transport(Protocol):
    async def push(self, req: PushRequest) -> PushResponse: ...
    async def pull(self, req: PullRequest) -> PullResponse: ...


def error_from_body(status: int, body: bytes) -> SyncError:
    """The typed error for a non-2xx answer, keeping what the body says (``extra``)."""
    try:
        err = msgspec.json.decode(body, type=ErrorBody)
    except msgspec.DecodeError:
        cls = _ERRORS_BY_STATUS.get(status, SyncError)
        exc = cls(f"HTTP {status}: {body[:200].decode(errors='replace')}")
        if cls is SyncError:
            exc.code = f"http_{status}"
        exc.status = status
        return exc
    extra: dict[str, object] = {}
    if err.last_mutation_id is not None:
        extra["last_mutation_id"] = err.last_mutation_id
    if err.limits is not None:
        extra["limits"] = err.limits
    cls = ERRORS_BY_CODE.get(err.code) or (BadRequest if status == 400 else SyncError)
    exc = cls(err.message, **extra)
    exc.code = err.code  # an unknown code stays readable on the generic class
    exc.status = status
    return exc


class HttpTransport:
    """Push and pull over ``POST {base_url}/api/sync/{push,pull}`` with a bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._own = client is None
        self._http = client or httpx.AsyncClient(timeout=timeout)

    async def push(self, req: PushRequest) -> PushResponse:
        return await self._post("/api/sync/push", req, PushResponse)

    async def pull(self, req: PullRequest) -> PullResponse:
        return await self._post("/api/sync/pull", req, PullResponse)

    async def aclose(self) -> None:
        if self._own:
            await self._http.aclose()

    async def __aenter__(self) -> HttpTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _post(self, path: str, body: msgspec.Struct, answer: type[T]) -> T:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            resp = await self._http.post(
                self.base_url + path, content=_encoder.encode(body), headers=headers
            )
        except httpx.RequestError as e:
            raise TransportError(f"{path}: {type(e).__name__}: {e}") from e
        if resp.status_code >= 500 or resp.status_code in _RETRYABLE_STATUS:
            raise TransportError(f"{path}: HTTP {resp.status_code}")
        if not 200 <= resp.status_code < 300:
            raise error_from_body(resp.status_code, resp.content)
        try:
            return msgspec.json.decode(resp.content, type=answer)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            # A cut-off or foreign (proxy) body: we do not know what the server did.
            raise TransportError(f"{path}: unreadable response: {e}") from e


class LocalTransport:
    """The engine in process, for tests, the simulator and benchmarks.

    Requests and responses go through JSON like on the wire (``wire=False`` skips that), so the
    client sees exactly what it would over HTTP, and the request is validated the same way.
    """

    def __init__(
        self,
        store: Store,
        actor: Actor,
        *,
        limits: PushLimits | None = None,
        pull_max_limit: int = 10_000,
        wire: bool = True,
    ) -> None:
        self.store = store
        self.actor = actor
        self.limits = limits or PushLimits()
        self.pull_max_limit = pull_max_limit
        self.wire = wire

    async def push(self, req: PushRequest) -> PushResponse:
        req = self._through_wire(req, PushRequest)
        if self.wire and len(_encoder.encode(req)) > self.limits.max_bytes:
            raise TooLarge("push body too large", limits=self.limits.as_dict())
        resp = await push(self.store, self.actor, req, self.limits)
        return self._through_wire(resp, PushResponse)

    async def pull(self, req: PullRequest) -> PullResponse:
        req = self._through_wire(req, PullRequest)
        resp = await pull(self.store, self.actor, req, self.pull_max_limit)
        return self._through_wire(resp, PullResponse)

    def _through_wire(self, msg: T, kind: type[T]) -> T:
        if not self.wire:
            return msg
        try:
            return msgspec.json.decode(_encoder.encode(msg), type=kind)
        except msgspec.ValidationError as e:
            raise BadRequest(f"{kind.__name__}: {e}") from None
