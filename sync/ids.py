"""UUIDv7 text ids (time-ordered, so new rows land at the end of every index)."""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> str:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


NAMESPACE = uuid.UUID("8f5f3b1e-6a55-4c57-9d0e-0d5c9c1f2a10")


def stock_level_id(warehouse_id: str, product_id: str) -> str:
    """One stock level row per (warehouse, product), with an id every client can compute."""
    return str(uuid.uuid5(NAMESPACE, f"stock:{warehouse_id}:{product_id}"))
