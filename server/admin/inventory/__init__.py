"""The admin console's inventory (docs/admin.md § Inventory): products with their stock
settings, warehouses, stock levels with available and a state, adjustments and receipts, the
moves ledger, low-stock alerts, and the stocktake sessions.

Rooms: ``schemas`` (what the endpoints take and answer, filters, errors), ``queries`` (the reads:
plain SQL on the server's tables, paged, or every matching row for an export), ``service`` (the
writes, through the sync engine), ``controller`` (the routes).
"""
