"""The Orderly sync engine: protocol, HLC, merge rules, change feed and scopes; framework-free.

The public face is small: the protocol messages, ``push``/``pull`` over a ``Store`` and the
errors. Clients are the PWA and, for tests and harnesses, the device simulator in
``tests/device/``.
"""

from sync.errors import (
    BadCursor,
    BadRequest,
    Gap,
    SyncError,
    TooLarge,
    Unauthorized,
    UpgradeRequired,
)
from sync.protocol import (
    SCHEMA_VERSION,
    Change,
    MutationIn,
    MutationResult,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)

__all__ = [
    "SCHEMA_VERSION",
    "BadCursor",
    "BadRequest",
    "Change",
    "Gap",
    "MutationIn",
    "MutationResult",
    "PullRequest",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "SyncError",
    "TooLarge",
    "Unauthorized",
    "UpgradeRequired",
]
