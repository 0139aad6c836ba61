"""Wire messages of sync protocol v1 (docs/protocol.md is the contract)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

SCHEMA_VERSION = 1

ClientId = Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
MutationStatus = Literal["applied", "merged", "conflict", "rejected", "duplicate"]


class MutationIn(msgspec.Struct, forbid_unknown_fields=True):
    """One intent as a client sends it; ``args`` are checked against the catalog per ``name``."""

    id: Annotated[int, msgspec.Meta(ge=1, le=2**62)]
    # Any name is accepted here (an unknown one is stored as rejected); NUL never is.
    name: Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[^\x00]*$")]
    args: dict[str, Any]
    hlc: Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[^\x00]*$")]
    user_id: str | None = None


class PushRequest(msgspec.Struct, forbid_unknown_fields=True):
    client_id: ClientId
    schema: int
    mutations: list[MutationIn]
    # What the device still has queued (for the admin's fleet view); optional.
    pending: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)] | None = None


class MutationResult(msgspec.Struct):
    id: int
    status: MutationStatus
    conflict_id: str | None = None
    error: str | None = None
    message: str | None = None


class PushResponse(msgspec.Struct):
    last_mutation_id: int
    results: list[MutationResult]


class PullRequest(msgspec.Struct, forbid_unknown_fields=True):
    client_id: ClientId
    schema: int
    # null starts an initial sync; an empty text is no cursor this server issued.
    cursor: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 5000


class Change(msgspec.Struct, omit_defaults=True):
    t: str
    id: str
    op: Literal["put", "del"]
    v: int
    row: dict[str, Any] | None = None


class SnapshotProgress(msgspec.Struct):
    """How far an initial sync is: rows sent so far, of the rows in scope when it began."""

    done: int
    total: int


class PullResponse(msgspec.Struct):
    cursor: str
    last_mutation_id: int
    more: bool
    reset: bool
    changes: list[Change]
    # Set while the answer comes from a snapshot (initial sync or reset); None for deltas.
    snapshot: SnapshotProgress | None = None


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """Every error a client can see: a stable ``code`` and a readable ``message``."""

    code: str
    message: str
    last_mutation_id: int | None = None
    limits: dict[str, int] | None = None
