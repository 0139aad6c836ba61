// The reports' chart axes (pwa/js/core/chart-axes.js): money on its own axes, payments beside
// order totals rather than flattened under them, axes as wide as their labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { axesOf, axisWidth, scaleOf } from '../../pwa/js/core/chart-axes.js';
import { formatMoneyShort } from '../../pwa/js/format.js';

test('payments get the right-hand axis, order totals the left, counts their own', () => {
  assert.deepEqual(axesOf(['order_total', 'received', 'refunded']),
    [{ scale: 'money', side: 3 }, { scale: 'paid', side: 1 }]);
  assert.deepEqual(axesOf(['submitted', 'shipped']), [{ scale: 'y', side: 3 }]);
  assert.equal(scaleOf('received'), 'paid');
  assert.equal(scaleOf('orders'), 'y');
});

test('an axis is as wide as its longest label, never narrower than three digits', () => {
  assert.ok(axisWidth(['CN¥120K', 'CN¥80K']) > axisWidth(['1', '2']));
  assert.equal(axisWidth([]), axisWidth(['12']));
  assert.ok(axisWidth(['CN¥1,234,567.89']) >= 15 * 7);
});

test('axis money is in yuan, said short', () => {
  assert.equal(formatMoneyShort(12_345_00, { lang: 'en' }), 'CN¥12.3K');
  assert.equal(formatMoneyShort(500, { lang: 'en' }), 'CN¥5');
  assert.equal(formatMoneyShort(12_345_00, { lang: 'zh-Hans' }), '¥1.2万');
});
