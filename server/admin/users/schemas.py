"""Users and devices as the endpoints take and answer them, and their errors (codes unchanged)."""

from __future__ import annotations

import msgspec

from server.auth.enrollment import EnrollmentLink
from server.errors import Conflict


class UserExists(Conflict):
    code = "user_exists"


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    role: str
    warehouse_id: str | None = None


class UserChange(msgspec.Struct, forbid_unknown_fields=True):
    role: str | msgspec.UnsetType = msgspec.UNSET
    warehouse_id: str | None | msgspec.UnsetType = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET


class UserRow(msgspec.Struct):
    id: str
    name: str
    role: str
    warehouse_id: str | None
    disabled: bool
    created_at: str
    passkeys: int
    devices: int


class Invited(msgspec.Struct):
    user: UserRow
    enrollment: EnrollmentLink


class DeviceRow(msgspec.Struct):
    id: str
    user_id: str
    user_name: str
    code: str
    name: str
    platform: str
    app_version: str
    created_at: str
    last_seen_at: str | None
    last_sync_at: str | None
    pending_count: int
    revoked: bool
    revoked_at: str | None
    # Its user is disabled: signed out, every sync refused — not active, though not revoked.
    user_disabled: bool
    has_signing_key: bool
    open_conflicts: int  # open or referred to an admin, caused by a mutation from this device
    errors: int  # mutations from this device the server rejected (mutation_log)
    stale: bool  # not revoked nor its user disabled, and no sync for ORDERLY_DEVICE_STALE_HOURS (never: since made)
    stale_after_hours: int  # that setting, for the page's words
