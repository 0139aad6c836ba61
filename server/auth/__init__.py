"""Authentication: API tokens now; passkeys, sessions and devices build on it."""
