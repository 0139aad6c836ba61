// Orderly's service worker (docs/pwa.md § App shell and updates). The server serves it as
// /sw.js preceded by `self.PRECACHE = {version, files: [{url, hash}], routes, shell};`
// (server/precache.py), so a change to any file of the app is a new worker.
//
// install   every file of PRECACHE.files into the cache `orderly-<version>`, each checked against
//           its SHA-256 (one failure fails the install: the browser tries again at the next
//           check); fetched with `no-cache`, so what the first page load put in the HTTP cache
//           costs a 304, not the file again
// lazy      PRECACHE.lazy (the admin console's pages, uPlot, Swagger UI) is never fetched at
//           install: a phone never downloads it. Each is cached when first fetched, if its
//           SHA-256 is the manifest's (docs/pwa.md § First load)
// activate  delete the other `orderly-*` caches, take control of the open pages
// fetch     navigations to an app route -> the cached shell (so every screen and deep link opens
//           offline); precached files -> the cache first; /api/* and everything else -> the
//           network, untouched
// message   {type: 'skipWaiting'} -> activate now (the page asks, when the user says so);
//           {type: 'version'} -> answers {version} on the message port
//
// An update waits until the page posts skipWaiting; the very first install activates at once
// (there is no older worker to wait for).

/* global PRECACHE */
const { version, files, routes, shell, lazy = [] } = self.PRECACHE;
const CACHE = `orderly-${version}`;
const PREFIX = 'orderly-';
const precached = new Set(files.map((f) => f.url));
const lazyHash = new Map(lazy.map((f) => [f.url, f.hash]));

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function fetchChecked({ url, hash }) {
  const response = await fetch(new Request(url, { cache: 'no-cache', credentials: 'same-origin' }));
  if (!response.ok) throw new Error(`precache: ${url} answered ${response.status}`);
  const body = await response.clone().arrayBuffer();
  const got = hex(await crypto.subtle.digest('SHA-256', body));
  if (got !== hash) throw new Error(`precache: ${url} changed while installing (${got} != ${hash})`);
  return response;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const responses = await Promise.all(files.map(fetchChecked));
      const cache = await caches.open(CACHE);
      await Promise.all(files.map((f, i) => cache.put(f.url, responses[i])));
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
      );
      await self.clients.claim();
    })(),
  );
});

function isAppRoute(path) {
  return routes.some((r) =>
    r.endsWith('/*') ? path === r.slice(0, -2) || path.startsWith(r.slice(0, -1)) : path === r,
  );
}

/** A console file: from the cache, else the network, kept when it is the manifest's content. */
async function fromCacheOrKeep(url, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(url);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) {
    const body = await response.clone().arrayBuffer();
    const got = hex(await crypto.subtle.digest('SHA-256', body));
    if (got === lazyHash.get(url)) await cache.put(url, response.clone());
  }
  return response;
}

async function fromCache(url, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(url);
  return hit || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (isAppRoute(path)) event.respondWith(fromCache(shell, request));
    return;
  }
  if (precached.has(url.pathname) && !url.search) {
    event.respondWith(fromCache(url.pathname, request));
  } else if (lazyHash.has(url.pathname) && !url.search) {
    event.respondWith(fromCacheOrKeep(url.pathname, request));
  }
});

self.addEventListener('message', (event) => {
  const type = event.data && event.data.type;
  if (type === 'skipWaiting') {
    self.skipWaiting();
  } else if (type === 'version' && event.ports[0]) {
    event.ports[0].postMessage({ version });
  }
});
