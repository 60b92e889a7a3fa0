// Returns written without a connection, kept in the browser until they are sent.
//
// One entry per (operation, country, day): the PUT body, the version it was written on
// ("base": a version number, or "none" for a first version), when it was written, and
// where it stands ("waiting", or "conflict" / "invalid" / "refused" once the server has
// answered and the person has to decide). Sending uses the base as a precondition:
// If-Match: "N", or If-None-Match: * for a first version, so a newer version saved by
// someone else is answered 412 and shown, never overwritten; and the server adds no
// version for a body identical to the current one, so a retry (an answer lost on a bad
// line) never makes a second version.
//
// A native ES module with no DOM: the page, the service worker (Background Sync) and the
// Node tests (tests/js/offline_queue.mjs, with a store in memory) all use it.

export const DB_NAME = 'opcoord-offline';
const STORE = 'returns';

export function keyOf(code, country, day) { return `${code}/${country}/${day}`; }

export function returnUrl(code, country, day) {
  const enc = encodeURIComponent;
  return `/api/operations/${enc(code)}/returns/${enc(country)}/${day}`;
}

/** The entry for a return written now on top of ``version`` (null: none exists yet). */
export function entry({ code, country, day, body, version, csrf, now = Date.now() }) {
  return {
    key: keyOf(code, country, day), code, country, day, body,
    base: version === null || version === undefined ? 'none' : version,
    created: now, csrf: csrf || '', state: 'waiting', attempts: 0,
  };
}

/** The precondition headers for sending ``e``. */
export function conditions(e) {
  return e.base === 'none' ? { 'If-None-Match': '*' } : { 'If-Match': `"${e.base}"` };
}

/** What the server's answer means for the entry. */
export function outcome(status) {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 412) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 401) return 'signed_out';
  if (status === 403 || status === 404 || status === 409) return 'refused';
  return 'retry';  // 5xx, 429, a proxy's error page: try again later
}

/** Entries in the order they were written. */
export function ordered(entries) {
  return entries.slice().sort((a, b) => a.created - b.created || (a.key < b.key ? -1 : 1));
}

/** Fields of a return body, for saying what differs between two versions. */
export function differences(mine, theirs) {
  const out = [];
  const nilMine = Boolean(mine.nil_return);
  const nilTheirs = Boolean(theirs && theirs.nil_return);
  if (nilMine !== nilTheirs) out.push('nil_return');
  for (const group of ['counters', 'facilitating_items']) {
    const a = mine[group] || {};
    const b = (theirs && theirs[group]) || {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if ((Number(a[k]) || 0) !== (Number(b[k]) || 0)) out.push(`${group}.${k}`);
    }
  }
  const refs = (list) => (list || []).map((s) => `${s.ref}|${s.category}|${s.quantity}|${s.place_type}|${s.place_name || ''}`).join('\n');
  if (refs(mine.seizures) !== refs(theirs && theirs.seizures)) out.push('seizures');
  if ((mine.notes || '') !== ((theirs && theirs.notes) || '')) out.push('notes');
  return out;
}

/**
 * Sends every waiting entry of ``store``, oldest first, and records what came of each.
 * ``fetchImpl`` is window.fetch or the worker's; ``csrf`` the page's token (else each
 * entry's, from when it was written). It stops at the first network failure
 * (the line is down: the rest would fail too) and at a 401 (nobody is signed in).
 * Returns [{entry, result, status, payload}] for each entry tried.
 */
export async function flush(store, fetchImpl, { only = null, csrf = '' } = {}) {
  const done = [];
  for (const e of ordered(await store.all())) {
    if (e.state !== 'waiting' || (only && e.key !== only)) continue;
    const headers = {
      'Content-Type': 'application/json', Accept: 'application/json',
      'X-CSRF-Token': csrf || e.csrf, ...conditions(e),
    };
    let response;
    try {
      response = await fetchImpl(returnUrl(e.code, e.country, e.day), {
        method: 'PUT', headers, body: JSON.stringify(e.body), credentials: 'same-origin',
      });
    } catch (_) {
      await store.put({ ...e, attempts: e.attempts + 1 });
      done.push({ entry: e, result: 'offline', status: 0, payload: null });
      break;
    }
    let payload = null;
    try { payload = await response.json(); } catch (_) { payload = null; }
    // A token from an earlier session (signed in again since): sent again from a page.
    const stale = response.status === 403 && payload && payload.errors
      && payload.errors.some((x) => x.type === 'csrf');
    const result = stale ? 'retry' : outcome(response.status);
    if (result === 'sent') await store.remove(e.key);
    else if (result === 'retry' || result === 'signed_out') await store.put({ ...e, attempts: e.attempts + 1 });
    else await store.put({ ...e, state: result, answer: { status: response.status, payload } });
    done.push({ entry: e, result, status: response.status, payload });
    if (result === 'signed_out') break;
  }
  return done;
}

// --- the store: IndexedDB in a browser, a Map in tests --------------------------------
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let opening = null;
function open() {
  if (!opening) {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    opening = request(req).then((db) => {
      // Another page or the worker deletes the database (sign-out): let it.
      db.onversionchange = () => { db.close(); opening = null; };
      return db;
    });
  }
  return opening;
}

async function tx(mode, fn) {
  const db = await open();
  const t = db.transaction(STORE, mode);
  const result = await request(fn(t.objectStore(STORE)));
  await new Promise((resolve, reject) => { t.oncomplete = resolve; t.onerror = () => reject(t.error); t.onabort = () => reject(t.error); });
  return result;
}

export const idbStore = {
  all: () => tx('readonly', (s) => s.getAll()),
  get: (key) => tx('readonly', (s) => s.get(key)),
  put: (e) => tx('readwrite', (s) => s.put(e)),
  remove: (key) => tx('readwrite', (s) => s.delete(key)),
};

/** Forgets everything kept (sign-out): the entries and the database itself. */
export async function forgetAll() {
  if (opening) { (await opening).close(); opening = null; }
  await request(indexedDB.deleteDatabase(DB_NAME)).catch(() => undefined);
}

export function memoryStore(entries = []) {
  const map = new Map(entries.map((e) => [e.key, e]));
  return {
    map,
    all: async () => Array.from(map.values()),
    get: async (key) => map.get(key),
    put: async (e) => { map.set(e.key, e); },
    remove: async (key) => { map.delete(key); },
  };
}
