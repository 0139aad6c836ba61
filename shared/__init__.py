"""The domain vocabulary server, sync engine and PWA share (exported to JSON for the PWA)."""
