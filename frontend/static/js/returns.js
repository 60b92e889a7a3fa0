// The daily return form: counters, facilitating items, seizure rows, nil return,
// amendments, If-Match, validation next to each field, drafts kept in the browser.
// A native ES module, no libraries but the vendored Leaflet (a global). Data only ever
// goes through textContent / value: never innerHTML. Whether a change is an amendment is
// the server's answer (page.needs_reason, then its 422 amendment_reason_required): the
// page never compares clocks with due times itself. A return that cannot reach the
// server is kept in the browser and sent later (offline/page.js, offline/queue.js).
import { differences, keyOf } from '/static/js/offline/queue.js';
import * as offline from '/static/js/offline/page.js';

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const page = JSON.parse($('#page-data').textContent);
const T = JSON.parse($('#i18n').textContent);
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
const fmt = (text, values) =>
  String(text).replace(/%\((\w+)\)s/g, (m, k) => (values && k in values ? String(values[k]) : m));
const enc = encodeURIComponent;
const api = `/api/operations/${enc(page.code)}/returns/${enc(page.country)}/${page.day}`;
const draftKey = `opcoord-draft:${page.code}/${page.country}/${page.day}`;
let reasonNeeded = Boolean(page.needs_reason);
const whenFmt = new Intl.DateTimeFormat(page.lang, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  hourCycle: 'h23', timeZone: page.timezone,
});
const dayFmt = new Intl.DateTimeFormat(page.lang, { dateStyle: 'long', timeZone: 'UTC' });
const COUNTER_INPUTS = $$('input[name^="counters."], input[name^="facilitating_items."]');
const SEIZURE_FIELDS = ['ref', 'category', 'quantity', 'place_type', 'place_name', 'conveyance',
  'lat', 'lon', 'origin_country', 'departure_country', 'destination_country',
  'estimated_value', 'currency', 'online', 'description'];

const form = $('#return-form');
const list = $('#seizures');
const tpl = $('#seizure-tpl');
const messages = $('#messages');
const amendBox = $('#amend-box');
const reason = $('#amendment_reason');
const submitButton = $('#submit-button');

let baseVersion = page.version;      // the version the form was loaded with (If-Match)
let hasReturn = page.version !== null;
let busy = false;
let leaving = false;  // a reload that carries the draft over: do not overwrite it
let uid = 0;

// --- small DOM helpers ------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function say(kind, parts, { focus = false } = {}) {
  messages.replaceChildren();
  const box = el('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status', tabindex: '-1' });
  for (const p of parts) box.append(typeof p === 'string' ? el('p', { text: p }) : p);
  messages.append(box);
  if (focus) {
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }
  return box;
}

// --- seizure rows -------------------------------------------------------------------
function rows() { return $$('.seizure', list); }

function renumber() {
  const all = rows();
  all.forEach((row, i) => {
    const n = i + 1;
    $('.sz-title', row).textContent = fmt(T.seizure_n, { n });
    $('.sz-remove', row).setAttribute('aria-label', fmt(T.remove_n, { n }));
    $('.sz-pick', row).setAttribute('aria-label', fmt(T.pick_n, { n }));
  });
  $('#no-seizures').hidden = all.length > 0;
  $('#seizure-count').textContent = all.length ? fmt(T.seizures_n, { n: all.length }) : '';
}

function setRowValues(row, s) {
  for (const name of SEIZURE_FIELDS) {
    const input = $(`[data-name="${name}"]`, row);
    const v = s[name];
    if (input.type === 'checkbox') input.checked = Boolean(v);
    else input.value = v === null || v === undefined ? '' : String(v);
  }
}

function addSeizure(values, { focus = false } = {}) {
  const row = tpl.content.firstElementChild.cloneNode(true);
  const id = `sz${++uid}`;
  for (const input of $$('[data-name]', row)) {
    const name = input.dataset.name;
    input.id = `${id}-${name}`;
    const label = $(`label[data-for="${name}"]`, row);
    if (label) label.htmlFor = input.id;
    const err = $(`[data-error="${name}"]`, row);
    const hint = $(`[data-hint="${name}"]`, row);
    const described = [];
    if (hint) { hint.id = `${input.id}-hint`; described.push(hint.id); }
    if (err) { err.id = `${input.id}-err`; described.push(err.id); }
    if (described.length) input.setAttribute('aria-describedby', described.join(' '));
  }
  // Fields the form does not show (HS code, Object ID...) are kept as they were.
  row._extra = values ? { ...values } : {};
  if (values) setRowValues(row, values);
  else $('[data-name="currency"]', row).value = page.default_currency || '';
  $('.sz-remove', row).addEventListener('click', () => removeSeizure(row));
  $('.sz-pick', row).addEventListener('click', () => openMap(row));
  $('.sz-clear', row).addEventListener('click', () => {
    $('[data-name="lat"]', row).value = '';
    $('[data-name="lon"]', row).value = '';
    saveDraft();
  });
  const place = $('[data-name="place_type"]', row);
  const conveyance = $('[data-name="conveyance"]', row);
  const online = $('[data-name="online"]', row);
  const markOnline = () => {
    if (place.value === 'online' || conveyance.value === 'online') online.checked = true;
  };
  place.addEventListener('change', markOnline);
  conveyance.addEventListener('change', markOnline);
  const value = $('[data-name="estimated_value"]', row);
  const currency = $('[data-name="currency"]', row);
  value.addEventListener('input', () => {
    if (value.value.trim() && !currency.value) currency.value = page.default_currency || '';
  });
  list.append(row);
  renumber();
  if (focus) $('[data-name="ref"]', row).focus();
  return row;
}

function rowIsEmpty(row) {
  return SEIZURE_FIELDS.every((name) => {
    const input = $(`[data-name="${name}"]`, row);
    if (name === 'currency') return true;
    return input.type === 'checkbox' ? !input.checked : !input.value.trim();
  });
}

function removeSeizure(row) {
  const n = rows().indexOf(row) + 1;
  if (!rowIsEmpty(row) && !window.confirm(fmt(T.confirm_remove, { n }))) return;
  const next = row.nextElementSibling;
  row.remove();
  renumber();
  saveDraft();
  (next ? $('[data-name="ref"]', next) : $('#add-seizure')).focus();
}

// --- reading and filling the form ----------------------------------------------------
function fill(ret) {
  for (const input of COUNTER_INPUTS) {
    const [group, key] = input.name.split('.');
    const v = ret ? ret[group][key] : 0;
    input.value = v ? String(v) : '';
  }
  $('#notes').value = ret ? ret.notes : '';
  list.replaceChildren();
  for (const s of (ret ? ret.seizures : [])) addSeizure(s);
  renumber();
}

function number(text) {
  // People type "40,4168" or "1 500,50": accept both decimal marks.
  let t = text.replace(/[\s\u00a0\u202f']/g, '');
  if (t.includes(',') && !t.includes('.')) t = t.replace(',', '.');
  else t = t.replace(/,/g, '');
  return t;
}

/** The PUT body, and the problems found before asking the server. */
function collect() {
  const problems = [];
  const body = { nil_return: false, counters: {}, facilitating_items: {}, seizures: [], notes: '' };
  for (const input of COUNTER_INPUTS) {
    const [group, key] = input.name.split('.');
    const raw = input.value.trim();
    if (input.validity && input.validity.badInput) {
      problems.push({ input, text: T.whole_number });
      continue;
    }
    const n = raw === '' ? 0 : Number(raw);
    if (!Number.isInteger(n)) problems.push({ input, text: T.whole_number });
    body[group][key] = Number.isFinite(n) ? n : raw;
  }
  rows().forEach((row) => {
    const get = (name) => $(`[data-name="${name}"]`, row);
    const s = { ...row._extra };
    s.ref = get('ref').value.trim();
    if (!s.ref) problems.push({ input: get('ref'), text: T.required });
    s.category = get('category').value;
    if (!s.category) problems.push({ input: get('category'), text: T.required });
    const q = get('quantity');
    if (q.validity && q.validity.badInput) problems.push({ input: q, text: T.whole_number });
    else if (!q.value.trim()) problems.push({ input: q, text: T.required });
    else {
      const n = Number(q.value);
      if (!Number.isInteger(n)) problems.push({ input: q, text: T.whole_number });
      s.quantity = n;
    }
    s.place_type = get('place_type').value;
    if (!s.place_type) problems.push({ input: get('place_type'), text: T.required });
    s.place_name = get('place_name').value.trim();
    s.conveyance = get('conveyance').value || null;
    for (const c of ['lat', 'lon']) {
      const raw = number(get(c).value);
      if (!raw) s[c] = null;
      else if (!Number.isFinite(Number(raw))) problems.push({ input: get(c), text: T.float_parsing });
      else s[c] = Number(raw);
    }
    if ((s.lat === null) !== (s.lon === null) && !problems.some((p) => p.input === get('lat') || p.input === get('lon'))) {
      problems.push({ input: get(s.lat === null ? 'lat' : 'lon'), text: T.both_coords });
    }
    for (const c of ['origin_country', 'departure_country', 'destination_country']) {
      s[c] = get(c).value || null;
    }
    const value = number(get('estimated_value').value);
    if (!value) s.estimated_value = null;
    else if (!/^\d+(\.\d+)?$/.test(value)) problems.push({ input: get('estimated_value'), text: T.decimal_parsing });
    else s.estimated_value = value;
    s.currency = s.estimated_value === null && !row._extra.currency ? null : (get('currency').value || null);
    if (s.estimated_value !== null && !s.currency) problems.push({ input: get('currency'), text: T.currency_needed });
    s.online = get('online').checked;
    s.description = get('description').value;
    body.seizures.push(s);
  });
  body.notes = $('#notes').value;
  if (amendmentNeeded()) {
    const r = reason.value.trim();
    if (!r) problems.push({ input: reason, text: T.reason_needed });
    body.amendment_reason = r || null;
  } else if (reason.value.trim()) {
    body.amendment_reason = reason.value.trim();
  }
  // The browser's own checks (min, max, step, length, pattern) on the fields left, in
  // the page's words rather than the browser's.
  const seen = new Set(problems.map((p) => p.input));
  for (const input of $$('input[data-name], select[data-name], textarea[data-name]', form)) {
    if (seen.has(input) || input.disabled || input.closest('[hidden]') || !input.validity || input.validity.valid) continue;
    const v = input.validity;
    let text = T.generic;
    if (v.valueMissing) text = T.required;
    else if (v.badInput || v.stepMismatch) text = input.type === 'number' ? T.whole_number : T.generic;
    else if (v.rangeUnderflow) text = fmt(T.greater_than_equal, { n: input.min });
    else if (v.rangeOverflow) text = fmt(T.less_than_equal, { n: input.max });
    else if (v.tooLong) text = fmt(T.string_too_long, { n: input.maxLength });
    else if (v.patternMismatch) text = T.string_pattern_mismatch;
    problems.push({ input, text });
  }
  return { body, problems };
}

// No field of the return takes an object: a field the page found wrong goes to the server
// as one, so the server refuses the whole body (nothing is saved) and answers for every
// other field in the same round.
const REFUSED = Object.freeze({});

function refuse(body, input) {
  const row = input.closest('.seizure');
  if (row) {
    const s = body.seizures[rows().indexOf(row)];
    if (s) s[input.dataset.name] = REFUSED;
    return;
  }
  const [group, key] = input.dataset.name.split('.');
  if (key && body[group]) body[group][key] = REFUSED;
  else body[group] = REFUSED;
}

function amendmentNeeded() { return hasReturn && reasonNeeded; }

function refreshAmendment() {
  const needed = amendmentNeeded();
  amendBox.hidden = !needed;
  reason.setAttribute('aria-required', needed ? 'true' : 'false');
}

// --- errors next to fields ---------------------------------------------------------
function clearErrors() {
  for (const p of $$('.field-error')) { p.hidden = true; p.replaceChildren(); }
  for (const i of $$('[aria-invalid="true"]')) i.removeAttribute('aria-invalid');
  for (const f of $$('.field.has-error')) f.classList.remove('has-error');
}

function showError(input, text, english) {
  const field = input.closest('.field');
  const err = field ? $('.field-error', field) : null;
  input.setAttribute('aria-invalid', 'true');
  if (field) field.classList.add('has-error');
  if (!err) return;
  if (!err.hidden && err.textContent) return;  // the first problem of a field is enough
  err.replaceChildren(document.createTextNode(text));
  if (english) err.append(' ', el('span', { lang: 'en', class: 'en-detail', text: `(${english})` }));
  err.hidden = false;
}

function showFormError(text, english) {
  const err = $('.form-error');
  err.replaceChildren(document.createTextNode(text));
  if (english) err.append(' ', el('span', { lang: 'en', class: 'en-detail', text: `(${english})` }));
  err.hidden = false;
}

function lastNumber(message) {
  const m = /(-?\d[\d,.]*)\D*$/.exec(message || '');
  return m ? m[1] : '';
}

/** A server error in the user's language: by its kind, else by what it says. */
function translate(e) {
  const msg = e.message || '';
  // Stable codes from the server first; the English text is only a fallback.
  if (e.type === 'ref_taken' && e.day) {
    return { text: fmt(T.ref_taken, { day: dayFmt.format(new Date(`${e.day}T00:00:00Z`)) }) };
  }
  const byType = {
    coords_pair: T.both_coords, currency_required: T.currency_needed,
    duplicate_ref: T.ref_twice, nil_not_empty: T.nil_not_empty,
    amendment_reason_required: T.reason_needed,
  };
  if (byType[e.type]) return { text: byType[e.type] };
  if (e.type && e.type !== 'value_error' && T[e.type] && typeof T[e.type] === 'string') {
    return { text: fmt(T[e.type], { n: lastNumber(msg) }) };
  }
  const known = [
    [/whole number/, T.whole_number],
    [/both coordinates/, T.both_coords],
    [/needs its currency/, T.currency_needed],
    [/ISO 3166/, T.bad_country],
    [/ISO 4217/, T.bad_currency],
    [/appears twice/, T.ref_twice],
    [/nil return/, T.nil_not_empty],
    [/needs a reason/, T.reason_needed],
  ];
  const taken = /already reported on (\d{4}-\d{2}-\d{2})/.exec(msg);
  if (taken) return { text: fmt(T.ref_taken, { day: dayFmt.format(new Date(`${taken[1]}T00:00:00Z`)) }) };
  for (const [re, text] of known) if (re.test(msg)) return { text };
  if (e.type === 'missing') return { text: T.missing };
  return { text: T.generic, english: msg };
}

function inputFor(path) {
  const m = /^seizures\[(\d+)\]\.(\w+)(\/\w+)?/.exec(path);
  if (m) {
    const row = rows()[Number(m[1])];
    if (!row) return null;
    const name = m[2] === 'lat' && m[3] ? 'lat' : m[2];
    return $(`[data-name="${name}"]`, row);
  }
  return form.querySelector(`[data-name="${CSS.escape(path)}"]`);
}

function showServerErrors(errors, known = []) {
  const placed = [];
  for (const e of errors || []) {
    const { text, english } = translate(e);
    const field = e.field || '';
    const input = inputFor(field);
    if (input && known.includes(input)) continue;  // the page's own message is shown there
    if (field === 'amendment_reason') {
      reasonNeeded = true;  // the due time passed while the page was open
      amendBox.hidden = false;
      showError(reason, text);
      placed.push(reason);
      continue;
    }
    const dup = /reference '(.+)' appears twice/.exec(e.message || '');
    if (field === 'seizures' && dup) {
      for (const row of rows()) {
        const ref = $('[data-name="ref"]', row);
        if (ref.value.trim() === dup[1]) { showError(ref, T.ref_twice); placed.push(ref); }
      }
      continue;
    }
    if (input) {
      showError(input, text, english);
      placed.push(input);
      if (/\/lon$/.test(field)) {
        const lon = $('[data-name="lon"]', input.closest('.seizure'));
        lon.setAttribute('aria-invalid', 'true');
      }
    } else {
      showFormError(text, english);
    }
  }
  return placed;
}

function labelOf(input) {
  const label = input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
  const text = label ? label.textContent.replace('*', '').trim() : input.name || '';
  const row = input.closest('.seizure');
  return row ? `${$('.sz-title', row).textContent} — ${text}` : text;
}

function summarise(inputs) {
  const unique = [...new Set(inputs)];
  const listEl = el('ul', { class: 'error-links' });
  for (const input of unique) {
    const err = $('.field-error', input.closest('.field') || form);
    const link = el('a', { href: `#${input.id}`, text: labelOf(input) });
    link.addEventListener('click', (ev) => { ev.preventDefault(); input.focus(); });
    const item = el('li', {}, link);
    if (err && err.textContent) item.append(': ', err.firstChild ? err.firstChild.textContent : '');
    listEl.append(item);
  }
  say('error', [fmt(T.fix_fields, { n: unique.length }), listEl], { focus: true });
  if (unique[0]) unique[0].scrollIntoView({ block: 'center' });
}

// --- sending -------------------------------------------------------------------------
async function send(body, { nil = false, problems = [] } = {}) {
  if (busy) return;
  busy = true;
  form.setAttribute('aria-busy', 'true');
  submitButton.disabled = true;
  $('#nil-button').disabled = true;
  const known = problems.map((p) => p.input);
  for (const input of known) refuse(body, input);
  if (!navigator.onLine && !known.length) {  // no line at all: kept, sent when it returns
    await queue(body, nil);
    return done();
  }
  say('info', [known.length ? T.checking : T.saving]);
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf };
  if (baseVersion !== null) headers['If-Match'] = `"${baseVersion}"`;
  let response;
  try {
    response = await fetch(api, { method: 'PUT', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch (_) {
    if (known.length) summarise(known);
    else await queue(body, nil);
    return done();
  }
  let payload = null;
  try { payload = await response.json(); } catch (_) { payload = null; }
  try {
    if (response.ok) await saved(payload, response.status, nil);
    else if (response.status === 412) await stale();
    else if (response.status === 401) signedOut();
    else if (response.status === 422 || response.status === 400) {
      const placed = known.concat(showServerErrors(payload ? payload.errors : [], known));
      if (placed.length) summarise(placed);
      else say('error', [fmt(T.fix_fields, { n: 1 })], { focus: true });
    } else if (response.status === 409) say('error', [T.closed], { focus: true });
    else if (response.status === 403) say('error', [T.forbidden], { focus: true });
    else say('error', [T.server_error], { focus: true });
  } finally {
    done();
  }
}

function done() {
  busy = false;
  form.removeAttribute('aria-busy');
  submitButton.disabled = false;
  $('#nil-button').disabled = false;
}

async function saved(ret, status, nil) {
  const unchanged = status === 200 && ret.version === baseVersion;
  await offline.drop(queueKey);
  waitingBox.hidden = true;
  baseVersion = ret.version;
  hasReturn = true;
  fill(ret);
  reason.value = '';
  clearDraft();
  const cur = $('#current-version');
  if (cur) { cur.hidden = false; cur.textContent = `· ${fmt(T.current_v, { v: ret.version })}`; }
  refreshAmendment();
  submitButton.textContent = T.save_new;
  $('.submit-note').textContent = fmt(T.loaded_v, { v: ret.version });
  const parts = [];
  if (unchanged) parts.push(fmt(T.unchanged, { v: ret.version }));
  else {
    const head = el('p', { class: 'msg-head' });
    head.append(el('strong', { text: nil ? `${T.nil_sent} ` : '' }));
    head.append(fmt(T.saved, { v: ret.version, when: whenFmt.format(new Date(ret.submitted_at)) }), ' ');
    head.append(el('span', { class: ret.late ? 'pill st-late small' : 'pill st-submitted small', text: ret.late ? T.late : T.on_time }));
    parts.push(head);
    parts.push(ret.late ? T.saved_late : T.saved_on_time);
  }
  const back = el('a', { href: calendarUrl(), class: 'btn', text: T.back_calendar });
  parts.push(el('p', { class: 'msg-actions' }, back));
  say('ok', parts, { focus: true });
  await refreshHistory();
}

function calendarUrl() {
  const coordinator = $('.crumbs a[href*="/returns"]');
  return coordinator ? coordinator.getAttribute('href') : `/operations/${enc(page.code)}/returns`;
}

async function stale() {
  let latest = null;
  try {
    const r = await fetch(api, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (r.ok) latest = await r.json();
  } catch (_) { /* the message below still applies */ }
  const v = latest ? latest.version : '?';
  const keep = el('button', { type: 'button', class: 'btn btn-primary', text: T.reload_keep });
  keep.addEventListener('click', () => { saveDraft({ restore: true }); leaving = true; window.location.reload(); });
  const discard = el('button', { type: 'button', class: 'btn', text: T.reload_discard });
  discard.addEventListener('click', () => { clearDraft(); leaving = true; window.location.reload(); });
  saveDraft();
  say('warn', [fmt(T.stale, { v }), el('p', { class: 'msg-actions' }, keep, ' ', discard)], { focus: true });
}

function signedOut() {
  saveDraft({ restore: true });
  leaving = true;
  const link = el('a', { class: 'btn btn-primary', href: `/signin?next=${enc(window.location.pathname)}`, text: T.sign_in });
  say('error', [T.signed_out, el('p', { class: 'msg-actions' }, link)], { focus: true });
}

// --- kept in the browser, waiting to send ----------------------------------------
const queueKey = keyOf(page.code, page.country, page.day);
const waitingBox = $('#waiting-box');
const whenLocal = new Intl.DateTimeFormat(page.lang, { dateStyle: 'medium', timeStyle: 'short' });

$('#waiting-discard').addEventListener('click', async () => {
  if (!window.confirm(T.confirm_discard_kept)) return;
  await offline.drop(queueKey);
  clearDraft();
  leaving = true;
  window.location.reload();
});

function showWaiting(e) {
  waitingBox.hidden = false;
  $('#waiting-when').textContent = fmt(T.waiting_since, { when: whenLocal.format(new Date(e.created)) });
}

async function queue(body, nil) {
  let e;
  try {
    e = await offline.keep({ code: page.code, country: page.country, day: page.day, body, version: baseVersion, csrf });
  } catch (_) {  // no storage in this browser: as before, the input stays in the form
    say('error', [T.network], { focus: true });
    return;
  }
  clearDraft();  // the queue holds it now
  showWaiting(e);
  say('warn', [nil ? `${T.kind_nil}: ${T.queued}` : T.queued], { focus: true });
}

/** The form as it was written, from a waiting entry's body. */
function fillFromBody(body) {
  if (body.nil_return) fill(null);
  else fill({ ...body, counters: body.counters || {}, facilitating_items: body.facilitating_items || {}, notes: body.notes || '', seizures: body.seizures || [] });
  reason.value = body.amendment_reason || '';
}

function fieldName(path) {
  if (path === 'nil_return') return T.kind_nil;
  if (path === 'seizures') return $('#seizures-title').firstChild.textContent.trim();
  const input = form.querySelector(`[data-name="${CSS.escape(path)}"]`);
  return input ? labelOf(input) : path;
}

function valueOf(ret, path) {
  if (!ret) return '—';
  if (path === 'nil_return') return ret.nil_return ? '✓' : '—';
  if (path === 'seizures') {
    const list = ret.seizures || [];
    return list.length ? `${list.length}: ${list.map((s) => s.ref).join(', ')}` : '0';
  }
  if (path === 'notes') return ret.notes || '—';
  const [group, key] = path.split('.');
  return String((ret[group] || {})[key] || 0);
}

async function conflict(e) {
  let theirs = null;
  try {
    const r = await fetch(api, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (r.ok) theirs = await r.json();
  } catch (_) { /* shown without their figures */ }
  const v = theirs ? theirs.version : '?';
  fillFromBody(e.body);
  pristine = JSON.stringify(snapshot());
  showWaiting(e);
  const parts = [fmt(T.conflict, { v, who: theirs ? theirs.submitted_by : '?', when: theirs ? whenFmt.format(new Date(theirs.submitted_at)) : '?' })];
  const diff = theirs ? differences(e.body, theirs) : [];
  if (diff.length) {
    parts.push(T.conflict_fields);
    const tbody = el('tbody');
    for (const path of diff) {
      tbody.append(el('tr', { 'data-field': path },
        el('th', { scope: 'row', text: fieldName(path) }),
        el('td', { class: 'theirs', text: valueOf(theirs, path) }),
        el('td', { class: 'mine', text: valueOf(e.body.nil_return ? { nil_return: true } : e.body, path) })));
    }
    parts.push(el('div', { class: 'table-wrap' }, el('table', { class: 'grid conflict-diff' },
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col', text: T.conflict_field }),
        el('th', { scope: 'col', text: fmt(T.conflict_theirs_col, { v }) }),
        el('th', { scope: 'col', text: T.conflict_mine_col }))),
      tbody)));
  } else if (theirs) parts.push(T.conflict_same);
  const mine = el('button', { type: 'button', class: 'btn btn-primary', id: 'conflict-mine', text: fmt(T.conflict_keep_mine, { v }) });
  mine.addEventListener('click', async () => {
    if (theirs) { baseVersion = theirs.version; hasReturn = true; }
    await offline.update({ ...e, base: baseVersion === null ? 'none' : baseVersion, state: 'held' });
    refreshAmendment();
    say('warn', [fmt(T.conflict_reapply, { v })], { focus: true });
    (amendmentNeeded() ? reason : submitButton).focus();
  });
  const theirsBtn = el('button', { type: 'button', class: 'btn', id: 'conflict-theirs', text: fmt(T.conflict_keep_theirs, { v }) });
  theirsBtn.addEventListener('click', async () => {
    await offline.drop(queueKey);
    clearDraft();
    leaving = true;
    window.location.reload();
  });
  say('error', [...parts, el('p', { class: 'msg-actions' }, mine, ' ', theirsBtn)], { focus: true });
}

async function answered(r, e) {
  if (r.result === 'sent') {
    await saved(r.payload, r.status, Boolean(e && e.body.nil_return));
  } else if (r.result === 'conflict') await conflict(e);
  else if (r.result === 'invalid') {
    showWaiting(e);
    const placed = showServerErrors(r.payload ? r.payload.errors : []);
    say('error', [T.waiting_invalid], { focus: true });
    if (placed.length) summarise(placed);
  } else if (r.result === 'signed_out') signedOut();
  else if (r.result === 'refused') say('error', [r.status === 409 ? T.closed : T.forbidden], { focus: true });
}

window.addEventListener('opcoord:flushed', async (ev) => {
  const r = ev.detail.find((x) => x.key === queueKey);
  if (!r || r.result === 'offline' || r.result === 'retry') return;
  const e = r.result === 'sent' ? { body: {} } : await offline.waitingFor(page.code, page.country, page.day);
  if (e) await answered(r, e);
});

/** A return kept from before (this page, or one opened without a connection). */
async function offerWaiting() {
  const e = await offline.waitingFor(page.code, page.country, page.day);
  if (!e) { offerDraft(); return; }
  baseVersion = e.base === 'none' ? null : e.base;
  hasReturn = baseVersion !== null;
  fillFromBody(e.body);
  pristine = JSON.stringify(snapshot());
  refreshAmendment();
  showWaiting(e);
  if (e.state === 'conflict') await conflict(e);
  else if (e.state === 'invalid' || e.state === 'refused') await answered({ result: e.state, ...e.answer }, e);
  else if (e.state === 'held') say('warn', [fmt(T.conflict_reapply, { v: baseVersion === null ? '—' : baseVersion })]);
  else say('warn', [e.body.nil_return ? `${T.kind_nil}: ${T.queued}` : T.queued]);
}

// --- version history -----------------------------------------------------------------
// What a version is, as return_day.html's version_kind says it.
function versionKind(v) {
  const kind = v.version === 1 ? 'return' : v.amendment_reason ? 'amendment' : 'replacement';
  if (kind === 'return') return v.nil_return ? T.kind_nil : T.kind_return;
  return T[`kind_${kind}${v.nil_return ? '_nil' : ''}`];
}
async function refreshHistory() {
  let versions;
  try {
    const r = await fetch(`${api}/versions`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!r.ok) return;
    versions = await r.json();
  } catch (_) { return; }
  const box = $('#history-box');
  const tbody = $('#history tbody');
  tbody.replaceChildren();
  const base = window.location.pathname;
  versions.slice().reverse().forEach((v, i) => {
    const num = el('td', { text: String(v.version) });
    if (i === 0) num.append(' ', el('span', { class: 'pill st-submitted small', text: T.current }));
    const late = el('td');
    if (v.late) late.append(el('span', { class: 'pill st-late small', text: T.late }));
    else late.textContent = T.on_time;
    tbody.append(el('tr', {},
      num,
      el('td', { text: whenFmt.format(new Date(v.submitted_at)) }),
      el('td', { text: v.submitted_by }),
      late,
      el('td', { text: versionKind(v) }),
      el('td', { class: 'prewrap', text: v.amendment_reason || '—' }),
      el('td', {}, el('a', { href: `${base}?version=${v.version}`, text: fmt(T.view_version, { v: v.version }) })),
    ));
  });
  box.hidden = versions.length === 0;
  if (versions.length) {
    const first = versions[0];
    const current = versions[versions.length - 1];
    const state = first.late ? 'late' : current.nil_return ? 'nil' : 'submitted';
    const pill = $('#day-state');
    pill.className = `pill st-${state}`;
    pill.textContent = T.states[state];
  }
}

// --- drafts: nothing typed is lost -------------------------------------------------
function snapshot() {
  return {
    counters: COUNTER_INPUTS.map((i) => i.value),
    notes: $('#notes').value,
    reason: reason.value,
    seizures: rows().map((row) => ({
      extra: row._extra,
      values: Object.fromEntries(SEIZURE_FIELDS.map((name) => {
        const input = $(`[data-name="${name}"]`, row);
        return [name, input.type === 'checkbox' ? input.checked : input.value];
      })),
    })),
  };
}

function restore(snap) {
  COUNTER_INPUTS.forEach((input, i) => { input.value = snap.counters[i] || ''; });
  $('#notes').value = snap.notes || '';
  reason.value = snap.reason || '';
  list.replaceChildren();
  for (const s of snap.seizures || []) {
    const row = addSeizure(s.extra);
    setRowValues(row, s.values);
  }
  renumber();
}

let pristine = '';
let draftTimer = 0;
function saveDraft(extra = {}) {
  try {
    const snap = snapshot();
    if (JSON.stringify(snap) === pristine && !extra.restore) { sessionStorage.removeItem(draftKey); return; }
    sessionStorage.setItem(draftKey, JSON.stringify({ base: baseVersion, snap, ...extra }));
  } catch (_) { /* storage full or disabled: the form still works */ }
}
function clearDraft() {
  try { sessionStorage.removeItem(draftKey); } catch (_) { /* ignore */ }
  pristine = JSON.stringify(snapshot());
}
function offerDraft() {
  let draft = null;
  try { draft = JSON.parse(sessionStorage.getItem(draftKey) || 'null'); } catch (_) { draft = null; }
  if (!draft || !draft.snap || JSON.stringify(draft.snap) === pristine) return;
  if (draft.restore) {
    restore(draft.snap);
    saveDraft();
    say('warn', [fmt(T.restored, { v: baseVersion === null ? '—' : baseVersion })], { focus: true });
    return;
  }
  const yes = el('button', { type: 'button', class: 'btn btn-primary', text: T.draft_restore });
  const no = el('button', { type: 'button', class: 'btn', text: T.draft_discard });
  yes.addEventListener('click', () => { restore(draft.snap); messages.replaceChildren(); refreshAmendment(); });
  no.addEventListener('click', () => { clearDraft(); messages.replaceChildren(); });
  say('warn', [T.draft_found, el('p', { class: 'msg-actions' }, yes, ' ', no)]);
}

// --- nil return ----------------------------------------------------------------------
const nilDialog = $('#nil-dialog');
$('#nil-button').addEventListener('click', () => {
  const { body } = collect();
  const hasContent = body.seizures.length > 0
    || Object.values(body.counters).some(Boolean) || Object.values(body.facilitating_items).some(Boolean);
  $('#nil-dialog-warn').hidden = !hasContent;
  const needReason = amendmentNeeded();
  $('#nil-reason-box').hidden = !needReason;
  $('#nil-reason').value = reason.value;
  $('#nil-reason-err').hidden = true;
  nilDialog.returnValue = '';
  nilDialog.showModal();
  (needReason ? $('#nil-reason') : $('#nil-confirm')).focus();
});
$('#nil-confirm').addEventListener('click', (ev) => {
  if (!amendmentNeeded()) return;
  const r = $('#nil-reason').value.trim();
  if (!r) {
    ev.preventDefault();
    const err = $('#nil-reason-err');
    err.textContent = T.reason_needed;
    err.hidden = false;
    $('#nil-reason').setAttribute('aria-invalid', 'true');
    $('#nil-reason').focus();
  }
});
nilDialog.addEventListener('close', () => {
  if (nilDialog.returnValue !== 'confirm') { $('#nil-button').focus(); return; }
  clearErrors();
  const body = { nil_return: true };
  if (amendmentNeeded()) {
    body.amendment_reason = $('#nil-reason').value.trim();
    reason.value = body.amendment_reason;
  }
  send(body, { nil: true });
});

// --- the point on a map --------------------------------------------------------------
const mapDialog = $('#map-dialog');
let map = null;
let marker = null;
let picked = null;
let mapRow = null;
let outlines = null;

function setPick(latlng) {
  picked = { lat: Math.round(latlng.lat * 1e5) / 1e5, lon: Math.round(((latlng.lng + 540) % 360 - 180) * 1e5) / 1e5 };
  if (!marker) marker = L.circleMarker(latlng, { radius: 8, color: '#ffd166', weight: 3, fillColor: '#ff9f1c', fillOpacity: 0.9 }).addTo(map);
  marker.setLatLng(latlng);
  $('#pick-readout').textContent = fmt(T.picked, { lat: picked.lat, lon: picked.lon });
  $('#map-use').disabled = false;
}

function openMap(row) {
  if (typeof L === 'undefined') return;
  mapRow = row;
  picked = null;
  $('#map-use').disabled = true;
  $('#pick-readout').textContent = '—';
  mapDialog.showModal();
  if (!map) {
    map = L.map('pick-map', { worldCopyJump: true, attributionControl: false, zoomSnap: 0.5, minZoom: 2, maxZoom: 14 });
    map.setView([30, 10], 2);
    map.on('click', (e) => setPick(e.latlng));
    map.getContainer().addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); setPick(map.getCenter()); }
    });
    fetch('/geo/countries.geojson', { credentials: 'same-origin' })
      .then((r) => r.json())
      .then((geo) => {
        outlines = L.geoJSON(geo, {
          interactive: false,
          style: (f) => ({
            color: '#6b8aa6', weight: 1,
            fillColor: f.id === page.country ? '#2f5a3c' : '#24384b', fillOpacity: 1,
          }),
        }).addTo(map);
        outlines.bringToBack();
        centre(row);
      })
      .catch(() => { /* the map still takes clicks without outlines */ });
  }
  requestAnimationFrame(() => { map.invalidateSize(); centre(row); });
}

function centre(row) {
  const lat = Number(number($('[data-name="lat"]', row).value));
  const lon = Number(number($('[data-name="lon"]', row).value));
  if ($('[data-name="lat"]', row).value.trim() && Number.isFinite(lat) && Number.isFinite(lon)) {
    map.setView([lat, lon], 8);
    setPick(L.latLng(lat, lon));
    return;
  }
  if (marker) { marker.remove(); marker = null; }
  if (outlines) {
    const mine = outlines.getLayers().find((l) => l.feature && l.feature.id === page.country);
    if (mine) { map.fitBounds(mine.getBounds(), { maxZoom: 6 }); return; }
  }
  map.setView([30, 10], 2);
}

$('#map-cancel').addEventListener('click', () => mapDialog.close());
$('#map-use').addEventListener('click', () => {
  if (picked && mapRow) {
    $('[data-name="lat"]', mapRow).value = String(picked.lat);
    $('[data-name="lon"]', mapRow).value = String(picked.lon);
    saveDraft();
  }
  mapDialog.close();
});
mapDialog.addEventListener('close', () => { if (mapRow) $('.sz-pick', mapRow).focus(); });

// --- bulk import -------------------------------------------------------------------
const importForm = $('#import-form');
importForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('#import-result');
  const fileInput = $('#import-file');
  const fileErr = $('#import-file-err');
  fileErr.hidden = true;
  fileInput.removeAttribute('aria-invalid');
  out.replaceChildren();
  if (!fileInput.files.length) {
    fileErr.textContent = T.import_choose;
    fileErr.hidden = false;
    fileInput.setAttribute('aria-invalid', 'true');
    fileInput.focus();
    return;
  }
  const data = new FormData();
  data.append('file', fileInput.files[0]);
  if (reason.value.trim()) data.append('amendment_reason', reason.value.trim());
  const headers = { Accept: 'application/json', 'X-CSRF-Token': csrf };
  if (baseVersion !== null) headers['If-Match'] = `"${baseVersion}"`;
  out.append(el('p', { class: 'muted', text: T.import_uploading }));
  let r;
  try {
    r = await fetch(`${api}/import`, { method: 'POST', headers, body: data, credentials: 'same-origin' });
  } catch (_) {
    out.replaceChildren(el('p', { class: 'msg msg-error', text: T.network }));
    return;
  }
  let payload = null;
  try { payload = await r.json(); } catch (_) { payload = null; }
  out.replaceChildren();
  if (r.ok && payload && payload.version) {
    out.append(el('p', { class: 'msg msg-ok', text: T.import_ok }));
    fileInput.value = '';
    await saved(payload, r.status, false);
    return;
  }
  if (r.status === 404 || r.status === 405) { out.append(el('p', { class: 'msg msg-error', text: T.import_unavailable })); return; }
  if (r.status === 401) { signedOut(); return; }
  if (r.status === 412) { await stale(); return; }
  const errors = (payload && payload.errors) || [];
  const reasonErr = errors.find((e) => e.field === 'amendment_reason');
  if (reasonErr) {
    showServerErrors([reasonErr]);
    reason.focus();
    out.append(el('p', { class: 'msg msg-error', text: T.reason_needed }));
    return;
  }
  const fileErrors = errors.filter((e) => (e.row === undefined || e.row === null));
  if (fileErrors.length && fileErrors.length === errors.length) {
    const t = translate(fileErrors[0]);
    fileErr.replaceChildren(document.createTextNode(t.text));
    if (t.english) fileErr.append(' ', el('span', { lang: 'en', class: 'en-detail', text: `(${t.english})` }));
    fileErr.hidden = false;
    fileInput.setAttribute('aria-invalid', 'true');
    fileInput.focus();
    return;
  }
  const rowsWithErr = errors;
  if (!rowsWithErr.length) {
    out.append(el('p', { class: 'msg msg-error', text: r.status === 409 ? T.closed : T.server_error }));
    return;
  }
  const table = el('table', { class: 'grid import-errors' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: T.import_row }),
      el('th', { scope: 'col', text: T.import_field }),
      el('th', { scope: 'col', text: T.import_problem }))));
  const tbody = el('tbody');
  for (const e of rowsWithErr) {
    const t = translate(e);
    const cell = el('td', { text: t.text });
    if (t.english) cell.append(' ', el('span', { lang: 'en', class: 'en-detail', text: `(${t.english})` }));
    tbody.append(el('tr', {}, el('td', { text: e.row === null || e.row === undefined ? '—' : String(e.row) }), el('td', { text: e.field || '' }), cell));
  }
  table.append(tbody);
  out.append(el('p', { class: 'msg msg-error', role: 'alert', text: T.import_refused }), el('div', { class: 'table-wrap' }, table));
});

// --- wiring ---------------------------------------------------------------------------
$('#add-seizure').addEventListener('click', () => { addSeizure(null, { focus: true }); saveDraft(); });
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  clearErrors();
  refreshAmendment();
  const { body, problems } = collect();
  // One round: the page's messages at once, the server's for the other fields with them.
  for (const p of problems) showError(p.input, p.text);
  send(body, { problems });
});
form.addEventListener('input', (ev) => {
  const field = ev.target.closest('.field.has-error');
  if (field) {  // the user is fixing it: the old message goes
    field.classList.remove('has-error');
    ev.target.removeAttribute('aria-invalid');
    const err = $('.field-error', field);
    if (err) err.hidden = true;
  }
  clearTimeout(draftTimer);
  draftTimer = setTimeout(saveDraft, 400);
});
window.addEventListener('pagehide', () => { if (!leaving) saveDraft(); });

fill(page.current);
pristine = JSON.stringify(snapshot());
refreshAmendment();
offerWaiting();
window.opcoordReturn = { snapshot, rows: () => rows().length, version: () => baseVersion };
