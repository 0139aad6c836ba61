// The local store (docs/pwa.md, "Storage"): the rows of the user's scope as the UI shows them,
// the outbox, the cursor and the clock, in one Dexie database. Every write runs in one Dexie
// transaction and ends with a rebase, so what the screens read is always the server's rows with
// every pending mutation applied on top, and "saved" means committed.

import { Clock, parse as parseHlc } from './core/hlc.js';
import { newClientId, orderNumber } from './core/ids.js';
import * as outboxState from './core/outbox.js';
import { rebase } from './core/optimistic.js';
import { touches } from './core/touches.js';
import { conflictIdsOf, referencedIds, refusedWork, settledIds } from './core/refused.js';
import { assertValid } from './core/validate.js';
import { ROW_TABLES, openDb } from './db.js';

/** The device's disk is full: nothing was saved, and the user must be told. */
export class StorageFull extends Error {
  constructor(cause) {
    super('The device storage is full: this was not saved. Free some space and try again.');
    this.name = 'StorageFull';
    this.cause = cause;
  }
}

function isQuotaError(error) {
  for (let e = error; e; e = e.inner ?? e.cause) {
    if (e.name === 'QuotaExceededError' || e.name === 'QuotaExceeded') return true;
  }
  return false;
}

const WRITE_TABLES = [...ROW_TABLES, 'outbox', 'unpulled', 'shadow', 'results', 'meta'];

async function getMeta(db, key, fallback = null) {
  const entry = await db.meta.get(key);
  return entry === undefined ? fallback : entry.value;
}

function setMeta(db, key, value) {
  return db.meta.put({ key, value });
}

/** The pending mutations in the order the server will apply them, without rejected ones. */
async function pendingMutations(db) {
  const rejected = new Set(await db.results.where('status').equals('rejected').primaryKeys());
  const unpulled = await db.unpulled.toArray();
  const outbox = await db.outbox.toArray();
  return [...unpulled.filter((m) => !rejected.has(m.id)), ...outbox].sort((a, b) => a.id - b.id);
}

/** Puts the server's version of every row the overlay changed back: the tables become the
 * pure mirror of what was pulled. */
async function putBack(db) {
  const shadow = await db.shadow.toArray();
  for (const s of shadow) {
    if (s.row === null) await db.table(s.t).delete(s.id);
    else await db.table(s.t).put(s.row);
  }
  await db.shadow.clear();
}

/** The mirror rows the pending mutations read or write, as {table: {id: row}}. A mutation may
 * name more rows once its first rows are loaded (a conflict names the row it is about), so this
 * asks again until a pass loads nothing new. */
async function loadTouched(db, pending) {
  const mirror = {};
  const asked = new Set();
  const table = (t) => (mirror[t] ??= {});
  for (let fresh = true; fresh; ) {
    fresh = false;
    for (const m of pending) {
      for (const touch of touches(m, mirror)) {
        if (!ROW_TABLES.includes(touch.t)) continue;
        const key = touch.id !== undefined ? `${touch.t}:${touch.id}` : `${touch.t}.${touch.index}=${touch.value}`;
        if (asked.has(key)) continue;
        asked.add(key);
        fresh = true;
        if (touch.id !== undefined) {
          const row = await db.table(touch.t).get(touch.id);
          if (row) table(touch.t)[touch.id] = row;
        } else {
          for (const row of await db.table(touch.t).where(touch.index).equals(touch.value).toArray()) {
            table(touch.t)[row.id] ??= row;
          }
        }
      }
    }
  }
  return mirror;
}

/** Re-applies every pending mutation on the mirror rows it touches and writes the result,
 * remembering each changed row's server version in `shadow`. Call inside a transaction. */
async function overlay(db, userId) {
  const pending = await pendingMutations(db);
  if (!pending.length) return;
  const mirror = await loadTouched(db, pending);
  const view = rebase(mirror, pending, userId);
  const shadow = [];
  for (const t of new Set([...Object.keys(mirror), ...Object.keys(view)])) {
    const before = mirror[t] ?? {};
    const after = view[t] ?? {};
    const puts = [];
    for (const [id, row] of Object.entries(after)) {
      if (before[id] === row) continue;
      puts.push(row);
      shadow.push({ key: `${t}:${id}`, t, id, row: before[id] ?? null });
    }
    const gone = Object.keys(before).filter((id) => !(id in after));
    for (const id of gone) shadow.push({ key: `${t}:${id}`, t, id, row: before[id] });
    if (puts.length) await db.table(t).bulkPut(puts);
    if (gone.length) await db.table(t).bulkDelete(gone);
  }
  if (shadow.length) await db.shadow.bulkPut(shadow);
}

async function loadOutboxState(db) {
  return {
    outbox: await db.outbox.orderBy('id').toArray(),
    unpulled: await db.unpulled.orderBy('id').toArray(),
    lastMutationId: await getMeta(db, 'lastMutationId', 0),
    nextMutationId: await getMeta(db, 'nextMutationId', 1),
  };
}

async function saveOutboxState(db, state) {
  await db.outbox.clear();
  await db.outbox.bulkAdd(state.outbox);
  await db.unpulled.clear();
  await db.unpulled.bulkAdd(state.unpulled);
  await setMeta(db, 'lastMutationId', state.lastMutationId);
  await setMeta(db, 'nextMutationId', state.nextMutationId);
}

/** The names of the rows a refused mutation names, as this device knows them now
 * ({customers: {id: name}, products: {id: name}, orders: {id: number}, warehouses: {id: code}}):
 * kept with the refusal, since the next pull may take the rows away (a product deleted). */
async function labelsOf(db, name, args) {
  const show = { customers: 'name', products: 'name', orders: 'number', warehouses: 'code' };
  const labels = {};
  for (const [t, ids] of Object.entries(referencedIds(name, args))) {
    if (!ids.length) continue;
    labels[t] = {};
    for (const id of ids) {
      // The server's version where a pending edit changed the row (a refused rename must not
      // name the customer by the name it failed to give).
      const shadow = await db.shadow.get(`${t}:${id}`);
      const row = shadow?.row ?? (await db.table(t).get(id));
      if (row) labels[t][id] = row[show[t]];
    }
  }
  return labels;
}

/** Opens the store of the signed-in user (`me` as /api/auth/me answers it). */
export async function openStore(me) {
  const db = openDb(me.user.id);
  await db.open();
  let clientId = await getMeta(db, 'clientId');
  if (!clientId) {
    clientId = newClientId();
    await setMeta(db, 'clientId', clientId);
  }
  const lastHlc = await getMeta(db, 'hlc');
  const clock = new Clock(clientId.slice(0, 40), lastHlc ? parseHlc(lastHlc) : undefined);
  const userId = me.user.id;
  const listeners = new Set();

  /** Runs `work` in one read-write transaction over every table; a full disk is StorageFull. */
  async function write(work) {
    try {
      return await db.transaction('rw', WRITE_TABLES, work);
    } catch (e) {
      if (isQuotaError(e)) throw new StorageFull(e);
      throw e;
    }
  }

  /** Adds a mutation to the outbox; inside a write transaction (the caller rebases). */
  async function queue(name, args) {
    const state = { outbox: [], unpulled: [], nextMutationId: await getMeta(db, 'nextMutationId', 1) };
    const queued = outboxState.enqueue(state, name, args, String(clock.now()), userId);
    await db.outbox.add(queued);
    await setMeta(db, 'nextMutationId', state.nextMutationId);
    await setMeta(db, 'hlc', String(clock.last));
    return queued;
  }

  const store = {
    db,
    clientId,
    user: me.user,
    device: me.device,

    /** Called with no argument after every committed local write (the sync client listens). */
    onWrite(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    /** Queues a mutation and applies it to the rows; resolves once committed ("saved"). */
    async enqueue(name, args) {
      // What the server would refuse as invalid_args is refused here, before it is queued: throws
      // Invalid (core/validate.js) with the problems, and nothing is written.
      assertValid(name, args);
      const m = await write(async () => {
        const queued = await queue(name, args);
        await putBack(db);
        await overlay(db, userId);
        return queued;
      });
      for (const fn of listeners) fn();
      return m;
    },

    /** The next order number of this device (`K7F-00042`), never handed out twice. */
    async nextOrderNumber() {
      const code = me.device?.code;
      if (!code) throw new Error('This session has no device: log in on this device again.');
      return write(async () => {
        const used = Math.max(await getMeta(db, 'orderCounter', 0), me.device.order_counter ?? 0);
        await setMeta(db, 'orderCounter', used + 1);
        return orderNumber(code, used + 1);
      });
    },

    /** The outbox in id order (what the next push sends). */
    outbox() {
      return db.outbox.orderBy('id').toArray();
    },

    pendingCount() {
      return db.outbox.count();
    },

    cursor() {
      return getMeta(db, 'cursor');
    },

    meta(key, fallback = null) {
      return getMeta(db, key, fallback);
    },

    setMeta(key, value) {
      return setMeta(db, key, value);
    },

    /** A push answered: keep each mutation's first outcome, move what the server applied from
     * the outbox to `unpulled`, and drop rejected ones from the view. */
    async acknowledged(response) {
      await write(async () => {
        for (const r of response.results) {
          if (r.status === 'duplicate' && (await db.results.get(r.id))) continue;
          // With what was sent, so a refusal can say which change it was.
          const sent = await db.outbox.get(r.id);
          const result = { ...r, name: sent?.name ?? null, args: sent?.args ?? null };
          if (sent && (r.status === 'rejected' || r.status === 'conflict')) {
            result.labels = await labelsOf(db, sent.name, sent.args);
          }
          await db.results.put(result);
        }
        const state = await loadOutboxState(db);
        outboxState.acknowledged(state, response.last_mutation_id);
        await saveOutboxState(db, state);
        await putBack(db);
        await overlay(db, userId);
      });
    },

    /** What the server refused and still needs this person (core/refused.js), oldest first. */
    async refusedWork() {
      return refusedWork(await db.results.where('status').anyOf('rejected', 'conflict').toArray());
    },

    /** Settles refused work `itemId` (`how`: fixed — sent again as new mutations — or
     * discarded): it and what followed it leave the list (the records stay), and the conflicts
     * the server opened for them are closed as `server` (nothing was made), in one transaction. */
    async settleRefused(itemId, how) {
      const item = (await store.refusedWork()).find((i) => i.id === itemId);
      if (!item) return;
      await write(async () => {
        const at = new Date().toISOString();
        for (const id of settledIds(item)) await db.results.update(id, { handled: how, handledAt: at });
        for (const conflictId of conflictIdsOf(item)) {
          const c = await db.conflicts.get(conflictId);
          if (c && c.status !== 'open' && c.status !== 'referred') continue;
          await queue('conflict.resolve', { id: conflictId, resolution: 'server' });
        }
        await putBack(db);
        await overlay(db, userId);
      });
      for (const fn of listeners) fn();
    },

    /** The server wants mutation `serverLast + 1` next: queue again what it has not applied. */
    async resumeAfter(serverLast) {
      await write(async () => {
        const state = await loadOutboxState(db);
        outboxState.resumeAfter(state, serverLast);
        await saveOutboxState(db, state);
        await putBack(db);
        await overlay(db, userId);
      });
    },

    /** Applies one pull page: the server's rows under the pending mutations, then the cursor;
     * on the last page, what the server has shown back leaves the outbox. */
    async applyPull(response) {
      await write(async () => {
        await putBack(db);
        if (response.reset) await Promise.all(ROW_TABLES.map((t) => db.table(t).clear()));
        const puts = {};
        const dels = {};
        for (const c of response.changes) {
          if (c.op === 'put' && c.row) {
            delete dels[c.t]?.[c.id];
            (puts[c.t] ??= new Map()).set(c.id, c.row);
          } else {
            puts[c.t]?.delete(c.id);
            (dels[c.t] ??= {})[c.id] = true;
          }
        }
        for (const [t, rows] of Object.entries(puts)) {
          if (ROW_TABLES.includes(t) && rows.size) await db.table(t).bulkPut([...rows.values()]);
        }
        for (const [t, ids] of Object.entries(dels)) {
          if (ROW_TABLES.includes(t)) await db.table(t).bulkDelete(Object.keys(ids));
        }
        await setMeta(db, 'cursor', response.cursor);
        if (!response.more) {
          const state = await loadOutboxState(db);
          outboxState.pulled(state, response.last_mutation_id);
          await saveOutboxState(db, state);
          await setMeta(db, 'lastSyncAt', new Date().toISOString());
          await setMeta(db, 'syncedOnce', true);
        }
        await overlay(db, userId);
      });
    },

    /** Forgets the pulled rows and the cursor (a cursor the server cannot read); the outbox and
     * everything not yet synced stay. */
    async resetMirror() {
      await write(async () => {
        await putBack(db);
        await Promise.all(ROW_TABLES.map((t) => db.table(t).clear()));
        await db.meta.delete('cursor');
        await overlay(db, userId);
      });
    },

    /** "table:id" of every row a mutation still in the outbox touches (an order is "pending"
     * while its key is in the set). */
    async pendingKeys() {
      const keys = new Set();
      for (const m of await db.outbox.toArray()) {
        for (const touch of touches(m)) if (touch.id !== undefined) keys.add(`${touch.t}:${touch.id}`);
      }
      return keys;
    },

    close() {
      db.close();
    },
  };
  return store;
}
