"""Admin: users, enrollment links, devices, passkeys, the audit log."""
