// The contact point's pages and the offline worker: registers it, keeps returns written
// without a connection (queue.js), sends them when the line comes back (on `online`, on
// load, every half minute while some wait, and by Background Sync where the browser has
// it), and marks the calendar's days that wait. Pages learn what came of a return sent
// from the `opcoord:flushed` event on window: {detail: [{key, result, status, payload}]}.
import { entry, flush, forgetAll, idbStore, keyOf } from '/static/js/offline/queue.js';

const RETRY_MS = 30000;
const whoEl = document.querySelector('.signout .who-name');
export const me = whoEl ? whoEl.textContent.trim() : '';
const supported = 'indexedDB' in window;
const pageCsrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
let registration = null;

function announce(results) {
  if (results.length) window.dispatchEvent(new CustomEvent('opcoord:flushed', { detail: results }));
}

/** The waiting entries of the person signed in (another's are forgotten: see start). */
export async function waiting() {
  if (!supported) return [];
  try { return (await idbStore.all()).filter((e) => e.user === me); } catch (_) { return []; }
}

export async function waitingFor(code, country, day) {
  if (!supported) return null;
  try {
    const e = await idbStore.get(keyOf(code, country, day));
    return e && e.user === me ? e : null;
  } catch (_) { return null; }
}

/** Keeps a return to send later; replaces what waited for the same day. */
export async function keep({ code, country, day, body, version, csrf }) {
  const e = { ...entry({ code, country, day, body, version, csrf }), user: me };
  await idbStore.put(e);
  askSync();
  schedule();
  return e;
}

export async function drop(key) {
  try {
    if (supported) await idbStore.remove(key);
  } catch (_) { /* no storage: nothing was kept */ }
}

export async function update(e) { await idbStore.put(e); }

let sending = null;
/** Sends what waits; resolves to what came of each, also announced as opcoord:flushed. */
export function sendWaiting(options = {}) {
  if (!supported) return Promise.resolve([]);
  if (sending) return sending;
  sending = (async () => {
    try {
      const mine = { ...idbStore, all: async () => (await idbStore.all()).filter((e) => e.user === me) };
      const done = await flush(mine, (url, init) => fetch(url, init), { csrf: pageCsrf, ...options });
      const results = done.map((d) => ({ key: d.entry.key, result: d.result, status: d.status, payload: d.payload }));
      announce(results);
      return results;
    } catch (_) {
      return [];
    } finally {
      sending = null;
      schedule();
    }
  })();
  return sending;
}

let timer = 0;
async function schedule() {
  clearTimeout(timer);
  if ((await waiting()).some((e) => e.state === 'waiting')) timer = setTimeout(() => sendWaiting(), RETRY_MS);
}

function askSync() {
  if (registration && registration.sync) registration.sync.register('opcoord-returns').catch(() => undefined);
}

/** Signing out forgets what this browser kept: pages, assets, waiting returns. */
export async function forget() {
  try {
    if ('caches' in window) for (const n of await caches.keys()) if (n.startsWith('opcoord-')) await caches.delete(n);
    if (supported) await forgetAll();
  } catch (_) { /* nothing kept */ }
}

function warm(urls) {
  const worker = (navigator.serviceWorker && navigator.serviceWorker.controller)
    || (registration && registration.active);
  if (worker && urls.length) worker.postMessage({ type: 'warm', urls });
}

// --- the calendar: which days wait -------------------------------------------------
const T = JSON.parse((document.getElementById('offline-i18n') || {}).textContent || '{}');
const fmt = (text, values) => String(text || '').replace(/%\((\w+)\)s/g, (m, k) => (k in values ? String(values[k]) : m));

export async function markCalendar() {
  const cal = document.querySelector('.rt-cal[data-code]');
  if (!cal) return;
  const { code, country } = cal.dataset;
  const mine = (await waiting()).filter((e) => e.code === code && e.country === country);
  const byDay = new Map(mine.map((e) => [e.day, e]));
  for (const cell of cal.querySelectorAll('td.day[data-day]')) {
    const e = byDay.get(cell.dataset.day);
    cell.classList.toggle('has-waiting', Boolean(e));
    const old = cell.querySelector('.waiting');
    if (old) old.remove();
    if (!e) continue;
    const mark = document.createElement('span');
    mark.className = 'waiting';
    mark.textContent = e.state === 'waiting' ? T.waiting : T.attention;
    (cell.querySelector('a, .nolink') || cell).append(mark);
  }
  const head = document.getElementById('cal-waiting');
  if (head) {
    head.hidden = mine.length === 0;
    head.textContent = fmt(T.waiting_n, { n: mine.length });
  }
}

async function start() {
  if (!supported) return;
  // A browser another person used: nothing of theirs is shown or sent.
  try {
    const others = (await idbStore.all()).some((e) => e.user !== me);
    if (others || !me) await forget();
  } catch (_) { /* no storage: the pages still work online */ }
  if ('serviceWorker' in navigator && me) {
    try {
      registration = await navigator.serviceWorker.register('/sw.js', { scope: '/operations/', type: 'module' });
      navigator.serviceWorker.addEventListener('message', (ev) => {
        if (ev.data && ev.data.type === 'flushed') announce(ev.data.results);
      });
    } catch (_) { registration = null; }
  }
  window.addEventListener('online', () => sendWaiting());
  window.addEventListener('opcoord:flushed', (ev) => {
    // The calendar was drawn before they went: draw it again with the server's states.
    if (ev.detail.some((r) => r.result === 'sent') && document.querySelector('.rt-cal[data-code]')) {
      window.location.reload();
    } else markCalendar();
  });
  await markCalendar();
  if (navigator.onLine) await sendWaiting();
  if (registration) await navigator.serviceWorker.ready;
  const links = [window.location.href, ...Array.from(document.querySelectorAll('.rt-cal td.day a, .rt-daynav a, .rt-today a'))
    .map((a) => a.href)];
  warm(links);
}

export const ready = start();
