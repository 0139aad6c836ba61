"""``/api/admin/customers``: what an admin sets on a customer. Today its credit limit, which the
credit_limit review rule (sync/rules/review.py) compares an order's total with on submit.

Rooms: ``schemas`` (what the endpoint takes and answers), ``service`` (the write, through the
sync writer), ``controller`` (the route).
"""
