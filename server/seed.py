"""Demo data: warehouses, products, users, customers, stock and orders, written through the
sync engine like real devices would, so the change log and versions are real.

Due dates are counted from the day it runs (today in UTC, the day the server compares them
with): demo data with calendar dates went overdue as the days passed and broke the browser tests
that count overdue orders (issue 13). Every choice comes from one ``random.Random(7)``, so two
seeds make the same orders (numbers, customers, lines, due so many days later); only the ids
and the dates differ."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from server.auth.tokens import ensure_user
from server.db.sql import Database, refresh_statistics
from server.db.sync_store import SqlSyncStore
from sync.context import Actor
from sync.direct import put_rows
from sync.hlc import Clock
from sync.ids import uuid7
from sync.protocol import MutationIn, PushRequest
from sync.push import push

PRODUCTS = [
    ("TEA-GRN", "Green tea 250 g", 4500),
    ("TEA-OOL", "Oolong tea 250 g", 6200),
    ("TEA-PUE", "Pu'er cake 357 g", 12800),
    ("CUP-POR", "Porcelain cup", 1800),
    ("POT-CLY", "Clay teapot", 9900),
    ("TRY-BAM", "Bamboo tray", 7600),
    ("FLT-STL", "Steel filter", 900),
    ("KET-ELC", "Electric kettle", 15900),
    ("BOX-GFT", "Gift box", 2500),
    ("HNY-WLD", "Wild honey 500 g", 5800),
]
CUSTOMERS = ["Golden Leaf Café", "Harbour Teahouse", "Mei's Grocery", "North Star Hotel",
             "Jade Garden", "Sunrise Mart", "Lotus Spa", "Riverside Deli"]  # fmt: skip

Progress = Callable[[str], None]


# How far ahead of the seed's day the demo orders are due: none is overdue on the day it is
# seeded, nor the day after (a test that seeds before midnight and looks after it).
DUE_IN_DAYS = (1, 28)


async def seed_demo(
    db: Database, orders: int = 40, progress: Progress = print, today: date | None = None
) -> dict[str, str]:
    """Write the demo world, its orders due ``DUE_IN_DAYS`` after ``today`` (default: today in
    UTC); returns demo user names -> user ids."""
    today = today or datetime.now(UTC).date()
    store = SqlSyncStore(db)
    rng = random.Random(7)
    users = {}
    for name, role, wh in (
        ("admin", "admin", None),
        ("rep1", "sales", None),
        ("rep2", "sales", None),
        ("picker1", "warehouse", "wh-main"),
    ):
        users[name], _ = await ensure_user(db, name, role, wh)
    admin = Actor(users["admin"], "admin")
    progress(f"catalog: 2 warehouses, {len(PRODUCTS)} products")
    await put_rows(store, admin, "warehouses", [
        {"id": "wh-main", "code": "MAIN", "name": "Main warehouse", "address": "1 Dock Road"},
        {"id": "wh-north", "code": "NRTH", "name": "North depot", "address": "9 Hill Street"},
    ])  # fmt: skip
    await put_rows(store, admin, "products", [
        {"id": f"p-{sku.lower()}", "sku": sku, "name": name, "unit_price": price,
         "barcode": f"69{i:011d}", "safety_stock": 10, "reorder_point": 20}
        for i, (sku, name, price) in enumerate(PRODUCTS)
    ])  # fmt: skip

    mutations: dict[str, list[tuple[str, dict]]] = {"admin": [], "rep1": [], "rep2": []}
    for sku, _, _ in PRODUCTS:
        for wh in ("wh-main", "wh-north"):
            mutations["admin"].append(("stock.move", {
                "id": uuid7(), "product_id": f"p-{sku.lower()}", "warehouse_id": wh,
                "delta": rng.randint(40, 400), "reason": "receive", "ref": "opening stock"}))  # fmt: skip
    customers: dict[str, list[str]] = {"rep1": [], "rep2": []}
    for i, name in enumerate(CUSTOMERS):
        rep = "rep1" if i % 2 == 0 else "rep2"
        cid = uuid7()
        customers[rep].append(cid)
        mutations[rep].append(("customer.upsert", {
            "id": cid, "name": name, "phone": f"+86 21 5555 {1000 + i}",
            "address": f"{10 + i} Market Street", "region": rng.choice(["East", "West"])}))  # fmt: skip
    for n in range(orders):
        rep = "rep1" if n % 2 == 0 else "rep2"
        lines = [
            {"id": uuid7(), "product_id": f"p-{sku.lower()}", "qty": rng.randint(1, 12),
             "unit_price": price}
            for sku, _, price in rng.sample(PRODUCTS, rng.randint(1, 4))
        ]  # fmt: skip
        mutations[rep].append(("order.create", {
            "id": uuid7(), "number": f"DEMO{rep[-1]}-{n:05d}",
            "customer_id": rng.choice(customers[rep]), "lines": lines,
            "priority": rng.choice(["high", "normal", "normal", "low"]),
            "warehouse_id": rng.choice(["wh-main", "wh-north"]),
            "due_date": (today + timedelta(days=rng.randint(*DUE_IN_DAYS))).isoformat()}))  # fmt: skip

    for name, items in mutations.items():
        actor = Actor(users[name], "admin" if name == "admin" else "sales")
        clock = Clock(f"seed-{name}")
        client_id = f"seed-{name}-{users[name][:8]}"
        for start in range(0, len(items), 100):
            batch = [
                MutationIn(id=start + i + 1, name=m, args=a, hlc=str(clock.now()))
                for i, (m, a) in enumerate(items[start : start + 100])
            ]
            await push(store, actor, PushRequest(client_id=client_id, schema=1, mutations=batch))
            progress(f"{name}: {min(start + 100, len(items))}/{len(items)} mutations")
    await refresh_statistics(db)
    return users


async def is_seeded(db: Database) -> bool:
    async with db.read() as conn:
        return bool(await conn.fetchval("SELECT COUNT(*) FROM users"))
