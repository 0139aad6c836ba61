"""server/admin/tabular.py: what every admin export writes, read back the way a spreadsheet
program would."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from server.admin.tabular import export_response, to_csv, to_xlsx

COLUMNS = ["number", "customer", "total", "paid"]
ROWS = [
    ["K7F-00001", "上海五金", 12500, True],
    ["K7F-00002", '=HYPERLINK("http://x")', 0, False],
    ["K7F-00003", None, -300, None],
]


def test_csv_has_a_bom_and_reads_back_with_formulas_defused():
    body = to_csv(COLUMNS, ROWS)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 (Chinese names) only with it
    got = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert got[0] == COLUMNS
    assert got[1] == ["K7F-00001", "上海五金", "12500", "true"]
    assert got[2][1] == '\'=HYPERLINK("http://x")'  # text, not a formula
    assert got[3] == ["K7F-00003", "", "-300", ""]  # numbers keep their sign


def test_xlsx_reads_back_with_types_kept():
    book = load_workbook(io.BytesIO(to_xlsx(COLUMNS, ROWS, "orders")), read_only=True)
    sheet = book["orders"]
    got = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert got[0] == COLUMNS
    assert got[1] == ["K7F-00001", "上海五金", 12500, "true"]
    assert got[2][1].startswith("'=")
    assert got[3][2] == -300


def test_an_export_is_a_download_named_after_the_list():
    response = export_response("orders", "xlsx", COLUMNS, ROWS)
    assert response.headers["Content-Disposition"] == 'attachment; filename="orders.xlsx"'
    assert response.media_type.startswith("application/vnd.openxmlformats")
    empty = export_response("conflicts", "csv", COLUMNS, [])
    assert empty.content.decode("utf-8-sig").strip() == ",".join(COLUMNS)


def test_csv_cells_with_a_semicolon_are_quoted_and_defused_for_semicolon_spreadsheets():
    body = to_csv(["name", "note"], [["Acme;=1+1", "a;b"], ["x;+SUM(A1);@cmd", 'say "hi"; -1']])
    text = body.decode("utf-8-sig")
    assert text.splitlines()[1] == "\"Acme;'=1+1\",\"a;b\""
    # Read as a spreadsheet set to ";" would: each quoted cell stays one cell, and no part
    # of any cell starts a formula.
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    got = list(csv.reader(io.StringIO(text)))
    assert got[1] == ["Acme;'=1+1", "a;b"]
    assert got[2] == ["x;'+SUM(A1);'@cmd", "say \"hi\"; -1"]
