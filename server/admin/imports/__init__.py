"""Batch import of products and orders from a CSV or XLSX file (docs/admin.md § Import).

The request body is the file's bytes. What it is comes from its content, never its name: a zip
(``PK\\x03\\x04``) that openpyxl opens is an XLSX (its first sheet); otherwise text is CSV in
UTF-8 (with or without a BOM) or, when that fails, GB18030 (a superset of GBK: what Excel saves
as "CSV" on a Chinese Windows). Anything else is refused with a stable code.

Every row is checked first and answered in a report, row by row, with the spreadsheet's row
numbers. The import is **whole or nothing**: one bad row and nothing is written (422
``import_invalid`` with the report). The writes go through the sync engine in ONE transaction:
products through the engine's writer (as ``PUT /api/catalog/products`` does), orders as
``order.create`` mutations of the importing admin, each logged in ``mutation_log`` like a pushed
one (client ``import-<id>``), so devices pull them and the order's timeline names the import.

One job a module: ``sheet`` reads the file, ``cells`` checks a row's cells, ``plan`` turns the
rows into what to write (looking up SKUs, customers, warehouses with ``queries``), ``write``
writes a plan through the engine, ``service`` runs the whole import, ``schemas`` holds the
report and the errors, ``controller`` the route.
"""
