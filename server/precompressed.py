"""The web app's files compressed once per content, at the strongest levels (brotli 11, gzip 9),
instead of per request at the fast levels ``server/compression.py`` uses for API answers.

A thread started with the server compresses every file of the precache snapshot in the
background (a few seconds for the whole app; the server answers meanwhile, through the
per-request middleware); a file that changes (the dev server follows edits) is compressed again
under its new SHA-256. Answers are keyed by content hash, so a stale form is never served.
Images and the other types ``PASS_THROUGH`` names are left as they are (compressed already).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from pathlib import Path

import brotli

from server.compression import MINIMUM_SIZE, PASS_THROUGH
from server.precache import Snapshot, media_type

log = logging.getLogger("orderly.web")

BROTLI_QUALITY = 11
GZIP_LEVEL = 9


def wanted(accept_encoding: str) -> list[str]:
    """The encodings of ``Accept-Encoding`` this server makes, best first (``q=0`` refused)."""
    offered = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        if params and q.replace(".", "").strip("0") == "":
            continue  # q=0: not acceptable
        offered.add(name.strip())
    return [e for e in ("br", "gzip") if e in offered]


def compressible(url: str, size: int) -> bool:
    return size >= MINIMUM_SIZE and not media_type(url).startswith(PASS_THROUGH)


class Precompressed:
    """``hash -> {"br": bytes, "gzip": bytes}`` of the app's files, filled in the background."""

    def __init__(self) -> None:
        self._forms: dict[str, dict[str, bytes]] = {}
        self._lock = threading.Lock()
        self._queued: set[str] = set()

    def form(self, digest: str, accept_encoding: str) -> tuple[str, bytes] | None:
        """The best compressed form the client accepts, if it is ready."""
        forms = self._forms.get(digest)
        if not forms:
            return None
        for encoding in wanted(accept_encoding):
            if encoding in forms:
                return encoding, forms[encoding]
        return None

    def prepare(self, snapshot: Snapshot) -> None:
        """Compresses, in a daemon thread, the files of ``snapshot`` not done yet."""
        todo: list[tuple[str, str, Path | bytes]] = []
        with self._lock:
            for url, digest in snapshot.hashes.items():
                source = snapshot.source(url)
                if source is None or digest in self._forms or digest in self._queued:
                    continue
                size = len(source) if isinstance(source, bytes) else source.stat().st_size
                if compressible(url, size):
                    self._queued.add(digest)
                    todo.append((url, digest, source))
        if todo:
            threading.Thread(target=self._run, args=(todo,), daemon=True).start()

    def _run(self, todo: list[tuple[str, str, Path | bytes]]) -> None:
        for url, digest, source in todo:
            try:
                data = source if isinstance(source, bytes) else source.read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise OSError("changed since it was hashed")
                forms = {
                    "br": brotli.compress(data, quality=BROTLI_QUALITY),
                    "gzip": gzip.compress(data, GZIP_LEVEL, mtime=0),
                }
            except OSError as e:  # removed or replaced meanwhile: its next snapshot retries
                log.info("not precompressed: %s (%s)", url, e)
                with self._lock:
                    self._queued.discard(digest)
                continue
            with self._lock:
                self._forms[digest] = forms
                self._queued.discard(digest)
