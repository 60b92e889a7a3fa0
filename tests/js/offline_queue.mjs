// The offline queue's logic (frontend/static/js/offline/queue.js) under node, with a
// store in memory and a fake server: preconditions, order, what each answer does to an
// entry, and that a retry after a lost answer makes no second version.
//
//   node tests/js/offline_queue.mjs      (exit status 0 when every check holds)

import assert from "node:assert/strict";
import { conditions, differences, entry, flush, memoryStore, outcome } from "../../frontend/static/js/offline/queue.js";

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

/** A server keeping versions per URL the way opcoord does: If-Match / If-None-Match, and
 * no version for a body identical to the current one. */
function fakeServer({ down = false } = {}) {
  const days = new Map();
  const calls = [];
  const server = {
    days, calls, down,
    fetch: async (url, init) => {
      calls.push({ url, headers: init.headers, body: init.body });
      if (server.down) throw new TypeError("Failed to fetch");
      const versions = days.get(url) || [];
      const current = versions[versions.length - 1];
      const reply = (status, payload) => ({ status, json: async () => payload });
      if (current && current.body === init.body) return reply(200, { version: versions.length });
      const match = init.headers["If-Match"];
      if (init.headers["If-None-Match"] === "*" && current) {
        return reply(412, { errors: [{ type: "stale_version", current_version: versions.length }] });
      }
      if (match && match !== `"${versions.length}"`) return reply(412, { errors: [{ current_version: versions.length }] });
      if (JSON.parse(init.body).counters?.persons_checked < 0) return reply(422, { errors: [{ field: "counters.persons_checked" }] });
      versions.push({ body: init.body });
      days.set(url, versions);
      return reply(versions.length === 1 ? 201 : 200, { version: versions.length });
    },
  };
  return server;
}

const day = (d, body, version = null, now = 0) =>
  entry({ code: "OP", country: "ES", day: d, body, version, csrf: "t", now });

check("a first version is sent with If-None-Match: *, a later one with If-Match", () => {
  assert.deepEqual(conditions(day("2026-06-10", {})), { "If-None-Match": "*" });
  assert.deepEqual(conditions(day("2026-06-10", {}, 3)), { "If-Match": '"3"' });
});

check("answers: 2xx sent, 412 conflict, 422 invalid, 401 signed out, 5xx retried", () => {
  assert.equal(outcome(201), "sent");
  assert.equal(outcome(200), "sent");
  assert.equal(outcome(412), "conflict");
  assert.equal(outcome(422), "invalid");
  assert.equal(outcome(401), "signed_out");
  assert.equal(outcome(409), "refused");
  assert.equal(outcome(503), "retry");
});

check("entries are sent oldest first and removed once the server has them", async () => {
  const server = fakeServer();
  const store = memoryStore([
    day("2026-06-11", { notes: "b" }, null, 20),
    day("2026-06-10", { notes: "a" }, null, 10),
  ]);
  const done = await flush(store, server.fetch);
  assert.deepEqual(done.map((d) => [d.entry.day, d.result]), [["2026-06-10", "sent"], ["2026-06-11", "sent"]]);
  assert.equal(store.map.size, 0);
});

check("with the line down nothing is lost and the rest is not tried", async () => {
  const server = fakeServer({ down: true });
  const store = memoryStore([day("2026-06-10", { notes: "a" }, null, 1), day("2026-06-11", {}, null, 2)]);
  const done = await flush(store, server.fetch);
  assert.deepEqual(done.map((d) => d.result), ["offline"]);
  assert.equal(store.map.size, 2);
  assert.equal(server.calls.length, 1);
  assert.equal(store.map.get("OP/ES/2026-06-10").state, "waiting");
});

check("a retry after a lost answer makes no second version", async () => {
  const server = fakeServer();
  const e = day("2026-06-10", { notes: "mine" });
  await flush(memoryStore([e]), server.fetch);  // saved, but say the answer was lost
  const again = await flush(memoryStore([e]), server.fetch);
  assert.equal(again[0].result, "sent");
  assert.equal(again[0].status, 200);
  assert.equal(server.days.get(server.calls[0].url).length, 1);
});

check("a newer version on the server is a conflict: kept, never overwritten", async () => {
  const server = fakeServer();
  const mine = day("2026-06-10", { notes: "mine" });
  await flush(memoryStore([day("2026-06-10", { notes: "theirs" })]), server.fetch);
  const store = memoryStore([mine]);
  const done = await flush(store, server.fetch);
  assert.equal(done[0].result, "conflict");
  assert.equal(store.map.get(mine.key).state, "conflict");
  assert.equal(server.days.get(server.calls[0].url).length, 1);
  // Not sent again by itself: the person decides.
  assert.deepEqual(await flush(store, server.fetch), []);
});

check("a refused body stays, with the server's errors", async () => {
  const server = fakeServer();
  const store = memoryStore([day("2026-06-10", { counters: { persons_checked: -1 } })]);
  const done = await flush(store, server.fetch);
  assert.equal(done[0].result, "invalid");
  const kept = store.map.get("OP/ES/2026-06-10");
  assert.equal(kept.state, "invalid");
  assert.equal(kept.answer.payload.errors[0].field, "counters.persons_checked");
});

check("a token from an earlier session is replaced by the page's, and never refused for good", async () => {
  const seen = [];
  const store = memoryStore([day("2026-06-10", { notes: "a" })]);
  const refusing = async (url, init) => {
    seen.push(init.headers["X-CSRF-Token"]);
    return { status: 403, json: async () => ({ errors: [{ type: "csrf" }] }) };
  };
  const done = await flush(store, refusing);
  assert.equal(done[0].result, "retry");
  assert.equal(store.map.get("OP/ES/2026-06-10").state, "waiting");
  const server = fakeServer();
  await flush(store, async (url, init) => { seen.push(init.headers["X-CSRF-Token"]); return server.fetch(url, init); }, { csrf: "new" });
  assert.deepEqual(seen, ["t", "new"]);
  assert.equal(store.map.size, 0);
});

check("differences name the fields that differ", () => {
  const theirs = { nil_return: false, counters: { persons_checked: 5, arrests: 0 }, facilitating_items: {}, seizures: [], notes: "" };
  const mine = { nil_return: false, counters: { persons_checked: 7, arrests: 0 }, facilitating_items: {}, seizures: [{ ref: "A", category: "coins", quantity: 1, place_type: "border_crossing" }], notes: "" };
  assert.deepEqual(differences(mine, theirs), ["counters.persons_checked", "seizures"]);
  assert.deepEqual(differences({ nil_return: true }, theirs), ["nil_return", "counters.persons_checked"]);
});

let failed = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n${e.stack}`);
  }
}
process.exit(failed ? 1 : 0);
