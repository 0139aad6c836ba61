// The PWA's local store (pwa/js/store.js) on a real Dexie over fake-indexeddb: the overlay of
// pending mutations on pulled rows, acknowledgements, pulls that land under pending edits,
// rejected mutations, resets that keep the outbox, and a full disk.

// node resolves bare names from the importing file: the PWA's packages live in pwa/node_modules.
import '../../pwa/node_modules/fake-indexeddb/auto/index.mjs';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { StorageFull, openStore } from '../../pwa/js/store.js';

useVocabulary(JSON.parse(readFileSync(process.env.ORDERLY_VOCABULARY ?? 'build/vocabulary.json', 'utf8')));

let users = 0;
async function freshStore() {
  users += 1;
  const me = { user: { id: `u${users}`, role: 'sales', name: 'Rep' }, device: { code: 'K7F', order_counter: 41 } };
  return openStore(me);
}

const customer = { id: 'c1', name: 'Acme', phone: null, address: 'Road 1', region: null, owner_id: 'u', version: 5 };
const order = {
  id: 'o1', number: 'SRV-1', customer_id: 'c1', owner_id: 'u', status: 'submitted', priority: 'normal',
  due_date: null, notes: null, delivery_address: null, warehouse_id: null, assignee_id: null,
  channel: 'field', total: 300, status_history: [], created_at: 'x', updated_at: 'x', version: 7,
};
const line = { id: 'l1', order_id: 'o1', product_id: 'p1', qty: 3, unit_price: 100, version: 7 };

function put(t, row) {
  return { t, id: row.id, op: 'put', v: row.version, row };
}

function page(changes, { more = false, last = 0, cursor = 'c' } = {}) {
  return { cursor, last_mutation_id: last, more, reset: false, changes };
}

test('a pending edit shows on top of the pulled row, and a later pull lands under it', async () => {
  const store = await freshStore();
  await store.applyPull(page([put('customers', customer), put('orders', order), put('order_lines', line)]));
  await store.enqueue('order.update', { id: 'o1', base_version: 7, set: { priority: 'high' } });
  assert.equal((await store.db.orders.get('o1')).priority, 'high');
  assert.equal((await store.db.shadow.get('orders:o1')).row.priority, 'normal');

  // Another device changed the notes; the server's row arrives while our edit is pending.
  await store.applyPull(page([put('orders', { ...order, notes: 'ring twice', version: 9 })]));
  const shown = await store.db.orders.get('o1');
  assert.equal(shown.priority, 'high');
  assert.equal(shown.notes, 'ring twice');
  assert.equal(shown.version, 9);

  // The push is acknowledged, then the pull shows the edit back: no overlay is left.
  await store.acknowledged({ last_mutation_id: 1, results: [{ id: 1, status: 'applied' }] });
  assert.equal(await store.pendingCount(), 0);
  await store.applyPull(page([put('orders', { ...order, notes: 'ring twice', priority: 'high', version: 10 })], { last: 1 }));
  assert.equal(await store.db.shadow.count(), 0);
  assert.equal(await store.db.unpulled.count(), 0);
  assert.equal((await store.db.orders.get('o1')).version, 10);
});

test('an order created offline gets the next device number and counts as pending', async () => {
  const store = await freshStore();
  await store.applyPull(page([put('customers', customer)]));
  const number = await store.nextOrderNumber();
  assert.equal(number, 'K7F-00042'); // the server said 41 numbers were used
  await store.enqueue('order.create', {
    id: 'o2', number, customer_id: 'c1', lines: [{ id: 'l2', product_id: 'p1', qty: 2, unit_price: 250 }],
  });
  const created = await store.db.orders.get('o2');
  assert.equal(created.total, 500);
  assert.equal(created.version, 0);
  assert.equal((await store.db.order_lines.where('order_id').equals('o2').toArray()).length, 1);
  assert.ok((await store.pendingKeys()).has('orders:o2'));
  assert.equal(await store.nextOrderNumber(), 'K7F-00043');
});

test('a rejected mutation stops being shown; the server row comes back', async () => {
  const store = await freshStore();
  await store.applyPull(page([put('customers', customer)]));
  await store.enqueue('customer.upsert', { id: 'c1', name: 'Acme Renamed', base_version: 5 });
  assert.equal((await store.db.customers.get('c1')).name, 'Acme Renamed');
  await store.acknowledged({
    last_mutation_id: 1,
    results: [{ id: 1, status: 'rejected', error: 'forbidden', message: 'no' }],
  });
  assert.equal((await store.db.customers.get('c1')).name, 'Acme');
  assert.equal((await store.db.results.get(1)).error, 'forbidden');
});

test('a line removed offline disappears and the order is re-totalled; the server brings it back on a reset', async () => {
  const store = await freshStore();
  await store.applyPull(page([put('customers', customer), put('orders', order), put('order_lines', line)]));
  await store.enqueue('order.line.remove', { order_id: 'o1', base_version: 7, line_id: 'l1' });
  assert.equal(await store.db.order_lines.get('l1'), undefined);
  assert.equal((await store.db.orders.get('o1')).total, 0);

  await store.resetMirror();
  assert.equal(await store.db.customers.count(), 0);
  assert.equal(await store.pendingCount(), 1, 'a reset keeps the outbox');
  await store.applyPull({ ...page([put('customers', customer), put('orders', order), put('order_lines', line)]), reset: true });
  assert.equal(await store.db.order_lines.get('l1'), undefined, 'the pending removal is applied again');
  assert.equal((await store.db.shadow.get('order_lines:l1')).row.qty, 3);
});

test('after a gap the outbox is queued again under the ids the server expects', async () => {
  const store = await freshStore();
  await store.applyPull(page([put('customers', customer)]));
  for (const name of ['A', 'B', 'C']) await store.enqueue('customer.upsert', { id: 'c1', name, base_version: 5 });
  await store.acknowledged({ last_mutation_id: 1, results: [{ id: 1, status: 'applied' }] });
  // The server was restored from a backup and knows nothing past 0.
  await store.resumeAfter(0);
  assert.deepEqual((await store.outbox()).map((m) => [m.id, m.args.name]), [[1, 'A'], [2, 'B'], [3, 'C']]);
  assert.equal((await store.db.customers.get('c1')).name, 'C');
});

test('a full disk is StorageFull and nothing is half written', async () => {
  const store = await freshStore();
  store.db.outbox.hook('creating', () => {
    throw new DOMException('the disk is full', 'QuotaExceededError');
  });
  await assert.rejects(
    store.enqueue('customer.upsert', { id: 'c9', name: 'Nobody', base_version: 0 }),
    (e) => e instanceof StorageFull,
  );
  assert.equal(await store.db.customers.get('c9'), undefined);
  assert.equal(await store.meta('nextMutationId', 1), 1);
});

test('resolving a conflict with my value shows it at once and the conflict as resolved', async () => {
  const store = await freshStore();
  const conflict = {
    id: 'k1', kind: 'field', severity: 'normal', status: 'open', table_name: 'orders', row_id: 'o1',
    field: 'priority', base_value: 'normal', server_value: 'low', client_value: 'high', version: 8,
  };
  await store.applyPull(page([put('orders', { ...order, priority: 'low' }), put('conflicts', conflict)]));
  await store.enqueue('conflict.resolve', { id: 'k1', resolution: 'client' });
  assert.equal((await store.db.orders.get('o1')).priority, 'high', 'the row named only by the conflict is loaded too');
  const shown = await store.db.conflicts.get('k1');
  assert.equal(shown.status, 'resolved');
  assert.equal(shown.resolution, 'client');
  assert.equal((await store.db.shadow.get('orders:o1')).row.priority, 'low');
});

test('refused work keeps what was sent with the names it used, and settling it closes its conflicts', async () => {
  const store = await freshStore();
  const product = { id: 'p1', sku: 'BOX', name: 'Gift box', unit_price: 2500, active: true, version: 2 };
  await store.applyPull(page([put('customers', customer), put('products', product)]));
  const create = {
    id: 'o9', number: 'K7F-00042', customer_id: 'c1', notes: 'ring twice',
    lines: [{ id: 'l9', product_id: 'p1', qty: 2, unit_price: 2500 }],
  };
  await store.enqueue('order.create', create);
  await store.enqueue('payment.record', { id: 'pay9', order_id: 'o9', method: 'cash', amount: 5000, status: 'pending' });
  await store.enqueue('customer.upsert', { id: 'c1', name: 'Acme Ltd', base_version: 5 });
  await store.acknowledged({ last_mutation_id: 3, results: [
    { id: 1, status: 'conflict', conflict_id: 'k1' },
    { id: 2, status: 'conflict', conflict_id: 'k2' },
    { id: 3, status: 'rejected', error: 'forbidden', message: 'no' },
  ] });
  // The product leaves this device with the next pull (deleted on the server).
  await store.applyPull(page([{ t: 'products', id: 'p1', op: 'del', v: 9 },
    put('conflicts', { id: 'k1', status: 'open', kind: 'missing_reference', table_name: 'products', row_id: 'p1', version: 10 })], { last: 3 }));

  const work = await store.refusedWork();
  assert.deepEqual(work.map((w) => [w.id, w.name]), [[1, 'order.create'], [3, 'customer.upsert']]);
  const [order, edit] = work;
  assert.deepEqual(order.args, create, 'the order with all its lines, as sent');
  assert.deepEqual(order.follows.map((f) => f.name), ['payment.record'], 'its payment went with it');
  assert.equal(order.labels.products.p1, 'Gift box', 'the product is named though it is gone');
  assert.equal(order.labels.customers.c1, 'Acme');
  assert.equal(edit.labels.customers.c1, 'Acme');
  assert.equal(await store.db.orders.get('o9'), undefined, 'the order is not shown as made');

  await store.settleRefused(1, 'discarded');
  assert.deepEqual((await store.refusedWork()).map((w) => w.id), [3]);
  assert.equal((await store.db.results.get(2)).handled, 'discarded', 'what followed the order is settled with it');
  const resolves = (await store.outbox()).filter((m) => m.name === 'conflict.resolve');
  assert.deepEqual(resolves.map((m) => m.args), [
    { id: 'k1', resolution: 'server' }, { id: 'k2', resolution: 'server' }]);
  assert.equal((await store.db.conflicts.get('k1')).status, 'resolved', 'shown settled at once');
  assert.equal((await store.db.results.get(1)).args.notes, 'ring twice', 'the record stays');
});
