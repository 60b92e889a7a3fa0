// Signing out forgets what this browser kept for the person: the offline worker's pages
// and assets, and the returns waiting to be sent (asking first if some wait). On every
// page with the sign-out button; the session cookie itself is never kept by the worker.
import { forgetAll, idbStore } from '/static/js/offline/queue.js';

const form = document.querySelector('form.signout');
const T = JSON.parse((document.getElementById('signout-i18n') || {}).textContent || '{}');

async function kept() {
  try {
    const known = indexedDB.databases ? await indexedDB.databases() : null;
    if (known && !known.some((d) => d.name === 'opcoord-offline')) return 0;
    return (await idbStore.all()).length;
  } catch (_) { return 0; }
}

if (form) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const left = await kept();
    if (left && T.confirm && !window.confirm(T.confirm.replace('%(n)s', String(left)))) return;
    const forget = (async () => {
      if ('caches' in window) for (const n of await caches.keys()) if (n.startsWith('opcoord-')) await caches.delete(n);
      if ('indexedDB' in window) await forgetAll();
    })().catch(() => undefined);
    // Never held up: the server's answer (Clear-Site-Data) deletes the rest.
    await Promise.race([forget, new Promise((resolve) => { setTimeout(resolve, 3000); })]);
    form.submit();
  });
}
