"""Draws Orderly's app icons (a white ring around a check mark on the theme blue) with nothing
but the standard library: signed distances give anti-aliased edges, zlib writes the PNGs.

    python3 pwa/icons/make_icons.py      # rewrites the icons next to this file

icon-192.png, icon-512.png  rounded square, transparent corners ("any")
icon-maskable-512.png       full bleed, the mark inside the central 80 % safe zone ("maskable")
apple-touch-icon.png        180 px, full bleed (iOS rounds the corners itself)
icon.svg                    the same drawing as a vector
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
BLUE = (0x2B, 0x5D, 0x8A)
WHITE = (0xFF, 0xFF, 0xFF)

# The mark, in units where the icon is 1 x 1 and (0, 0) its top-left corner.
CENTER = 0.5
RING_R, STROKE = 0.27, 0.056
CHECK = [(0.37, 0.505), (0.465, 0.6), (0.645, 0.4)]
CORNER = 0.2  # radius of the rounded square, as a part of the side


def _segment(px: float, py: float, a: tuple, b: tuple) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _mark(px: float, py: float) -> float:
    """Signed distance to the white mark (negative inside)."""
    ring = abs(math.hypot(px - CENTER, py - CENTER) - RING_R) - STROKE / 2
    check = min(_segment(px, py, CHECK[i], CHECK[i + 1]) for i in range(len(CHECK) - 1))
    return min(ring, check - STROKE / 2)


def _rounded_square(px: float, py: float) -> float:
    qx = abs(px - 0.5) - (0.5 - CORNER)
    qy = abs(py - 0.5) - (0.5 - CORNER)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - CORNER


def _coverage(distance: float, pixel: float) -> float:
    return max(0.0, min(1.0, 0.5 - distance / pixel))


def draw(size: int, *, full_bleed: bool) -> bytes:
    pixel = 1.0 / size
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        py = (y + 0.5) * pixel
        for x in range(size):
            px = (x + 0.5) * pixel
            alpha = 1.0 if full_bleed else _coverage(_rounded_square(px, py), pixel)
            white = _coverage(_mark(px, py), pixel)
            rgb = [round(b + (w - b) * white) for b, w in zip(BLUE, WHITE, strict=True)]
            row += bytes([*rgb, round(255 * alpha)])
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))


def png(width: int, height: int, raw_rgba_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw_rgba_rows, 9))
        + chunk(b"IEND", b"")
    )


def svg() -> str:
    s = 512
    blue = "#{:02x}{:02x}{:02x}".format(*BLUE)
    points = " ".join(f"{x * s:g},{y * s:g}" for x, y in CHECK)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s} {s}" width="{s}" height="{s}">\n'
        f'  <rect width="{s}" height="{s}" rx="{CORNER * s:g}" fill="{blue}"/>\n'
        f'  <g fill="none" stroke="#fff" stroke-width="{STROKE * s:g}" stroke-linecap="round"'
        ' stroke-linejoin="round">\n'
        f'    <circle cx="{CENTER * s:g}" cy="{CENTER * s:g}" r="{RING_R * s:g}"/>\n'
        f'    <polyline points="{points}"/>\n'
        "  </g>\n"
        "</svg>\n"
    )


def main() -> None:
    (HERE / "icon-192.png").write_bytes(draw(192, full_bleed=False))
    (HERE / "icon-512.png").write_bytes(draw(512, full_bleed=False))
    (HERE / "icon-maskable-512.png").write_bytes(draw(512, full_bleed=True))
    (HERE / "apple-touch-icon.png").write_bytes(draw(180, full_bleed=True))
    (HERE / "icon.svg").write_text(svg())


if __name__ == "__main__":
    main()
