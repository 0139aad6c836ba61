"""``/api/admin``: users and their enrollment links, devices, passkeys and API tokens — what an
admin does to who may sign in and sync (docs/admin.md). Every action is audited in its
transaction; a revocation ends the sessions it concerns at once.

Rooms: ``schemas`` (what the endpoints take and answer, and their errors), ``queries`` (the users
and devices lists), ``service`` (``AdminService``: inviting, changing, revoking), ``controller``
(the routes).
"""
