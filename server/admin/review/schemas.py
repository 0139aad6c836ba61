"""The review rules, the queue and the decisions as the endpoints take and answer them, and the
errors of the rules' values (codes unchanged)."""

from __future__ import annotations

from typing import Literal

import msgspec

from server.errors import BadRequest
from shared.mutations import Text

MAX_AMOUNT = 10**15  # minor units


class BadAmount(BadRequest):
    code = "invalid_amount"


class BadField(BadRequest):
    code = "invalid_field"


# ---- the rules --------------------------------------------------------------------------------


class AbnormalAmount(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
    amount: int  # minor units: an order total above it is held


class CreditLimit(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


class RequiredFields(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
    fields: list[str]


class Rules(msgspec.Struct):
    abnormal_amount: AbnormalAmount
    credit_limit: CreditLimit
    required_fields: RequiredFields
    requirable: list[str]  # what required_fields may name
    updated_at: str | None
    updated_by: str | None


class RulesIn(msgspec.Struct, forbid_unknown_fields=True):
    """The rules to change; an absent one is left as it is."""

    abnormal_amount: AbnormalAmount | msgspec.UnsetType = msgspec.UNSET
    credit_limit: CreditLimit | msgspec.UnsetType = msgspec.UNSET
    required_fields: RequiredFields | msgspec.UnsetType = msgspec.UNSET


# ---- the queue ---------------------------------------------------------------------------------


class HeldOrder(msgspec.Struct):
    id: str
    number: str
    customer_id: str
    customer_name: str | None
    owner_id: str
    owner_name: str | None
    total: int
    since: str | None  # when it went on hold
    held_by: str | None  # "review" (the rules) or the user who put it on hold
    reasons: list[dict]  # [{"rule": ..., "detail": ..., ...}] when the rules held it
    reason: str | None


class PendingRedemption(msgspec.Struct):
    id: str
    order_id: str
    order_number: str | None
    amount: int
    user_id: str
    user_name: str | None
    device_id: str | None
    at: str
    received_at: str


class Queue(msgspec.Struct):
    orders: list[HeldOrder]
    orders_total: int
    redemptions: list[PendingRedemption]
    redemptions_total: int


# ---- decisions ---------------------------------------------------------------------------------


class OrderDecision(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["release", "cancel"]
    note: Text | None = None  # the transition's reason (as long as any): required to cancel


class RedemptionDecision(msgspec.Struct, forbid_unknown_fields=True):
    approve: bool
    reason: Text | None = None
