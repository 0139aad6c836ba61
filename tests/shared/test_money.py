"""Money said in major units (shared/money.py): what messages, logs and exports show."""

from decimal import Decimal

from shared.money import VAT_PERCENT, major, text, vat_included


def test_minor_units_are_said_in_yuan():
    assert major(1250) == Decimal("12.50") and str(major(7)) == "0.07"
    assert text(123450) == "¥1,234.50"
    assert text(0) == "¥0.00"
    assert text(-500) == "-¥5.00"
    assert text(10**15) == "¥10,000,000,000,000.00"  # the largest order total, exact


# (total, VAT inside it) at 13 %: tests/pwa/format-vat.test.mjs holds the same table for the PWA.
VAT_TABLE = [(0, 0), (1, 0), (4, 0), (5, 1), (100, 12), (11300, 1300), (13500, 1553),
             (99999, 11504), (10**15, 115044247787611)]


def test_the_vat_a_total_includes():
    assert VAT_PERCENT == 13
    for total, vat in VAT_TABLE:
        assert vat_included(total) == vat, total
        # Half up: the exact share and the fen it rounds to are at most half a fen apart.
        assert abs(vat - total * 13 / 113) <= 0.5 + 1e-9
