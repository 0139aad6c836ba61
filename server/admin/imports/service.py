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
from server.admin.imports.schemas import Kind, Report, RowReport, WriteRefused
from server.admin.imports.sheet import Sheet, read_sheet
from server.admin.imports.write import EngineRefused, write_orders, write_products
from server.db.sql import Database, is_unique_violation
from server.db.sync_store import SqlSyncStore, SqlWriteTx
from sync.context import Actor, Policy
from sync.ids import uuid7


def _report(kind: str, sheet: Sheet, plan: Plan, dry_run: bool) -> Report:
    rows = [RowReport(line.number, not line.errors, line.errors) for line in plan.lines]
    bad = sum(not r.ok for r in rows)
    columns = PRODUCT_COLUMNS if kind == "products" else ORDER_COLUMNS
    return Report(
        kind=kind, ok=bad == 0, dry_run=dry_run, rows=rows, total_rows=len(rows), error_rows=bad,
        created=len(plan.new) if kind == "products" else len(plan.orders),
        updated=len(plan.changed), lines=sum(len(o["lines"]) for o in plan.orders),
        on_hold=0, ignored_columns=cells.ignored(sheet, columns), format=sheet.format,
        encoding=sheet.encoding, elapsed_ms=0,
    )  # fmt: skip


class _Invalid(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__("import_invalid")
        self.report = report


async def run(
    store: SqlSyncStore,
    db: Database,
    actor: Actor,
    kind: Kind,
    data: bytes,
    *,
    dry_run: bool,
    policy: Policy,
) -> Report:
    """Check the file and, unless ``dry_run`` or a row is bad, write it all in one transaction.
    A report with ``ok`` false means nothing was written."""
    started = time.perf_counter()
    sheet = read_sheet(data)
    planner = plan_products if kind == "products" else plan_orders

    def finish(report: Report) -> Report:
        report.elapsed_ms = round((time.perf_counter() - started) * 1000)
        return report

    if dry_run:
        plan = await db.run_read(lambda conn: planner(conn, sheet))
        return finish(_report(kind, sheet, plan, True))

    import_id = uuid7()

    async def work(tx: SqlWriteTx) -> Report:
        # Planned inside the write, on its connection: what the plan found (SKUs, numbers
        # taken) is what the writes meet.
        plan = await planner(tx.conn, sheet)
        report = _report(kind, sheet, plan, False)
        if not report.ok:
            raise _Invalid(report)  # rolls the transaction back (it wrote nothing yet)
        if kind == "products":
            report.created, report.updated = await write_products(tx, actor, plan)
        else:
            try:
                report.created, report.on_hold = await write_orders(tx, actor, plan, policy,
                                                                    import_id)  # fmt: skip
            except EngineRefused as e:
                order = plan.orders[e.row - 1]
                first = min(line.number for line in plan.lines if _same(line, order["number"]))
                for line in plan.lines:
                    if line.number == first:
                        line.fail("number", e.code, e.message)
                raise _Invalid(_report(kind, sheet, plan, False)) from None
        tx.audit(f"import.{kind}", import_id, {
            "format": sheet.format, "rows": report.total_rows, "created": report.created,
            "updated": report.updated, "lines": report.lines, "on_hold": report.on_hold,
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


def _same(line: Line, number: str) -> bool:
    try:
        return cells.text(line.cells.get("number"), 40) == number
    except Bad:
        return False
