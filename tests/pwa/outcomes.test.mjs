// What became of a person's changes (pwa/js/core/outcomes.js) and how conflicts read
// (pwa/js/ui/conflict-text.js): which conflicts are news for whom, unread until seen as they are
// now; names instead of ids, labels instead of column names, money from minor units, in every
// language; the names read from a real Dexie store.

import '../../pwa/node_modules/fake-indexeddb/auto/index.mjs';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openDb } from '../../pwa/js/db.js';
import { happenedAt, isOutcome, isUnseen, markSeen, outcomesOf, stamp } from '../../pwa/js/core/outcomes.js';
import { LOCALES, setLang } from '../../pwa/js/i18n.js';
import {
  conflictNames, explain, fieldLabel, formatValue, sideText, subjectText, what,
} from '../../pwa/js/ui/conflict-text.js';

const ME = 'u-rep';
const conflict = (id, extra = {}) => ({
  id, kind: 'field', status: 'open', user_id: ME, table_name: 'orders', row_id: 'o-1',
  field: 'priority', created_at: `2026-12-0${id.length}T10:00:00.000Z`, resolver_id: null, ...extra,
});

test('news: my overwritten notices, and my conflicts someone else settled', () => {
  const notice = conflict('n', { kind: 'overwritten', field: 'notes' });
  const settledByAdmin = conflict('s', { status: 'resolved', resolver_id: 'u-admin', resolved_at: '2026-12-09T00:00:00Z' });
  const settledByMe = conflict('m', { status: 'resolved', resolver_id: ME, resolved_at: '2026-12-08T00:00:00Z' });
  const open = conflict('o');
  const theirs = conflict('t', { kind: 'overwritten', user_id: 'u-other' });
  assert.deepEqual([notice, settledByAdmin, settledByMe, open, theirs].map((c) => isOutcome(c, ME)),
    [true, true, false, false, false]);
  assert.deepEqual(outcomesOf([notice, settledByAdmin, open], ME).map((c) => c.id), ['s', 'n']);
  assert.equal(happenedAt(settledByAdmin), '2026-12-09T00:00:00Z');
});

test('unread until seen as it is now; a settlement of a seen notice is news again', () => {
  const notice = conflict('n', { kind: 'overwritten', field: 'notes' });
  let seen = {};
  assert.equal(isUnseen(notice, seen, ME), true);
  seen = markSeen(seen, [notice]);
  assert.equal(isUnseen(notice, seen, ME), false);
  const settled = { ...notice, status: 'resolved', resolver_id: 'u-admin', resolved_at: '2026-12-10T00:00:00Z' };
  assert.notEqual(stamp(settled), stamp(notice));
  assert.equal(isUnseen(settled, seen, ME), true);
  // Settled by me: nothing to tell me.
  assert.equal(isUnseen({ ...settled, resolver_id: ME }, {}, ME), false);
});

const NAMES = {
  products: { 'p-1': 'Gift box' },
  customers: { 'c-1': 'Willow Teahouse' },
  warehouses: { 'wh-1': 'W1 · Main' },
};

test('values read as a person reads them, in English', () => {
  setLang('en');
  assert.equal(formatValue('unit_price', 2500, NAMES), 'CN¥25.00'); // minor units, never 2500
  assert.equal(formatValue('qty', 12000, NAMES), '12,000');
  assert.equal(formatValue('priority', 'high', NAMES), 'High');
  assert.equal(formatValue('due_date', '2026-03-04', NAMES), 'Mar 4, 2026');
  assert.equal(formatValue('product_id', 'p-1', NAMES), 'Gift box');
  assert.equal(formatValue('customer_id', 'c-1', NAMES), 'Willow Teahouse');
  assert.equal(formatValue('warehouse_id', 'wh-1', NAMES), 'W1 · Main');
  assert.equal(formatValue('notes', null, NAMES), '—');
  assert.equal(formatValue(null, { id: 'l-1', product_id: 'p-1', qty: 3, unit_price: 2500 }, NAMES),
    '3 × Gift box @ CN¥25.00');
  // A locked order's change, a line in it, a status: labels, never keys or JSON.
  assert.equal(formatValue(null, { priority: 'low', due_date: '2026-03-04' }, NAMES), 'Priority: Low · Due date: Mar 4, 2026');
  assert.equal(formatValue(null, { line: { id: 'l-1', product_id: 'p-1', qty: 1, unit_price: 100 } }, NAMES),
    'Line: 1 × Gift box @ CN¥1.00');
  assert.equal(formatValue(null, { status: 'shipped' }, NAMES), 'Status: Shipped');
  assert.equal(formatValue(null, { remove_line: 'l-9' }, NAMES), 'Remove line');
  assert.equal(formatValue('method', 'cash', NAMES), 'Cash');
  assert.equal(formatValue('product_id', 'p-gone', NAMES), '(not on this device)');
  // A line's removal reads as one.
  assert.equal(sideText({ kind: 'line_changed', client_value: null }, 'client_value', NAMES), 'Remove line');
  assert.equal(sideText({ kind: 'line_removed', server_value: null }, 'server_value', NAMES), 'Removed');
  assert.equal(what({ kind: 'field', field: 'unit_price' }), 'Changed by someone else · Unit price');
  assert.equal(explain({ kind: 'overwritten', field: 'notes' }).startsWith('Notes you wrote'), true);
  assert.equal(subjectText({ orderNumber: 'K7F-00042', customerName: 'Willow Teahouse', productName: 'Gift box' }),
    'Order K7F-00042 · Willow Teahouse · Gift box');
});

test('in Chinese, no field name or English shows', () => {
  for (const lang of ['zh-Hans', 'zh-Hant']) {
    setLang(lang);
    for (const field of ['qty', 'unit_price', 'product_id', 'due_date', 'customer_id', 'notes', 'on_hand', 'status']) {
      assert.doesNotMatch(fieldLabel(field), /[a-z]/i, `${lang} ${field}`);
    }
    const line = formatValue(null, { line: { product_id: 'p-1', qty: 3, unit_price: 2500 } }, NAMES);
    assert.match(line, /3 × Gift box @ (CN)?¥25\.00$/);
    // (zh-Hant writes the yuan "CN¥", as Intl does.)
    assert.doesNotMatch(line.replace('Gift box', '').replace('CN¥', ''), /[a-z]{2}/i, line);
    assert.doesNotMatch(what({ kind: 'overwritten', field: 'notes' }), /[a-z]/i);
    assert.doesNotMatch(explain({ kind: 'line_changed', field: null }), /[a-z]/i);
  }
  setLang('en');
});

test('every conflict kind the server makes has words, an explanation in every language', () => {
  const kinds = ['double_redemption', 'field', 'line_changed', 'line_removed', 'locked',
    'missing_reference', 'negative_stock', 'overwritten', 'payment', 'transition'];
  for (const lang of Object.keys(LOCALES)) {
    for (const kind of kinds) assert.ok(LOCALES[lang][`conflict.explain.${kind}`], `${lang} ${kind}`);
  }
});

test('names come from the device store: a line conflict names its order, customer and product', async () => {
  const db = openDb('outcomes-names');
  await db.orders.put({ id: 'o-1', number: 'K7F-00042', customer_id: 'c-1', status: 'draft' });
  await db.order_lines.put({ id: 'l-1', order_id: 'o-1', product_id: 'p-1', qty: 2, unit_price: 2500 });
  await db.customers.put({ id: 'c-1', name: 'Willow Teahouse' });
  await db.products.put({ id: 'p-1', sku: 'GB', name: 'Gift box' });
  await db.products.put({ id: 'p-2', sku: 'TP', name: 'Teapot' });
  await db.warehouses.put({ id: 'wh-1', code: 'W1', name: 'Main' });
  const line = conflict('line', { table_name: 'order_lines', row_id: 'l-1', field: 'product_id', server_value: 'p-1', client_value: 'p-2' });
  const order = conflict('ord', { field: 'warehouse_id', server_value: 'wh-1', client_value: null });
  const gone = conflict('gone', { table_name: 'orders', row_id: 'o-x' });
  const { subjects, names } = await conflictNames(db, [line, order, gone]);
  assert.deepEqual(subjects.line, {
    orderId: 'o-1', orderNumber: 'K7F-00042', customerId: 'c-1', customerName: 'Willow Teahouse',
    productId: 'p-1', productName: 'Gift box',
  });
  assert.equal(subjects.ord.orderNumber, 'K7F-00042');
  assert.equal(subjects.ord.productName, null);
  assert.equal(subjects.gone.orderNumber, null);
  assert.equal(formatValue('product_id', line.client_value, names), 'Teapot');
  assert.equal(formatValue('warehouse_id', order.server_value, names), 'W1 · Main');
  db.close();
});
