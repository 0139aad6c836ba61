"""Persistence: piccolo tables and migrations, and the SQL the sync hot path runs."""
