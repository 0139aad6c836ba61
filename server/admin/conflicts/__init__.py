"""``GET /api/admin/conflicts``: every conflict, filtered and paged on the server, with its
author's name and device code and the order, customer and product it is about, or all matching
as a CSV/XLSX file (docs/admin.md).

Rooms: ``schemas`` (the row, the page, the filters), ``queries`` (the SQL: a page, or every
match for an export), ``controller`` (the route). No service: nothing here writes.

The console's list lives in the browser's store (admins and managers sync every conflict); this
answers what the store cannot: names of users and devices, and the export. Resolving stays a
``conflict.resolve`` mutation, so it syncs like any other write.
"""
