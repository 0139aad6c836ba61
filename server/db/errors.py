"""Which database errors mean the database failed, and which a unique index refused."""

from __future__ import annotations

import sqlite3

import asyncpg

# What the database failing (not our code, not the client's input) raises: the connection broke
# or could not be made, the server is shutting down, the pool is reconnecting. A request that
# meets one answers 503 and the device sends it again (server/error_responses.py); a push aborts whole
# rather than storing its mutations as server bugs (sync/push.py, ``WriteTx.unavailable``).
DATABASE_GONE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,  # the connection broke or could not be made
    asyncpg.exceptions.OperatorInterventionError,  # admin/crash shutdown, cannot connect now
    asyncpg.InterfaceError,  # the connection is gone (database_gone tells which: others are bugs)
    # A pooled connection PostgreSQL cut while shutting down, caught between two protocol
    # states ("cannot switch to state 15; another operation is in progress"): seen when a
    # restart lands as a request starts its transaction (tests/faults/test_postgres_restart.py).
    asyncpg.exceptions.InternalClientError,
    ConnectionError,  # refused or reset while the pool reconnects
    TimeoutError,
)
# SQLite's own failures of the same kind: the file, the disk or the lock, not the statement.
_SQLITE_GONE = ("database is locked", "disk i/o error", "database or disk is full",
                "unable to open database file")  # fmt: skip


def database_gone(exc: BaseException) -> bool:
    """Whether ``exc`` means the database itself failed for a moment (see DATABASE_GONE)."""
    if isinstance(exc, asyncpg.InterfaceError):
        # "connection is closed"; and "connection has been released back to the pool": the pool
        # took back a connection PostgreSQL cut under a running transaction (seen once when a
        # restart landed mid-push, tests/faults/test_postgres_restart.py). Other InterfaceErrors
        # are misuse: bugs.
        return "closed" in str(exc) or "released back to the pool" in str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_GONE)
    return isinstance(exc, DATABASE_GONE)


def is_unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.UniqueViolationError) or (
        isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
    )


def lost_a_race(exc: BaseException) -> bool:
    """PostgreSQL aborted a write for another's sake: a deadlock, or a unique key (a row id, an
    order number, a client's first push) another write took while this one ran. Run again, the
    write sees the other's row and decides from it (a mutation applies nothing twice). SQLite
    has one writer: no write there loses a race."""
    return isinstance(
        exc,
        asyncpg.DeadlockDetectedError | asyncpg.SerializationError | asyncpg.UniqueViolationError,
    )
