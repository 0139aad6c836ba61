// The sync client of the PWA (docs/pwa.md, "Sync client"; docs/protocol.md is the contract):
// push the outbox, pull until the server has nothing more, and do it again on reconnect, on a
// poke from the server, on a timer and on demand. Network failures retry with backoff; nothing
// is dropped on any failure — the outbox only shrinks when the server has answered.

import { api, ApiError } from './api.js';
import { observable } from './core/observable.js';
import { pullRequest, pushRequest, checkPullResponse, checkPushResponse } from './core/protocol.js';

const BATCH = 100;
const TIMER_MS = 60_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
// The event stream only hurries syncs the timer makes anyway: after failures it waits longer.
const STREAM_BACKOFF_MAX_MS = 5 * 60_000;

/** Delay before retry `attempt + 1`: half of the capped exponential plus a random share of the
 * other half, so devices that failed together do not retry together. */
export function backoff(attempt, random = Math.random, max = BACKOFF_MAX_MS) {
  const cap = Math.min(max, BACKOFF_MIN_MS * 2 ** attempt);
  return cap / 2 + random() * (cap / 2);
}

/** The server's event stream (`connect()` opens it, or answers null when it cannot be opened:
 * offline, no EventSource). A poke or hello calls `onPoke`; `revoked` closes it for good and
 * calls `onRevoked`. On an error the stream is closed and opened again after a backoff growing
 * to 5 minutes: EventSource would reconnect by itself every few seconds for as long as a phone
 * has no signal, which costs battery and tells nothing the 60 s timer does not. */
export function eventStream({ connect, onPoke, onRevoked, schedule = setTimeout, cancel = clearTimeout,
  random = Math.random }) {
  let source = null;
  let timer = null;
  let attempt = 0;
  const close = () => {
    source?.close();
    source = null;
  };
  function open() {
    if (source || timer !== null) return;
    source = connect();
    if (!source) return;
    source.addEventListener('open', () => { attempt = 0; });
    source.addEventListener('poke', () => onPoke());
    source.addEventListener('hello', () => { attempt = 0; onPoke(); });
    source.addEventListener('revoked', () => { close(); onRevoked(); });
    source.addEventListener('error', () => {
      close();
      timer = schedule(() => { timer = null; open(); }, backoff(attempt++, random, STREAM_BACKOFF_MAX_MS));
    });
  }
  return {
    open,
    /** Back online: open now, the backoff forgotten. */
    reopen() {
      cancel(timer);
      timer = null;
      attempt = 0;
      open();
    },
    stop() {
      cancel(timer);
      timer = null;
      close();
    },
  };
}

/** Whether an error means "try again later" (no network, a proxy or server failure). */
function transient(error) {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.status === 429);
}

export function createSync(store, { request = api, online = () => navigator.onLine } = {}) {
  const status = observable({
    state: online() ? 'idle' : 'offline',
    online: online(),
    progress: null,
    error: null,
  });
  // Each report changes some fields of the status; the others stay as they were.
  const report = (patch) => status.set({ ...status.get(), ...patch });
  let running = null;
  let again = false;
  let attempt = 0;
  let retryTimer = null;
  let tickTimer = null;
  let stopped = true;

  async function push() {
    let size = BATCH;
    let gaps = 0;
    for (;;) {
      const outbox = await store.outbox();
      if (!outbox.length) return;
      const batch = outbox.slice(0, size);
      const body = pushRequest({ clientId: store.clientId, mutations: batch, pending: outbox.length });
      let response;
      try {
        response = checkPushResponse(await request('POST', '/api/sync/push', body));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'mutation_gap' && gaps++ < 3) {
          await store.resumeAfter(e.body?.last_mutation_id ?? 0);
          continue;
        }
        if (e instanceof ApiError && e.code === 'too_large' && size > 1) {
          const max = e.body?.limits?.max_mutations;
          size = Number.isInteger(max) && max < batch.length ? max : Math.floor(batch.length / 2);
          continue;
        }
        throw e;
      }
      await store.acknowledged(response);
    }
  }

  async function pull() {
    let restarted = false;
    for (;;) {
      const body = pullRequest({ clientId: store.clientId, cursor: await store.cursor() });
      let response;
      try {
        response = checkPullResponse(await request('POST', '/api/sync/pull', body));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'bad_cursor' && !restarted) {
          restarted = true;
          await store.resetMirror();
          continue;
        }
        throw e;
      }
      await store.applyPull(response);
      report({ progress: response.snapshot ?? null });
      if (!response.more) return;
    }
  }

  async function once() {
    if (!online()) {
      report({ state: 'offline', online: false });
      return;
    }
    report({ state: 'syncing', online: true });
    try {
      await push();
      await pull();
      attempt = 0;
      report({ state: 'idle', progress: null, error: null });
    } catch (e) {
      if (transient(e)) {
        const offline = e.status === 0;
        report({ state: offline ? 'offline' : 'error', online: !offline, error: offline ? null : errorOf(e) });
        scheduleRetry();
      } else {
        // 401 (log in again), device revoked, upgrade required, a bug: the user must act; the
        // outbox stays as it is.
        report({ state: 'error', error: errorOf(e) });
      }
    }
  }

  function errorOf(e) {
    return { code: e.code ?? e.name ?? 'error', message: e.message ?? String(e), status: e.status ?? null };
  }

  function scheduleRetry() {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      syncNow();
    }, backoff(attempt++));
  }

  /** Syncs now, or once more after the sync in progress; resolves when done. */
  function syncNow() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await once();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  // The server ends the stream when this device, session or passkey is revoked: no
  // reconnecting; the sync that follows is answered 401 and the app says why.
  const events = eventStream({
    connect: () => (typeof EventSource === 'undefined' || !online() ? null : new EventSource('/api/sync/events')),
    onPoke: () => syncNow(),
    onRevoked: () => syncNow(),
  });

  const onOnline = () => {
    report({ online: true, state: 'idle' });
    attempt = 0;
    events.reopen();
    syncNow();
  };
  const onOffline = () => {
    events.stop();
    report({ online: false, state: 'offline' });
  };
  let unlisten = null;

  return {
    status,
    syncNow,
    start() {
      if (!stopped) return;
      stopped = false;
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      unlisten = store.onWrite(() => online() && syncNow());
      tickTimer = setInterval(() => {
        if (document.visibilityState === 'visible') syncNow();
      }, TIMER_MS);
      events.open();
      syncNow();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      unlisten?.();
      clearInterval(tickTimer);
      clearTimeout(retryTimer);
      retryTimer = null;
      events.stop();
    },
  };
}
