"""The app under its Content-Security-Policy (server/security.py, docs/operations.md § 7): an
admin enrolls, opens every admin page (uPlot charts on reports), the phone screens, the QR
reader's WebAssembly module loads and decodes, the app reloads offline from the service worker,
and the public status page renders: the browser reports no CSP violation anywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DESKTOP, Server, device, new_server, serving
from tests.e2e.sales import SYNC_TIMEOUT, by, enroll, go

ADMIN_PAGES = ["users", "devices", "orders", "review", "inventory", "after-sales", "conflicts",
               "import", "reports", "audit"]  # fmt: skip

# Every violation as the page sees it (the event fires for enforced policies) and as chromium
# logs it to the console.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""

# The scanner's detector (zxing-wasm, compiled from /vendor/zxing-wasm/...): detecting on a
# drawn QR code needs the WebAssembly module to compile and run.
DECODE = """async () => {
  const { generate } = await import('lean-qr');
  const code = generate('CSP-CHECK');
  const canvas = document.createElement('canvas');
  const scale = 8, quiet = 4, side = (code.size + 2 * quiet) * scale;
  canvas.width = canvas.height = side;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, side, side); g.fillStyle = '#000';
  for (let y = 0; y < code.size; y++) for (let x = 0; x < code.size; x++)
    if (code.get(x, y)) g.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
  const { qrDetector } = await import('/js/camera.js');
  const found = await (await qrDetector()).detect(canvas);
  return found.map((f) => f.rawValue);
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = new_server(tmp_path_factory, "csp")
    srv.cli("seed-demo")
    with serving(srv) as running:
        yield running


def watched(page: Page) -> list[str]:
    """Console lines about the policy, from now on (plus ``window.__csp`` in each document)."""
    lines: list[str] = []
    page.add_init_script(WATCH)

    def console(msg) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            lines.append(msg.text)

    page.on("console", console)
    return lines


def violations(page: Page, console: list[str]) -> list[str]:
    return [*console, *page.evaluate("window.__csp || []")]


def test_no_csp_violation_on_the_main_screens(
    browser: Browser, contexts: list[BrowserContext], server: Server
):
    page = device(browser, contexts, viewport=DESKTOP)
    console = watched(page)
    enroll(page, server.create_admin("Csp Admin"))
    found: dict[str, list[str]] = {"enroll": violations(page, console)}

    for name in ADMIN_PAGES:
        console.clear()
        page.goto(f"{server.url}/admin/{name}")
        expect(page.locator("#app")).not_to_be_empty()
        page.wait_for_load_state("networkidle")
        found[f"/admin/{name}"] = violations(page, console)
    # The reports page draws its charts with uPlot (canvas, inline style properties).
    page.goto(f"{server.url}/admin/reports")
    expect(page.locator(".uplot").first).to_be_visible(timeout=SYNC_TIMEOUT)
    found["/admin/reports charts"] = violations(page, console)

    console.clear()
    page.goto(server.url + "/")
    for tab in ("orders", "customers", "products", "home"):
        go(page, tab)
    found["phone screens"] = violations(page, console)

    console.clear()
    assert page.evaluate(DECODE) == ["CSP-CHECK"]
    found["zxing wasm"] = violations(page, console)

    console.clear()
    page.context.set_offline(True)
    page.reload()
    expect(by(page, "nav-home")).to_be_visible()
    found["offline shell"] = violations(page, console)
    page.context.set_offline(False)

    console.clear()
    page.goto(f"{server.url}/q/NOT-A-TOKEN")
    # The inline <style> applies (its hash is in style-src): body margin 0, not the default 8px.
    assert page.evaluate("getComputedStyle(document.body).margin") != "8px"
    found["status page"] = violations(page, console)

    assert {where: v for where, v in found.items() if v} == {}


def test_the_api_reference_renders_from_our_own_origin_under_its_policy(
    server: Server, browser: Browser
) -> None:
    """/schema: Swagger UI from /vendor (no CDN): it renders the app's operations, nothing is
    fetched from another origin, and its policy is not broken."""
    context = browser.new_context()
    try:
        page = context.new_page()
        console = watched(page)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(server.url + "/schema")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Orderly")
        expect(page.locator(".opblock").first).to_be_visible()
        assert violations(page, console) == []
        assert requested and all(u.startswith(server.url + "/") for u in requested), requested
    finally:
        context.close()
