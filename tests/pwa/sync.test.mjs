// The PWA's sync loop (pwa/js/sync.js) on a real store (Dexie over fake-indexeddb), talking to
// a scripted server: what it sends, and what it does with a gap, a too-large push, a bad cursor,
// a network failure and a revoked device. The real server is in the browser tests.

import '../../pwa/node_modules/fake-indexeddb/auto/index.mjs';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ApiError } from '../../pwa/js/api.js';
import { useVocabulary } from '../../pwa/js/core/vocab.js';
import { openStore } from '../../pwa/js/store.js';
import { backoff, createSync, eventStream } from '../../pwa/js/sync.js';

useVocabulary(JSON.parse(readFileSync(process.env.ORDERLY_VOCABULARY ?? 'build/vocabulary.json', 'utf8')));

let users = 0;
async function freshStore() {
  users += 1;
  return openStore({ user: { id: `sync-u${users}`, role: 'sales', name: 'Rep' }, device: { code: 'ABC' } });
}

/** A scripted server: `push(body)` / `pull(body)` answer or throw; every request is recorded. */
function server({ push, pull }) {
  const sent = [];
  const request = async (method, path, body) => {
    sent.push({ path, body: JSON.parse(JSON.stringify(body)) });
    return path.endsWith('/push') ? push(body, sent) : pull(body, sent);
  };
  return { sent, request };
}

const applyAll = (body) => ({
  last_mutation_id: body.mutations.at(-1).id,
  results: body.mutations.map((m) => ({ id: m.id, status: 'applied', conflict_id: null, error: null, message: null })),
});
const emptyPull = (last) => () => ({ cursor: 'c1', last_mutation_id: last, more: false, reset: false, changes: [] });

async function queue(store, n) {
  for (let i = 0; i < n; i++) await store.enqueue('customer.upsert', { id: `c${i}`, name: `C${i}`, base_version: 0 });
}

test('pushes the outbox, then pulls; the outbox empties only when the server has answered', async () => {
  const store = await freshStore();
  await queue(store, 3);
  const srv = server({ push: applyAll, pull: emptyPull(3) });
  const sync = createSync(store, { request: srv.request, online: () => true });
  await sync.syncNow();
  assert.deepEqual(srv.sent.map((s) => s.path), ['/api/sync/push', '/api/sync/pull']);
  assert.equal(srv.sent[0].body.client_id, store.clientId);
  assert.equal(srv.sent[0].body.pending, 3);
  assert.deepEqual(srv.sent[0].body.mutations.map((m) => m.id), [1, 2, 3]);
  assert.equal(srv.sent[1].body.cursor, null);
  assert.equal(await store.pendingCount(), 0);
  assert.equal(sync.status.get().state, 'idle');
  assert.ok(await store.meta('lastSyncAt'));
});

test('a gap resends from where the server is; a too-large push is split', async () => {
  const store = await freshStore();
  await queue(store, 4);
  let gapped = false;
  let tooLarge = false;
  const srv = server({
    push(body) {
      if (!gapped) {
        gapped = true; // the server was restored and knows nothing of this client
        throw new ApiError(409, 'mutation_gap', 'gap', { code: 'mutation_gap', last_mutation_id: 0 });
      }
      if (body.mutations.length > 2 && !tooLarge) {
        tooLarge = true;
        throw new ApiError(413, 'too_large', 'big', { code: 'too_large', limits: { max_mutations: 2, max_bytes: 1000 } });
      }
      return applyAll(body);
    },
    pull: emptyPull(4),
  });
  // Pretend the first push of ids 1..4 was acknowledged before the server lost it.
  await store.acknowledged({ last_mutation_id: 2, results: [] });
  await createSync(store, { request: srv.request, online: () => true }).syncNow();
  const pushes = srv.sent.filter((s) => s.path.endsWith('/push')).map((s) => s.body.mutations.map((m) => m.id));
  assert.deepEqual(pushes, [[3, 4], [1, 2, 3, 4], [1, 2], [3, 4]]);
  assert.equal(await store.pendingCount(), 0);
});

test('a bad cursor starts the pull over, keeping the outbox', async () => {
  const store = await freshStore();
  await store.setMeta('cursor', 'from-another-server');
  let first = true;
  const srv = server({
    push: applyAll,
    pull(body) {
      if (first) {
        first = false;
        throw new ApiError(400, 'bad_cursor', 'unknown cursor', { code: 'bad_cursor' });
      }
      assert.equal(body.cursor, null);
      return { cursor: 'c2', last_mutation_id: 0, more: false, reset: false, changes: [] };
    },
  });
  await createSync(store, { request: srv.request, online: () => true }).syncNow();
  assert.equal(await store.cursor(), 'c2');
});

test('a network failure keeps everything and says offline; a revoked device asks for a login', async () => {
  const store = await freshStore();
  await queue(store, 2);
  const down = server({
    push() {
      throw new ApiError(0, 'offline', 'The server cannot be reached.');
    },
    pull: emptyPull(0),
  });
  const sync = createSync(store, { request: down.request, online: () => true });
  await sync.syncNow();
  sync.stop(); // no retry timer left behind
  assert.equal(sync.status.get().state, 'offline');
  assert.equal(await store.pendingCount(), 2);

  const revoked = server({
    push() {
      throw new ApiError(401, 'device_revoked', 'revoked', { code: 'device_revoked' });
    },
    pull: emptyPull(0),
  });
  const again = createSync(store, { request: revoked.request, online: () => true });
  await again.syncNow();
  assert.equal(again.status.get().state, 'error');
  assert.equal(again.status.get().error.code, 'device_revoked');
  assert.equal(await store.pendingCount(), 2, 'the outbox waits for the next login');
});

test('paged pulls report snapshot progress and stop when the server has no more', async () => {
  const store = await freshStore();
  const seen = [];
  const pages = [
    { cursor: 's1', more: true, snapshot: { done: 1, total: 2 } },
    { cursor: 's2', more: false, snapshot: null },
  ];
  const row = (id) => ({ t: 'products', id, op: 'put', v: 1, row: { id, sku: id, name: id, version: 1 } });
  const srv = server({
    push: applyAll,
    pull: () => {
      const p = pages.shift();
      return { ...p, last_mutation_id: 0, reset: false, changes: [row(p.cursor)] };
    },
  });
  const sync = createSync(store, { request: srv.request, online: () => true });
  sync.status.subscribe((s) => s.progress && seen.push(s.progress));
  await sync.syncNow();
  assert.deepEqual(seen, [{ done: 1, total: 2 }]);
  assert.equal(await store.db.products.count(), 2);
  assert.equal(sync.status.get().progress, null);
});

test('offline, nothing is sent', async () => {
  const store = await freshStore();
  await queue(store, 1);
  const srv = server({ push: applyAll, pull: emptyPull(1) });
  const sync = createSync(store, { request: srv.request, online: () => false });
  await sync.syncNow();
  assert.equal(srv.sent.length, 0);
  assert.equal(sync.status.get().state, 'offline');
});

test('backoff grows, is capped, and is jittered', () => {
  assert.equal(backoff(0, () => 0), 500);
  assert.equal(backoff(0, () => 1), 1000);
  assert.equal(backoff(3, () => 0), 4000);
  assert.equal(backoff(20, () => 1), 60_000);
});

/** A stand-in EventSource: listeners by event name, `fire(name)` as the browser would. */
class FakeSource {
  constructor() {
    this.listeners = {};
    this.closed = false;
  }
  addEventListener(name, fn) {
    (this.listeners[name] ??= []).push(fn);
  }
  fire(name) {
    for (const fn of this.listeners[name] ?? []) fn();
  }
  close() {
    this.closed = true;
  }
}

test('the event stream backs off after failures instead of reconnecting every few seconds (issue 17 item 7)', () => {
  const opened = [];
  const timers = [];
  let pokes = 0;
  let revoked = 0;
  let reachable = true;
  const stream = eventStream({
    connect: () => (reachable ? opened[opened.push(new FakeSource()) - 1] : null),
    onPoke: () => { pokes += 1; },
    onRevoked: () => { revoked += 1; },
    schedule: (fn, ms) => timers.push({ fn, ms }) - 1,
    cancel: () => {},
    random: () => 1, // the longest delay of each attempt
  });
  stream.open();
  stream.open(); // already open: one stream
  assert.equal(opened.length, 1);
  opened[0].fire('hello');
  opened[0].fire('poke');
  assert.equal(pokes, 2);

  // No signal: each failure closes the stream and waits longer before the next try, up to 5 min.
  const delays = [];
  for (let i = 0; i < 12; i++) {
    opened.at(-1).fire('error');
    assert.equal(opened.at(-1).closed, true);
    delays.push(timers.at(-1).ms);
    timers.at(-1).fn();
  }
  assert.deepEqual(delays.slice(0, 4), [1000, 2000, 4000, 8000]);
  assert.equal(Math.max(...delays), 300_000);
  assert.equal(opened.length, 13); // one try per delay, not one every few seconds

  // Offline when the delay ends: nothing opened, nothing scheduled; back online it opens at once.
  opened.at(-1).fire('error');
  reachable = false;
  timers.at(-1).fn();
  assert.equal(opened.length, 13);
  reachable = true;
  stream.reopen();
  assert.equal(opened.length, 14);
  opened.at(-1).fire('open'); // a stream that works forgets the failures
  opened.at(-1).fire('error');
  assert.equal(timers.at(-1).ms, 1000);

  // Revoked: closed for good, the app told.
  timers.at(-1).fn();
  opened.at(-1).fire('revoked');
  assert.equal(revoked, 1);
  assert.equal(opened.at(-1).closed, true);
  assert.equal(timers.length, 14); // nothing scheduled after the revocation
});
