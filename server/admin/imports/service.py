"""The import, start to end: read the sheet, plan it, and unless it is a dry run or a row is
bad, write the plan in one transaction of the server's store. Answers the row-by-row report;
a report with ``ok`` false means nothing was written."""

from __future__ import annotations

import time

from server.admin.imports import cells
from server.admin.imports.cells import Bad, Line
from server.admin.imports.plan import (
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    Plan,
    plan_orders,
    plan_products,
)
from server.admin.imports.schemas import Kind, Mode, Report, RowReport, WriteRefused
from server.admin.imports.sheet import Sheet, read_sheet
from server.admin.imports.write import (
    EngineRefused,
    update_orders,
    write_orders,
    write_products,
)
from server.db.sql import Conn, Database, is_unique_violation
from server.db.sync_store import SqlSyncStore, SqlWriteTx
from sync.context import Actor, Policy
from sync.ids import uuid7


def _report(kind: str, sheet: Sheet, plan: Plan, dry_run: bool, mode: Mode) -> Report:
    rows = [RowReport(line.number, not line.errors, line.errors) for line in plan.lines]
    bad = sum(not r.ok for r in rows)
    columns = PRODUCT_COLUMNS if kind == "products" else ORDER_COLUMNS
    orders = plan.orders if mode == "create" else plan.updates
    return Report(
        kind=kind, ok=bad == 0, dry_run=dry_run, rows=rows, total_rows=len(rows), error_rows=bad,
        created=len(plan.new) if kind == "products" else len(plan.orders),
        updated=len(plan.changed) if kind == "products" else len(plan.updates),
        lines=sum(len(o["lines"]) for o in orders),
        on_hold=0, ignored_columns=cells.ignored(sheet, columns), format=sheet.format,
        encoding=sheet.encoding, elapsed_ms=0, action=mode if kind == "orders" else "create",
    )  # fmt: skip


class _Invalid(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__("import_invalid")
        self.report = report


async def checked(
    store: SqlSyncStore,
    db: Database,
    actor: Actor,
    kind: Kind,
    sheet: Sheet,
    *,
    dry_run: bool,
    policy: Policy,
    mode: Mode = "create",
    rehearse: bool = False,
) -> Report:
    """The import of ``sheet``: checked and, unless ``dry_run`` or a row is bad, written in one
    transaction. ``rehearse`` writes it and rolls it back, so the report also holds what the
    engine itself refuses (the error file's check). A report with ``ok`` false means nothing was
    written."""
    started = time.perf_counter()

    async def planner(conn: Conn) -> Plan:
        return await (plan_products(conn, sheet) if kind == "products"
                      else plan_orders(conn, sheet, mode))  # fmt: skip

    def finish(report: Report) -> Report:
        report.elapsed_ms = round((time.perf_counter() - started) * 1000)
        return report

    if dry_run:
        plan = await db.run_read(planner)
        return finish(_report(kind, sheet, plan, True, mode))

    import_id = uuid7()

    async def work(tx: SqlWriteTx) -> Report:
        # Planned inside the write, on its connection: what the plan found (SKUs, numbers
        # taken) is what the writes meet.
        plan = await planner(tx.conn)
        report = _report(kind, sheet, plan, False, mode)
        if not report.ok:
            raise _Invalid(report)  # rolls the transaction back (it wrote nothing yet)
        if kind == "products":
            report.created, report.updated = await write_products(tx, actor, plan)
            outcomes = {}
        else:
            try:
                if mode == "create":
                    report.created, report.on_hold = await write_orders(tx, actor, plan, policy,
                                                                        import_id)  # fmt: skip
                    outcomes = {"created": {o["number"] for o in plan.orders}}
                else:
                    report.updated, changed = await update_orders(tx, actor, plan, policy,
                                                                  import_id)  # fmt: skip
                    outcomes = {"updated": changed}
            except EngineRefused as e:
                first = min(line.number for line in plan.lines if _same(line, e.number))
                for line in plan.lines:
                    if line.number == first:
                        line.fail("number", e.code, e.message)
                raise _Invalid(_report(kind, sheet, plan, False, mode)) from None
        if rehearse:
            raise _Invalid(report)
        for row, line in zip(report.rows, plan.lines, strict=True):
            number = _number(line)
            row.outcome = next((o for o, numbers in outcomes.items() if number in numbers),
                               "unchanged" if kind == "orders" else None)  # fmt: skip
        tx.audit(f"import.{kind}", import_id, {
            "format": sheet.format, "rows": report.total_rows, "created": report.created,
            "updated": report.updated, "lines": report.lines, "on_hold": report.on_hold,
            "mode": report.action,
        }, actor.user_id)  # fmt: skip
        return report

    try:
        return finish(await store.run_write(work))
    except _Invalid as e:
        return finish(e.report)
    except Exception as e:
        if is_unique_violation(e):
            raise WriteRefused("a SKU or order number was taken while importing; "
                               "check the file again") from None  # fmt: skip
        raise


async def run(
    store: SqlSyncStore,
    db: Database,
    actor: Actor,
    kind: Kind,
    data: bytes,
    *,
    dry_run: bool,
    policy: Policy,
    mode: Mode = "create",
) -> Report:
    """The file read (``sheet``) and imported (``checked``)."""
    sheet = read_sheet(data)
    return await checked(store, db, actor, kind, sheet, dry_run=dry_run, policy=policy, mode=mode)


async def error_file(
    store: SqlSyncStore,
    db: Database,
    actor: Actor,
    kind: Kind,
    data: bytes,
    *,
    policy: Policy,
    mode: Mode = "create",
) -> tuple[Sheet, Report]:
    """The file and its report as the import would answer it (rehearsed: written and rolled
    back), for the file of its refused rows (``errors.refused_rows``)."""
    sheet = read_sheet(data)
    report = await checked(store, db, actor, kind, sheet, dry_run=False, policy=policy,
                           mode=mode, rehearse=True)  # fmt: skip
    return sheet, report


def _number(line: Line) -> str | None:
    try:
        return cells.text(line.cells.get("number"), 40)
    except Bad:
        return None


def _same(line: Line, number: str) -> bool:
    return _number(line) == number
