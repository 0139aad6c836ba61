"""Pokes at scale (server/poke.py): a burst of commits reaches a stream as one poke carrying the
newest sequence; a commit wakes only the streams of users who pull one of its buckets (and those
who see everything), and one whose buckets are not known wakes everyone."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from server.poke import Poker
from server.pokes_pg import parse_payload, poke_payload
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import EVENTS, PUSH, _sse_events, mutation, push_body


async def test_a_poker_wakes_every_waiting_stream_with_the_newest_sequence() -> None:
    poker = Poker()
    waiting = [asyncio.create_task(poker.after(0, timeout=5)) for _ in range(1000)]
    await asyncio.sleep(0)
    poker.poke(3)
    poker.poke(7)
    poker.poke(5)  # late and lower: the newest stays 7
    assert await asyncio.gather(*waiting) == [7] * 1000
    assert await poker.after(6, timeout=5) == 7  # already beyond: no wait
    started = time.monotonic()
    assert await poker.after(7, timeout=0.2) is None  # nothing newer: the heartbeat's turn
    assert time.monotonic() - started >= 0.2


async def test_a_scoped_poke_wakes_only_the_streams_of_its_buckets() -> None:
    poker = Poker()
    rep1 = frozenset({"catalog", "rep:u1"})
    rep2 = frozenset({"catalog", "rep:u2"})
    r1 = asyncio.create_task(poker.after(0, timeout=5, buckets=rep1))
    r2 = asyncio.create_task(poker.after(0, timeout=0.3, buckets=rep2))
    admin = asyncio.create_task(poker.after(0, timeout=5))  # None: every row
    await asyncio.sleep(0)
    poker.poke(4, frozenset({"rep:u1", "all", "wh:w1"}))  # rep 1's order
    assert await r1 == 4 and await admin == 4
    assert await r2 is None  # nothing of rep 2's: no poke, the heartbeat's turn
    assert poker.newest_for(rep2) == 0 and poker.newest_for(None) == 4
    # A catalog change reaches both reps; one of unknown buckets (None) reaches everyone.
    both = [asyncio.create_task(poker.after(4, timeout=5, buckets=b)) for b in (rep1, rep2)]
    await asyncio.sleep(0)
    poker.poke(6, frozenset({"catalog", "all"}))
    assert await asyncio.gather(*both) == [6, 6]
    later = asyncio.create_task(poker.after(6, timeout=5, buckets=frozenset({"rep:u9"})))
    await asyncio.sleep(0)
    poker.poke(9)
    assert await later == 9
    assert not poker._waiting  # every waiter filed away again


def test_a_stream_hears_the_commits_its_user_pulls_and_no_others(
    serve: Callable[..., LiveServer],
) -> None:
    live = serve(poke_min_interval=0.1)
    tokens = {
        "rep1": live.token("rep1", "sales"),
        "rep2": live.token("rep2", "sales"),
        "admin": live.token("admin", "admin"),
    }
    heard: dict[str, queue.Queue[tuple[str, str]]] = {name: queue.Queue() for name in tokens}

    def listen(name: str) -> None:
        try:
            with (
                live.client(tokens[name], timeout=httpx.Timeout(20.0)) as listener,
                listener.stream("GET", EVENTS) as response,
            ):
                for item in _sse_events(response):
                    heard[name].put(item)
        except httpx.HTTPError:
            return  # the server stopped at the end of the test

    for name in tokens:
        threading.Thread(target=listen, args=(name,), daemon=True).start()
        assert heard[name].get(timeout=10)[0] == "hello"
    with live.client(tokens["rep1"]) as rep1:
        r = rep1.post(PUSH, json=push_body("client-scope", [mutation(1)]))  # rep 1's customer
        assert r.json()["results"][0]["status"] == "applied"
        seq = rep1.get("/api/health").json()["last_seq"]
    assert heard["rep1"].get(timeout=10) == ("poke", str(seq))
    assert heard["admin"].get(timeout=10) == ("poke", str(seq))
    with pytest.raises(queue.Empty):
        heard["rep2"].get(timeout=1.5)  # rep 2 cannot pull that customer: not poked
    # A product changed: every rep pulls the catalog, so every stream hears it.
    with live.client(tokens["admin"]) as admin:
        r = admin.post("/api/admin/products", json={"sku": "SCOPE-1", "name": "Scoped"})
        assert r.status_code in (200, 201), r.text
        seq = admin.get("/api/health").json()["last_seq"]
    for name in tokens:
        assert heard[name].get(timeout=10) == ("poke", str(seq)), name


def test_a_burst_of_commits_reaches_a_stream_as_one_poke_with_the_newest_sequence(
    serve: Callable[..., LiveServer],
) -> None:
    live = serve(poke_min_interval=3.0)
    token = live.token("rep1", "sales")
    events: queue.Queue[tuple[str, str]] = queue.Queue()

    def listen() -> None:
        with (
            live.client(token, timeout=httpx.Timeout(15.0)) as listener,
            listener.stream("GET", EVENTS) as response,
        ):
            pokes = 0
            for item in _sse_events(response):
                events.put(item)
                pokes += item[0] == "poke"
                if pokes == 2:
                    return

    threading.Thread(target=listen, daemon=True).start()
    assert events.get(timeout=10)[0] == "hello"
    with live.client(token) as pusher:
        r = pusher.post(PUSH, json=push_body("client-burst", [mutation(1)]))
        assert r.json()["results"][0]["status"] == "applied"
        first = events.get(timeout=10)
        assert first[0] == "poke"
        # Three more commits inside the stream's quiet time (3 s after the first poke).
        for mid in (2, 3, 4):
            r = pusher.post(PUSH, json=push_body("client-burst", [mutation(mid)]))
            assert r.json()["results"][0]["status"] == "applied"
        newest = pusher.get("/api/health").json()["last_seq"]
        quiet_ends = time.monotonic() + 3.0
    second = events.get(timeout=10)
    assert second == ("poke", str(newest))
    assert int(first[1]) < newest
    assert time.monotonic() >= quiet_ends - 0.5  # told together, after the quiet time


def test_a_notification_names_the_buckets_unless_they_do_not_fit() -> None:
    """Across processes (server/pokes_pg.py): the tick's payload carries the buckets; a payload
    PostgreSQL would refuse carries the sequence alone, and that pokes everyone."""
    few = frozenset({"rep:u1", "all"})
    assert poke_payload(12, few) == "12 all rep:u1"
    assert parse_payload("12 all rep:u1") == (12, few)
    many = frozenset(f"rep:{uuid7()}" for _ in range(400))  # 400 reps' orders in one tick
    assert poke_payload(13, many) == "13"
    assert parse_payload("13") == (13, None)
    with pytest.raises(ValueError):
        parse_payload("not a sequence")
