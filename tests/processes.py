"""Running ``orderly`` as its own process, as an operator does: a free port for it, a one-shot
command, and waiting until a started server answers ``/api/health``.

The tests and benchmarks that start servers do it differently on purpose (where the output goes,
workers, uvicorn directly); what they share is here.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# How much of a server's output a failure shows: its end, where the reason is.
OUTPUT_TAIL = 5000


def free_port() -> int:
    """A loopback port nothing listens on now, for a server process to bind (the OS picks it, so
    parallel runs do not collide)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_orderly(env: dict[str, str], *args: str) -> str:
    """``orderly ARGS`` (``python -m server.cli``) in its own process with ``env``; fails unless it
    succeeds, showing its output, and answers its stdout. A process of its own, as an operator
    runs it: the tests see what the command line prints and exits with."""
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"orderly {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def wait_healthy(
    url: str, process: subprocess.Popen, timeout: float, log: Path | None = None
) -> float:
    """Waits until ``{url}/api/health`` answers 200 and answers how long that took (the restart
    time the fault tests measure). Fails with the end of the server's output -- ``log``, or the
    process's stdout pipe if it has one -- as soon as the process exits, and after ``timeout``
    seconds, so a server that cannot start fails fast with its reason instead of hanging."""
    began = time.monotonic()
    with httpx.Client(timeout=2) as http:
        while time.monotonic() - began < timeout:
            if process.poll() is not None:
                raise AssertionError(
                    f"the server exited with {process.returncode}:\n{_output(process, log)}"
                )
            try:
                if http.get(f"{url}/api/health").status_code == 200:
                    return time.monotonic() - began
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    # A running process's pipe would block a read: only a log file is shown then.
    shown = log.read_text(errors="replace")[-OUTPUT_TAIL:] if log else ""
    raise AssertionError(f"the server did not answer {url}/api/health within {timeout} s:\n{shown}")


def _output(process: subprocess.Popen, log: Path | None) -> str:
    if log is not None:
        text = log.read_text(errors="replace")
    elif process.stdout is not None:
        text = process.stdout.read()
        text = text.decode(errors="replace") if isinstance(text, bytes) else text
    else:
        text = ""
    return text[-OUTPUT_TAIL:]
