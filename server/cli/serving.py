"""``orderly serve``: migrate, optionally seed the demo, anchor the audit chain, then serve with
uvicorn in this process or ``--workers N`` processes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from server.cli.access import admin_link, show_link
from server.cli.audit import checkpoint
from server.cli.common import say, where
from server.cli.database import seed
from server.config import Settings, local_url

# A fleet of thousands comes online at once (docs/operations.md §4): a listen backlog as deep as
# the kernel allows by default, and idle keep-alive connections kept longer than a device thinks
# between requests (a connection the server closes just as a device sends on it is a lost
# request; proxies keep theirs 60 s or more).
UVICORN_TUNING = {"backlog": 4096, "timeout_keep_alive": 75}

# The event loop and HTTP parser of every server start (orderly serve, its --workers, the test and
# benchmark servers), named rather than left to uvicorn's "auto" (which falls back to asyncio + h11
# when they are missing). uvloop sets TCP_NODELAY on every accepted connection; the asyncio loop
# sets it only on sockets made with proto IPPROTO_TCP, and the listening socket uvicorn makes for
# --workers has proto 0, so there Nagle held each answer's last segment until the client's delayed
# ACK: pull p50 51 ms under h11 vs 6 ms (tests/server/test_server_stack.py, docs/operations.md § 2).
UVICORN_STACK = {"loop": "uvloop", "http": "httptools"}


def raise_file_limit() -> int:
    """Each connection (a device, an event stream) is a file descriptor: the soft limit (often
    1,024) up to the hard one. Answers the limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            return soft
        return hard
    return soft


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = settings.with_(host=args.host or settings.host, port=args.port or settings.port)
    if args.workers < 1:
        print("orderly serve: --workers must be 1 or more", file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.is_postgres:
        from server.workers import SQLITE_REFUSAL

        print(f"orderly serve: {SQLITE_REFUSAL}", file=sys.stderr)
        return 2
    if not os.environ.get("ORDERLY_PUBLIC_URL"):
        settings = settings.with_(public_url=local_url(settings.port))
    if args.demo:
        if asyncio.run(seed(settings, 40, only_if_empty=True)):
            say("demo data written (users admin, rep1, rep2, picker1); API tokens: orderly token")
        # Until the demo admin has a passkey, every start offers a link to make one.
        if link := asyncio.run(admin_link(settings, "admin", only_without_passkey=True)):
            show_link(link, settings)
    # The audit chain's head, signed, into the log and the data dir (server/audit_anchor.py).
    say(f"audit checkpoint: {asyncio.run(checkpoint(settings))}")
    url = settings.public_url.rstrip("/")
    raise_file_limit()  # the workers inherit it
    if args.workers > 1:
        from server import workers

        say(f"Orderly is serving {where(settings)} at {url} with {args.workers} worker "
             f"processes  (API schema: {url}/schema)")  # fmt: skip
        workers.serve(settings, args.workers, **UVICORN_STACK, **UVICORN_TUNING)
        return 0
    say(f"Orderly is serving {where(settings)} at {url}  (API schema: {url}/schema)")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **UVICORN_STACK,
        **UVICORN_TUNING,
    )
    return 0
