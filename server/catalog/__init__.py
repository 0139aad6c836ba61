"""The catalog admins keep: products and their prices."""
