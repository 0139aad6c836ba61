"""Printable sheets of order QR labels: A4 or US Letter, a print-ready HTML page per sheet.

What survives a real printer decides the layout (docs/qr.md § Label sheets):

- Office printers cannot print the outer 3–5 mm of a page. Every label stays 8 mm from each
  edge (``MARGIN``): a code and its quiet zone are whole on any of them.
- A QR reader needs a light quiet zone of 4 modules around the code. Each code gets exactly that
  inside its own cell, drawn opaque white, and its cell's neighbours start beyond it.
- The page size is set (``@page { size: A4 }`` or ``letter``, no browser margins): without it
  Chromium prints on Letter and an A4 sheet loses its bottom row.
- The background is opaque white: a transparent sheet or code shown on a dark screen, or
  rasterised onto black, has no light modules and does not decode.

``GET /api/qr/labels?order=…&paper=a4|letter`` answers one HTML document: a page-sized SVG per
sheet of 3 × 7 labels, each with the code and the order number under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from segno import QRCode

from server.qr.render import make

Paper = Literal["a4", "letter"]

# Width and height in millimetres, and the CSS @page size name.
PAPERS: dict[str, tuple[float, float, str]] = {
    "a4": (210.0, 297.0, "A4"),
    "letter": (215.9, 279.4, "letter"),
}
MARGIN = 8.0  # mm: beyond the 3–5 mm a printer cannot reach, with room to spare
COLS, ROWS = 3, 7
PER_SHEET = COLS * ROWS
MAX_LABELS = 10 * PER_SHEET  # one request: ten sheets
QUIET_MODULES = 4
# A code with its quiet zone is a 30 mm square (a version 9 code of a token URL: 0.49 mm a
# module, 2 mm of quiet zone), its top 0.5 mm into its cell, the order number under it.
SIDE_MM = 30.0
TOP_MM = 0.5
TEXT_MM = 4.2  # the order number's font size

# The one inline style of the document (allowed by its hash in server/security.py): the page
# size comes from each document's own `@page` rule below, so this part is constant.
SHEET_CSS = (
    "html,body{margin:0;padding:0;background:#fff}"
    "svg{display:block;break-after:page;page-break-after:always}"
    "svg:last-child{break-after:auto;page-break-after:auto}"
)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one label's code sits on its sheet, in millimetres from the sheet's top left."""

    sheet: int
    x: float  # the code's first module (the quiet zone lies outside it)
    y: float
    module: float
    size: int  # modules a side

    @property
    def quiet(self) -> float:
        return QUIET_MODULES * self.module


def page_css(paper: Paper) -> str:
    width, height, name = PAPERS[paper]
    return f"@page{{size:{name};margin:0}}svg{{width:{width}mm;height:{height}mm}}"


def place(paper: Paper, index: int, size: int) -> Placed:
    """The place of label ``index`` (0-based, sheets of ``PER_SHEET``) for a code of ``size``
    modules: centred across its cell, at the cell's top."""
    width, height, _ = PAPERS[paper]
    cell_w = (width - 2 * MARGIN) / COLS
    cell_h = (height - 2 * MARGIN) / ROWS
    sheet, slot = divmod(index, PER_SHEET)
    row, col = divmod(slot, COLS)
    module = SIDE_MM / (size + 2 * QUIET_MODULES)
    quiet = QUIET_MODULES * module
    x = MARGIN + col * cell_w + (cell_w - SIDE_MM) / 2 + quiet
    y = MARGIN + row * cell_h + TOP_MM + quiet
    return Placed(sheet, x, y, module, size)


def _modules(matrix: Sequence[Sequence[int]], at: Placed) -> str:
    m = at.module
    parts = []
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                parts.append(f"M{at.x + c * m:.3f} {at.y + r * m:.3f}h{m:.3f}v{m:.3f}h-{m:.3f}z")
    return "".join(parts)


def _label(number: str, code: QRCode, at: Placed) -> str:
    q, side = at.quiet, at.size * at.module
    text_y = at.y + side + q + TEXT_MM * 0.85  # the baseline: the text's top clears the zone
    return (
        f'<g class="label"><rect x="{at.x - q:.3f}" y="{at.y - q:.3f}" width="{SIDE_MM}"'
        f' height="{SIDE_MM}" fill="#fff"/>'
        f'<path fill="#000" d="{_modules(code.matrix, at)}"/>'
        f'<text x="{at.x + side / 2:.3f}" y="{text_y:.3f}" font-size="{TEXT_MM}"'
        f' font-family="sans-serif" text-anchor="middle" fill="#000">{escape(number)}</text></g>'
    )


def sheets(labels: Sequence[tuple[str, str]], paper: Paper) -> list[str]:
    """One SVG (millimetre units, the paper's size, opaque white) per sheet of labels, each label
    an (order number, QR text) pair."""
    width, height, _ = PAPERS[paper]
    out: list[list[str]] = []
    for i, (number, url) in enumerate(labels):
        code = make(url)
        at = place(paper, i, len(code.matrix))
        if at.sheet == len(out):
            out.append([])
        out[at.sheet].append(_label(number, code, at))
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}mm" height="{height}mm">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>{"".join(page)}</svg>'
        for page in out or [[]]
    ]


def document(labels: Sequence[tuple[str, str]], paper: Paper) -> str:
    """The print-ready HTML page: the paper size set, no browser margins, a sheet a page."""
    # The page-size rule is a second <style>, one text per paper: each is allowed by its hash.
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Order QR labels</title><style>{SHEET_CSS}</style>"
        f"<style>{page_css(paper)}</style></head><body>"
        + "".join(sheets(labels, paper))
        + "</body></html>"
    )
