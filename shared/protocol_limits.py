"""The bounds of sync protocol v1's own fields, written once: ``sync/protocol.py`` declares its
messages with them and the PWA reads them from ``vocabulary.json`` (``protocol``), so
``pwa/js/core/protocol.js`` refuses what msgspec refuses without retyping a number."""

from __future__ import annotations

SCHEMA_VERSION = 1

CLIENT_ID_MIN_LENGTH = 8
CLIENT_ID_MAX_LENGTH = 64
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]+$"
# Above JavaScript's safe integers: any id a device can count to fits.
MUTATION_ID_MAX = 2**62
# A mutation's name and its HLC.
MUTATION_TEXT_MAX_LENGTH = 64
PENDING_MAX = 2**31 - 1
CURSOR_MAX_LENGTH = 200
PULL_LIMIT_DEFAULT = 5000
PULL_LIMIT_MAX = 10_000


def exported() -> dict[str, int | str]:
    """The bounds as ``vocabulary.json`` carries them."""
    return {
        "schema": SCHEMA_VERSION,
        "client_id_min_length": CLIENT_ID_MIN_LENGTH,
        "client_id_max_length": CLIENT_ID_MAX_LENGTH,
        "client_id_pattern": CLIENT_ID_PATTERN,
        "mutation_id_max": MUTATION_ID_MAX,
        "mutation_text_max_length": MUTATION_TEXT_MAX_LENGTH,
        "pending_max": PENDING_MAX,
        "cursor_max_length": CURSOR_MAX_LENGTH,
        "pull_limit_default": PULL_LIMIT_DEFAULT,
        "pull_limit_max": PULL_LIMIT_MAX,
    }
