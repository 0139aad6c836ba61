"""The field merge rule of DESIGN §5, as a pure function.

A client edits from ``base_version`` (the row version it saw) plus its own earlier mutations.
For each field it sets:
- the server value already equals it: nothing to do;
- nobody else wrote the field since the base: apply;
- someone did, and the field is last-writer-wins (free-text notes): the later HLC wins;
- someone did, otherwise: a conflict; the first to reach the server stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.errors import MutationRejected


@dataclass
class FieldMerge:
    apply: dict[str, Any] = field(default_factory=dict)
    # Fields written since the base whose new value the client's edit did not beat.
    conflicts: list[str] = field(default_factory=list)
    # Fields where a concurrent write was merged: equal values, or an LWW decision.
    merged: list[str] = field(default_factory=list)

    @property
    def concurrent(self) -> bool:
        return bool(self.conflicts or self.merged)


def check_base(row: dict[str, Any], base_version: int | None, what: str) -> None:
    """Refuse a ``base_version`` above the row's version: no client was ever given it, and a base
    from the future would make every concurrent write look older than it, skipping the merge."""
    if base_version is not None and base_version > row["version"]:
        raise MutationRejected(
            "invalid_args",
            f"base_version {base_version} is above the {what}'s version {row['version']}: "
            "send the version of the row as you last pulled it",
        )


def merge_fields(
    current: dict[str, Any],
    versions: dict[str, tuple[int, str]],
    base_version: int,
    changes: dict[str, Any],
    *,
    client_id: str,
    lww: dict[str, tuple[str, str]] | None = None,
) -> FieldMerge:
    """``lww`` maps a last-writer-wins field to (server HLC of its value, the client's HLC)."""
    result = FieldMerge()
    lww = lww or {}
    for name, value in changes.items():
        seq, writer = versions.get(name, (0, ""))
        written_since = seq > base_version and writer != client_id
        if current.get(name) == value:
            if written_since:
                result.merged.append(name)
            continue
        if not written_since:
            result.apply[name] = value
        elif name in lww:
            server_hlc, client_hlc = lww[name]
            if client_hlc > server_hlc:
                result.apply[name] = value
            result.merged.append(name)
        else:
            result.conflicts.append(name)
    return result
