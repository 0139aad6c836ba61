"""An order's money (shared/mutations.py net, line_net, order_net): discounts in hundredths of a
percent, half up to the fen; tests/pwa/totals.test.mjs holds pwa/js/core/totals.js to the same
figures."""

from shared.mutations import line_net, net, order_net


def test_net_rounds_half_up_to_the_fen():
    assert net(1000, 1250) == 875
    assert net(1, 5000) == 1 and net(3, 5000) == 2
    assert net(1000, 0) == 1000 and net(1000, 10_000) == 0
    assert net(10**15, 1) == 999_900_000_000_000


def test_an_order_is_its_lines_net_less_its_own_discount():
    assert line_net(3, 500, 1000) == 1350
    assert order_net([(3, 500, 1000), (1, 999, 0)], 500) == 2232
