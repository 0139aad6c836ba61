"""Request bodies read defensively: JSON no client means to send is the client's error, a 400.

msgspec raises ``DecodeError`` for most bad JSON (Litestar answers 400 ``malformed_json``), but
``RecursionError`` for arrays or objects nested thousands deep and ``UnicodeDecodeError`` for a
key that is not UTF-8; both escaped Litestar's decoding as 500s with a traceback in the log, before
anyone signed in (tests/server/test_hostile_bodies.py). This ``Request`` turns them into the
``SerializationException`` Litestar answers as a 400 — once, for every JSON body of every route.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException


def _why(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "JSON is malformed: nested too deep"
    return "JSON is malformed: text that is not UTF-8"


class OrderlyRequest(Request):
    """Litestar's ``Request``, whose ``json()`` answers hostile JSON with a client error."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except (RecursionError, UnicodeDecodeError) as exc:
            raise SerializationException(_why(exc)) from None
