// An order's money on the phone as on the server (pwa/js/core/totals.js, shared/mutations.py
// net/line_net/order_net): discounts in hundredths of a percent, half up to the fen, exact
// beyond 2^53; a percentage as typed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bpToPercent, lineNet, net, orderNet, percentToBp } from '../../pwa/js/core/totals.js';

test('net: half up to the fen, exact at the largest order', () => {
  assert.equal(net(1000, 1250), 875);
  assert.equal(net(1, 5000), 1); // 0.5 fen rounds up
  assert.equal(net(3, 5000), 2);
  assert.equal(net(1000, 0), 1000);
  assert.equal(net(1000, 10_000), 0);
  assert.equal(net(10 ** 15, 1), 999_900_000_000_000);
});

test('an order: each line net, then the order discount (the server gives 2232 for these)', () => {
  const lines = [{ qty: 3, unit_price: 500, discount_bp: 1000 }, { qty: 1, unit_price: 999 }];
  assert.equal(lineNet(lines[0]), 1350);
  assert.equal(orderNet(lines, 500), 2232);
});

test('a percentage as typed', () => {
  assert.equal(percentToBp('12.5'), 1250);
  assert.equal(percentToBp('12,5 %'), 1250);
  assert.equal(percentToBp(''), 0);
  assert.equal(percentToBp('100'), 10_000);
  assert.equal(percentToBp('100.01'), null);
  assert.equal(percentToBp('-5'), null);
  assert.equal(percentToBp('1.234'), null);
  assert.equal(bpToPercent(1250), '12.5');
  assert.equal(bpToPercent(1000), '10');
  assert.equal(bpToPercent(0), '');
});
