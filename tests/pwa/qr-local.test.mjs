// The order QR codes on the device: the Dexie version 2 tables (pulled signing_keys and
// qr_revocations, the device's own order_qr), signing at order creation with the device key
// (pwa/js/qr-sign.js), the server's token kept for offline, and the words of every reason.

// node resolves bare names from the importing file: the PWA's packages live in pwa/node_modules.
import '../../pwa/node_modules/fake-indexeddb/auto/index.mjs';
import Dexie from '../../pwa/node_modules/dexie/dist/dexie.mjs';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { uuid7 } from '../../pwa/js/core/ids.js';
import { REASONS, certificateMessage, decodeToken, keyId, toBase64url, verify } from '../../pwa/js/core/qr.js';
import { mayMutate, useVocabulary } from '../../pwa/js/core/vocab.js';
import { ROW_TABLES, dbName, openDb } from '../../pwa/js/db.js';
import { fetchServerToken, issueDeviceToken, knownToken, signOrderToken } from '../../pwa/js/qr-sign.js';
import { openStore } from '../../pwa/js/store.js';
import en from '../../pwa/js/locales/en.js';
import zhHans from '../../pwa/js/locales/zh-Hans.js';
import zhHant from '../../pwa/js/locales/zh-Hant.js';

useVocabulary(JSON.parse(readFileSync(process.env.ORDERLY_VOCABULARY ?? 'build/vocabulary.json', 'utf8')));

const ED = { name: 'Ed25519' };
let users = 0;

function freshStore() {
  users += 1;
  return openStore({ user: { id: `qr-u${users}`, role: 'sales', name: 'Rep' }, device: { code: 'K7F', order_counter: 0 } });
}

function put(t, row) {
  return { t, id: row.id, op: 'put', v: row.version ?? 1, row };
}

function page(changes, { reset = false } = {}) {
  return { cursor: 'c', last_mutation_id: 0, more: false, reset, changes };
}

/** A device key pair and the signing_keys rows a pull brings: the server key, the device key
 * certified by it. */
async function keysAndRows() {
  const server = await crypto.subtle.generateKey(ED, false, ['sign', 'verify']);
  const serverRaw = new Uint8Array(await crypto.subtle.exportKey('raw', server.publicKey));
  const device = await crypto.subtle.generateKey(ED, false, ['sign', 'verify']);
  const deviceRaw = new Uint8Array(await crypto.subtle.exportKey('raw', device.publicKey));
  const serverRow = { id: await keyId(serverRaw), kind: 'server', public_key: toBase64url(serverRaw), revoked: false, revoked_at: null, version: 1 };
  const deviceRow = {
    id: await keyId(deviceRaw), kind: 'device', public_key: toBase64url(deviceRaw), device_id: uuid7(), device_code: 'K7F',
    user_id: 'qr-u', cert_key_id: serverRow.id, revoked: false, revoked_at: null, version: 1,
  };
  const message = certificateMessage(deviceRow.device_id, deviceRow.device_code, deviceRow.user_id, deviceRow.public_key);
  deviceRow.certificate = toBase64url(await crypto.subtle.sign(ED, server.privateKey, message));
  return { device, rows: [serverRow, deviceRow] };
}

test('version 2 adds the QR tables to a version 1 database and keeps its rows', async () => {
  const name = dbName('qr-upgrade');
  const v1 = new Dexie(name);
  v1.version(1).stores({ orders: 'id, number, customer_id, status, updated_at', outbox: 'id', meta: 'key' });
  await v1.open();
  await v1.table('orders').put({ id: 'o1', number: 'K7F-00001' });
  await v1.table('outbox').put({ id: 1, name: 'order.create', args: {} });
  v1.close();

  const db = openDb('qr-upgrade');
  await db.open();
  assert.ok(db.verno >= 2); // later versions (3: warehouse) upgrade through it
  assert.equal((await db.orders.get('o1')).number, 'K7F-00001');
  assert.equal(await db.outbox.count(), 1);
  for (const table of ['signing_keys', 'qr_revocations', 'order_qr']) assert.equal(await db.table(table).count(), 0, table);
  assert.ok(ROW_TABLES.includes('signing_keys') && ROW_TABLES.includes('qr_revocations'));
  assert.ok(!ROW_TABLES.includes('order_qr'));
  await db.signing_keys.put({ id: 'k', device_id: 'd' });
  assert.equal((await db.signing_keys.where('device_id').equals('d').first()).id, 'k');
  db.close();
});

test('pulls store signing keys and revocations; a reset clears them, not the device codes', async () => {
  const store = await freshStore();
  const { rows } = await keysAndRows();
  const revocation = { id: '0123456789abcdef', order_id: uuid7(), revoked_at: '2026-06-01T09:00:00.000Z', reason: 'reissued', version: 1 };
  await store.applyPull(page([...rows.map((r) => put('signing_keys', r)), put('qr_revocations', revocation)]));
  assert.equal(await store.db.signing_keys.count(), 2);
  assert.deepEqual(await store.db.qr_revocations.where('order_id').equals(revocation.order_id).toArray(), [revocation]);
  await store.db.order_qr.put({ order_id: 'o1', token: 'T', source: 'server', at: 'x' });
  await store.applyPull(page([put('signing_keys', rows[0])], { reset: true }));
  assert.equal(await store.db.signing_keys.count(), 1);
  assert.equal(await store.db.qr_revocations.count(), 0);
  assert.equal((await knownToken(store.db, 'o1')).token, 'T');
});

test('a new order gets a code signed by this device, kept here, and queued as qr.issue', async () => {
  const store = await freshStore();
  const { device, rows } = await keysAndRows();
  await store.applyPull(page(rows.map((r) => put('signing_keys', r))));
  const orderId = uuid7();
  await store.enqueue('order.create', { id: orderId, number: 'K7F-00001', customer_id: uuid7(), lines: [] });
  const before = Math.floor(Date.now() / 1000);
  const token = await issueDeviceToken(store, orderId, { keys: device });

  const fields = decodeToken(token);
  assert.equal(fields.orderId, orderId);
  assert.ok(fields.issuedAt >= before && fields.issuedAt <= before + 5);
  assert.equal(fields.keyId, rows[1].id);
  const verdict = await verify(token, await store.db.signing_keys.toArray(), await store.db.qr_revocations.toArray());
  assert.equal(verdict.reason, 'valid');
  assert.deepEqual(await knownToken(store.db, orderId), { ...(await knownToken(store.db, orderId)), order_id: orderId, token, source: 'device' });

  const outbox = await store.outbox();
  const sent = outbox.map((m) => m.name);
  if (mayMutate('sales', 'qr.issue')) {
    // Right after its order.create, in the same outbox.
    assert.deepEqual(sent, ['order.create', 'qr.issue']);
    assert.deepEqual(outbox[1].args, { order_id: orderId, token });
    // The order still shows as made offline; the code changes no row.
    assert.equal((await store.db.orders.get(orderId)).number, 'K7F-00001');
  } else {
    assert.deepEqual(sent, ['order.create']);
  }
});

test('a device without WebCrypto Ed25519 saves the order all the same, without a code', async () => {
  const store = await freshStore();
  const broken = { publicKey: null, privateKey: null };
  const orderId = uuid7();
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(await issueDeviceToken(store, orderId, { keys: broken }), null);
  } finally {
    console.warn = warn;
  }
  assert.equal(await knownToken(store.db, orderId), undefined);
  assert.equal(await store.db.outbox.count(), 0);
});

test("signOrderToken signs with the given key at the given time", async () => {
  const { device, rows } = await keysAndRows();
  const orderId = uuid7();
  const token = await signOrderToken(orderId, 1780311600, device);
  assert.deepEqual((await verify(token, rows, [])).issuedAt, 1780311600);
});

test("the server's token is kept for offline use; the same one is not rewritten", async () => {
  const store = await freshStore();
  const orderId = uuid7();
  const asked = [];
  const request = async (method, path) => {
    asked.push(`${method} ${path}`);
    return { order_id: orderId, token: 'SERVERTOKEN', url: 'https://x/q/SERVERTOKEN' };
  };
  const first = await fetchServerToken(store.db, orderId, request);
  assert.equal(first.token, 'SERVERTOKEN');
  assert.equal(first.source, 'server');
  const again = await fetchServerToken(store.db, orderId, request);
  assert.deepEqual(again, first);
  assert.deepEqual(asked, [`GET /api/orders/${orderId}/qr`, `GET /api/orders/${orderId}/qr`]);
  await assert.rejects(fetchServerToken(store.db, orderId, async () => ({})), /no token/);
  const offline = Object.assign(new Error('offline'), { status: 0 });
  await assert.rejects(fetchServerToken(store.db, orderId, async () => { throw offline; }), (e) => e === offline);
  assert.equal((await knownToken(store.db, orderId)).token, 'SERVERTOKEN');
});

test('every verification reason has words in every language', () => {
  for (const locale of [en, zhHans, zhHant]) {
    for (const reason of [...REASONS, 'other_order']) assert.ok(locale[`qr.status.${reason}`], reason);
  }
});
