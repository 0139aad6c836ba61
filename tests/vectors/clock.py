"""The moment and the node the vector files start from, and HLC texts made of them."""

from __future__ import annotations

from sync.hlc import Timestamp

NODE = "pwa-vectors01"
T0 = 1_763_892_000_123  # 2025-11-23T10:00:00.123Z


def ts(ms: int, counter: int = 0, node: str = "srv-node1") -> str:
    """The text of HLC timestamp ``(ms, counter, node)``."""
    return str(Timestamp(ms, counter, node))
