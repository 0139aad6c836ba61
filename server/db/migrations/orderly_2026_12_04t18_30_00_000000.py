"""The baseline: every table of ``server/db/tables.py`` as of December 2026, and what piccolo's
table syntax cannot declare. The migrations before it (November 23 to December 4) were squashed
into this one before anything was deployed (issue 15).

``TABLES`` is what ``piccolo migrations new orderly --auto`` wrote for an empty migrations folder,
one line per column with the parameters that equal the column class's own defaults left out
(``add_column`` builds ``column_class(**params)``, so the columns are the same). It is frozen: a
change of the declaration is a new migration, and ``tests/server/test_migrations.py`` fails
until there is one.

``_after_tables`` runs in the same transaction once the tables exist (piccolo runs a manager's
raw steps *before* its tables): composite, unique and expression indexes, the audit log's
append-only triggers, the two one-row tables' rows, and PostgreSQL's row-version sequence and
trigram indexes.
"""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, BigSerial, Boolean, Integer, Text, Varchar
from piccolo.engine import engine_finder

ID = "2026-12-04T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "baseline: every table, index, trigger and seed row"

# (class name, table name, ((column, class, params that differ from the class's defaults), ...))
# fmt: off
TABLES = (
    ("Users", "users", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("name", Varchar, {"length": 200, "unique": True}),
        ("role", Varchar, {"length": 20}),
        ("warehouse_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("disabled", Boolean, {}),
        ("created_at", Varchar, {"length": 32}),
    )),
    ("ApiTokens", "api_tokens", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("token_hash", Varchar, {"length": 64, "unique": True}),
        ("label", Varchar, {"length": 200}),
        ("created_at", Varchar, {"length": 32}),
        ("last_used_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("revoked", Boolean, {}),
        ("scope", Varchar, {"length": 10, "default": None, "null": True}),
        ("expires_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("revoked_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("Devices", "devices", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("name", Varchar, {"length": 200}),
        ("platform", Varchar, {"length": 200}),
        ("app_version", Varchar, {"length": 40}),
        ("code", Varchar, {"length": 8, "unique": True}),
        ("signing_public_key", Text, {"default": None, "null": True}),
        ("created_at", Varchar, {"length": 32}),
        ("last_seen_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("last_sync_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("pending_count", Integer, {}),
        ("revoked", Boolean, {}),
        ("certificate", Text, {"default": None, "null": True}),
        ("cert_key_id", Varchar, {"length": 32, "default": None, "null": True}),
        ("revoked_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("Passkeys", "passkeys", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("credential_id", Varchar, {"length": 1400, "unique": True}),
        ("public_key", Text, {}),
        ("sign_count", BigInt, {}),
        ("transports", Varchar, {"length": 200}),
        ("aaguid", Varchar, {"length": 40}),
        ("backed_up", Boolean, {}),
        ("name", Varchar, {"length": 200}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("created_at", Varchar, {"length": 32}),
        ("last_used_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("revoked", Boolean, {}),
    )),
    ("Enrollments", "enrollments", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("token_hash", Varchar, {"length": 64, "unique": True}),
        ("created_by", Varchar, {"length": 64, "default": None, "null": True}),
        ("created_at", Varchar, {"length": 32}),
        ("expires_at", Varchar, {"length": 32}),
        ("used_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("AuthChallenges", "auth_challenges", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("kind", Varchar, {"length": 16}),
        ("challenge", Varchar, {"length": 200}),
        ("user_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("enrollment_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("expires_at", Varchar, {"length": 32, "index": True}),
    )),
    ("Sessions", "sessions", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("token_hash", Varchar, {"length": 64, "unique": True}),
        ("csrf_hash", Varchar, {"length": 64}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True, "index": True}),
        ("passkey_id", Varchar, {"length": 64, "default": None, "null": True, "index": True}),
        ("created_at", Varchar, {"length": 32}),
        ("last_seen_at", Varchar, {"length": 32}),
        ("expires_at", Varchar, {"length": 32}),
        ("revoked", Boolean, {}),
    )),
    ("Customers", "customers", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("name", Varchar, {"length": 200}),
        ("phone", Varchar, {"length": 2000, "default": None, "null": True}),
        ("address", Text, {"default": None, "null": True}),
        ("region", Varchar, {"length": 2000, "default": None, "null": True}),
        ("owner_id", Varchar, {"length": 64, "index": True}),
        ("credit_limit", BigInt, {"default": None, "null": True}),
        ("created_at", Varchar, {"length": 32}),
    )),
    ("Products", "products", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("sku", Varchar, {"length": 64, "unique": True}),
        ("name", Varchar, {"length": 200}),
        ("barcode", Varchar, {"length": 64, "default": None, "null": True, "index": True}),
        ("unit_price", BigInt, {}),
        ("unit", Varchar, {"length": 16, "default": 'pcs'}),
        ("active", Boolean, {"default": True}),
        ("safety_stock", Integer, {}),
        ("reorder_point", Integer, {}),
    )),
    ("Warehouses", "warehouses", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("code", Varchar, {"length": 16, "unique": True}),
        ("name", Varchar, {"length": 200}),
        ("address", Text, {"default": None, "null": True}),
    )),
    ("StockLevels", "stock_levels", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("product_id", Varchar, {"length": 64, "index": True}),
        ("warehouse_id", Varchar, {"length": 64, "index": True}),
        ("on_hand", BigInt, {}),
        ("reserved", BigInt, {}),
    )),
    ("StockMoves", "stock_moves", (
        ("ref", Varchar, {"length": 2000, "default": None, "null": True}),
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("product_id", Varchar, {"length": 64, "index": True}),
        ("warehouse_id", Varchar, {"length": 64, "index": True}),
        ("delta", BigInt, {}),
        ("reason", Varchar, {"length": 16}),
        ("created_at", Varchar, {"length": 32, "index": True}),
        ("created_by", Varchar, {"length": 64}),
    )),
    ("Orders", "orders", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("number", Varchar, {"length": 40, "unique": True}),
        ("customer_id", Varchar, {"length": 64, "index": True}),
        ("owner_id", Varchar, {"length": 64, "index": True}),
        ("status", Varchar, {"length": 16, "index": True}),
        ("priority", Varchar, {"length": 8, "default": 'normal'}),
        ("due_date", Varchar, {"length": 10, "default": None, "null": True}),
        ("notes", Text, {"default": None, "null": True}),
        ("notes_hlc", Varchar, {"length": 64}),
        ("delivery_address", Text, {"default": None, "null": True}),
        ("warehouse_id", Varchar, {"length": 64, "default": None, "null": True, "index": True}),
        ("assignee_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("channel", Varchar, {"length": 40, "default": 'field'}),
        ("total", BigInt, {}),
        ("status_history", Text, {"default": '[]'}),
        ("created_at", Varchar, {"length": 32, "index": True}),
        ("updated_at", Varchar, {"length": 32}),
    )),
    ("OrderLines", "order_lines", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("product_id", Varchar, {"length": 64}),
        ("qty", BigInt, {}),
        ("unit_price", BigInt, {}),
    )),
    ("Payments", "payments", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("method", Varchar, {"length": 16}),
        ("amount", BigInt, {}),
        ("status", Varchar, {"length": 16}),
        ("created_at", Varchar, {"length": 32}),
    )),
    ("Conflicts", "conflicts", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("kind", Varchar, {"length": 40, "index": True}),
        ("severity", Varchar, {"length": 8}),
        ("status", Varchar, {"length": 8, "index": True}),
        ("table_name", Varchar, {"length": 40}),
        ("row_id", Varchar, {"length": 64, "index": True}),
        ("field", Varchar, {"length": 64, "default": None, "null": True}),
        ("base_version", BigInt, {"default": None, "null": True}),
        ("base_value", Text, {"default": None, "null": True}),
        ("server_value", Text, {"default": None, "null": True}),
        ("client_value", Text, {"default": None, "null": True}),
        ("reason", Text, {}),
        ("mutation", Text, {"default": '{}'}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("client_id", Varchar, {"length": 64}),
        ("created_at", Varchar, {"length": 32}),
        ("resolution", Varchar, {"length": 16, "default": None, "null": True}),
        ("resolved_value", Text, {"default": None, "null": True}),
        ("resolver_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("resolved_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("resolver_name", Varchar, {"length": 200, "default": None, "null": True}),
        ("winner_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("winner_name", Varchar, {"length": 200, "default": None, "null": True}),
        ("winner_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("SigningKeys", "signing_keys", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("kind", Varchar, {"length": 8}),
        ("public_key", Varchar, {"length": 64}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("device_code", Varchar, {"length": 8, "default": None, "null": True}),
        ("user_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("certificate", Text, {"default": None, "null": True}),
        ("cert_key_id", Varchar, {"length": 32, "default": None, "null": True}),
        ("revoked", Boolean, {}),
        ("revoked_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("QrRevocations", "qr_revocations", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("revoked_at", Varchar, {"length": 32}),
        ("reason", Varchar, {"length": 40, "default": 'reissued'}),
    )),
    ("QrTokens", "qr_tokens", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("token", Varchar, {"length": 160}),
        ("key_id", Varchar, {"length": 32}),
        ("issuer", Varchar, {"length": 64}),
        ("issued_by", Varchar, {"length": 64, "default": None, "null": True}),
        ("issued_at", Varchar, {"length": 32, "index": True}),
        ("revoked", Boolean, {}),
        ("revoked_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("reason", Varchar, {"length": 40, "default": None, "null": True}),
    )),
    ("ReviewRules", "review_rules", (
        ("id", Varchar, {"length": 40, "primary_key": True}),
        ("enabled", Boolean, {}),
        ("params", Text, {"default": '{}'}),
        ("updated_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("updated_by", Varchar, {"length": 64, "default": None, "null": True}),
    )),
    ("AfterSalesCases", "after_sales_cases", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("seq", BigInt, {}),
        ("number", Varchar, {"length": 16, "unique": True}),
        ("kind", Varchar, {"length": 16}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("customer_id", Varchar, {"length": 64, "index": True}),
        ("status", Varchar, {"length": 16, "index": True}),
        ("category", Varchar, {"length": 24}),
        ("description", Text, {}),
        ("resolution", Text, {"default": None, "null": True}),
        ("notes", Text, {"default": None, "null": True}),
        ("lines", Text, {"default": '[]'}),
        ("refund_amount", BigInt, {"default": None, "null": True}),
        ("refunded", BigInt, {}),
        ("created_by", Varchar, {"length": 64}),
        ("created_at", Varchar, {"length": 32, "index": True}),
        ("updated_at", Varchar, {"length": 32}),
        ("resolved_by", Varchar, {"length": 64, "default": None, "null": True}),
        ("resolved_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("Scans", "scans", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("action", Varchar, {"length": 16}),
        ("result", Varchar, {"length": 40}),
        ("code", Varchar, {"length": 400, "default": None, "null": True}),
        ("token_id", Varchar, {"length": 32, "default": None, "null": True}),
        ("order_id", Varchar, {"length": 64, "default": None, "null": True, "index": True}),
        ("product_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("warehouse_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("user_id", Varchar, {"length": 64}),
        ("at", Varchar, {"length": 32, "index": True}),
        ("received_at", Varchar, {"length": 32}),
    )),
    ("Redemptions", "redemptions", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("token_id", Varchar, {"length": 32}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("user_id", Varchar, {"length": 64}),
        ("client_id", Varchar, {"length": 64}),
        ("at", Varchar, {"length": 32}),
        ("received_at", Varchar, {"length": 32}),
        ("amount", BigInt, {}),
        ("status", Varchar, {"length": 16}),
        ("reviewer_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("reviewed_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("reason", Text, {"default": None, "null": True}),
    )),
    ("RedemptionLeases", "redemption_leases", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("order_id", Varchar, {"length": 64, "index": True}),
        ("warehouse_id", Varchar, {"length": 64}),
        ("device_id", Varchar, {"length": 64}),
        ("user_id", Varchar, {"length": 64}),
        ("created_at", Varchar, {"length": 32}),
        ("expires_at", Varchar, {"length": 32}),
        ("released", Boolean, {}),
        ("released_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("Stocktakes", "stocktakes", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("warehouse_id", Varchar, {"length": 64}),
        ("status", Varchar, {"length": 8}),
        ("opened_by", Varchar, {"length": 64}),
        ("opened_at", Varchar, {"length": 32}),
        ("applied_by", Varchar, {"length": 64, "default": None, "null": True}),
        ("applied_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("StocktakeLines", "stocktake_lines", (
        ("id", Varchar, {"length": 64, "primary_key": True}),
        ("version", BigInt, {}),
        ("field_versions", Text, {"default": '{}'}),
        ("updated_by", Varchar, {"length": 140}),
        ("deleted", Boolean, {}),
        ("buckets", Varchar, {"length": 400, "index": True}),
        ("session_id", Varchar, {"length": 64, "index": True}),
        ("warehouse_id", Varchar, {"length": 64}),
        ("product_id", Varchar, {"length": 64}),
        ("counted", BigInt, {}),
        ("user_id", Varchar, {"length": 64}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("at", Varchar, {"length": 32}),
        ("hlc", Varchar, {"length": 64}),
    )),
    ("SyncState", "sync_state", (
        ("id", Integer, {"primary_key": True}),
        ("epoch", Varchar, {"length": 32}),
        ("last_seq", BigInt, {}),
        ("horizon", BigInt, {}),
    )),
    ("SyncClients", "sync_clients", (
        ("client_id", Varchar, {"length": 64, "primary_key": True}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("last_mutation_id", BigInt, {}),
        ("pending", Integer, {}),
        ("created_at", Varchar, {"length": 32}),
        ("last_push_at", Varchar, {"length": 32, "default": None, "null": True}),
        ("last_pull_at", Varchar, {"length": 32, "default": None, "null": True}),
    )),
    ("MutationLog", "mutation_log", (
        ("client_id", Varchar, {"length": 64}),
        ("mutation_id", BigInt, {}),
        ("name", Varchar, {"length": 64}),
        ("args", Text, {}),
        ("hlc", Varchar, {"length": 64}),
        ("user_id", Varchar, {"length": 64, "index": True}),
        ("device_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("status", Varchar, {"length": 12, "index": True}),
        ("conflict_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("error", Varchar, {"length": 40, "default": None, "null": True}),
        ("message", Text, {"default": None, "null": True}),
        ("received_at", Varchar, {"length": 32, "index": True}),
    )),
    ("ChangeLog", "change_log", (
        ("seq", BigInt, {"primary_key": True}),
        ("table_name", Varchar, {"length": 40}),
        ("row_id", Varchar, {"length": 64}),
        ("op", Varchar, {"length": 4}),
        ("buckets", Varchar, {"length": 400}),
        ("removed", Varchar, {"length": 400}),
    )),
    ("ChangeQueue", "change_queue", (
        ("id", BigSerial, {"primary_key": True}),
        ("table_name", Varchar, {"length": 40}),
        ("row_id", Varchar, {"length": 64}),
        ("op", Varchar, {"length": 4}),
        ("buckets", Varchar, {"length": 400}),
        ("removed", Varchar, {"length": 400}),
    )),
    ("FieldHistory", "field_history", (
        ("table_name", Varchar, {"length": 40}),
        ("row_id", Varchar, {"length": 64, "index": True}),
        ("field", Varchar, {"length": 64}),
        ("value", Text, {"default": None, "null": True}),
        ("version", BigInt, {}),
        ("replaced_at", BigInt, {}),
        ("hlc", Varchar, {"length": 64}),
        ("replaced_by", Varchar, {"length": 140}),
    )),
    ("AuditLog", "audit_log", (
        ("seq", BigInt, {}),
        ("at", Varchar, {"length": 32, "index": True}),
        ("actor_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("action", Varchar, {"length": 64, "index": True}),
        ("subject", Varchar, {"length": 200}),
        ("detail", Text, {"default": '{}'}),
        ("prev_hash", Varchar, {"length": 64}),
        ("hash", Varchar, {"length": 64}),
    )),
    ("AuditQueue", "audit_queue", (
        ("id", BigSerial, {"primary_key": True}),
        ("at", Varchar, {"length": 32}),
        ("actor_id", Varchar, {"length": 64, "default": None, "null": True}),
        ("action", Varchar, {"length": 64}),
        ("subject", Varchar, {"length": 200}),
        ("detail", Text, {"default": '{}'}),
    )),
    ("AuditHead", "audit_head", (
        ("id", Integer, {"primary_key": True}),
        ("seq", BigInt, {}),
        ("hash", Varchar, {"length": 64}),
    )),

)
# fmt: on

INDEXES = (
    # The sync engine: a client's mutation is logged once; a row's changes and field history.
    "CREATE UNIQUE INDEX mutation_log_client_mutation ON mutation_log (client_id, mutation_id)",
    "CREATE INDEX change_log_row ON change_log (table_name, row_id)",
    "CREATE INDEX field_history_lookup ON field_history (table_name, row_id, field, version)",
    "CREATE UNIQUE INDEX stock_levels_place ON stock_levels (warehouse_id, product_id)",
    # The audit chain's sequence is unique (declared there as a plain BigInt).
    "CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq)",
    "CREATE INDEX sessions_expiry ON sessions (expires_at)",
    # The admin orders list: each filter that matters in the list's order (newest first, keyset
    # on created_at, id), and an order's timeline (audit entries with the order as subject).
    "CREATE INDEX orders_created ON orders (created_at, id)",
    "CREATE INDEX orders_status_created ON orders (status, created_at, id)",
    "CREATE INDEX orders_owner_created ON orders (owner_id, created_at, id)",
    "CREATE INDEX orders_warehouse_created ON orders (warehouse_id, created_at, id)",
    "CREATE INDEX orders_assignee_created ON orders (assignee_id, created_at, id)",
    "CREATE INDEX orders_due ON orders (due_date, status)",
    "CREATE INDEX orders_updated ON orders (updated_at)",
    "CREATE INDEX audit_log_subject ON audit_log (subject, seq)",
)

# The order a logged mutation names: ``order_id`` of its arguments, else their ``id`` (the order
# of order.create/update/transition; for other mutations the id of their own row, which never
# equals an order's). The order timeline's query spells the same expression.
MUTATION_ORDER = {
    "sqlite": "COALESCE(json_extract(args, '$.order_id'), json_extract(args, '$.id'))",
    "postgres": "COALESCE(args::json ->> 'order_id', args::json ->> 'id')",
}

APPEND_ONLY = {
    "sqlite": (
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ),
    "postgres": (
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ),
}

GENESIS = "0" * 64  # the hash before the audit chain's first entry


async def _after_tables(engine) -> None:
    dialect = "postgres" if engine.engine_type == "postgres" else "sqlite"
    for sql in (
        *INDEXES,
        f"CREATE INDEX mutation_log_order ON mutation_log (({MUTATION_ORDER[dialect]}))",
        *APPEND_ONLY[dialect],
        f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')",
        # The epoch names this database's change history: a cursor from another history (a
        # different database, or one restored from a backup) gets ``reset``.
        "INSERT INTO sync_state (id, epoch, last_seq, horizon)"
        f" VALUES (1, '{secrets.token_hex(8)}', 0, 0)",
    ):
        await engine.run_ddl(sql)
    if dialect == "postgres":
        # Row versions on PostgreSQL, drawn after the row is locked (docs/scale.md).
        await engine.run_ddl("CREATE SEQUENCE row_version")
        await _trigram_indexes(engine)


async def _trigram_indexes(engine) -> None:
    """The admin orders search (``q``: any part of an order number or a customer's name,
    case-insensitive) reads these instead of every order. Where pg_trgm is not installed and
    the database user may not create it, nothing is made: the search stays right, only slower
    (docs/benchmarks.md § Admin list pages)."""
    state = (
        await engine.run_ddl(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS installed,"
            " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available,"
            " has_database_privilege(current_database(), 'CREATE') AS may_create"
        )
    )[0]
    if not state["installed"]:
        if not (state["available"] and state["may_create"]):
            return
        await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # fastupdate off: with a pending list, a freshly written table (no planner statistics yet)
    # had a push's lookup of 100 order numbers scan it through this index, 70 ms (4 ms without).
    await engine.run_ddl(
        "CREATE INDEX orders_number_trgm ON orders USING gin (number gin_trgm_ops)"
        " WITH (fastupdate = off)"
    )
    await engine.run_ddl(
        "CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops)"
        " WITH (fastupdate = off)"
    )


class _Baseline(MigrationManager):
    """The tables, then ``_after_tables``, in one transaction (piccolo's own ``run`` joins it)."""

    async def run(self, backwards: bool = False) -> None:
        if backwards:
            raise RuntimeError("the baseline is not reversible: drop the database instead")
        engine = engine_finder()
        async with engine.transaction():
            await super().run()
            if not self.preview:
                await _after_tables(engine)


async def forwards() -> MigrationManager:
    manager = _Baseline(migration_id=ID, app_name="orderly", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
