"""The application's errors: what any part of the server raises when a request cannot be served.

Every error has a stable ``code`` (listed in ``shared/codes.py``) and an HTTP ``status``;
``server/error_responses.py`` turns them into the JSON error body, once, for the whole app. The
sync engine keeps its own base (``sync.errors.SyncError``: it knows nothing of HTTP servers) with
the same shape, and the same handler maps it. Server code raises these, never the engine's.
"""

from __future__ import annotations


class AppError(Exception):
    code = "invalid_request"
    status = 400

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class BadRequest(AppError):
    code = "invalid_request"
    status = 400


class Unauthorized(AppError):
    code = "unauthorized"
    status = 401


class Forbidden(AppError):
    code = "forbidden"
    status = 403


class NotFound(AppError):
    """Something the request names does not exist (or is not the caller's to see)."""

    code = "not_found"
    status = 404


class Conflict(AppError):
    """The request is well formed but the state of things refuses it."""

    code = "conflict"
    status = 409


class TooLarge(AppError):
    code = "too_large"
    status = 413
