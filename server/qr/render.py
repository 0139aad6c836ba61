"""QR images of order tokens (segno, ECC M, the URL form) and printable label sheets."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

import segno

# A4 in millimetres, 3 × 8 labels (the common 70 × 37 mm sheet).
PAGE_W, PAGE_H = 210.0, 297.0
COLS, ROWS = 3, 8
LABEL_W, LABEL_H = 70.0, 37.125
QR_MM = 27.0


def make(url: str) -> segno.QRCode:
    """The QR code of a token URL: error correction M exactly (no boost), so the version stays
    where DESIGN §6 wants it (8–9 for a 180-character URL)."""
    return segno.make(url, error="m", boost_error=False, micro=False)


def svg(url: str, scale: int = 4) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return out.getvalue()


def png(url: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _path(code: segno.QRCode, x: float, y: float, module: float) -> str:
    parts = []
    for r, row in enumerate(code.matrix):
        for c, dark in enumerate(row):
            if dark:
                parts.append(f"M{x + c * module:.3f} {y + r * module:.3f}h{module:.3f}v{module:.3f}"
                             f"h-{module:.3f}z")  # fmt: skip
    return "".join(parts)


def label_sheet(labels: Sequence[tuple[str, str]]) -> bytes:
    """An A4 SVG sheet (mm units) of 3 × 8 labels, each a QR code with the order number under
    it; more than 24 labels continue on further pages stacked below (one SVG page each,
    separated by a page break when printed from a browser)."""
    pages = [labels[i : i + COLS * ROWS] for i in range(0, len(labels), COLS * ROWS)] or [[]]
    height = PAGE_H * len(pages)
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
        f' width="{PAGE_W}mm" height="{height}mm" viewBox="0 0 {PAGE_W} {height}">',
        "<title>Order QR labels</title>",
    ]
    for p, page in enumerate(pages):
        top = p * PAGE_H + (PAGE_H - ROWS * LABEL_H) / 2
        for i, (number, url) in enumerate(page):
            col, row = i % COLS, i // COLS
            x0 = col * LABEL_W
            y0 = top + row * LABEL_H
            code = make(url)
            size = len(code.matrix)
            module = QR_MM / size
            qx = x0 + (LABEL_W - QR_MM) / 2
            qy = y0 + 1.5
            out.append(f'<g class="label"><path fill="#000" d="{_path(code, qx, qy, module)}"/>')
            out.append(
                f'<text x="{x0 + LABEL_W / 2:.2f}" y="{qy + QR_MM + 5:.2f}" font-size="4.2"'
                f' font-family="sans-serif" text-anchor="middle">{escape(number)}</text></g>'
            )
    out.append("</svg>")
    return "\n".join(out).encode()
