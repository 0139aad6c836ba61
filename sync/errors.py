"""Errors a client can see. Each has a stable ``code``; ``server/`` maps them to HTTP once."""

from __future__ import annotations


class SyncError(Exception):
    code = "sync_error"
    status = 400

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class BadRequest(SyncError):
    code = "invalid_request"
    status = 400


class BadCursor(SyncError):
    code = "bad_cursor"
    status = 400


class Unauthorized(SyncError):
    code = "unauthorized"
    status = 401


class Forbidden(SyncError):
    code = "forbidden"
    status = 403


class ClientIdTaken(SyncError):
    """The client id is bound to another user or device (the first to push with it)."""

    code = "client_id_taken"
    status = 403


class Gap(SyncError):
    """A mutation id skips ahead of the last one applied: the client must resend from last+1."""

    code = "mutation_gap"
    status = 409


class UpgradeRequired(SyncError):
    code = "upgrade_required"
    status = 409


class TooLarge(SyncError):
    code = "too_large"
    status = 413


class MutationRejected(Exception):
    """Raised inside a mutation handler: the mutation is stored as rejected with this code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
