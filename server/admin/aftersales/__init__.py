"""After-sales (docs/admin.md § After-sales): complaints and returns linked to orders, worked by
support on the desktop console, and refunds recorded as payments. Cases live in the server-only
``after_sales_cases`` table; what devices must see goes through the sync engine.

Rooms: ``schemas`` (shapes, the case's moves, errors), ``queries`` (the reads), ``service``
(the writes), ``controller`` (the routes).
"""
