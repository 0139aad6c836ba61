"""Which failures mean the database went away for a moment (503, the device sends again) and
which are bugs (server/db/sql.py database_gone): the variants a PostgreSQL restart mid-push showed
(tests/faults/test_postgres_restart.py) and the misuse that must stay a bug."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from server.db.sql import database_gone


@pytest.mark.parametrize("exc", [
    asyncpg.InterfaceError("connection is closed"),
    asyncpg.InterfaceError(
        "cannot call Connection.execute(): connection has been released back to the pool"),
    asyncpg.exceptions.InternalClientError("cannot switch to state 15"),
    ConnectionResetError("reset by peer"),
    sqlite3.OperationalError("database is locked"),
])  # fmt: skip
def test_a_connection_lost_under_a_request_is_the_database_gone(exc: Exception) -> None:
    assert database_gone(exc)


@pytest.mark.parametrize("exc", [
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    sqlite3.OperationalError("no such table: orders"),
    ValueError("a bug"),
])  # fmt: skip
def test_misuse_and_bad_statements_are_bugs(exc: Exception) -> None:
    assert not database_gone(exc)
