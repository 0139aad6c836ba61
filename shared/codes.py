"""Every code the server can answer and every conflict kind, listed once (docs/protocol.md,
"Codes and their words").

The lists are written by hand and held to the code: ``tests/shared/test_codes.py`` reads
``sync/`` and ``server/`` and fails on a code they use that is missing here. The PWA has words
for each, in every language, under the key ``<prefix><code>`` (``tests/pwa/codes.test.mjs``
fails on a code without them); ``shared/export.py`` exports the lists in vocabulary.json.
"""

from __future__ import annotations

# ``MutationResult.error`` of a rejected mutation: ``MutationRejected("<code>", …)`` in a rule or
# in the push path, and ``internal_error`` for a rule that failed (stored for an admin).
REJECT_CODES: tuple[str, ...] = (
    "already_exists",
    "already_resolved",
    "already_reviewed",
    "bad_hlc",
    "forbidden",
    "internal_error",
    "invalid_args",
    "invalid_token",
    "leased",
    "not_paid",
    "not_pending",
    "not_redeemable",
    "number_taken",
    "reason_required",
    "refund_exceeds_paid",
    "stocktake_closed",
    "unknown_mutation",
    "unknown_user",
    "user_disabled",
    "wrong_warehouse",
)

# ``conflicts.kind``: what a conflict row is about (``sync.outcome.conflict(ctx, kind=…)``).
# ``overwritten`` is a last-writer-wins loss told to the loser (sync/notices.py).
CONFLICT_KINDS: tuple[str, ...] = (
    "double_redemption",
    "field",
    "line_changed",
    "line_removed",
    "locked",
    "missing_reference",
    "negative_stock",
    "overwritten",
    "payment",
    "transition",
)

# The ``code`` of an error body a sync request (push, pull, poke) can get: the engine's errors
# (sync/errors.py), the session guard's, and the server's handlers (server/error_responses.py), which
# answer for every route.
SYNC_ERROR_CODES: tuple[str, ...] = (
    "bad_cursor",
    "client_id_taken",
    "conflict",
    "csrf_failed",
    "database_unavailable",
    "device_revoked",
    "error",
    "forbidden",
    "internal_error",
    "invalid_request",
    "malformed_json",
    "method_not_allowed",
    "mutation_gap",
    "not_found",
    "rate_limited",
    "sync_error",
    "too_large",
    "unauthorized",
    "unsupported_media_type",
    "upgrade_required",
)

# The ``code`` of every error body of the HTTP API (``ErrorBody`` and the errors mapped to it).
HTTP_ERROR_CODES: tuple[str, ...] = (
    "auth_error",
    "bad_cursor",
    "bad_transition",
    "ceremony_expired",
    "client_id_taken",
    "code_taken",
    "conflict",
    "csrf_failed",
    "database_unavailable",
    "device_required",
    "device_revoked",
    "empty_file",
    "enrollment_expired",
    "enrollment_invalid",
    "enrollment_used",
    "error",
    "forbidden",
    "import_conflict",
    "import_invalid",
    "internal_error",
    "invalid_amount",
    "invalid_date",
    "invalid_device",
    "invalid_field",
    "invalid_lines",
    "invalid_priority",
    "invalid_request",
    "invalid_sort",
    "invalid_status",
    "leased",
    "login_failed",
    "malformed_json",
    "method_not_allowed",
    "missing_columns",
    "mutation_gap",
    "no_rows",
    "not_a_spreadsheet",
    "not_encodable",
    "not_found",
    "not_on_hold",
    "not_redeemable",
    "order_locked",
    "order_not_found",
    "range_too_long",
    "rate_limited",
    "reason_required",
    "refund_exceeds_paid",
    "resolution_required",
    "return_exceeds_ordered",
    "sign_count_regressed",
    "sku_taken",
    "stocktake_closed",
    "sync_error",
    "too_large",
    "too_many_rows",
    "unauthorized",
    "unknown_user",
    "unknown_warehouse",
    "unsupported_media_type",
    "upgrade_required",
    "user_disabled",
    "user_exists",
    "webauthn_invalid",
    "wrong_warehouse",
)

# A cell of an imported spreadsheet (server/admin/imports/): ``Bad("<code>", …)`` and
# ``line.fail(column, "<code>", …)``.
IMPORT_CELL_CODES: tuple[str, ...] = (
    "ambiguous_customer",
    "customer_not_visible",
    "duplicate_number",
    "duplicate_sku",
    "inactive_sku",
    "negative",
    "not_updatable",
    "out_of_range",
    "rep_disabled",
    "required",
    "too_long",
    "too_many_lines",
    "unknown_customer",
    "unknown_order",
    "unknown_rep",
    "unknown_sku",
    "unknown_warehouse",
    "wrong_type",
)

# Each list with the prefix of its words' keys in the PWA's locales (pwa/js/locales/).
WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reject": ("reject.", REJECT_CODES),
    "conflict_kind": ("conflict.kind.", CONFLICT_KINDS),
    "sync_error": ("sync.error.", SYNC_ERROR_CODES),
    "http_error": ("error.", HTTP_ERROR_CODES),
    "import_cell": ("admin.io.code.", IMPORT_CELL_CODES),
}


def exported() -> dict[str, dict[str, object]]:
    """The lists for vocabulary.json: ``{list: {"prefix": …, "codes": […]}}``."""
    return {
        name: {"prefix": prefix, "codes": list(codes)} for name, (prefix, codes) in WORDS.items()
    }
