// The contact point's offline worker, served as /sw.js with the scope /operations/.
//
// - The assets the day form needs (scripts, styles, Leaflet) are kept in a cache named
//   after this release (the server writes a digest of them into VERSION), so a new
//   release installs a new worker and the old cache is deleted.
// - The calendar and the day pages: from the network first; a copy of each page seen is
//   kept, and served when the network does not answer (or answers too slowly, on a weak
//   line). Pages can ask the worker to keep days not opened yet ("warm"), so that the
//   form for any open day opens offline.
// - The API is never cached: the JSON of returns stays between the page and the server.
// - Background Sync ("opcoord-returns"): the waiting returns are sent when the browser
//   sees the line come back, even with no page open. The pages also send on `online`
//   and on load: Sync is a help, not the only way.
import { flush, idbStore } from '/static/js/offline/queue.js';

const VERSION = '__OFFLINE_VERSION__';
const ASSETS = `opcoord-assets-${VERSION}`;
const PAGES = 'opcoord-pages';
const SHELL = [
  '/static/css/app.css',
  '/static/css/returns.css',
  '/static/favicon.svg',
  '/static/js/returns.js',
  '/static/js/offline/queue.js',
  '/static/js/offline/page.js',
  '/static/js/offline/signout.js',
  '/static/vendor/leaflet/leaflet.js',
  '/static/vendor/leaflet/leaflet.css',
];
// A page that has not answered by then is taken from the cache (the network's answer,
// when it comes, still refreshes the copy).
const PATIENCE_MS = 8000;
const FORM_PAGE = /^\/operations\/[^/]+\/returns(\/[A-Za-z]{2}\/\d{4}-\d{2}-\d{2})?$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(ASSETS).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('opcoord-assets-') && name !== ASSETS) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function keepable(response) {
  return response && response.ok && !response.redirected && response.type === 'basic'
    && (response.headers.get('content-type') || '').startsWith('text/html');
}

async function keep(request, response) {
  if (!keepable(response)) return;
  const cache = await caches.open(PAGES);
  await cache.put(request, response);
}

async function page(request) {
  const network = fetch(request).then(async (response) => {
    await keep(request, response.clone());
    return response;
  });
  network.catch(() => undefined);  // answered from the cache: a late failure is no news
  const cached = await caches.match(request, { cacheName: PAGES });
  if (!cached) return network;
  let timer = 0;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(cached), PATIENCE_MS); });
  try {
    return await Promise.race([network, late]);
  } catch (_) {
    return cached;  // offline
  } finally {
    clearTimeout(timer);
  }
}

async function asset(request) {
  const cached = await caches.match(request, { cacheName: ASSETS });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    const cache = await caches.open(ASSETS);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && FORM_PAGE.test(url.pathname) && !url.search.includes('version=')) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(asset(request));
  }
});

async function warm(urls) {
  const cache = await caches.open(PAGES);
  for (const href of urls) {
    const url = new URL(href, self.location.origin);
    if (url.origin !== self.location.origin || !FORM_PAGE.test(url.pathname) || url.search.includes('version=')) continue;
    if (await cache.match(url.href)) continue;
    try {
      const response = await fetch(url.href, { credentials: 'same-origin' });
      if (keepable(response)) await cache.put(url.href, response);
    } catch (_) {
      return;  // the line went down: the rest another time
    }
  }
}

async function tell(message) {
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(message);
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'warm') event.waitUntil(warm(data.urls || []));
  if (data.type === 'forget') {
    event.waitUntil(caches.keys().then((names) => Promise.all(names.map((n) => caches.delete(n)))));
  }
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'opcoord-returns') return;
  event.waitUntil(flush(idbStore, (url, init) => fetch(url, init)).then(async (done) => {
    if (done.length) await tell({ type: 'flushed', results: done.map((d) => ({ key: d.entry.key, result: d.result, status: d.status, payload: d.payload })) });
    // Still no line: failing the event makes the browser try again later.
    if (done.some((d) => d.result === 'offline' || d.result === 'retry')) throw new Error('not sent yet');
  }));
});
