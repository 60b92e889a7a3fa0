// The dashboard's state: the server's snapshot, with each live event applied to it.
//
// A line-for-line mirror of src/opcoord/live/state.py; tests run both on the same event
// sequences (tests/live/test_reducers.py), so the two cannot drift. Neither decides
// anything: events carry the day ledger's states, the day being collected and the last
// day due; this only puts them in place and counts them.

export const DAY_STATES = ["upcoming", "collecting", "submitted", "nil", "late", "missing",
  "not_expected"];
export const REVIEW_STATES = ["pending", "approved", "query", "on_hold"];
export const RETURN_EVENTS = new Set(["return_submitted", "return_amended", "nil_return"]);
// Keys of an event that replace the same keys of the snapshot's completeness.
export const COMPLETENESS_KEYS = ["collecting", "collecting_due_at", "last_due", "days"];
// Keys of an operation_status_changed event that replace the operation's.
export const OPERATION_KEYS = ["status", "closed_at", "closed_early"];
// Day states of a return received (the ledger's RETURNED).
export const RECEIVED = ["submitted", "nil", "late"];

// Like figures.money: a sum of values, two decimals, an integer when whole.
export function money(value) {
  return Math.round(Number(value || 0) * 100) / 100;
}

function sortedKeys(object) {
  const out = {};
  Object.keys(object).sort().forEach((k) => { out[k] = object[k]; });
  return out;
}

export function applyDelta(totals, change) {
  const out = {};
  for (const [k, v] of Object.entries(totals)) {
    out[k] = v && typeof v === "object" ? { ...v } : v;
  }
  for (const [key, value] of Object.entries(change)) {
    if (value && typeof value === "object") {
      const target = out[key] || {};
      for (const [k, v] of Object.entries(value)) {
        target[k] = key === "estimated_value" ? money((target[k] || 0) + v) : (target[k] || 0) + v;
        if (!target[k]) { delete target[k]; }
      }
      out[key] = sortedKeys(target);
    } else {
      out[key] = (out[key] || 0) + value;
    }
  }
  return out;
}

export function countCells(countries) {
  const counts = {};
  DAY_STATES.forEach((s) => { counts[s] = 0; });
  for (const cells of Object.values(countries)) {
    for (const s of Object.values(cells)) { counts[s] = (counts[s] || 0) + 1; }
  }
  return counts;
}

export function countReviews(countries) {
  const counts = {};
  REVIEW_STATES.forEach((s) => { counts[s] = 0; });
  for (const cells of Object.values(countries)) {
    for (const s of Object.values(cells)) { counts[s] = (counts[s] || 0) + 1; }
  }
  return counts;
}

function byName(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

// Figures and completeness per region of the snapshot's participants (none when no
// participant has a region; countries in no region under null, last), from what the
// snapshot holds per country: its day cells, objects and seizures.
export function regionRows(snap) {
  const people = snap.participants;
  if (!people.some((p) => p.region)) { return []; }
  const groups = {};
  for (const p of [...people].sort((a, b) => byName(a.country, b.country))) {
    const name = p.region || "";
    if (!(name in groups)) { groups[name] = []; }
    groups[name].push(p.country);
  }
  const grid = snap.completeness.countries;
  const objects = snap.totals.objects_by_country || {};
  const seizures = snap.seizures_by_country || {};
  const names = Object.keys(groups).sort(
    (a, b) => (a === "") - (b === "") || byName(a, b));
  return names.map((name) => {
    const countries = groups[name];
    const states = countries.map((c) => Object.values(grid[c] || {}));
    const sum = (f) => countries.reduce((n, c) => n + (f[c] || 0), 0);
    return {
      region: name || null,
      countries,
      participating: countries.length,
      reporting: states.filter((row) => row.some((s) => RECEIVED.includes(s))).length,
      returns: states.reduce((n, row) => n + row.filter((s) => RECEIVED.includes(s)).length, 0),
      missing: states.reduce((n, row) => n + row.filter((s) => s === "missing").length, 0),
      seizures: sum(seizures),
      objects_seized: sum(objects),
    };
  });
}

// Seizures per country: a return's change to its country's, or an event's own
// seizures_by_country change (a merged pair of duplicates).
function applySeizures(snap, event) {
  const byCountry = snap.seizures_by_country;
  if (!byCountry) { return; }
  const changes = { ...(event.seizures_by_country || {}) };
  const seizures = (event.delta && event.delta.seizures) || 0;
  if (RETURN_EVENTS.has(event.type) && "country" in event && seizures) {
    changes[event.country] = (changes[event.country] || 0) + seizures;
  }
  for (const [country, n] of Object.entries(changes)) {
    byCountry[country] = (byCountry[country] || 0) + n;
    if (!byCountry[country]) { delete byCountry[country]; }
  }
}

// A return's review state: pending with each new version, else as reviewed.
function applyReview(snap, event) {
  const reviews = snap.reviews;
  if (!reviews || !("country" in event) || !("day" in event)) { return; }
  let status = event.review_status;
  if (event.type === "return_reviewed" && event.review && typeof event.review === "object") {
    status = event.review.status;
  }
  if (status === undefined || status === null) { return; }
  if (!(event.country in reviews.countries)) { reviews.countries[event.country] = {}; }
  reviews.countries[event.country][event.day] = status;
  reviews.counts = countReviews(reviews.countries);
}

export function applyEvent(snapshot, event) {
  const snap = structuredClone(snapshot);
  const kind = event.type;
  snap.seq = Math.max(snap.seq, event.seq);
  if ("delta" in event) { snap.totals = applyDelta(snap.totals, event.delta); }
  const completeness = snap.completeness;
  const grid = completeness.countries;
  if (RETURN_EVENTS.has(kind)) {
    const objects = (event.delta && event.delta.objects_seized) || 0;
    if (objects && "day" in event) {
      const byDay = snap.objects_by_day;
      byDay[event.day] = (byDay[event.day] || 0) + objects;
      if (!byDay[event.day]) { delete byDay[event.day]; }
    }
    if (event.country in grid && "day_status" in event) {
      grid[event.country][event.day] = event.day_status;
    }
  }
  if (kind === "participant_added") {
    const p = event.participant;
    snap.participants = [...snap.participants, p].sort(
      (a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
    snap.operation.participants = snap.participants.length;
    for (const country of Object.keys(event.completeness || {})) {
      if (!(country in grid)) { grid[country] = {}; }
    }
  }
  if (kind === "participant_changed" && event.participant) {
    const p = event.participant;
    snap.participants = snap.participants.map((x) => (x.country === p.country ? p : x));
  }
  for (const [country, cells] of Object.entries(event.completeness || {})) {
    if (country in grid) { Object.assign(grid[country], cells); }
  }
  for (const key of COMPLETENESS_KEYS) {
    if (key in event) { completeness[key] = event[key]; }
  }
  if (kind === "operation_status_changed") {
    for (const key of OPERATION_KEYS) {
      if (key in event) { snap.operation[key] = event[key]; }
    }
  }
  applyReview(snap, event);
  applySeizures(snap, event);
  completeness.counts = countCells(grid);
  if ("regions" in snap) { snap.regions = regionRows(snap); }
  return snap;
}
