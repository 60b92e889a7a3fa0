// The coordinators' review queue: approve, query or hold each return without reloading,
// from the keyboard. Every action names the version shown (409 when a newer one came).

const root = document.getElementById('review-queue');
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
const T = JSON.parse((document.getElementById('review-i18n') || {}).textContent || '{}');
const statusNode = document.getElementById('rq-status');

function fill(text, values) {
  return String(text || '').replace(/%\((\w+)\)s/g, (_, k) => (k in values ? values[k] : ''));
}

function rows() { return Array.from(root.querySelectorAll('.rq-row')); }

function say(text) { statusNode.textContent = text; }

function focusRow(row) {
  if (!row) { return; }
  rows().forEach((r) => r.classList.toggle('is-current', r === row));
  row.focus();
}

function current() {
  const active = document.activeElement;
  return (active && active.closest && active.closest('.rq-row')) || root.querySelector('.rq-row.is-current');
}

function next(row, step) {
  const all = rows();
  const i = all.indexOf(row);
  return all[Math.min(all.length - 1, Math.max(0, i + step))];
}

function show(row, review) {
  row.dataset.status = review.status;
  const cell = row.querySelector('.rq-review');
  cell.textContent = '';
  const pill = document.createElement('span');
  pill.className = `rv rv-${review.status}`;
  pill.textContent = T.labels[review.status] || review.status;
  cell.appendChild(pill);
  if (review.comment) {
    const said = document.createElement('span');
    said.className = 'rq-said';
    said.textContent = `“${review.comment}”`;
    cell.appendChild(said);
  }
}

function recount() {
  // Only this page's rows moved: adjust the counts by what they were and are now.
  root.querySelectorAll('[data-count]').forEach((node) => {
    const key = node.dataset.count;
    const base = Number(node.dataset.base || node.textContent.replace(/\D/g, '') || 0);
    node.dataset.base = String(base);
    const moved = rows().reduce((n, r) => n + (r.dataset.status === key) - (r.dataset.initial === key), 0);
    node.textContent = new Intl.NumberFormat(document.documentElement.lang || 'en').format(base + moved);
  });
}

async function act(row, status) {
  if (!row) { return; }
  const input = row.querySelector('.rq-comment');
  const comment = input.value.trim();
  if (status === 'query' && !comment) {
    say(T.comment_needed);
    input.focus();
    return;
  }
  const who = { country: row.dataset.country, day: row.dataset.day };
  const url = `/api/operations/${root.dataset.code}/returns/${who.country}/${who.day}/review`;
  const body = { status, comment, version: Number(row.dataset.version) };
  row.setAttribute('aria-busy', 'true');
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    });
  } catch (e) {
    row.removeAttribute('aria-busy');
    say(T.network);
    return;
  }
  row.removeAttribute('aria-busy');
  const answer = await response.json().catch(() => ({}));
  if (response.status === 409) {
    row.classList.add('is-stale');
    say(fill(T.stale, who));
    return;
  }
  if (!response.ok) {
    say(fill(T.failed, { message: answer.detail || response.status }));
    return;
  }
  show(row, answer);
  input.value = '';
  recount();
  say(fill(T.done, { ...who, state: T.labels[answer.status] || answer.status }));
  focusRow(next(row, 1));
}

root.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (button) { act(button.closest('.rq-row'), button.dataset.action); }
});

root.addEventListener('focusin', (event) => {
  const row = event.target.closest('.rq-row');
  if (row) { rows().forEach((r) => r.classList.toggle('is-current', r === row)); }
});

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) { return; }
  const row = current();
  const typing = event.target.matches && event.target.matches('input, select, textarea');
  if (typing) {
    if (event.key === 'Enter' && event.target.classList.contains('rq-comment')) {
      event.preventDefault();
      act(row, 'query');
    } else if (event.key === 'Escape' && row) {
      focusRow(row);
    }
    return;
  }
  const keys = {
    j: () => focusRow(row ? next(row, 1) : rows()[0]),
    ArrowDown: () => focusRow(row ? next(row, 1) : rows()[0]),
    k: () => focusRow(row ? next(row, -1) : rows()[0]),
    ArrowUp: () => focusRow(row ? next(row, -1) : rows()[0]),
    a: () => act(row, 'approved'),
    h: () => act(row, 'on_hold'),
    q: () => act(row, 'query'),
    o: () => { if (row) { window.location.href = row.querySelector('.rq-open').href; } },
  };
  if (keys[event.key] && (row || ['j', 'k', 'ArrowDown', 'ArrowUp'].includes(event.key))) {
    event.preventDefault();
    keys[event.key]();
  }
});

rows().forEach((r) => { r.dataset.initial = r.dataset.status; });
focusRow(rows()[0]);
window.opcoordReview = { act, rows };
