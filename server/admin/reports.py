"""The admin console's reports (docs/admin.md § Reports): numbers over a date range for charts,
the same numbers as a table for CSV/XLSX.

Every report answers ``Report``: ``x`` (days, ISO weeks as their Monday, or users), one or more
``series`` of values along ``x`` (what the chart draws), ``table`` (what the page lists and the
export writes) and, for some, ``summary`` (a small second table: a snapshot that has no ``x``).

Times are ISO UTC text (server/times.py), so a day is ``SUBSTR(created_at, 1, 10)`` and a range
is a text comparison, the same SQL on SQLite and PostgreSQL. What needs an order's status history
(a JSON list) is computed in Python over the orders that changed since the range started
(``updated_at >= from``): one pass, bounded by the range (at most ``MAX_DAYS``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from server.db.sql import Conn, Database
from shared.states import STATUSES
from sync.errors import BadRequest, SyncError

MAX_DAYS = 366
DEFAULT_DAYS = 30
PRIORITIES = ("high", "normal", "low")
# Overdue: a due date before today (UTC) and the goods have not left yet. Drafts are not orders
# anyone works on yet; cancelled, shipped and later are done with.
OPEN_STATUSES = ("submitted", "on_hold", "confirmed", "picking", "packed")
# Statuses an order can only have after it shipped: what the status-history reports look at.
AFTER_SHIPPING = ("shipped", "delivered", "completed", "returned", "refunded")
DEVICE_BUCKETS = ("lt_1h", "lt_1d", "lt_3d", "older", "never")
_EMPLOYEE = ("orders", "transitions", "scans", "redemptions")  # per-employee columns
# Columns of report tables that hold money (minor units; exports write major units).
MONEY_COLUMNS = frozenset({"order_total", "received", "refunded"})


class RangeTooLong(SyncError):
    code = "range_too_long"
    status = 400


class UnknownReport(SyncError):
    code = "not_found"
    status = 404


class Series(msgspec.Struct):
    label: str
    values: list[float | int | None]
    group: str = ""  # status | channel | priority | … (the page translates label within it)


class Table(msgspec.Struct):
    columns: list[str]
    rows: list[list[Any]]


class Report(msgspec.Struct, rename={"from_": "from"}):
    name: str
    from_: str
    to: str
    x: list[str]
    series: list[Series]
    table: Table
    summary: Table | None = None


class Range(msgspec.Struct, frozen=True):
    first: date
    last: date  # inclusive
    warehouse_id: str | None = None

    @property
    def start(self) -> str:
        return f"{self.first.isoformat()}T00:00:00.000Z"

    @property
    def end(self) -> str:  # exclusive
        return f"{(self.last + timedelta(days=1)).isoformat()}T00:00:00.000Z"

    def days(self) -> list[str]:
        n = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(n)]

    def weeks(self) -> list[str]:
        monday = self.first - timedelta(days=self.first.weekday())
        out = []
        while monday <= self.last:
            out.append(monday.isoformat())
            monday += timedelta(days=7)
        return out


def _parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD), not {text!r}") from None


def parse_range(
    from_: str | None, to: str | None, warehouse_id: str | None, today: date | None = None
) -> Range:
    """The range asked for: ``to`` defaults to today (UTC), ``from`` to 29 days before ``to``."""
    today = today or datetime.now(UTC).date()
    last = _parse_day(to, "to") if to else today
    first = _parse_day(from_, "from") if from_ else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadRequest("from must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeTooLong(f"a report covers at most {MAX_DAYS} days")
    return Range(first, last, warehouse_id or None)


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


def _wh(r: Range, column: str = "warehouse_id") -> tuple[str, list[Any]]:
    return (f" AND {column} = ?", [r.warehouse_id]) if r.warehouse_id else ("", [])


def _history(text: str | None) -> list[dict[str, Any]]:
    try:
        entries = msgspec.json.decode(text or "[]")
    except msgspec.DecodeError:
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("at"), str)]


async def _changed_orders(conn: Conn, r: Range) -> list[dict[str, Any]]:
    """Orders whose history may hold an entry inside the range: created before its end and
    changed at or after its start (an entry's time is never after the order's ``updated_at``)."""
    wh, args = _wh(r)
    return await conn.fetch(
        "SELECT id, owner_id, warehouse_id, status, status_history FROM orders"
        " WHERE deleted = ? AND updated_at >= ? AND created_at < ?" + wh,
        [False, r.start, r.end, *args],
    )


def _first(history: list[dict[str, Any]], status: str) -> str | None:
    return next((e["at"] for e in history if e.get("to") == status), None)


# ---- the reports ------------------------------------------------------------------------------


async def orders_per_day(conn: Conn, r: Range) -> Report:
    wh, args = _wh(r)
    rows = await conn.fetch(
        "SELECT SUBSTR(created_at, 1, 10) AS day, status, channel, COUNT(*) AS n FROM orders"
        " WHERE deleted = ? AND created_at >= ? AND created_at < ?" + wh
        + " GROUP BY SUBSTR(created_at, 1, 10), status, channel",
        [False, r.start, r.end, *args],
    )  # fmt: skip
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
    wh, args = _wh(r)
    orders = await conn.fetch(
        "SELECT SUBSTR(created_at, 1, 10) AS day, COUNT(*) AS n, SUM(total) AS total FROM orders"
        " WHERE deleted = ? AND status <> ? AND created_at >= ? AND created_at < ?" + wh
        + " GROUP BY SUBSTR(created_at, 1, 10)",
        [False, "cancelled", r.start, r.end, *args],
    )  # fmt: skip
    pwh, pargs = _wh(r, "o.warehouse_id")
    payments = await conn.fetch(
        "SELECT SUBSTR(p.created_at, 1, 10) AS day,"
        " SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END) AS received,"
        " SUM(CASE WHEN p.amount < 0 THEN -p.amount"
        "          WHEN p.status = ? THEN p.amount ELSE 0 END) AS refunded"
        " FROM payments p JOIN orders o ON o.id = p.order_id"
        " WHERE p.deleted = ? AND p.status IN (?, ?) AND p.created_at >= ? AND p.created_at < ?"
        + pwh + " GROUP BY SUBSTR(p.created_at, 1, 10)",
        ["refunded", False, "paid", "refunded", r.start, r.end, *pargs],
    )  # fmt: skip
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
    for order in await _changed_orders(conn, r):
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
    marks = ", ".join("?" * len(OPEN_STATUSES))
    where = f" WHERE deleted = ? AND status IN ({marks}) AND due_date IS NOT NULL AND due_date < ?"
    wh, args = _wh(r)
    base = [False, *OPEN_STATUSES, today_text]
    per_day = await conn.fetch(
        "SELECT SUBSTR(created_at, 1, 10) AS day, priority, COUNT(*) AS n FROM orders" + where
        + " AND created_at >= ? AND created_at < ?" + wh
        + " GROUP BY SUBSTR(created_at, 1, 10), priority",
        [*base, r.start, r.end, *args],
    )  # fmt: skip
    now = await conn.fetch(
        "SELECT warehouse_id, priority, COUNT(*) AS n FROM orders" + where + wh
        + " GROUP BY warehouse_id, priority",
        [*base, *args],
    )  # fmt: skip
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
    for order in await _changed_orders(conn, r):
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
    wh, args = _wh(r)
    created = await conn.fetch(
        "SELECT owner_id AS user_id, COUNT(*) AS n FROM orders"
        " WHERE deleted = ? AND created_at >= ? AND created_at < ?" + wh + " GROUP BY owner_id",
        [False, r.start, r.end, *args],
    )
    scans = await conn.fetch(
        "SELECT user_id, COUNT(*) AS n FROM scans"
        " WHERE deleted = ? AND at >= ? AND at < ?" + wh + " GROUP BY user_id",
        [False, r.start, r.end, *args],
    )
    rwh, rargs = _wh(r, "o.warehouse_id")
    redemptions = await conn.fetch(
        "SELECT d.user_id, COUNT(*) AS n FROM redemptions d JOIN orders o ON o.id = d.order_id"
        " WHERE d.deleted = ? AND d.at >= ? AND d.at < ?" + rwh + " GROUP BY d.user_id",
        [False, r.start, r.end, *rargs],
    )
    transitions: Counter[str] = Counter()
    for order in await _changed_orders(conn, r):
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
    users = {
        u["id"]: u
        for u in await conn.fetch("SELECT id, name, role FROM users")
        if u["id"] in counts
    }
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
    rejected = await conn.fetch(
        "SELECT SUBSTR(received_at, 1, 10) AS day, COUNT(*) AS n FROM mutation_log"
        " WHERE status = ? AND received_at >= ? AND received_at < ?"
        " GROUP BY SUBSTR(received_at, 1, 10)",
        ["rejected", r.start, r.end],
    )
    conflicts = await conn.fetch(
        "SELECT created_at, resolved_at FROM conflicts WHERE deleted = ? AND created_at < ?"
        " AND (resolved_at IS NULL OR resolved_at >= ?)",
        [False, r.end, r.start],
    )
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
    for dev in await conn.fetch("SELECT last_sync_at FROM devices WHERE revoked = ?", [False]):
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
