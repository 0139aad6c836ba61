"""server/admin/listing.py: the cursor every keyset list gives and takes, the page cut, the LIKE
pattern — run against SQLite for what the pattern matches."""

from __future__ import annotations

import base64
import sqlite3
from typing import Annotated

import msgspec
import pytest

from server.admin.listing import BadCursor, check_limit, contains, cut, decode_cursor, encode_cursor
from server.errors import BadRequest


class Key(msgspec.Struct, array_like=True):
    at: str
    id: Annotated[int, msgspec.Meta(ge=0)]


def test_a_cursor_gives_back_its_key():
    cursor = encode_cursor("2026-12-04T10:00:00.000Z", 7, of="log")
    assert "=" not in cursor  # fits a query string as it is
    assert decode_cursor(cursor, Key, of="log") == Key("2026-12-04T10:00:00.000Z", 7)
    pair = encode_cursor("2026-12-04T10:00:00.000Z", "01a2", of="orders")
    assert decode_cursor(pair, tuple[str, str], of="orders") == ("2026-12-04T10:00:00.000Z", "01a2")


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("2026-12-04T10:00:00.000Z", "01a2", of="stock-moves"),  # another list's
        encode_cursor("2026-12-04T10:00:00.000Z", -1, of="log"),  # out of the key's bounds
        encode_cursor("2026-12-04T10:00:00.000Z", of="log"),  # too short
        base64.urlsafe_b64encode(b'["log", "x", 1').decode(),  # not JSON
        base64.urlsafe_b64encode(b'{"log": 1}').decode(),  # not an array
        base64.urlsafe_b64encode(b"[]").decode(),
        "not a cursor!",
        "",
    ],
)
def test_a_cursor_it_never_gave_is_bad_cursor(cursor: str):
    with pytest.raises(BadCursor) as e:
        decode_cursor(cursor, Key, of="log")
    assert (e.value.code, e.value.status) == ("bad_cursor", 400)


def test_cut_keeps_limit_rows_and_names_the_next_page_by_the_last_kept():
    rows = [("c", 3), ("b", 2), ("a", 1)]  # limit + 1 read
    page, nxt = cut(rows, 2, lambda r: r, of="log")
    assert page == rows[:2]
    assert nxt is not None and decode_cursor(nxt, Key, of="log") == Key("b", 2)
    assert cut(rows[:2], 2, lambda r: r, of="log") == (rows[:2], None)  # the last page


@pytest.mark.parametrize("limit", [0, 501, -1])
def test_a_limit_outside_1_to_500_is_refused(limit: int):
    with pytest.raises(BadRequest):
        check_limit(limit)
    check_limit(1)
    check_limit(500)


@pytest.mark.parametrize(
    ("text", "matches", "misses"),
    [
        ("50%", "rebate 50% off", "rebate 500 off"),
        ("a_b", "xa_by", "xazby"),
        ("c:\\x", "path c:\\x here", "path c:x here"),
        ("tail\\", "ends in tail\\", "ends in tail"),
    ],
)
def test_contains_takes_the_wildcards_literally(text: str, matches: str, misses: str):
    db = sqlite3.connect(":memory:")
    sql = "SELECT ? LIKE ? ESCAPE '\\'"
    assert db.execute(sql, (matches, contains(text))).fetchone() == (1,)
    assert db.execute(sql, (misses, contains(text))).fetchone() == (0,)
