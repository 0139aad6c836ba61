"""Order QR codes over HTTP (docs/qr.md § HTTP): the current token, reissue, SVG/PNG, label
sheets, scope, the public status page (no personal data, every rejection reason, rate limit),
and ``orderly purge``."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest

from server.db.sync_store import SqlSyncStore
from server.qr import render
from shared import qr
from sync.context import Actor
from sync.direct import put_rows
from sync.ids import uuid7
from tests.server.conftest import LiveServer
from tests.server.test_api import mutation, push_body
from tests.vectors import qr_vectors as qv

NAME, PHONE, ADDRESS = "Lotus Tea House", "+852 5555 0199", "88 Queen's Road Central"


def _setup(
    server: LiveServer, rep: str = "rep1", warehouse: str | None = "wh-1"
) -> tuple[str, str]:
    """An order of ``rep`` (with a customer whose name, phone and address the page must never
    show); returns (rep token, order id)."""

    async def warehouses(db: Any) -> None:
        rows = [{"id": w, "code": w.upper(), "name": w} for w in ("wh-1", "wh-2")]
        await put_rows(SqlSyncStore(db), Actor("u-admin", "admin"), "warehouses", rows)

    server.run_db(warehouses)
    admin = server.token("boss", "admin")
    with server.client(admin) as c:
        c.put("/api/catalog/products/p-1", json={"sku": "T1", "name": "Tea", "unit_price": 500})
    token = server.token(rep, "sales")
    customer, order = uuid7(), uuid7()
    create = {"id": order, "number": f"{rep.upper()}-00001", "customer_id": customer,
              "delivery_address": ADDRESS, "warehouse_id": warehouse, "lines": [
                  {"id": uuid7(), "product_id": "p-1", "qty": 2, "unit_price": 500}]}  # fmt: skip
    if warehouse is None:
        del create["warehouse_id"]
    batch = [mutation(1, "customer.upsert", id=customer, name=NAME, phone=PHONE, address=ADDRESS),
             mutation(2, "order.create", **create)]  # fmt: skip
    with server.client(token) as c:
        r = c.post("/api/sync/push", json=push_body(f"{rep}-phone", batch)).json()
    assert [x["status"] for x in r["results"]] in (["applied", "applied"],), r
    return token, order


def _catalog(server: LiveServer, token: str) -> tuple[list[dict], list[dict]]:
    keys, revoked, cursor = [], [], None
    with server.client(token) as c:
        while True:
            body = c.post("/api/sync/pull", json={"client_id": f"p-{uuid7()}", "schema": 1,
                                                  "cursor": cursor}).json()  # fmt: skip
            keys += [ch["row"] for ch in body["changes"] if ch["t"] == "signing_keys"]
            revoked += [ch["row"] for ch in body["changes"] if ch["t"] == "qr_revocations"]
            cursor = body["cursor"]
            if not body["more"]:
                return keys, revoked


@pytest.fixture
def world(live_server: LiveServer) -> dict[str, Any]:
    token, order = _setup(live_server)
    return {"server": live_server, "rep": token, "order": order}


def test_the_current_token_is_issued_once_and_verifies_on_any_device(world) -> None:
    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        first = c.get(f"/api/orders/{order}/qr")
        assert first.status_code == 200, first.text
        again = c.get(f"/api/orders/{order}/qr").json()
    body = first.json()
    assert again == body
    assert body["url"] == f"{server.settings.public_url}/q/{body['token']}"
    assert body["order_number"] == "REP1-00001" and body["order_id"] == order
    claims = qr.decode(body["token"])
    assert (claims.order_id, claims.key_id, claims.token_id) == (
        order, body["key_id"], body["token_id"],
    )  # fmt: skip
    # A picker of the order's warehouse pulls the keys and checks the code offline.
    picker = server.token("picker", "warehouse", "wh-1")
    keys, revoked = _catalog(server, picker)
    assert [k["kind"] for k in keys] == ["server"]
    assert qr.verify(body["token"], keys, revoked).reason == "valid"
    (rec,) = server.query("SELECT issuer, issued_by, revoked FROM qr_tokens")
    assert (rec["issuer"], bool(rec["revoked"])) == ("server", False)
    assert rec["issued_by"] == server.user_id("rep1")


def test_reissue_revokes_the_old_code_everywhere(world) -> None:
    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        old = c.get(f"/api/orders/{order}/qr").json()
        new = c.post(f"/api/orders/{order}/qr/reissue")
        assert new.status_code == 200
        new = new.json()
        assert c.get(f"/api/orders/{order}/qr").json() == new
    assert new["token"] != old["token"] and new["issued_at"] > old["issued_at"]
    keys, revoked = _catalog(server, server.token("rep2", "sales"))  # even another rep's device
    assert [(r["id"], r["order_id"], r["reason"]) for r in revoked] == [
        (old["token_id"], order, "reissued")
    ]
    assert qr.verify(old["token"], keys, revoked).reason == "revoked_token"
    assert qr.verify(new["token"], keys, revoked).reason == "valid"
    with server.client() as anyone:
        page = anyone.get(f"/q/{old['token']}")
    assert page.status_code == 410
    assert "replaced by a newer code" in page.text and "REP1-00001" not in page.text


def test_scope_a_rep_sees_only_their_orders_a_warehouse_only_its_own(world) -> None:
    server, order = world["server"], world["order"]
    for token in (server.token("rep2", "sales"), server.token("north", "warehouse", "wh-2")):
        with server.client(token) as c:
            for path in ("qr", "qr.svg", "qr.png"):
                r = c.get(f"/api/orders/{order}/{path}")
                assert (r.status_code, r.json()["code"]) == (404, "not_found"), path
            assert c.get(f"/api/qr/labels?order={order}").status_code == 404
            r = c.post(f"/api/orders/{order}/qr/reissue")
            assert r.status_code in (403, 404)
    with server.client(server.token("picker", "warehouse", "wh-1")) as c:
        assert c.get(f"/api/orders/{order}/qr").status_code == 200
    with server.client(server.token("money", "finance")) as c:
        assert c.get(f"/api/orders/{order}/qr").json()["code"] == "forbidden"
    assert server.query("SELECT COUNT(*) AS n FROM qr_tokens") == [{"n": 1}]


def _png_matrix(png: bytes) -> list[list[bool]]:
    """The dark pixels of segno's PNG (8-bit or 1-bit grey or palette, no interlace)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, plte = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", data[:10])
        elif kind == b"IDAT":
            idat += data
        elif kind == b"PLTE":
            plte = [data[i : i + 3] for i in range(0, len(data), 3)]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):  # PNG filters: none, sub, up (segno uses these at most)
            left = line[i - 1] if i else 0
            line[i] = (line[i] + (0, left, prev[i])[f]) & 0xFF if f in (0, 1, 2) else 1 / 0
        prev = line
        values = [(line[x * depth // 8] >> (8 - depth - (x * depth) % 8)) & ((1 << depth) - 1)
                  for x in range(width)]  # fmt: skip
        if color == 3 and plte is not None:
            values = [plte[v][0] for v in values]
        elif depth == 1:
            values = [v * 255 for v in values]
        rows.append([v < 128 for v in values])
    return rows


def test_svg_png_and_labels_hold_the_url(world) -> None:
    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        body = c.get(f"/api/orders/{order}/qr").json()
        svg = c.get(f"/api/orders/{order}/qr.svg")
        png = c.get(f"/api/orders/{order}/qr.png")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert png.headers["content-type"] == "image/png"
    text = qr.qr_text(server.settings.public_url, body["token"])
    assert text == body["url"].upper()  # no path in the public URL: alphanumeric mode
    code = render.make(text)
    assert (code.error, code.mode, code.version) == ("M", "alphanumeric", 7)
    pixels = _png_matrix(png.content)
    try:
        import zxingcpp
    except ImportError:  # no decoder: the PNG is at least the very matrix of that text
        scale = len(pixels) // (len(code.matrix) + 8)
        expect = [[bool(v) for v in row] for row in code.matrix]
        got = [[pixels[(r + 4) * scale][(c + 4) * scale] for c in range(len(expect))]
               for r in range(len(expect))]  # fmt: skip
        assert got == expect
    else:
        width = len(pixels[0])
        lum = bytes(0 if dark else 255 for row in pixels for dark in row)
        image = zxingcpp.ImageView(memoryview(lum), width, len(pixels), zxingcpp.ImageFormat.Lum,
                                   width, 1)  # fmt: skip
        (decoded,) = zxingcpp.read_barcodes(image)
        assert decoded.text == text
    assert qr.from_scan(text) == body["token"]


def test_a_label_sheet_has_a_code_and_number_per_order(world) -> None:
    server = world["server"]
    second = _setup(server, "rep1b")[1]
    with server.client(server.token("boss", "admin")) as c:
        r = c.get(f"/api/qr/labels?order={world['order']}&order={second}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert c.get("/api/qr/labels").status_code == 400
    sheet = r.text
    assert "@page{size:A4;margin:0}" in sheet and 'width="210.0mm" height="297.0mm"' in sheet
    assert sheet.count('class="label"') == 2
    assert "REP1-00001" in sheet and "REP1B-00001" in sheet


def test_the_status_page_shows_the_order_and_nothing_personal(world) -> None:
    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        body = c.get(f"/api/orders/{order}/qr").json()
    with server.client() as anyone:  # no login
        page = anyone.get(body["url"].replace(server.settings.public_url, ""))
        upper = anyone.get(qr.qr_text(server.settings.public_url, body["token"])
                           .split("/", 3)[3].join(["/", ""]))  # fmt: skip
        zh = anyone.get(f"/q/{body['token']}", headers={"Accept-Language": "zh-TW,zh;q=0.9"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert upper.status_code == 200 and upper.text == page.text
    html = page.text
    assert "REP1-00001" in html and "Received" in html and '<html lang="en">' in html
    for secret in (NAME, PHONE, ADDRESS, "Queen", "5555", "500", "1000", "Tea"):
        assert secret not in html, secret
    assert "<script" not in html
    assert '<html lang="zh-Hant">' in zh.text and "已接收" in zh.text


@pytest.mark.parametrize(
    ("make", "reason", "says"),
    [
        (lambda t, o: "NOT-A-TOKEN", "malformed", "not an order code"),
        (lambda t, o: qv._flip(t, 40), "tampered", "altered"),
        (
            lambda t, o: qr.issue(qv.private("stranger"), o, 1_780_000_000),
            "unknown_key",
            "not issued by us",
        ),  # fmt: skip
        (
            lambda t, o: qr.encode(o, 1, qr.decode(t).key_id, lambda m: b"\0" * 64, version=2),
            "wrong_version",
            "does not read",
        ),  # fmt: skip
    ],
)
def test_an_unverifiable_code_says_why_and_nothing_else(world, make, reason, says) -> None:
    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        token = c.get(f"/api/orders/{order}/qr").json()["token"]
    with server.client() as anyone:
        page = anyone.get(f"/q/{make(token, order)}")
    assert page.status_code == 404, reason
    assert says in page.text
    assert "REP1-00001" not in page.text and NAME not in page.text


def test_the_status_page_is_rate_limited_per_address(serve) -> None:
    server = serve(qr_page_rate_per_minute=3)
    with server.client() as anyone:
        codes = [anyone.get("/q/NOPE").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


@pytest.mark.dates
def test_purge_removes_old_records_and_is_audited(world, monkeypatch, capsys) -> None:
    from server import cli

    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        c.get(f"/api/orders/{order}/qr")
        c.post(f"/api/orders/{order}/qr/reissue")

    async def age(db: Any) -> None:
        async with db.write() as conn:  # both: the open order's current code is kept anyway
            await conn.execute("UPDATE qr_tokens SET issued_at = '2020-01-01T00:00:00.000Z'")

    server.run_db(age)
    env = {"ORDERLY_DATA_DIR": str(server.settings.data_dir),
           "ORDERLY_DATABASE_URL": server.settings.database_url}  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert cli.main(["purge", "--older-than", "365x"]) == 2
    assert cli.main(["purge", "--older-than", "365d"]) == 0
    assert "1 qr_tokens" in capsys.readouterr().out
    assert server.query("SELECT COUNT(*) AS n FROM qr_tokens") == [{"n": 1}]
    # The revocation stays: a printed old code must go on saying "replaced", not "valid".
    assert server.query("SELECT COUNT(*) AS n FROM qr_revocations") == [{"n": 1}]
    (entry,) = server.query("SELECT detail FROM audit_log WHERE action = 'qr.purged'")
    assert '"qr_tokens":1' in entry["detail"]


def test_a_device_key_is_published_at_registration_and_revoked_with_its_device(
    live_server: LiveServer,
) -> None:
    """Through the services (a passkey ceremony is tested in test_auth.py)."""
    import asyncio

    from server.admin.users.service import AdminService
    from server.auth import devices
    from server.db.sql import open_database
    from server.db.sync_store import SqlSyncStore
    from server.keys import load
    from server.qr.keys import publish

    public = qr.b64url(qr.public_raw(qv.private("device")))

    async def work() -> str:
        db = await open_database(live_server.settings)
        try:
            keys = load(live_server.settings.keys_dir)
            async with db.write() as conn:
                dev = await devices.register(conn, keys, "u-1",
                                             devices.DeviceIn(name="phone", signing_public_key=public))  # fmt: skip
            await publish(SqlSyncStore(db), None, [dev.id])
            await AdminService(db, SqlSyncStore(db), live_server.settings).revoke_device(
                "u-admin", dev.id
            )
            return dev.id
        finally:
            await db.close()

    device_id = asyncio.run(work())
    keys, _ = _catalog(live_server, live_server.token("rep9", "sales"))
    (row,) = [k for k in keys if k["kind"] == "device"]
    assert (row["device_id"], row["public_key"], row["revoked"]) == (device_id, public, True)
    assert row["revoked_at"] and row["certificate"]
    before = qr.issue(qv.private("device"), uuid7(), qv.seconds(row["revoked_at"]) - 10)
    after = qr.issue(qv.private("device"), uuid7(), qv.seconds(row["revoked_at"]) + 10)
    assert qr.verify(before, keys, []).reason == "valid"
    assert qr.verify(after, keys, []).reason == "revoked_key"


def _device_key_row(server: LiveServer, *, revoke: bool) -> dict:
    """rep1's phone registers the vector device key (and is revoked, if asked); its published
    ``signing_keys`` row."""
    import asyncio

    from server.admin.users.service import AdminService
    from server.auth import devices
    from server.db.sql import open_database
    from server.keys import load
    from server.qr.keys import publish

    public = qr.b64url(qr.public_raw(qv.private("device")))
    (user,) = server.query("SELECT id FROM users WHERE name = 'rep1'")

    async def work() -> None:
        db = await open_database(server.settings)
        try:
            async with db.write() as conn:
                dev = await devices.register(conn, load(server.settings.keys_dir), user["id"],
                                             devices.DeviceIn(name="phone", signing_public_key=public))  # fmt: skip
            await publish(SqlSyncStore(db), None, [dev.id])
            if revoke:
                await AdminService(db, SqlSyncStore(db), server.settings).revoke_device(
                    "u-admin", dev.id
                )
        finally:
            await db.close()

    asyncio.run(work())
    keys, _ = _catalog(server, server.token("boss", "admin"))
    (row,) = [k for k in keys if k["kind"] == "device"]
    return row


@pytest.mark.parametrize("revoke", [False, True], ids=["device", "revoked-device-backdated"])
def test_a_device_signed_code_the_server_never_accepted_shows_nothing(world, revoke) -> None:
    """A certified device's signature alone is not enough for the public page: the code must
    have come through qr.issue (its user's own order, dated within its life, key not revoked).
    A revoked device's key dating a code before its revocation gets nothing either."""
    server, order = world["server"], world["order"]
    row = _device_key_row(server, revoke=revoke)
    at = qv.seconds(row["revoked_at"]) - 10 if revoke else int(__import__("time").time())
    forged = qr.issue(qv.private("device"), order, at)
    assert qr.verify(forged, _catalog(server, world["rep"])[0], []).reason == "valid"
    with server.client() as anyone:
        page = anyone.get(f"/q/{forged}")
    assert page.status_code == 404
    assert "no record of this code yet" in page.text
    assert "REP1-00001" not in page.text


def test_a_code_dated_in_the_future_does_not_date_the_servers_reissue(world) -> None:
    """A record dated 2099 (accepted before issue times were bounded): a reissue is dated by
    the server's clock, and it is the current code."""
    import time

    server, order = world["server"], world["order"]

    async def future(db: Any) -> None:
        async with db.write() as conn:
            await conn.execute(
                "INSERT INTO qr_tokens (id, order_id, token, key_id, issuer, issued_by,"
                " issued_at, revoked, revoked_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ("f" * 16, order, "X" * 151, "0" * 16, "dev-x", None,
                 "2099-01-01T00:00:00.000Z", False, None, None),
            )  # fmt: skip

    server.run_db(future)
    with server.client(world["rep"]) as c:
        # Not served as the current code either: the first ask gets a code dated now.
        body = c.get(f"/api/orders/{order}/qr").json()
        assert c.get(f"/api/orders/{order}/qr").json()["token"] == body["token"]
        again = c.post(f"/api/orders/{order}/qr/reissue").json()
        assert c.get(f"/api/orders/{order}/qr").json()["token"] == again["token"]
    for b in (body, again):
        assert abs(qr.decode(b["token"]).issued_at - time.time()) < 60
    (old,) = server.query("SELECT revoked, reason FROM qr_tokens WHERE id = 'ffffffffffffffff'")
    assert (bool(old["revoked"]), old["reason"]) == (True, "reissued")


def _cli_env(server: LiveServer, monkeypatch) -> None:
    monkeypatch.setenv("ORDERLY_DATA_DIR", str(server.settings.data_dir))
    monkeypatch.setenv("ORDERLY_DATABASE_URL", server.settings.database_url)


def test_after_keys_rotate_the_running_server_signs_with_the_new_key(world, monkeypatch) -> None:
    from server import cli

    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        old = c.get(f"/api/orders/{order}/qr").json()["key_id"]
    _cli_env(server, monkeypatch)
    assert cli.main(["keys", "rotate"]) == 0
    new = (server.settings.keys_dir / "current").read_text().strip()
    assert new != old
    with server.client(world["rep"]) as c:  # the same server process, not restarted
        body = c.post(f"/api/orders/{order}/qr/reissue").json()
    assert body["key_id"] == new
    keys, revoked = _catalog(server, world["rep"])
    assert qr.verify(body["token"], keys, revoked).reason == "valid"


def test_a_server_key_can_be_retired_and_revoked_but_not_while_it_signs(
    world, monkeypatch, capsys
) -> None:
    import time

    from server import cli

    server, order = world["server"], world["order"]
    with server.client(world["rep"]) as c:
        first = c.get(f"/api/orders/{order}/qr").json()
    old = first["key_id"]
    _cli_env(server, monkeypatch)
    assert cli.main(["keys", "retire", old]) == 2  # it signs now: rotate first
    assert cli.main(["keys", "revoke", old]) == 2
    assert (server.settings.keys_dir / f"{old}.pem").exists()
    assert cli.main(["keys", "rotate"]) == 0

    # Retired: the private key is gone, what it signed still verifies everywhere.
    leaked = (server.settings.keys_dir / f"{old}.pem").read_bytes()  # a copy someone kept
    assert cli.main(["keys", "retire", old]) == 0
    assert not (server.settings.keys_dir / f"{old}.pem").exists()
    keys, revoked = _catalog(server, world["rep"])
    assert qr.verify(first["token"], keys, revoked).reason == "valid"

    # Revoked from a time: codes it signed dated from then on are refused offline and on /q/;
    # the open order's code it signed is reissued with the current key; a start (publish) does
    # not undo the revocation.
    since = int(time.time()) + 3600
    assert cli.main(["keys", "revoke", old, "--since", _iso(since)]) == 0
    assert cli.main(["keys", "rotate"]) == 0
    keys, revoked = _catalog(server, world["rep"])
    (row,) = [k for k in keys if k["id"] == old]
    assert (row["revoked"], qv.seconds(row["revoked_at"])) == (True, since)
    assert qr.verify(first["token"], keys, revoked).reason == "revoked_token"  # reissued
    with server.client(world["rep"]) as c:
        now = c.get(f"/api/orders/{order}/qr").json()
    assert now["key_id"] != old
    assert qr.verify(now["token"], keys, revoked).reason == "valid"
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    forged = qr.issue(load_pem_private_key(leaked, None), order, since)  # type: ignore[arg-type]
    assert qr.verify(forged, keys, revoked).reason == "revoked_key"
    with server.client() as anyone:
        assert anyone.get(f"/q/{forged}").status_code == 404
    capsys.readouterr()
    assert cli.main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"{old}  revoked from" in listing and "signs now" in listing
    (entry,) = server.query("SELECT subject FROM audit_log WHERE action = 'keys.revoked'")
    assert entry["subject"] == old


def _iso(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


@pytest.mark.dates
def test_purge_keeps_an_open_orders_current_code_and_revokes_a_closed_ones(
    world, monkeypatch
) -> None:
    """A purged current code would verify offline forever with no record behind it."""
    from server import cli

    server, order = world["server"], world["order"]
    closed = _setup(server, "rep2")[1]
    with server.client(world["rep"]) as c:
        current = c.get(f"/api/orders/{order}/qr").json()["token"]
    with server.client(server.token("boss", "admin")) as c:
        gone = c.get(f"/api/orders/{closed}/qr").json()["token"]

    async def age(db: Any) -> None:
        async with db.write() as conn:
            await conn.execute("UPDATE qr_tokens SET issued_at = '2020-01-01T00:00:00.000Z'")
            await conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (closed,))

    server.run_db(age)
    _cli_env(server, monkeypatch)
    assert cli.main(["purge", "--older-than", "365d"]) == 0
    kept = server.query("SELECT id FROM qr_tokens")
    assert [r["id"] for r in kept] == [qr.token_id(current)]
    keys, revoked = _catalog(server, server.token("boss", "admin"))
    assert qr.verify(current, keys, revoked).reason == "valid"
    assert qr.verify(gone, keys, revoked).reason == "revoked_token"
    assert [r["reason"] for r in revoked if r["id"] == qr.token_id(gone)] == ["purged"]
    with server.client() as anyone:
        assert anyone.get(f"/q/{current}").status_code == 200
        assert anyone.get(f"/q/{gone}").status_code == 410
    (entry,) = server.query("SELECT detail FROM audit_log WHERE action = 'qr.purged'")
    assert '"revoked":1' in entry["detail"]
