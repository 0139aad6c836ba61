"""Helpers of the warehouse browser tests (docs/warehouse.md): orders made ready through the
sync API as an admin (created, moved along, paid), their QR code from the server, a fake camera
video of a QR code, and the scan screen driven the way a handheld does — a keyboard-wedge
scanner types the code into the focused scan field and ends it with Enter."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import segno
from playwright.sync_api import Page, expect

from sync.ids import uuid7
from tests.e2e.sales import SYNC_TIMEOUT, Api, by, go

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


# The order of the state machine an order goes through to reach each status.
PATH = ["submitted", "confirmed", "picking", "packed", "shipped", "delivered"]


@dataclass
class ReadyOrder:
    id: str
    number: str
    total: int
    token: str
    url: str  # what the QR code holds: <origin>/q/<TOKEN>


class Orders:
    """Orders of one customer made through the sync API by an admin (one client, its own
    mutation counter)."""

    def __init__(self, api: Api, origin: str, prefix: str) -> None:
        self.api = api
        self.origin = origin
        self.prefix = prefix
        self.client = f"e2e-wh-{prefix.lower()}-{uuid7()[-8:]}"
        self.next_id = itertools.count(1)
        self.numbers = itertools.count(1)
        self.customer = uuid7()
        self._push(("customer.upsert", {"id": self.customer, "name": f"{prefix} Trading Co"}))

    def _push(self, *mutations: tuple[str, dict]) -> list[dict]:
        first = next(self.next_id)
        for _ in mutations[1:]:
            next(self.next_id)
        results = self.api.push(self.client, first, *mutations)
        assert [r["status"] for r in results] == ["applied"] * len(mutations), results
        return results

    def make(
        self,
        lines: list[tuple[str, int, int]],
        status: str = "shipped",
        paid: bool = True,
        warehouse: str = "wh-main",
    ) -> ReadyOrder:
        """An order of `lines` (product id, qty, unit price) in `warehouse`, moved to `status`,
        paid in full when `paid`; answers it with its current QR token from the server."""
        order_id = uuid7()
        number = f"{self.prefix}-{next(self.numbers):05d}"
        self._push(
            (
                "order.create",
                {
                    "id": order_id,
                    "number": number,
                    "customer_id": self.customer,
                    "warehouse_id": warehouse,
                    "lines": [
                        {"id": uuid7(), "product_id": p, "qty": q, "unit_price": u}
                        for p, q, u in lines
                    ],
                },
            )
        )
        steps = PATH[: PATH.index(status) + 1]
        moves = [
            ("order.transition", {"id": order_id, "from": a, "to": b})
            for a, b in zip(steps, steps[1:], strict=False)
        ]
        total = sum(q * u for _, q, u in lines)
        if paid:
            moves.append(
                (
                    "payment.record",
                    {
                        "id": uuid7(),
                        "order_id": order_id,
                        "method": "transfer",
                        "amount": total,
                        "status": "paid",
                    },
                )
            )
        if moves:
            self._push(*moves)
        current = self.api._json("GET", f"/api/orders/{order_id}/qr")
        assert isinstance(current, dict) and current.get("token"), current
        token = current["token"]
        return ReadyOrder(order_id, number, total, token, f"{self.origin}/q/{token}")


def tampered(token: str) -> str:
    """The token with one character of its signature changed (still base32)."""
    i = len(token) - 10
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def qr_y4m(text: str, path: Path, width: int = 640, height: int = 480, frames: int = 10) -> Path:
    """A Y4M video (Chromium's fake camera) of the QR code of `text`: segno's matrix, 8 pixels
    a module, a 4-module quiet zone, centred on white (RECIPES.md)."""
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    scale = 8
    n = len(matrix)
    size = (n + 8) * scale
    assert size <= min(width, height), f"QR of {n} modules too big for {width}x{height}"
    y = bytearray(b"\xff" * (width * height))
    x0 = (width - size) // 2 + 4 * scale
    y0 = (height - size) // 2 + 4 * scale
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (y0 + r * scale + dy) * width + x0 + c * scale
                    y[start : start + scale] = b"\x00" * scale
    chroma = b"\x80" * (width * height // 4)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n")
            f.write(y)
            f.write(chroma)
            f.write(chroma)
    return path


def open_scan(page: Page) -> None:
    """Home → Scan a code; the scan field has the focus (as a wedge scanner needs)."""
    go(page, "home")
    by(page, "open-scan").click()
    expect(by(page, "scan")).to_be_visible()
    expect(by(page, "scan-input")).to_be_focused()


def wedge(page: Page, text: str) -> None:
    """What a keyboard-wedge scanner does: types the code into the focused field, then Enter."""
    expect(by(page, "scan-input")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def sync_now(page: Page) -> None:
    """Home → the sync button; waits until nothing is pending."""
    go(page, "home")
    by(page, "sync-now").click()
    expect(by(page, "pending-count")).to_have_text("0", timeout=SYNC_TIMEOUT)


def shot(page: Page, name: str) -> None:
    """With ORDERLY_SCREENSHOTS=1, what the screen shows, as docs/screenshots/<name>.png."""
    if os.environ.get("ORDERLY_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", animations="disabled")
