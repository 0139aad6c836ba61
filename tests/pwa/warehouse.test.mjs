// The warehouse flows on the device (docs/warehouse.md): core/warehouse.js (what a scan records,
// whether this device may redeem, picking by barcode, stocktake variance), the Dexie version 3
// tables, and the mutations the actions queue.

import '../../pwa/node_modules/fake-indexeddb/auto/index.mjs';
import Dexie from '../../pwa/node_modules/dexie/dist/dexie.mjs';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createActions } from '../../pwa/js/actions.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import {
  isOrderCode, leasableOrders, leaseLive, liveLease, pickScan, pickedFromScans, productByCode,
  redeemRefusal, scanResult, stocktakeRows,
} from '../../pwa/js/core/warehouse.js';
import { ROW_TABLES, dbName, openDb } from '../../pwa/js/db.js';
import { openStore } from '../../pwa/js/store.js';
import { vectors, vocabularyJson } from './helpers.mjs';

useVocabulary(vocabularyJson());

const HOUR = 3600_000;
const NOW = Date.parse('2025-03-01T10:00:00Z');
const iso = (ms) => new Date(ms).toISOString();

test('scan results of verdict kinds', () => {
  assert.equal(scanResult('genuine'), 'valid');
  assert.equal(scanResult('forged'), 'forged');
  assert.equal(scanResult('revoked'), 'revoked');
  assert.equal(scanResult('unknown'), 'unknown');
});

test('order codes and product barcodes are told apart', () => {
  const valid = vectors('qr.json').cases.find((c) => c.expect.reason === 'valid').token;
  assert.ok(isOrderCode('http://localhost:8000/q/ABC'));
  assert.ok(isOrderCode('HTTP://LOCALHOST:8000/Q/ABC'), 'a damaged order code is still an order code');
  if (valid) assert.ok(isOrderCode(valid));
  assert.ok(!isOrderCode('6900000000001'));
  assert.ok(!isOrderCode('TEA-1'));
  const products = [{ id: 'p1', sku: 'TEA-1', barcode: '6900000000001' }, { id: 'p2', sku: 'CUP', barcode: null }];
  assert.equal(productByCode(products, '6900000000001').id, 'p1');
  assert.equal(productByCode(products, 'cup').id, 'p2');
  assert.equal(productByCode(products, '123'), null);
  assert.equal(productByCode(products, ''), null);
});

test('leases: live until expiry unless released; naive times are UTC', () => {
  assert.ok(leaseLive({ expires_at: iso(NOW + HOUR), released: false }, NOW));
  assert.ok(!leaseLive({ expires_at: iso(NOW - 1), released: false }, NOW));
  assert.ok(!leaseLive({ expires_at: iso(NOW + HOUR), released: true }, NOW));
  assert.ok(leaseLive({ expires_at: '2025-03-01T10:30:00' }, NOW));
  const leases = [{ order_id: 'o1', expires_at: iso(NOW - 1) }, { id: 'l2', order_id: 'o1', expires_at: iso(NOW + HOUR) }];
  assert.equal(liveLease(leases, 'o1', NOW).id, 'l2');
  assert.equal(liveLease(leases, 'o2', NOW), null);
});

test('redeeming: refused for a lease of another device, a queued or done redemption, status, unpaid', () => {
  const order = { id: 'o1', status: 'shipped', total: 1000 };
  const paid = [{ order_id: 'o1', status: 'paid', amount: 1000 }];
  const base = { order, payments: paid, deviceId: 'd1', now: NOW };
  assert.equal(redeemRefusal(base), null);
  assert.equal(redeemRefusal({ ...base, order: { ...order, status: 'delivered' } }), null);
  assert.equal(redeemRefusal({ ...base, order: { ...order, status: 'picking' } }), 'status');
  assert.equal(redeemRefusal({ ...base, payments: [{ status: 'paid', amount: 400 }, { status: 'pending', amount: 600 }] }), 'unpaid');
  assert.equal(redeemRefusal({ ...base, queued: true }), 'queued');
  assert.equal(redeemRefusal({ ...base, redemptions: [{ order_id: 'o1', status: 'pending_review' }] }), 'redeemed');
  assert.equal(redeemRefusal({ ...base, redemptions: [{ order_id: 'o1', status: 'refused' }] }), null);
  assert.equal(redeemRefusal({ ...base, redemptions: [{ order_id: 'o1', status: 'queued' }] }), 'redeemed', 'an optimistic row');
  const lease = { order_id: 'o1', device_id: 'd2', expires_at: iso(NOW + HOUR), released: false };
  assert.equal(redeemRefusal({ ...base, leases: [lease] }), 'leased');
  assert.equal(redeemRefusal({ ...base, leases: [{ ...lease, device_id: 'd1' }] }), null, 'the leaseholder may');
  assert.equal(redeemRefusal({ ...base, leases: [{ ...lease, released: true }] }), null);
  assert.equal(redeemRefusal({ ...base, leases: [{ ...lease, expires_at: iso(NOW - 1) }] }), null);
});

test('leasable orders: my warehouse, redeemable status, not redeemed', () => {
  const orders = [
    { id: 'a', warehouse_id: 'w1', status: 'shipped' },
    { id: 'b', warehouse_id: 'w1', status: 'picking' },
    { id: 'c', warehouse_id: 'w2', status: 'delivered' },
    { id: 'd', warehouse_id: 'w1', status: 'delivered' },
  ];
  const got = leasableOrders(orders, [{ order_id: 'd', status: 'completed' }], 'w1').map((o) => o.id);
  assert.deepEqual(got, ['a']);
});

test('picking: a product ticks its next line, a wrong one is wrong_item, scans show what is picked', () => {
  const lines = [
    { id: 'l1', product_id: 'p1', qty: 2 },
    { id: 'l2', product_id: 'p2', qty: 1 },
    { id: 'l3', product_id: 'p1', qty: 5 },
  ];
  assert.deepEqual(pickScan(lines, new Set(), { id: 'p1' }), { result: 'ok', line: lines[0] });
  assert.deepEqual(pickScan(lines, new Set(['l1']), { id: 'p1' }), { result: 'ok', line: lines[2] });
  assert.deepEqual(pickScan(lines, new Set(['l1', 'l3']), { id: 'p1' }), { result: 'ok', line: null, already: true });
  assert.deepEqual(pickScan(lines, new Set(), { id: 'p9' }), { result: 'wrong_item', line: null });
  assert.deepEqual(pickScan(lines, new Set(), null), { result: 'wrong_item', line: null });
  const scans = [
    { action: 'pick', result: 'ok', product_id: 'p1' },
    { action: 'pick', result: 'wrong_item', product_id: 'p2' },
    { action: 'view', result: 'ok', product_id: 'p2' },
  ];
  assert.deepEqual([...pickedFromScans(lines, scans)], ['l1']);
});

test('stocktake rows: the latest count per product against the book, variance', () => {
  const rows = stocktakeRows(
    [{ product_id: 'p1', counted: 5 }, { product_id: 'p2', counted: 9 }, { product_id: 'p1', counted: 7, queued: true }],
    [{ product_id: 'p1', on_hand: 10 }, { product_id: 'p2', on_hand: 9 }],
    { p1: { name: 'Tea' } },
  );
  assert.deepEqual(rows.map((r) => [r.product_id, r.book, r.counted, r.variance, r.queued]), [
    ['p1', 10, 7, -3, true],
    ['p2', 9, 9, 0, false],
  ]);
  assert.equal(rows[0].product.name, 'Tea');
  assert.equal(stocktakeRows([{ product_id: 'p3', counted: 2 }], [], {})[0].variance, 2, 'no stock level: book 0');
});

test('version 3 adds the warehouse tables to a version 2 database and keeps its rows', async () => {
  const name = dbName('wh-upgrade');
  const v2 = new Dexie(name);
  v2.version(1).stores({ orders: 'id, number, customer_id, status, updated_at', outbox: 'id', meta: 'key' });
  v2.version(2).stores({ signing_keys: 'id, device_id', qr_revocations: 'id, order_id', order_qr: 'order_id' });
  await v2.open();
  await v2.table('orders').put({ id: 'o1', number: 'K7F-00001' });
  await v2.table('order_qr').put({ order_id: 'o1', token: 'T' });
  v2.close();

  const db = openDb('wh-upgrade');
  await db.open();
  assert.equal(db.verno, 3);
  assert.equal((await db.orders.get('o1')).number, 'K7F-00001');
  assert.equal((await db.order_qr.get('o1')).token, 'T');
  for (const t of ['scans', 'redemptions', 'redemption_leases', 'stocktakes', 'stocktake_lines']) {
    assert.ok(ROW_TABLES.includes(t), t);
    assert.equal(await db.table(t).count(), 0, t);
  }
  await db.redemption_leases.put({ id: 'l', order_id: 'o1', device_id: 'd', warehouse_id: 'w' });
  assert.equal((await db.redemption_leases.where('order_id').equals('o1').first()).id, 'l');
  db.close();
});

test('pulled warehouse rows are stored; the actions queue scan.record, qr.redeem, redemption.review, stocktake.line', async () => {
  const store = await openStore({ user: { id: 'wh-u1', role: 'warehouse', name: 'Picker', warehouse_id: 'w1' }, device: { id: 'd1', code: 'W1A', order_counter: 0 } });
  const put = (t, row) => ({ t, id: row.id, op: 'put', v: 1, row });
  await store.applyPull({
    cursor: 'c', last_mutation_id: 0, more: false, reset: false,
    changes: [
      put('redemption_leases', { id: 'l1', order_id: 'o1', warehouse_id: 'w1', device_id: 'd2', user_id: 'u', expires_at: iso(Date.now() + HOUR), released: false }),
      put('redemptions', { id: 'r1', order_id: 'o2', status: 'completed' }),
      put('scans', { id: 's1', order_id: 'o1', action: 'view', result: 'valid' }),
      put('stocktake_lines', { id: 'x1', session_id: 'st1', warehouse_id: 'w1', product_id: 'p1', counted: 3 }),
    ],
  });
  assert.equal(await store.db.redemption_leases.count(), 1);
  assert.equal((await store.db.redemptions.where('order_id').equals('o2').first()).status, 'completed');

  const actions = createActions(store);
  const scanId = await actions.recordScan({ action: 'view', result: 'valid', code: 'HTTP://X/Q/ABC', orderId: 'o1' });
  await actions.recordScan({ action: 'pick', result: 'wrong_item', code: '690', orderId: 'o1', productId: 'p9' });
  // An order a QR token names is a canonical UUID (the catalog refuses anything else).
  const redemptionId = await actions.redeem('0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5b', 'ABC');
  await actions.reviewRedemption(redemptionId, false, 'no receipt');
  await actions.countStock({ sessionId: 'st1', warehouseId: 'w1', productId: 'p1', counted: 4 });
  const sent = (await store.outbox()).map((m) => [m.name, m.args]);
  assert.deepEqual(sent, [
    ['scan.record', { id: scanId, action: 'view', result: 'valid', code: 'HTTP://X/Q/ABC', order_id: 'o1', warehouse_id: 'w1' }],
    ['scan.record', { id: sent[1][1].id, action: 'pick', result: 'wrong_item', code: '690', order_id: 'o1', product_id: 'p9', warehouse_id: 'w1' }],
    ['qr.redeem', { id: redemptionId, order_id: '0193a8f2-1c3d-7e4f-8a9b-0c1d2e3f4a5b', token: 'ABC' }],
    ['redemption.review', { id: redemptionId, approve: false, reason: 'no receipt' }],
    ['stocktake.line', { id: sent[4][1].id, session_id: 'st1', warehouse_id: 'w1', product_id: 'p1', counted: 4 }],
  ]);
  // A scan shows in the device's list at once (the optimistic view, tests/vectors/optimistic.json).
  const scans = await store.db.scans.toArray();
  assert.deepEqual(scans.map((s) => s.id).sort(), ['s1', scanId, sent[1][1].id].sort());
  const mine = scans.find((s) => s.id === scanId);
  assert.equal(mine.user_id, 'wh-u1');
  assert.equal(mine.order_id, 'o1');
  store.close();
});
