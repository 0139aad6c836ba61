"""The piccolo tables. Migrations in ``migrations/`` are generated from these and committed;
``tests/server/test_migrations.py`` fails while the two differ.

Every synced table carries the sync columns of DESIGN §3: ``id`` (UUIDv7 text), ``version``
(change sequence of the last write), ``field_versions`` (JSON field -> sequence), ``updated_by``
("user/device"), ``deleted`` (tombstone) and ``buckets`` (where the row lives now, as
" b1 b2 " so an exact substring search finds a bucket). Times are ISO-8601 UTC text, money integer minor units.
"""

from __future__ import annotations

from piccolo.columns import BigInt, BigSerial, Boolean, Integer, Text, Varchar
from piccolo.table import Table


class SyncedTable(Table):
    """Columns every synced row has."""

    id = Varchar(length=64, primary_key=True)
    version = BigInt(default=0)
    field_versions = Text(default="{}")
    updated_by = Varchar(length=140, default="")
    deleted = Boolean(default=False)
    buckets = Varchar(length=400, default="", index=True)


# ---- people and devices (server side only) --------------------------------------------------


class Users(Table, tablename="users"):
    id = Varchar(length=64, primary_key=True)
    name = Varchar(length=200, unique=True)
    role = Varchar(length=20)
    warehouse_id = Varchar(length=64, null=True, default=None)
    disabled = Boolean(default=False)
    created_at = Varchar(length=32)


class ApiTokens(Table, tablename="api_tokens"):
    id = Varchar(length=64, primary_key=True)
    user_id = Varchar(length=64, index=True)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=200, default="")
    created_at = Varchar(length=32)
    last_used_at = Varchar(length=32, null=True, default=None)
    revoked = Boolean(default=False)
    scope = Varchar(length=10, null=True, default=None)  # "write" | "read"; none: "write"
    expires_at = Varchar(length=32, null=True, default=None)  # none: made + 90 days
    revoked_at = Varchar(length=32, null=True, default=None)


class Devices(Table, tablename="devices"):
    id = Varchar(length=64, primary_key=True)
    user_id = Varchar(length=64, index=True)
    name = Varchar(length=200, default="")
    platform = Varchar(length=200, default="")
    app_version = Varchar(length=40, default="")
    code = Varchar(length=8, unique=True)
    signing_public_key = Text(null=True, default=None)
    created_at = Varchar(length=32)
    last_seen_at = Varchar(length=32, null=True, default=None)
    last_sync_at = Varchar(length=32, null=True, default=None)
    pending_count = Integer(default=0)
    revoked = Boolean(default=False)
    # The server's Ed25519 signature over the device's key (docs/auth.md), and the key it used.
    certificate = Text(null=True, default=None)
    cert_key_id = Varchar(length=32, null=True, default=None)
    revoked_at = Varchar(length=32, null=True, default=None)


class Passkeys(Table, tablename="passkeys"):
    """WebAuthn credentials; a user may have several."""

    id = Varchar(length=64, primary_key=True)
    user_id = Varchar(length=64, index=True)
    credential_id = Varchar(length=1400, unique=True)  # base64url of the raw id
    public_key = Text()  # base64url of the COSE key
    sign_count = BigInt(default=0)
    transports = Varchar(length=200, default="")
    aaguid = Varchar(length=40, default="")
    backed_up = Boolean(default=False)
    name = Varchar(length=200, default="")
    device_id = Varchar(length=64, null=True, default=None)
    created_at = Varchar(length=32)
    last_used_at = Varchar(length=32, null=True, default=None)
    revoked = Boolean(default=False)


class Enrollments(Table, tablename="enrollments"):
    """One-time links that let a user register a passkey."""

    id = Varchar(length=64, primary_key=True)
    user_id = Varchar(length=64, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_by = Varchar(length=64, null=True, default=None)
    created_at = Varchar(length=32)
    expires_at = Varchar(length=32)
    used_at = Varchar(length=32, null=True, default=None)


class AuthChallenges(Table, tablename="auth_challenges"):
    """A WebAuthn ceremony between begin and finish: single-use, expiring, bound to its kind."""

    id = Varchar(length=64, primary_key=True)
    kind = Varchar(length=16)
    challenge = Varchar(length=200)
    user_id = Varchar(length=64, null=True, default=None)
    enrollment_id = Varchar(length=64, null=True, default=None)
    expires_at = Varchar(length=32, index=True)


class Sessions(Table, tablename="sessions"):
    """Login sessions: opaque tokens stored as their SHA-256, with sliding expiry."""

    id = Varchar(length=64, primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    csrf_hash = Varchar(length=64)
    user_id = Varchar(length=64, index=True)
    device_id = Varchar(length=64, null=True, default=None, index=True)
    passkey_id = Varchar(length=64, null=True, default=None, index=True)
    created_at = Varchar(length=32)
    last_seen_at = Varchar(length=32)
    expires_at = Varchar(length=32)
    revoked = Boolean(default=False)


# ---- synced business rows --------------------------------------------------------------------


class Customers(SyncedTable, tablename="customers"):
    name = Varchar(length=200)
    phone = Varchar(length=2000, null=True, default=None)
    address = Text(null=True, default=None)
    region = Varchar(length=2000, null=True, default=None)
    owner_id = Varchar(length=64, index=True)
    credit_limit = BigInt(null=True, default=None)
    created_at = Varchar(length=32)


class Products(SyncedTable, tablename="products"):
    sku = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    barcode = Varchar(length=64, null=True, default=None, index=True)
    unit_price = BigInt(default=0)
    unit = Varchar(length=16, default="pcs")
    active = Boolean(default=True)
    safety_stock = Integer(default=0)
    reorder_point = Integer(default=0)


class Warehouses(SyncedTable, tablename="warehouses"):
    code = Varchar(length=16, unique=True)
    name = Varchar(length=200)
    address = Text(null=True, default=None)


class StockLevels(SyncedTable, tablename="stock_levels"):
    product_id = Varchar(length=64, index=True)
    warehouse_id = Varchar(length=64, index=True)
    on_hand = BigInt(default=0)
    reserved = BigInt(default=0)


class StockMoves(SyncedTable, tablename="stock_moves"):
    product_id = Varchar(length=64, index=True)
    warehouse_id = Varchar(length=64, index=True)
    delta = BigInt()
    reason = Varchar(length=16)
    ref = Varchar(length=2000, null=True, default=None)
    created_at = Varchar(length=32, index=True)  # the admin ledger pages newest first
    created_by = Varchar(length=64)


class Orders(SyncedTable, tablename="orders"):
    number = Varchar(length=40, unique=True)
    customer_id = Varchar(length=64, index=True)
    owner_id = Varchar(length=64, index=True)
    status = Varchar(length=16, index=True)
    priority = Varchar(length=8, default="normal")
    due_date = Varchar(length=10, null=True, default=None)
    notes = Text(null=True, default=None)
    notes_hlc = Varchar(length=64, default="")
    delivery_address = Text(null=True, default=None)
    warehouse_id = Varchar(length=64, null=True, default=None, index=True)
    assignee_id = Varchar(length=64, null=True, default=None)
    channel = Varchar(length=40, default="field")
    discount_bp = Integer(default=0)  # the order's discount, hundredths of a percent
    total = BigInt(default=0)
    status_history = Text(default="[]")
    created_at = Varchar(length=32, index=True)
    updated_at = Varchar(length=32)


class OrderLines(SyncedTable, tablename="order_lines"):
    order_id = Varchar(length=64, index=True)
    product_id = Varchar(length=64)
    qty = BigInt()
    unit_price = BigInt()
    discount_bp = Integer(default=0)  # hundredths of a percent off the line


class Payments(SyncedTable, tablename="payments"):
    order_id = Varchar(length=64, index=True)
    method = Varchar(length=16)
    amount = BigInt()
    status = Varchar(length=16)
    created_at = Varchar(length=32)


class Conflicts(SyncedTable, tablename="conflicts"):
    kind = Varchar(length=40, index=True)
    severity = Varchar(length=8)
    status = Varchar(length=8, index=True)
    table_name = Varchar(length=40)
    row_id = Varchar(length=64, index=True)
    field = Varchar(length=64, null=True, default=None)
    base_version = BigInt(null=True, default=None)
    base_value = Text(null=True, default=None)
    server_value = Text(null=True, default=None)
    client_value = Text(null=True, default=None)
    reason = Text(default="")
    mutation = Text(default="{}")
    user_id = Varchar(length=64, index=True)
    device_id = Varchar(length=64, null=True, default=None)
    client_id = Varchar(length=64)
    created_at = Varchar(length=32)
    resolution = Varchar(length=16, null=True, default=None)
    resolved_value = Text(null=True, default=None)
    resolver_id = Varchar(length=64, null=True, default=None)
    resolved_at = Varchar(length=32, null=True, default=None)
    # The resolver's name as it was, for devices, which hold no users.
    resolver_name = Varchar(length=200, null=True, default=None)
    # Who wrote the value that stands (``server_value``) and when: the other side of an
    # ``overwritten`` notice (docs/protocol.md, "Overwritten notices").
    winner_id = Varchar(length=64, null=True, default=None)
    winner_name = Varchar(length=200, null=True, default=None)
    winner_at = Varchar(length=32, null=True, default=None)


# ---- order QR codes (docs/qr.md) --------------------------------------------------------------


class SigningKeys(SyncedTable, tablename="signing_keys"):
    """Every key that may sign an order QR token, in the ``catalog`` bucket: the server's keys
    and every certified device key. ``id`` is the key id (16 hex digits)."""

    kind = Varchar(length=8)  # server | device
    public_key = Varchar(length=64)  # base64url of the raw 32 bytes
    device_id = Varchar(length=64, null=True, default=None)
    device_code = Varchar(length=8, null=True, default=None)
    user_id = Varchar(length=64, null=True, default=None)
    certificate = Text(null=True, default=None)
    cert_key_id = Varchar(length=32, null=True, default=None)
    revoked = Boolean(default=False)
    revoked_at = Varchar(length=32, null=True, default=None)


class QrRevocations(SyncedTable, tablename="qr_revocations"):
    """Revoked tokens, in the ``catalog`` bucket. ``id`` is the token id."""

    order_id = Varchar(length=64, index=True)
    revoked_at = Varchar(length=32)
    reason = Varchar(length=40, default="reissued")


class QrTokens(Table, tablename="qr_tokens"):
    """Every token issued (server side only, never synced). ``id`` is the token id."""

    id = Varchar(length=64, primary_key=True)
    order_id = Varchar(length=64, index=True)
    token = Varchar(length=160)
    key_id = Varchar(length=32)
    issuer = Varchar(length=64)  # "server", or the id of the device that signed it
    issued_by = Varchar(length=64, null=True, default=None)  # the user
    issued_at = Varchar(length=32, index=True)
    revoked = Boolean(default=False)
    revoked_at = Varchar(length=32, null=True, default=None)
    reason = Varchar(length=40, null=True, default=None)


class ReviewRules(Table, tablename="review_rules"):
    """The review rules an order meets when it is submitted (docs/admin.md § Review): one row
    per rule, ``id`` its kind (abnormal_amount, credit_limit, required_fields). Server side only,
    read by the sync rules in the push's transaction; a missing row means the rule's default."""

    id = Varchar(length=40, primary_key=True)
    enabled = Boolean(default=False)
    params = Text(default="{}")  # JSON: {"amount": N} or {"fields": [...]}
    updated_at = Varchar(length=32, null=True, default=None)
    updated_by = Varchar(length=64, null=True, default=None)


class AfterSalesCases(Table, tablename="after_sales_cases"):
    """Complaints and returns linked to orders (docs/admin.md § After-sales). Server side only:
    support and finance work them on the desktop console; devices never sync them (a refund
    reaches devices as a payment of the order)."""

    id = Varchar(length=64, primary_key=True)
    seq = BigInt(default=0)  # the case's number: AS-000123
    number = Varchar(length=16, unique=True)
    kind = Varchar(length=16)  # complaint | return
    order_id = Varchar(length=64, index=True)
    customer_id = Varchar(length=64, index=True)
    status = Varchar(length=16, index=True)  # open | in_progress | resolved | rejected
    category = Varchar(length=24)
    description = Text(default="")
    resolution = Text(null=True, default=None)
    notes = Text(null=True, default=None)
    lines = Text(default="[]")  # JSON [{"product_id": ..., "qty": N}] of a return
    refund_amount = BigInt(null=True, default=None)  # agreed, minor units
    refunded = BigInt(default=0)  # recorded through the case, minor units
    created_by = Varchar(length=64)
    created_at = Varchar(length=32, index=True)
    updated_at = Varchar(length=32)
    resolved_by = Varchar(length=64, null=True, default=None)
    resolved_at = Varchar(length=32, null=True, default=None)


# ---- the warehouse: scans, redemption, leases, stocktaking (docs/warehouse.md) -------------


class Scans(SyncedTable, tablename="scans"):
    """Every scan a device made: append-only, stored as sent (``scan.record``)."""

    action = Varchar(length=16)
    result = Varchar(length=40)
    code = Varchar(length=400, null=True, default=None)
    token_id = Varchar(length=32, null=True, default=None)  # when the code is an order QR token
    order_id = Varchar(length=64, null=True, default=None, index=True)
    product_id = Varchar(length=64, null=True, default=None)
    warehouse_id = Varchar(length=64, null=True, default=None)
    device_id = Varchar(length=64, null=True, default=None)
    user_id = Varchar(length=64)
    at = Varchar(length=32, index=True)  # when the device scanned (its HLC time)
    received_at = Varchar(length=32)


class Redemptions(SyncedTable, tablename="redemptions"):
    """An order redeemed (``qr.redeem``), in the order's buckets. ``status``: completed,
    pending_review (the amount is above ORDERLY_REDEEM_REVIEW_AMOUNT), refused (by review)."""

    order_id = Varchar(length=64, index=True)
    token_id = Varchar(length=32)
    device_id = Varchar(length=64, null=True, default=None)
    user_id = Varchar(length=64)
    client_id = Varchar(length=64)
    at = Varchar(length=32)  # when the device redeemed it (its HLC time)
    received_at = Varchar(length=32)
    amount = BigInt(default=0)  # the order's total then
    status = Varchar(length=16)
    reviewer_id = Varchar(length=64, null=True, default=None)
    reviewed_at = Varchar(length=32, null=True, default=None)
    reason = Text(null=True, default=None)


class RedemptionLeases(SyncedTable, tablename="redemption_leases"):
    """While live (not released, not expired) only ``device_id`` may redeem the order."""

    order_id = Varchar(length=64, index=True)
    warehouse_id = Varchar(length=64)
    device_id = Varchar(length=64)
    user_id = Varchar(length=64)
    created_at = Varchar(length=32)
    expires_at = Varchar(length=32)
    released = Boolean(default=False)
    released_at = Varchar(length=32, null=True, default=None)


class Stocktakes(SyncedTable, tablename="stocktakes"):
    """A count session of one warehouse: ``open``, then ``applied`` (count moves written)."""

    warehouse_id = Varchar(length=64)
    status = Varchar(length=8)
    opened_by = Varchar(length=64)
    opened_at = Varchar(length=32)
    applied_by = Varchar(length=64, null=True, default=None)
    applied_at = Varchar(length=32, null=True, default=None)


class StocktakeLines(SyncedTable, tablename="stocktake_lines"):
    """A product counted (``stocktake.line``); the latest (by HLC) per product counts."""

    session_id = Varchar(length=64, index=True)
    warehouse_id = Varchar(length=64)
    product_id = Varchar(length=64)
    counted = BigInt()
    user_id = Varchar(length=64)
    device_id = Varchar(length=64, null=True, default=None)
    at = Varchar(length=32)
    hlc = Varchar(length=64)


# ---- the sync machinery ----------------------------------------------------------------------


class SyncState(Table, tablename="sync_state"):
    """One row: the change sequence counter (locked by every writer), epoch and horizon."""

    id = Integer(primary_key=True)
    epoch = Varchar(length=32)
    last_seq = BigInt(default=0)
    horizon = BigInt(default=0)


class SyncClients(Table, tablename="sync_clients"):
    client_id = Varchar(length=64, primary_key=True)
    user_id = Varchar(length=64, index=True)
    device_id = Varchar(length=64, null=True, default=None)
    last_mutation_id = BigInt(default=0)
    pending = Integer(default=0)
    created_at = Varchar(length=32)
    last_push_at = Varchar(length=32, null=True, default=None)
    last_pull_at = Varchar(length=32, null=True, default=None)


class MutationLog(Table, tablename="mutation_log"):
    """Every pushed mutation with its outcome, rejected ones too: nothing is silently dropped."""

    client_id = Varchar(length=64)
    mutation_id = BigInt()
    name = Varchar(length=64)
    args = Text()
    hlc = Varchar(length=64)
    user_id = Varchar(length=64, index=True)
    device_id = Varchar(length=64, null=True, default=None)
    status = Varchar(length=12, index=True)
    conflict_id = Varchar(length=64, null=True, default=None)
    error = Varchar(length=40, null=True, default=None)
    message = Text(null=True, default=None)
    received_at = Varchar(length=32, index=True)


class ChangeLog(Table, tablename="change_log"):
    seq = BigInt(primary_key=True)
    table_name = Varchar(length=40)
    row_id = Varchar(length=64)
    op = Varchar(length=4)
    buckets = Varchar(length=400)
    removed = Varchar(length=400, default="")


class ChangeQueue(Table, tablename="change_queue"):
    """PostgreSQL: changes of committed writes waiting for their sequence number, given in
    commit order by the next tick (server/db/sequencer.py, docs/scale.md). Unused on SQLite."""

    id = BigSerial(primary_key=True)
    table_name = Varchar(length=40)
    row_id = Varchar(length=64)
    op = Varchar(length=4)
    buckets = Varchar(length=400)
    removed = Varchar(length=400, default="")


class FieldHistory(Table, tablename="field_history"):
    """Values a write replaced: base values for conflicts, and the history of LWW notes."""

    table_name = Varchar(length=40)
    row_id = Varchar(length=64, index=True)
    field = Varchar(length=64)
    value = Text(null=True, default=None)
    version = BigInt()
    replaced_at = BigInt()
    hlc = Varchar(length=64, default="")
    replaced_by = Varchar(length=140, default="")


class AuditLog(Table, tablename="audit_log"):
    """Append-only, hash-chained record of auth events, admin actions and applied mutations."""

    seq = BigInt(default=0)  # unique: index audit_log_seq, made in the baseline's SQL
    at = Varchar(length=32, index=True)
    actor_id = Varchar(length=64, null=True, default=None)
    action = Varchar(length=64, index=True)
    subject = Varchar(length=200, default="")
    detail = Text(default="{}")
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditQueue(Table, tablename="audit_queue"):
    """PostgreSQL: audit entries of committed writes waiting to be chained, in commit order, by
    the next tick (server/db/sequencer.py). Unused on SQLite."""

    id = BigSerial(primary_key=True)
    at = Varchar(length=32)
    actor_id = Varchar(length=64, null=True, default=None)
    action = Varchar(length=64)
    subject = Varchar(length=200, default="")
    detail = Text(default="{}")


class AuditHead(Table, tablename="audit_head"):
    """One row: the last entry of the audit chain. SQLite: every writer of the log moves it;
    PostgreSQL: only the ticks do (server/db/sequencer.py)."""

    id = Integer(primary_key=True)
    seq = BigInt(default=0)
    hash = Varchar(length=64)


TABLES: tuple[type[Table], ...] = (
    Users,
    ApiTokens,
    Devices,
    Passkeys,
    Enrollments,
    AuthChallenges,
    Sessions,
    Customers,
    Products,
    Warehouses,
    StockLevels,
    StockMoves,
    Orders,
    OrderLines,
    Payments,
    Conflicts,
    SigningKeys,
    QrRevocations,
    QrTokens,
    ReviewRules,
    AfterSalesCases,
    Scans,
    Redemptions,
    RedemptionLeases,
    Stocktakes,
    StocktakeLines,
    SyncState,
    SyncClients,
    MutationLog,
    ChangeLog,
    ChangeQueue,
    FieldHistory,
    AuditLog,
    AuditQueue,
    AuditHead,
)
