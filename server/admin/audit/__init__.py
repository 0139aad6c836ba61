"""``/api/admin/audit``: the audit log — filtered, paged by ``before_seq`` or exported — and the
check of its hash chain (docs/admin.md). The log itself, its chain and its reads are
server/audit.py's; this area is the console's door to them.

Rooms: ``queries`` (the export's table), ``controller`` (the routes).
"""
