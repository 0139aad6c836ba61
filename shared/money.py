"""Money as people read it. Amounts are integers of minor units (CNY fen) wherever they are
stored or computed; a message, a log line, an audit detail or an export says them in major
units, never in fen (1250 is "¥12.50")."""

from __future__ import annotations

from decimal import Decimal

CURRENCY = "CNY"
MINOR_PER_MAJOR = 100  # fen per yuan
# Prices include VAT (增值税) at the standard rate of goods in China; an order says the tax its
# total includes (the phone's and the console's order, the new-order form). One rate: every
# product of the catalog is sold at it.
VAT_PERCENT = 13
_CENT = Decimal("0.01")


def major(minor: int) -> Decimal:
    """Minor units as an exact Decimal of major units: 1250 → Decimal("12.50")."""
    return (Decimal(minor) / MINOR_PER_MAJOR).quantize(_CENT)


def text(minor: int) -> str:
    """Minor units as a message says them: 123450 → "¥1,234.50", -500 → "-¥5.00"."""
    amount = major(minor)
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,}"


def vat_included(total: int) -> int:
    """The VAT inside a tax-inclusive ``total`` (minor units), rounded half up to the fen:
    11300 → 1300; the PWA's ``format.vatIncluded`` computes the same."""
    numerator = total * VAT_PERCENT
    denominator = 100 + VAT_PERCENT
    return (2 * numerator + denominator) // (2 * denominator)
