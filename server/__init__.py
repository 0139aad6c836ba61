"""The Orderly server: Litestar HTTP surface, auth, persistence and the CLI."""
