"""Order QR codes: issuing, printing, the public status page (docs/qr.md)."""
