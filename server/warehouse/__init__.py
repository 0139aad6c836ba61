"""The warehouse over HTTP: redemption leases and stocktaking (docs/warehouse.md)."""
