"""Export the shared vocabulary as one JSON document for the PWA (no second hand-written copy)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import get_args

import msgspec

from shared import codes, money, protocol_limits, roles, states
from shared.mutations import CATALOG, NESTED, ORDER_TOTAL_MAX, ORDER_UPDATE_FIELDS, Priority


def vocabulary() -> dict[str, object]:
    """Everything the PWA must agree on with the server, as plain JSON-able data."""
    return {
        "statuses": list(states.STATUSES),
        "priorities": list(get_args(Priority)),
        "transitions": {k: sorted(v) for k, v in states.TRANSITIONS.items()},
        "transition_roles": {k: sorted(v) for k, v in states.TRANSITION_ROLES.items()},
        "super_roles": sorted(states.SUPER_ROLES),
        "fields_locked": sorted(states.FIELDS_LOCKED),
        "lines_locked": sorted(states.LINES_LOCKED),
        "redeemable": sorted(states.REDEEMABLE),
        "overdue_statuses": sorted(states.OVERDUE_STATUSES),
        "roles": list(roles.ROLES),
        "mutations_by_role": {k: sorted(v) for k, v in roles.MUTATIONS_BY_ROLE.items()},
        "permissions": {k: sorted(v) for k, v in roles.PERMISSIONS.items()},
        "order_update_fields": list(ORDER_UPDATE_FIELDS),
        "order_total_max": ORDER_TOTAL_MAX,
        "vat_percent": money.VAT_PERCENT,
        "mutations": {name: mutation_schema(name) for name in sorted(CATALOG)},
        "codes": codes.exported(),
        "protocol": protocol_limits.exported(),
    }


def mutation_schema(name: str) -> dict[str, object]:
    """The JSON schema of mutation ``name``'s args, with its ``NESTED`` values as the rule checks
    them (``order.update``'s ``set`` is an ``OrderSet`` naming at least one field)."""
    args = CATALOG[name]
    nested = NESTED.get(name, {})
    if not nested:
        return msgspec.json.schema(args)
    (ref, *_), defs = msgspec.json.schema_components([args, *nested.values()])
    for field, struct in nested.items():
        defs[struct.__name__]["minProperties"] = 1
        defs[args.__name__]["properties"][field] = {"$ref": f"#/$defs/{struct.__name__}"}
    return {**ref, "$defs": defs}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    data = msgspec.json.format(msgspec.json.encode(vocabulary()), indent=1)
    if argv:
        Path(argv[0]).write_bytes(data + b"\n")
    else:
        sys.stdout.write(data.decode() + "\n")


if __name__ == "__main__":
    main()
