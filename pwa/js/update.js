// Service worker registration and "update ready" (docs/pwa.md § App shell and updates).
//
//   import { registerServiceWorker } from './update.js';
//   registerServiceWorker({ onUpdateReady: (apply) => showBanner(apply) });
//
// onUpdateReady(apply) is called when a new version is installed and waiting while this page is
// controlled by the old one: the UI shows "Update ready" with a button calling apply(), which
// lets the new worker take over and reloads the page once it has (IndexedDB is untouched: the
// outbox survives). The very first install needs no reload: the worker takes control itself.
//
// Calling registerServiceWorker again (boot and a test, say) is harmless: one registration, and
// every onUpdateReady given is told.
//
// For tests and debugging, window.__orderlyUpdate is {ready, apply(), check(), version()}:
// `ready` turns true when an update waits, `check()` asks the server for a new /sw.js now,
// `version()` answers the active worker's precache version.

const callbacks = new Set();
let registration = null;
let started = null;
let reloading = false;

const hook = {
  ready: false,
  apply: () => apply(),
  check: () => checkForUpdate(),
  version: () => activeVersion(),
};

// The worker's install downloads every precached file: after the page's load event, so on a
// first visit it does not compete with the files the page itself is waiting for.
function afterLoad() {
  if (typeof document === 'undefined' || document.readyState === 'complete') return Promise.resolve();
  return new Promise((resolve) => addEventListener('load', resolve, { once: true }));
}

function supported() {
  return 'serviceWorker' in navigator;
}

function announce() {
  hook.ready = true;
  for (const fn of callbacks) {
    try {
      fn(apply);
    } catch (e) {
      console.error('onUpdateReady failed', e);
    }
  }
}

function track(worker) {
  worker.addEventListener('statechange', () => {
    // "installed" with a controller = an update waiting; without one = the first install.
    if (worker.state === 'installed' && navigator.serviceWorker.controller) announce();
  });
}

function watch(reg) {
  // A worker already waiting when the page opened (the user did not apply it last time), or
  // one the browser's own update check on this navigation is installing.
  if (reg.waiting && navigator.serviceWorker.controller) announce();
  if (reg.installing) track(reg.installing);
  reg.addEventListener('updatefound', () => {
    if (reg.installing) track(reg.installing);
  });
}

/**
 * Registers /sw.js (scope "/"). Resolves to the registration, or null where service workers
 * are not available (an insecure origin, an old browser): the app then works online only.
 */
export function registerServiceWorker({ onUpdateReady } = {}) {
  if (onUpdateReady) {
    callbacks.add(onUpdateReady);
    if (hook.ready) onUpdateReady(apply);
  }
  if (!started) {
    if (typeof window !== 'undefined') window.__orderlyUpdate = hook;
    started = supported()
      ? afterLoad()
          .then(() => navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }))
          .then((reg) => {
            registration = reg;
            watch(reg);
            return reg;
          })
          .catch((e) => {
            console.error('service worker registration failed', e);
            return null;
          })
      : Promise.resolve(null);
  }
  return started;
}

/** Lets the waiting worker take over, then reloads the page (on controllerchange). */
export function apply() {
  const waiting = registration && registration.waiting;
  if (!waiting) return false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  waiting.postMessage({ type: 'skipWaiting' });
  return true;
}

/** Asks the server for a new /sw.js now (the browser also checks on navigations). */
export async function checkForUpdate() {
  const reg = registration || (await started);
  if (reg) await reg.update();
}

/** Resolves to the controlling worker once there is one (null at once where service workers are
 * not available). */
export function whenControlled() {
  if (!supported()) return Promise.resolve(null);
  if (navigator.serviceWorker.controller) return Promise.resolve(navigator.serviceWorker.controller);
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener(
      'controllerchange',
      () => resolve(navigator.serviceWorker.controller),
      { once: true },
    );
  });
}

/** The precache version of the worker controlling this page (null when none). */
export function activeVersion() {
  const worker = supported() && navigator.serviceWorker.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data.version);
    worker.postMessage({ type: 'version' }, [channel.port2]);
  });
}
