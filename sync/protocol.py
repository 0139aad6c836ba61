"""Wire messages of sync protocol v1 (docs/protocol.md is the contract)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from shared import protocol_limits as lim

SCHEMA_VERSION = lim.SCHEMA_VERSION

ClientId = Annotated[
    str,
    msgspec.Meta(
        min_length=lim.CLIENT_ID_MIN_LENGTH,
        max_length=lim.CLIENT_ID_MAX_LENGTH,
        pattern=lim.CLIENT_ID_PATTERN,
    ),
]
# A mutation's name and HLC: any name is accepted here (an unknown one is stored as rejected);
# NUL never is.
MutationText = Annotated[
    str, msgspec.Meta(max_length=lim.MUTATION_TEXT_MAX_LENGTH, pattern=r"^[^\x00]*$")
]
# null starts an initial sync; an empty text is no cursor this server issued.
Cursor = Annotated[str, msgspec.Meta(min_length=1, max_length=lim.CURSOR_MAX_LENGTH)]
MutationStatus = Literal["applied", "merged", "conflict", "rejected", "duplicate"]


class MutationIn(msgspec.Struct, forbid_unknown_fields=True):
    """One intent as a client sends it; ``args`` are checked against the catalog per ``name``."""

    id: Annotated[int, msgspec.Meta(ge=1, le=lim.MUTATION_ID_MAX)]
    name: MutationText
    args: dict[str, Any]
    hlc: MutationText
    user_id: str | None = None


class PushRequest(msgspec.Struct, forbid_unknown_fields=True):
    client_id: ClientId
    schema: int
    mutations: list[MutationIn]
    # What the device still has queued (for the admin's fleet view); optional.
    pending: Annotated[int, msgspec.Meta(ge=0, le=lim.PENDING_MAX)] | None = None


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
    cursor: Cursor | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=lim.PULL_LIMIT_MAX)] = lim.PULL_LIMIT_DEFAULT


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
