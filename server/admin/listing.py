"""What every admin list does the same way: the page size it accepts, the cursor of a keyset page,
the search pattern of a ``LIKE``.

A keyset page (orders, mutation log) is ``limit`` rows newest first and ``next``, the cursor of
the following page or ``None``: the list reads ``limit + 1`` rows after the cursor's key and
:func:`cut` keeps ``limit`` of them. A cursor is opaque to the client — base64url of the JSON
array of the list's name (``of``) and the last row's sort key — and one it cannot have been given
answers ``bad_cursor`` (400) on every list, whatever its shape. The name is what refuses another
list's cursor: the orders' and the stock moves' keys have the same shape, (created_at, id).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec

from server.errors import BadRequest

K = TypeVar("K")
R = TypeVar("R")

MAX_LIMIT = 500  # rows of one page
# Counting every match of a filter costs a scan of them: past this a page says "more than".
COUNT_CAP = 100_000


class BadCursor(BadRequest):
    code = "bad_cursor"


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit: 1 to {MAX_LIMIT}")


def encode_cursor(*key: object, of: str) -> str:
    """The cursor of list ``of``'s page after a row whose sort key is ``key``."""
    raw = msgspec.json.encode((of, *key))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, key: type[K], *, of: str) -> K:
    """The sort key a cursor of list ``of`` holds, checked against ``key`` (a tuple type or an
    ``array_like`` Struct with bounds)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, *rest = msgspec.json.decode(raw, type=list[Any])
        if name != of:
            raise ValueError(f"a cursor of {name!r}")
        return msgspec.convert(rest, type=key)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise BadCursor("cursor: not one this list gave") from None


def older_than(at: str, row_id: str, key: Sequence[Any]) -> tuple[str, list[Any]]:
    """The keyset condition of a newest-first list (``ORDER BY at DESC, id DESC``): the rows
    after ``key``, ``(at, id)`` of the previous page's last row."""
    return f"({at} < ? OR ({at} = ? AND {row_id} < ?))", [key[0], key[0], key[1]]


def cut(
    rows: list[R], limit: int, key: Callable[[R], Sequence[Any]], *, of: str
) -> tuple[list[R], str | None]:
    """The page from the ``limit + 1`` rows read: its ``limit`` rows and the cursor of list
    ``of``'s next page (``None`` on the last page)."""
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(*key(rows[limit - 1]), of=of)


def contains(text: str) -> str:
    """The pattern of ``column LIKE ? ESCAPE '\\'`` matching ``text`` anywhere, its ``%`` and
    ``_`` taken literally. PostgreSQL's LIKE/ILIKE escape with a backslash without being told."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
