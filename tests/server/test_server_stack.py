"""The server stack every start names (server/cli/serving.py ``UVICORN_STACK``): uvloop and
httptools, and TCP_NODELAY on each accepted connection in ``--workers`` mode.

In ``--workers`` mode uvicorn binds the listening socket itself (``Config.bind_socket``, proto 0)
and each worker serves it with ``Server.run(sockets=[sock])``: the tests do exactly that, in a
thread, and look at the socket of the connection the server accepted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from server.cli.serving import UVICORN_STACK


async def hello(scope, receive, send) -> None:
    assert scope["type"] == "http"
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def workers_mode(**stack: object) -> Iterator[tuple[uvicorn.Server, int]]:
    """A uvicorn server on a socket bound as ``--workers`` binds it, and its port, until the
    block ends."""
    config = uvicorn.Config(hello, host="127.0.0.1", port=0, lifespan="off", log_level="warning",
                            **stack)  # fmt: skip
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: server.run(sockets=[sock]), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield server, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def accepted_nodelay(server: uvicorn.Server) -> list[int]:
    """TCP_NODELAY of each connection the server holds, read from its side of the socket."""
    found = []
    for protocol in list(server.server_state.connections):
        sock = protocol.transport.get_extra_info("socket")
        found.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    return found


def nodelay_after_one_request(**stack: object) -> list[int]:
    with (
        workers_mode(**stack) as (server, port),
        socket.create_connection(("127.0.0.1", port), timeout=5) as client,
    ):
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b"ok"):
            answer += client.recv(1024)
        assert answer.startswith(b"HTTP/1.1 200")
        # The connection is kept alive: the server still holds it.
        return accepted_nodelay(server)


def test_the_stack_is_named_uvloop_and_httptools() -> None:
    config = uvicorn.Config(hello, **UVICORN_STACK)
    config.load()
    import uvicorn.protocols.http.httptools_impl as httptools_impl

    assert UVICORN_STACK == {"loop": "uvloop", "http": "httptools"}
    assert config.http_protocol_class is httptools_impl.HttpToolsProtocol
    loop_factory = config.get_loop_factory()
    assert loop_factory is not None and loop_factory.__module__.startswith("uvloop")


def test_workers_mode_connections_have_nagle_off() -> None:
    assert nodelay_after_one_request(**UVICORN_STACK) == [1]


def test_the_asyncio_loop_would_leave_nagle_on_there() -> None:
    """Why the stack is named: with uvicorn's fallback (asyncio + h11) the same socket keeps
    Nagle on -- asyncio sets TCP_NODELAY only when the listening socket's proto is IPPROTO_TCP,
    and ``bind_socket`` makes it with proto 0. (If a Python release changes that, this fails and
    the note in server/cli/serving.py can go.)"""
    found = nodelay_after_one_request(loop="asyncio", http="h11")
    if found == [1]:
        pytest.fail("asyncio now sets TCP_NODELAY on --workers sockets: update the note")
    assert found == [0]
