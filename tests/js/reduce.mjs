// Applies the dashboard's reducer (frontend/static/js/live/state.js) to recorded event sequences
// and checks each ends where a fresh snapshot starts. Called by the Python tests with the
// same sequences they check src/opcoord/live/state.py on (tests/live/reducers.py).
//
//   node tests/js/reduce.mjs CASES.json    (CASES: [{name, initial, events, expected}])

import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { applyEvent } from "../../frontend/static/js/live/state.js";

const IGNORED = new Set(["at", "recent", "type"]);

function comparable(snapshot) {
  return Object.fromEntries(Object.entries(snapshot).filter(([k]) => !IGNORED.has(k)));
}

function firstDifference(a, b, path = "") {
  if (isDeepStrictEqual(a, b)) { return null; }
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], `${path}.${key}`);
      if (found) { return found; }
    }
  }
  return `${path || "."}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf-8"));
let failed = 0;
for (const { name, initial, events, expected } of cases) {
  let state = initial;
  for (const event of events) { state = applyEvent(state, event); }
  const diff = firstDifference(comparable(state), comparable(expected));
  if (diff) {
    failed += 1;
    console.log(`FAIL ${name}: ${diff}`);
  } else {
    console.log(`ok ${name} (${events.length} events)`);
  }
}
process.exit(failed ? 1 : 0);
