"""``/api/admin/review-rules`` and ``/api/admin/review``: the rules an order meets on submit
(sync/rules/review.py applies them) and the queue of what waits for a person — orders on hold,
redemptions pending review — with the decisions on them (docs/admin.md § Review).

Rooms: ``schemas`` (the rules, the queue, the decisions, and the errors), ``queries`` (reading the
rules and the queue), ``service`` (saving the rules, deciding), ``controller`` (the routes).

A decision is the mutation a device would send (``order.transition``, ``redemption.review``)
applied as the acting admin (server/admin/writes.py) in one transaction with its audit entry:
stock is reserved on release exactly as on a device, rows are versioned, and every device
concerned pulls the change. A customer's credit limit, which the credit_limit rule compares
with, is set in server/admin/customers/.
"""
