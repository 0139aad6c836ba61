"""Each report computed from its queries (server/admin/reports/queries.py), and ``build``: the
report a name asks for, read in one snapshot of the ``Database``."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from server.admin.reports import queries
from server.admin.reports.schemas import Range, Report, Series, Table, UnknownReport
from server.db.sql import Conn, Database
from shared.states import STATUSES

PRIORITIES = ("high", "normal", "low")
# Statuses an order can only have after it shipped: what the status-history reports look at.
AFTER_SHIPPING = ("shipped", "delivered", "completed", "returned", "refunded")
DEVICE_BUCKETS = ("lt_1h", "lt_1d", "lt_3d", "older", "never")
_EMPLOYEE = ("orders", "transitions", "scans", "redemptions")  # per-employee columns


def week_of(day: str) -> str:
    d = date.fromisoformat(day[:10])
    return (d - timedelta(days=d.weekday())).isoformat()


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least ``p`` % of the values at or below it."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def _hours(start: str, end: str) -> float:
    return (_when(end) - _when(start)).total_seconds() / 3600


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _history(text: str | None) -> list[dict[str, Any]]:
    try:
        entries = msgspec.json.decode(text or "[]")
    except msgspec.DecodeError:
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("at"), str)]


def _first(history: list[dict[str, Any]], status: str) -> str | None:
    return next((e["at"] for e in history if e.get("to") == status), None)


async def orders_per_day(conn: Conn, r: Range) -> Report:
    rows = await queries.orders_by_day_status_channel(conn, r)
    days = r.days()
    by_status: dict[str, Counter[str]] = defaultdict(Counter)
    by_channel: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        by_status[row["status"]][row["day"]] += row["n"]
        by_channel[row["channel"]][row["day"]] += row["n"]
    statuses = [s for s in STATUSES if s in by_status] + sorted(set(by_status) - set(STATUSES))
    channels = sorted(by_channel)
    series = [Series(s, [by_status[s][d] for d in days], "status") for s in statuses]
    series += [Series(c, [by_channel[c][d] for d in days], "channel") for c in channels]
    columns = ["day", *(f"status.{s}" for s in statuses), *(f"channel.{c}" for c in channels)]
    table_rows = [
        [d, *(by_status[s][d] for s in statuses), *(by_channel[c][d] for c in channels),
         sum(by_status[s][d] for s in statuses)]
        for d in days
    ]  # fmt: skip
    return _report("orders-per-day", r, days, series, Table([*columns, "total"], table_rows))


async def sales(conn: Conn, r: Range) -> Report:
    """Per day: orders created and not cancelled (count, total); payments by the day recorded.
    Money in = positive payments ``paid`` or ``refunded`` (it came in, whatever happened next);
    refunded = negative payments (how after-sales records a refund) plus positive ones marked
    ``refunded``. ``pending`` and ``failed`` payments count nowhere."""
    orders = await queries.sales_by_day(conn, r)
    payments = await queries.payments_by_day(conn, r)
    days = r.days()
    count = {o["day"]: int(o["n"]) for o in orders}
    total = {o["day"]: int(o["total"] or 0) for o in orders}
    received = {p["day"]: int(p["received"] or 0) for p in payments}
    refunded = {p["day"]: int(p["refunded"] or 0) for p in payments}
    cols = {
        "orders": [count.get(d, 0) for d in days],
        "order_total": [total.get(d, 0) for d in days],
        "received": [received.get(d, 0) for d in days],
        "refunded": [refunded.get(d, 0) for d in days],
    }
    series = [Series(k, v, "sales") for k, v in cols.items() if k != "orders"]
    rows = [[d, *(v[i] for v in cols.values())] for i, d in enumerate(days)]
    return _report("sales", r, days, series, Table(["day", *cols], rows))


def _stats(hours: list[float]) -> list[Any]:
    hours = sorted(hours)
    return [len(hours), *(_round(percentile(hours, p)) for p in (50, 90, 99))]


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


async def processing_time(conn: Conn, r: Range) -> Report:
    """Hours from an order's first ``submitted`` to its first ``shipped``, for the orders
    shipped in the range: per week of shipping, and per warehouse over the whole range."""
    per_week: dict[str, list[float]] = defaultdict(list)
    per_wh: dict[str, list[float]] = defaultdict(list)
    everything: list[float] = []
    for order in await queries.changed_orders(conn, r):
        if order["status"] not in AFTER_SHIPPING:
            continue
        history = _history(order["status_history"])
        submitted, shipped = _first(history, "submitted"), _first(history, "shipped")
        if not submitted or not shipped or not r.start <= shipped < r.end:
            continue
        hours = _hours(submitted, shipped)
        per_week[week_of(shipped)].append(hours)
        per_wh[order["warehouse_id"] or ""].append(hours)
        everything.append(hours)
    weeks = r.weeks()
    stats = {w: _stats(per_week.get(w, [])) for w in weeks}
    series = [
        Series(label, [stats[w][i] for w in weeks], "percentile")
        for i, label in ((1, "p50"), (2, "p90"), (3, "p99"))
    ]
    columns = ["week", "orders", "p50_hours", "p90_hours", "p99_hours"]
    rows = [[w, *stats[w]] for w in weeks]
    summary = Table(
        ["warehouse_id", "orders", "p50_hours", "p90_hours", "p99_hours"],
        [[wh, *_stats(v)] for wh, v in sorted(per_wh.items())] + [["all", *_stats(everything)]],
    )
    return _report("processing-time", r, weeks, series, Table(columns, rows), summary)


async def overdue(conn: Conn, r: Range, today: date | None = None) -> Report:
    """Orders overdue now (due before today, goods not gone yet): per day they were opened in
    the range, by priority; the summary counts every overdue order now by warehouse × priority."""
    today_text = (today or datetime.now(UTC).date()).isoformat()
    per_day = await queries.overdue_by_day(conn, r, today_text)
    now = await queries.overdue_now(conn, r, today_text)
    days = r.days()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in per_day:
        counts[row["priority"]][row["day"]] += row["n"]
    priorities = [p for p in PRIORITIES if p in counts] or list(PRIORITIES)
    series = [Series(p, [counts[p][d] for d in days], "priority") for p in priorities]
    rows = [
        [d, *(counts[p][d] for p in priorities), sum(counts[p][d] for p in priorities)]
        for d in days
    ]
    order = {p: i for i, p in enumerate(PRIORITIES)}
    summary = Table(
        ["warehouse_id", "priority", "overdue"],
        sorted(
            ([row["warehouse_id"] or "", row["priority"], int(row["n"])] for row in now),
            key=lambda x: (x[0], order.get(x[1], 9)),
        ),
    )
    table = Table(["day", *priorities, "total"], rows)
    return _report("overdue", r, days, series, table, summary)


async def return_rate(conn: Conn, r: Range) -> Report:
    """Per week: orders shipped that week, orders returned that week, returned / shipped."""
    shipped: Counter[str] = Counter()
    returned: Counter[str] = Counter()
    for order in await queries.changed_orders(conn, r):
        if order["status"] not in AFTER_SHIPPING:
            continue
        history = _history(order["status_history"])
        for status, counter in (("shipped", shipped), ("returned", returned)):
            at = _first(history, status)
            if at and r.start <= at < r.end:
                counter[week_of(at)] += 1
    weeks = r.weeks()
    rate = [round(returned[w] / shipped[w], 4) if shipped[w] else None for w in weeks]
    series = [
        Series("shipped", [shipped[w] for w in weeks], "orders"),
        Series("returned", [returned[w] for w in weeks], "orders"),
    ]
    rows = [[w, shipped[w], returned[w], rate[i]] for i, w in enumerate(weeks)]
    table = Table(["week", "shipped", "returned", "return_rate"], rows)
    summary = Table(
        ["shipped", "returned", "return_rate"],
        [[sum(shipped.values()), sum(returned.values()),
          round(sum(returned.values()) / sum(shipped.values()), 4) if shipped else None]],
    )  # fmt: skip
    return _report("return-rate", r, weeks, series, table, summary)


async def per_employee(conn: Conn, r: Range) -> Report:
    """Per user, in the range: orders created (as owner), status transitions made, scans,
    redemptions. Users with none of these are left out."""
    created = await queries.created_by_owner(conn, r)
    scans = await queries.scans_by_user(conn, r)
    redemptions = await queries.redemptions_by_user(conn, r)
    transitions: Counter[str] = Counter()
    for order in await queries.changed_orders(conn, r):
        for entry in _history(order["status_history"]):
            # The first entry (no "from") is the creation, counted as an order created.
            if "from" in entry and entry.get("by") and r.start <= entry["at"] < r.end:
                transitions[entry["by"]] += 1
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_EMPLOYEE, 0))
    for key, rows in (("orders", created), ("scans", scans), ("redemptions", redemptions)):
        for row in rows:
            counts[row["user_id"]][key] += int(row["n"])
    for user_id, n in transitions.items():
        counts[user_id]["transitions"] += n
    users = {u["id"]: u for u in await queries.users(conn) if u["id"] in counts}
    ids = sorted(counts, key=lambda u: users.get(u, {}).get("name") or u)
    names = [users.get(u, {}).get("name") or u for u in ids]
    series = [Series(k, [counts[u][k] for u in ids], "activity") for k in _EMPLOYEE]
    rows = [
        [u, names[i], users.get(u, {}).get("role", ""), *(counts[u][k] for k in _EMPLOYEE)]
        for i, u in enumerate(ids)
    ]
    table = Table(["user_id", "user", "role", *_EMPLOYEE], rows)
    return _report("per-employee", r, names, series, table)


async def sync_health(conn: Conn, r: Range, now: datetime | None = None) -> Report:
    """Per day: pushed mutations rejected, conflicts opened, conflicts still open at the end of
    the day (neither resolved nor deleted). The summary: devices (not revoked) by the time since
    their last sync. Devices and the sync log are not per warehouse: ``warehouse_id`` is
    ignored here."""
    now = now or datetime.now(UTC)
    rejected = await queries.rejections_by_day(conn, r)
    conflicts = await queries.conflicts_open_in(conn, r)
    days = r.days()
    rejections = Counter({row["day"]: int(row["n"]) for row in rejected})
    opened = Counter(c["created_at"][:10] for c in conflicts if c["created_at"] >= r.start)
    open_at_end = []
    for d in days:
        end = f"{(date.fromisoformat(d) + timedelta(days=1)).isoformat()}T00:00:00.000Z"
        open_at_end.append(
            sum(
                1 for c in conflicts
                if c["created_at"] < end and (c["resolved_at"] is None or c["resolved_at"] >= end)
            )
        )  # fmt: skip
    series = [
        Series("rejections", [rejections[d] for d in days], "sync"),
        Series("conflicts_opened", [opened[d] for d in days], "sync"),
        Series("conflicts_open", open_at_end, "sync"),
    ]
    rows = [[d, rejections[d], opened[d], open_at_end[i]] for i, d in enumerate(days)]
    table = Table(["day", "rejections", "conflicts_opened", "conflicts_open"], rows)
    buckets = Counter({b: 0 for b in DEVICE_BUCKETS})
    for dev in await queries.device_last_syncs(conn):
        buckets[_device_bucket(dev["last_sync_at"], now)] += 1
    summary = Table(["last_sync", "devices"], [[b, buckets[b]] for b in DEVICE_BUCKETS])
    return _report("sync-health", r, days, series, table, summary)


def _device_bucket(last_sync: str | None, now: datetime) -> str:
    if not last_sync:
        return "never"
    age = now - _when(last_sync)
    if age < timedelta(hours=1):
        return "lt_1h"
    if age < timedelta(days=1):
        return "lt_1d"
    if age < timedelta(days=3):
        return "lt_3d"
    return "older"


def _report(
    name: str,
    r: Range,
    x: list[str],
    series: list[Series],
    table: Table,
    summary: Table | None = None,
) -> Report:
    return Report(name, r.first.isoformat(), r.last.isoformat(), x, series, table, summary)


REPORTS: dict[str, Callable[[Conn, Range], Awaitable[Report]]] = {
    "orders-per-day": orders_per_day,
    "sales": sales,
    "processing-time": processing_time,
    "overdue": overdue,
    "return-rate": return_rate,
    "per-employee": per_employee,
    "sync-health": sync_health,
}


async def build(db: Database, name: str, r: Range) -> Report:
    make = REPORTS.get(name)
    if make is None:
        raise UnknownReport(f"no report {name!r}; one of {', '.join(REPORTS)}")
    async with db.read() as conn:
        return await make(conn, r)


def table_rows(report: Report) -> tuple[list[str], Iterable[list[Any]]]:
    """What an export writes: the report's table."""
    return report.table.columns, report.table.rows
