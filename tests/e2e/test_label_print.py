"""Label sheets as a printer makes them (docs/qr.md § Label sheets): Chromium prints
``/api/qr/labels`` to PDF (the browser's own print path, its ``@page`` size honoured), PDFium
rasterises each page at 200 dpi, the outer 5 mm of the page is wiped as a printer that cannot
reach it would leave it, and a third-party decoder (zxing-cpp) must read every order's code.
The codes' SVG is decoded on a dark page too (a transparent background would not decode)."""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import Page

from server.qr import labels
from tests.e2e.conftest import Server, new_server, serving
from tests.e2e.sales import Api

DPI = 200
MM = DPI / 25.4  # pixels a millimetre
UNPRINTABLE_MM = 5.0  # the widest unprintable edge of common office printers
POINTS = {"a4": (595, 842), "letter": (612, 792)}  # the PDF page size, 1/72 inch


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(new_server(tmp_path_factory, "labels")) as srv:
        srv.cli("seed-demo", "--orders", "24")
        yield srv


@pytest.fixture(scope="module")
def orders(server: Server) -> list[tuple[str, str]]:
    """(order id, the QR text its current code holds) of 23 orders: a sheet and two labels."""
    api = Api.admin(server)
    rows = api._json("GET", "/api/admin/orders?limit=23")["rows"]  # type: ignore[index]
    assert len(rows) == 23
    return [(row["id"], api._json("GET", f"/api/orders/{row['id']}/qr")["url"].upper())  # type: ignore[index]
            for row in rows]  # fmt: skip


def printed(page: Page, server: Server, ids: list[str], paper: str) -> bytes:
    """The sheet as Chromium prints it: a PDF at the page size the document asks for."""
    token = server.cli("token", "--user", "Lena Labels", "--role", "admin").strip()
    page.set_extra_http_headers({"Authorization": f"Bearer {token}"})
    query = "&".join(f"order={i}" for i in ids)
    response = page.goto(f"{server.url}/api/qr/labels?{query}&paper={paper}")
    assert response is not None and response.status == 200, response and response.text()
    return page.pdf(prefer_css_page_size=True, print_background=True)


def decode(pixels: bytes, width: int, height: int, stride: int) -> list[str]:
    image = zxingcpp.ImageView(memoryview(pixels), width, height, zxingcpp.ImageFormat.Lum,
                               stride, 1)  # fmt: skip
    return [
        found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def without_edge(pdf_page: pypdfium2.PdfPage) -> tuple[bytearray, int, int, int]:
    """The page as grey pixels at DPI with its outer UNPRINTABLE_MM painted white."""
    bitmap = pdf_page.render(scale=DPI / 72, grayscale=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    pixels = bytearray(bytes(bitmap.buffer))
    assert bitmap.n_channels == 1
    edge = round(UNPRINTABLE_MM * MM)
    for y in range(height):
        row = y * stride
        if y < edge or y >= height - edge:
            pixels[row : row + width] = b"\xff" * width
        else:
            pixels[row : row + edge] = b"\xff" * edge
            pixels[row + width - edge : row + width] = b"\xff" * edge
    return pixels, width, height, stride


def dark_near_edge(pdf_page: pypdfium2.PdfPage, mm: float) -> int:
    """How many pixels within ``mm`` of the page's edge are not white."""
    bitmap = pdf_page.render(scale=DPI / 72, grayscale=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    data = bytes(bitmap.buffer)
    edge = round(mm * MM)
    count = 0
    for y in range(height):
        row = data[y * stride : y * stride + width]
        band = row if y < edge or y >= height - edge else row[:edge] + row[width - edge :]
        count += sum(1 for v in band if v < 250)
    return count


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_code_of_a_printed_sheet_decodes_past_an_unprintable_edge(
    server: Server, page: Page, orders: list[tuple[str, str]], paper: str
) -> None:
    pdf = pypdfium2.PdfDocument(printed(page, server, [i for i, _ in orders], paper))
    # 23 labels: a full sheet of 21 and a second with two, at the paper's own size.
    assert len(pdf) == 2
    for p in range(len(pdf)):
        width, height = pdf[p].get_size()
        assert (round(width), round(height)) == POINTS[paper]
    found: list[str] = []
    for p in range(len(pdf)):
        # Nothing is printed where a printer cannot print, with a millimetre to spare.
        assert dark_near_edge(pdf[p], UNPRINTABLE_MM + 1) == 0
        found += decode(*without_edge(pdf[p]))
    assert sorted(found) == sorted(text for _, text in orders)
    pdf.close()


def test_the_sheet_says_its_paper_size(server: Server) -> None:
    api = Api.admin(server)
    rows = api._json("GET", "/api/admin/orders?limit=1")["rows"]  # type: ignore[index]
    for paper, size in (("a4", "size:A4"), ("letter", "size:letter")):
        r = api.http.get(f"/api/qr/labels?order={rows[0]['id']}&paper={paper}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert f"@page{{{size};margin:0}}" in r.text
    r = api.http.get(f"/api/qr/labels?order={rows[0]['id']}&paper=a3")
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    many = "&".join(["order=" + rows[0]["id"]] * (labels.MAX_LABELS + 1))
    assert api.http.get(f"/api/qr/labels?{many}").status_code == 400


def test_a_code_as_svg_decodes_on_a_dark_page(
    server: Server, page: Page, orders: list[tuple[str, str]]
) -> None:
    order_id, text = orders[0]
    svg = Api.admin(server).http.get(f"/api/orders/{order_id}/qr.svg").text
    # The code on a black page, printed with backgrounds: a transparent code would show black
    # where its light modules are, and nothing would decode.
    page.set_content(f'<body style="margin:0;background:#000"><div style="padding:20mm">{svg}</div>'
                     "</body>")  # fmt: skip
    pdf = pypdfium2.PdfDocument(page.pdf(print_background=True))
    bitmap = pdf[0].render(scale=DPI / 72, grayscale=True)
    pixels = bytes(bitmap.buffer)
    assert pixels.count(0) > len(pixels) // 2  # the page is dark indeed
    assert decode(pixels, bitmap.width, bitmap.height, bitmap.stride) == [text]
    pdf.close()
