// Refused work (pwa/js/core/refused.js): which stored results need their person, how the work
// that followed a refused order is grouped with it, and what settling it closes.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  conflictIdsOf, keepsIdentity, needsPerson, paymentMethodOf, referencedIds, refusedWork, settledIds,
} from '../../pwa/js/core/refused.js';

const create = (id, extra = {}) => ({
  id, status: 'rejected', error: 'invalid_args', name: 'order.create',
  args: { id: `o${id}`, number: `K7F-0000${id}`, customer_id: 'c1', lines: [{ id: 'l', product_id: 'p1', qty: 1, unit_price: 5 }] },
  ...extra,
});

test('refused means rejected, or an order.create answered conflict; applied work and settled work are not', () => {
  assert.equal(needsPerson({ status: 'rejected', name: 'order.update' }), true);
  assert.equal(needsPerson({ status: 'conflict', name: 'order.create' }), true);
  assert.equal(needsPerson({ status: 'conflict', name: 'order.update' }), false, 'an edit conflict is settled as a conflict');
  assert.equal(needsPerson({ status: 'applied', name: 'order.create' }), false);
  assert.equal(needsPerson({ status: 'rejected', name: 'order.update', handled: 'fixed' }), false);
  assert.equal(needsPerson({ status: 'rejected', name: 'order.update', dismissed: true }), false);
});

test('what followed a refused order (its QR code, its payment) is part of it, not refused work of its own', () => {
  const results = [
    { id: 4, status: 'rejected', error: 'forbidden', name: 'stock.move', args: { id: 's' } },
    { id: 3, status: 'conflict', conflict_id: 'k3', name: 'payment.record', args: { order_id: 'o1', method: 'card' } },
    { id: 2, status: 'rejected', error: 'invalid_token', name: 'qr.issue', args: { order_id: 'o1', token: 't' } },
    create(1, { conflict_id: null }),
    { id: 5, status: 'applied', name: 'payment.record', args: { order_id: 'o1' } },
    { id: 6, status: 'rejected', error: 'invalid_args', name: 'payment.record', args: { order_id: 'o-other' } },
  ];
  const work = refusedWork(results);
  assert.deepEqual(work.map((w) => w.id), [1, 4, 6]);
  assert.deepEqual(work[0].follows.map((f) => f.id), [2, 3]);
  assert.deepEqual(settledIds(work[0]), [1, 2, 3]);
  assert.deepEqual(conflictIdsOf(work[0]), ['k3']);
  assert.equal(paymentMethodOf(work[0]), 'card');
});

test('an order sent again keeps its id and number unless the server refused them as taken', () => {
  assert.equal(keepsIdentity(refusedWork([create(1)])[0]), true);
  assert.equal(keepsIdentity(refusedWork([create(1, { error: 'number_taken' })])[0]), false);
  assert.equal(keepsIdentity(refusedWork([create(1, { error: 'already_exists' })])[0]), false);
});

test('the rows a refusal names, so it can name them after they are gone', () => {
  assert.deepEqual(referencedIds('order.create', create(1).args),
    { customers: ['c1'], products: ['p1'], orders: [], warehouses: [] });
  assert.deepEqual(referencedIds('order.line.upsert', { order_id: 'o1', line: { product_id: 'p2' } }),
    { customers: [], products: ['p2'], orders: ['o1'], warehouses: [] });
  assert.deepEqual(referencedIds('order.update', { id: 'o1', set: { customer_id: 'c2', warehouse_id: 'w' } }),
    { customers: ['c2'], products: [], orders: ['o1'], warehouses: ['w'] });
});
