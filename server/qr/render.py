"""QR images of order tokens (segno, ECC M, the URL form); label sheets are server/qr/labels.py."""

from __future__ import annotations

import io

import segno


def make(url: str) -> segno.QRCode:
    """The QR code of a token URL: error correction M exactly (no boost), so the version stays
    where DESIGN §6 wants it (8–9 for a 180-character URL)."""
    return segno.make(url, error="m", boost_error=False, micro=False)


def svg(url: str, scale: int = 4) -> bytes:
    """The code as SVG with an opaque white background: a transparent one shows whatever lies
    behind it as the light modules, and on a dark page (or a dark-mode viewer) does not decode."""
    out = io.BytesIO()
    make(url).save(out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True,
                   dark="#000", light="#fff")  # fmt: skip
    return out.getvalue()


def png(url: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
