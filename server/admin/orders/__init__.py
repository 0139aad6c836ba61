"""``/api/admin/orders``: every order, filtered and paged on the server (100,000 orders do not
fit a browser's list), its detail with the timeline of all that happened to it, assigning a
warehouse and a picker, and the overdue count of the console's alert (docs/admin.md § Orders).

Rooms: ``schemas`` (what the endpoints take and answer, and their errors), ``queries`` (the list,
the export, the detail: plain SQL), ``timeline`` (an order's history from every table that
records it), ``service`` (assigning, through the sync engine), ``controller`` (the routes).

The list pages by keyset on ``(created_at, id)``, newest first: a deep page costs what the first
does. Each filter that matters has an index in that order (migration 2026-11-24T18:08:40).
Assigning is the ``order.update`` a device would send, applied as the acting admin, so the order
is versioned and every device concerned pulls it.
"""
