"""Response compression in the app itself (not only in a proxy): brotli for clients that ask for
it, else gzip, on answers of at least ``MINIMUM_SIZE`` bytes -- JSON pull pages, admin lists, the
PWA's files. Event streams and media that are compressed already pass through as they are.

Why an event stream must pass through: the compressor would hold each event until it flushes,
and a proxy or browser that decodes would wait for a block; a poke must reach the device at once
(docs/protocol.md § Poke). Matched on the answer's content type, so a stream added later
is covered without naming its path.
"""

from __future__ import annotations

from typing import Literal

from litestar.config.compression import CompressionConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import CompressionEncoding
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Message, Scope, Send

# Below about one packet, compressing saves no round trip and costs CPU.
MINIMUM_SIZE = 1024
# A pull page of 1 MB (3,000 changes): brotli 4 takes ~14 ms and gives ~4.3x, gzip 6 ~20 ms and
# ~4.1x; gzip 9 (Litestar's default) takes twice as long for 1 % less.
BROTLI_QUALITY = 4
GZIP_LEVEL = 6

# Content types answered as they are (prefixes, lower case).
PASS_THROUGH = (
    "text/event-stream",
    "image/png",
    "image/jpeg",
    "image/webp",
    "application/zip",
    "application/gzip",
    "application/vnd.openxmlformats",  # XLSX is a zip
    "font/woff2",
)


def passes_through(start: Message) -> bool:
    """Whether an ``http.response.start`` message announces an answer not to compress: a type
    compressed already, or an answer encoded already (the app's files, server/precompressed.py)."""
    headers = MutableScopeHeaders(start)
    if headers.get("content-encoding"):
        return True
    return (headers.get("content-type") or "").lower().startswith(PASS_THROUGH)


def _one_vary(send: Send) -> Send:
    """``send`` with each ``Vary`` token once: Litestar adds Accept-Encoding to a Vary that
    may name it already (the app's files always do, server/web.py)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders(message)
            if vary := headers.get("vary"):
                tokens = [t.strip() for t in vary.split(",") if t.strip()]
                headers["vary"] = ", ".join(dict.fromkeys(tokens))
        await send(message)

    return sending


class Compression(CompressionMiddleware):
    """Litestar's compression, except for the answers ``passes_through`` names."""

    def create_compression_send_wrapper(
        self,
        send: Send,
        compression_encoding: Literal[CompressionEncoding.BROTLI, CompressionEncoding.GZIP] | str,
        scope: Scope,
    ) -> Send:
        compressing = super().create_compression_send_wrapper(
            _one_vary(send), compression_encoding, scope
        )
        plain = False

        async def send_wrapper(message: Message) -> None:
            nonlocal plain
            if message["type"] == "http.response.start":
                plain = passes_through(message)
            await (send if plain else compressing)(message)

        return send_wrapper


def compression_config() -> CompressionConfig:
    return CompressionConfig(
        backend="brotli",
        brotli_gzip_fallback=True,
        brotli_quality=BROTLI_QUALITY,
        gzip_compress_level=GZIP_LEVEL,
        minimum_size=MINIMUM_SIZE,
        middleware_class=Compression,
    )
