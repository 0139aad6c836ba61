"""Pokes at scale (server/poke.py): a burst of commits reaches a stream as one poke carrying the
newest sequence, and a poke costs the same whatever the number of streams."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable

import httpx

from server.poke import Poker
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
