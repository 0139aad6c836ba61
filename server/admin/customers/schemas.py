"""A customer's credit limit as the endpoint takes and answers it."""

from __future__ import annotations

from typing import Annotated

import msgspec


class CreditLimitIn(msgspec.Struct, forbid_unknown_fields=True):
    """A customer's credit limit in minor units; ``null``: no limit (the rule never holds them)."""

    credit_limit: Annotated[int, msgspec.Meta(ge=0, le=10**12)] | None


class CustomerCredit(msgspec.Struct):
    id: str
    name: str
    credit_limit: int | None
