"""``GET /api/admin/mutations``: the mutation log — every mutation a device pushed (or an import
made), with its outcome and the data the person sent — filtered and paged on the server, or all
matching as a CSV/XLSX file (docs/admin.md § Mutation log).

Rooms: ``schemas`` (the row, the page and its names, the filters), ``queries`` (the SQL: a keyset
page, or every match for an export), ``refs`` (the names of what a page's arguments name by id),
``controller`` (the route). No service: nothing here writes.

This is where an admin sees refused work: the devices page links a device's refused count here,
an order's detail its changes. The list pages by keyset on ``(received_at, id)``, newest first;
the order filter is the expression index of the order timeline (``mutation_order_expr``).
Each page carries ``refs``: the names of the products, customers, orders, warehouses and users
its arguments name by id, so the console shows an order's lines with product names.
"""
