"""Money said in major units (shared/money.py): what messages, logs and exports show."""

from decimal import Decimal

from shared.money import major, text


def test_minor_units_are_said_in_yuan():
    assert major(1250) == Decimal("12.50") and str(major(7)) == "0.07"
    assert text(123450) == "¥1,234.50"
    assert text(0) == "¥0.00"
    assert text(-500) == "-¥5.00"
    assert text(10**15) == "¥10,000,000,000,000.00"  # the largest order total, exact
