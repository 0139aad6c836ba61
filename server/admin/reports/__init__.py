"""The admin console's reports (docs/admin.md § Reports): numbers over a date range for charts,
the same numbers as a table for CSV/XLSX.

Every report answers ``Report``: ``x`` (days, ISO weeks as their Monday, or users), one or more
``series`` of values along ``x`` (what the chart draws), ``table`` (what the page lists and the
export writes) and, for some, ``summary`` (a small second table: a snapshot that has no ``x``).

Rooms: ``schemas`` (the range, the report's shape, the errors), ``queries`` (the SQL),
``service`` (each report computed from its queries), ``controller`` (the route).

Times are ISO UTC text (server/times.py), so a day is ``SUBSTR(created_at, 1, 10)`` and a range
is a text comparison, the same SQL on SQLite and PostgreSQL. What needs an order's status history
(a JSON list) is computed in Python over the orders that changed since the range started
(``updated_at >= from``): one pass, bounded by the range (at most ``MAX_DAYS``).
"""
