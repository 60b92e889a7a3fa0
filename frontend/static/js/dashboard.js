// opcoord live dashboard: one websocket, one state, redrawn from it.
//
// The state is the server's snapshot; each event is applied to it by the reducer in
// live/state.js (the mirror of src/opcoord/live/state.py), so the screen after any number
// of events shows what a fresh page would. The page computes no state of its own: which
// day is being collected, which is the last one due and what state each country's day is
// in all come from the server. Server strings only ever reach the page through
// textContent or attributes: never innerHTML.

import { RETURN_EVENTS, applyEvent } from "./live/state.js";

const root = document.getElementById("dashboard");
if (root) { main(root); }

function main(root) {
  var CODE = root.dataset.code;
  var TZ = root.dataset.timezone || "UTC";
  var SVG_NS = "http://www.w3.org/2000/svg";
  // The page's language (html lang); English dates stay day-month, as partners write them.
  var LANG = document.documentElement.lang || "en";
  var LOCALE = LANG === "en" ? "en-GB" : LANG;
  var T = JSON.parse(document.getElementById("i18n").textContent);
  var NUM = new Intl.NumberFormat(LOCALE);
  var PLURAL = new Intl.PluralRules(LOCALE);
  var REGION = typeof Intl.DisplayNames === "function"
    ? new Intl.DisplayNames([LOCALE], {type: "region"}) : null;
  var FEED_MAX = 80;
  var PING_EVERY = 20000, SILENCE_LIMIT = 50000;

  // --- time: the server's clock, for the "data as of" stamp ----------------------

  var skew = 0;  // server clock minus this browser's clock, from the snapshot's "at"
  function now() { return Date.now() + skew; }

  var clockFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: TZ, hour: "2-digit",
    minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short"});
  var hmFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: TZ, hour: "2-digit",
    minute: "2-digit", hourCycle: "h23"});
  var dayFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: "UTC", day: "numeric", month: "long"});
  var shortDayFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: "UTC", day: "numeric",
    month: "short"});
  var longDayFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: "UTC", weekday: "short",
    day: "numeric", month: "long"});
  // A moment the server sent (a due time, the closing), shown in the operation's zone.
  var dueFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: TZ, day: "numeric", month: "short",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23"});

  var keyFmt = new Intl.DateTimeFormat("en-CA", {timeZone: TZ, year: "numeric",
    month: "2-digit", day: "2-digit"});
  var feedDayFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: TZ, day: "numeric",
    month: "short"});
  function localDay(ms) { return keyFmt.format(ms); }

  function isoToUtc(iso) {
    var d = iso.split("-").map(Number);
    return Date.UTC(d[0], d[1] - 1, d[2]);
  }
  var windowFmt = new Intl.DateTimeFormat(LOCALE, {timeZone: "UTC", day: "numeric",
    month: "long", year: "numeric"});
  function rangeFmt(s, e) {  // "1–14 juin 2026", as the language writes a span of days
    return typeof windowFmt.formatRange === "function"
      ? windowFmt.formatRange(isoToUtc(s), isoToUtc(e))
      : windowFmt.format(isoToUtc(s)) + " – " + windowFmt.format(isoToUtc(e));
  }
  var PCT = new Intl.NumberFormat(LOCALE, {style: "percent", maximumFractionDigits: 0});
  function dayLabel(iso) { return dayFmt.format(isoToUtc(iso)); }
  function shortDay(iso) { return shortDayFmt.format(isoToUtc(iso)); }

  // --- small DOM helpers ------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }
  function flash(node) {
    node.classList.remove("flash");
    void node.offsetWidth;  // restart the animation
    node.classList.add("flash");
  }
  // A translated sentence with its %(name)s placeholders filled (values are text).
  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (m, k) {
      return values && values[k] !== undefined && values[k] !== null ? String(values[k]) : m;
    });
  }
  // forms: the message for 1, 2 and 5 (see dashboard.html); Intl picks which one n takes.
  function plural(n, forms, values) {
    var cat = PLURAL.select(n);
    var text = cat === "one" ? forms[0] : cat === "few" ? forms[1] : forms[2];
    return fmt(text, Object.assign({num: NUM.format(n)}, values || {}));
  }
  function objects(n) { return plural(n, T.n_objects); }
  function word(table, v) {  // a vocabulary value in the page's language
    return table && table[v] ? table[v] : String(v || "").replace(/_/g, " ");
  }
  function countryName(cc) {
    if (state && LANG === "en") {  // the server's names are English
      for (var i = 0; i < state.participants.length; i++) {
        if (state.participants[i].country === cc) { return state.participants[i].name; }
      }
    }
    try { return REGION ? REGION.of(cc) : cc; } catch (e) { return cc; }
  }

  // --- rendering --------------------------------------------------------------------

  var state = null;
  var rendered = false;  // the first paint does not flash

  function setText(node, text) {
    if (node.textContent !== text) {
      node.textContent = text;
      if (rendered) { flash(node); }
    }
  }

  function renderTotals() {
    var t = state.totals;
    root.querySelectorAll("[data-total]").forEach(function (node) {
      var key = node.dataset.total;
      var v = key === "investigations"
        ? (t.investigations_criminal || 0) + (t.investigations_administrative || 0)
        : t[key] || 0;
      setText(node, NUM.format(v));
    });
    var list = document.getElementById("values");
    var values = t.estimated_value || {};
    var currencies = Object.keys(values).sort();
    var text = currencies.map(function (c) { return c + values[c]; }).join("|");
    if (list.dataset.text === text) { return; }
    list.dataset.text = text;
    list.textContent = "";
    if (!currencies.length) { list.appendChild(el("li", "none", T.none_reported)); }
    currencies.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", "cur", c));
      var whole = Number.isInteger(values[c]);
      li.appendChild(el("span", "amt", new Intl.NumberFormat(LOCALE, {
        minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2}).format(values[c])));
      list.appendChild(li);
    });
    if (rendered) { flash(list); }
  }

  function renderHeader() {
    var op = state.operation;
    var badge = document.getElementById("op-status");
    badge.className = "status status-" + op.status;
    setText(badge, word(T.status, op.status));
    var win = document.getElementById("op-window");
    var s = op.starts_on, e = op.ends_on;
    var text = LANG === "en" ? (s.slice(0, 7) === e.slice(0, 7)
      ? Number(s.slice(8)) + " – " + dayLabel(e) + " " + e.slice(0, 4)
      : dayLabel(s) + (s.slice(0, 4) === e.slice(0, 4) ? "" : " " + s.slice(0, 4)) + " – " +
        dayLabel(e) + " " + e.slice(0, 4))
      : rangeFmt(s, e);
    var days = state.completeness.days;
    var idx = days.indexOf(state.completeness.collecting);
    if (idx >= 0 && op.status === "active") {
      text += " · " + fmt(T.day_of, {day: NUM.format(idx + 1), days: NUM.format(days.length)});
    }
    win.textContent = text;
    // A closed operation expects nothing more: no due time, no "live" collecting.
    var closed = op.status === "closed";
    document.getElementById("op-due").hidden = closed;
    if (closed && root.dataset.role === "coordinator") {
      setText(document.getElementById("compl-title"), T.reporting_final);
    }
    if (conn === "live") { connText.textContent = liveText(); }
  }

  function liveText() {
    return state && state.operation.status === "closed" ? T.final : T.live;
  }

  // Completeness: per country, the last day due and the day being collected, as the
  // server named them (state.completeness.last_due / .collecting).
  var RANK = {missing: 0, late: 1, collecting: 2, upcoming: 3, nil: 4, submitted: 5,
    not_expected: 6};
  var STATUS = {
    submitted: ["✓", T.day_status.submitted], nil: ["∅", T.day_status.nil],
    late: ["!", T.day_status.late], missing: ["✕", T.day_status.missing],
    collecting: ["◷", T.day_status.collecting], upcoming: ["·", T.day_status.upcoming],
    not_expected: ["–", T.day_status.not_expected]
  };
  var sort = {key: "country", dir: "ascending"};
  var lastCells = {};

  function chip(status) {
    var span = el("span", "chip st-" + (status || "none"));
    var def = STATUS[status] || ["–", T.day_status.none];
    span.appendChild(el("span", "ico", def[0])).setAttribute("aria-hidden", "true");
    span.appendChild(el("span", "lbl", def[1]));
    return span;
  }

  // The region a coordinator put the country in ("" for none), from the participants.
  function regionOf(cc) {
    var found = (state.participants || []).filter(function (p) { return p.country === cc; });
    return found.length && found[0].region ? found[0].region : "";
  }

  // Regions, when any country has one: the "Show" list gains one entry per region.
  function renderRegionChoices() {
    var select = document.getElementById("compl-show");
    var names = [];
    (state.participants || []).forEach(function (p) {
      if (p.region && names.indexOf(p.region) < 0) { names.push(p.region); }
    });
    names.sort();
    var have = Array.prototype.map.call(select.querySelectorAll("option[data-region]"),
      function (o) { return o.dataset.region; });
    if (have.join("\n") === names.join("\n")) { return; }
    select.querySelectorAll("option[data-region]").forEach(function (o) { o.remove(); });
    names.forEach(function (name) {
      var option = el("option", "", fmt(T.region_option, {region: name}));
      option.value = "region:" + name;
      option.dataset.region = name;
      select.appendChild(option);
    });
  }

  function completenessRows(lastDue, collecting) {
    var grid = state.completeness.countries;
    return Object.keys(grid).map(function (cc) {
      var cells = grid[cc], n = {submitted: 0, nil: 0, late: 0, missing: 0};
      Object.keys(cells).forEach(function (d) {
        if (n[cells[d]] !== undefined) { n[cells[d]] += 1; }
      });
      return {country: cc, name: countryName(cc), region: regionOf(cc),
        last_due: lastDue ? cells[lastDue] : undefined,
        collecting: collecting ? cells[collecting] : undefined,
        submitted: n.submitted, nil: n.nil, late: n.late, missing: n.missing};
    });
  }

  function compare(a, b) {
    var k = sort.key, x = a[k], y = b[k], r;
    if (k === "country") { r = x < y ? -1 : x > y ? 1 : 0; }
    else if (k === "last_due" || k === "collecting") {
      r = (x in RANK ? RANK[x] : 9) - (y in RANK ? RANK[y] : 9);
    } else { r = x - y; }
    if (sort.dir !== "ascending") { r = -r; }
    // Ties stay in country order whichever way the column sorts.
    return r || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0);
  }

  // What the coordinator asked to see: a board of every country (one small tile each,
  // forty fit on a 1440 x 900 screen; the first view) or the table, which sorts; a text
  // filter and a state filter apply to both. The choice is remembered in this browser.
  var VIEW_KEY = "opcoord.completeness.view";
  var view = null;
  function savedView() {
    try { return window.localStorage.getItem(VIEW_KEY); } catch (e) { return null; }
  }
  var FILTERS = {
    attention: function (r) { return r.last_due === "missing" || r.last_due === "late"; },
    waiting: function (r) { return r.collecting === "collecting"; }
  };
  function shown(rows) {
    var text = document.getElementById("compl-filter").value.trim().toLowerCase();
    var chosen = document.getElementById("compl-show").value;
    var only = chosen.indexOf("region:") === 0
      ? function (r) { return r.region === chosen.slice(7); } : FILTERS[chosen];
    return rows.filter(function (r) {
      var named = !text || r.country.toLowerCase().indexOf(text) === 0 ||
        String(r.name).toLowerCase().indexOf(text) >= 0 ||
        String(r.region).toLowerCase().indexOf(text) >= 0;
      return named && (!only || only(r));
    });
  }
  function setView(next, remember) {
    view = next === "table" ? "table" : "board";
    if (remember) {
      try { window.localStorage.setItem(VIEW_KEY, view); } catch (e) { /* private mode */ }
    }
    document.getElementById("compl-board").hidden = view !== "board";
    document.getElementById("compl-table").hidden = view !== "table";
    root.querySelectorAll(".compl-views button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.view === view));
    });
  }

  function renderCompleteness() {
    var c = state.completeness, lastDue = c.last_due, collecting = c.collecting;
    document.getElementById("due-head").textContent =
      lastDue ? fmt(T.last_due_day, {day: shortDay(lastDue)}) : T.last_due;
    document.getElementById("today-head").textContent = collecting
      ? fmt(T.collecting_day, {day: shortDay(collecting)}) : T.collecting;
    // No day being collected (planned, or closed): no column that would say so per row.
    root.querySelector("#compl thead th[data-key=collecting]").hidden = !collecting;
    renderRegionChoices();
    var all = completenessRows(lastDue, collecting).sort(compare);
    if (view === null) { setView(savedView()); }
    var rows = shown(all);
    document.getElementById("compl-count").textContent = rows.length === all.length
      ? plural(all.length, T.n_countries)
      : fmt(T.n_of_countries, {shown: NUM.format(rows.length), total: NUM.format(all.length)});
    var body = document.getElementById("compl-body");
    body.textContent = "";
    if (!rows.length) {
      var td = el("td", "empty", all.length ? T.no_match : T.no_countries);
      td.colSpan = 7;
      body.appendChild(el("tr")).appendChild(td);
    }
    var seen = {};
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.dataset.country = r.country;
      var th = el("th");
      th.scope = "row";
      th.appendChild(el("span", "cc", r.country));
      th.appendChild(el("span", "cname", r.name));
      if (r.region) { th.appendChild(el("span", "cregion", r.region)); }
      tr.appendChild(th);
      [["last_due", r.last_due], ["collecting", r.collecting]].forEach(function (pair) {
        if (pair[0] === "collecting" && !collecting) { return; }
        var cell = el("td", "status-cell");
        cell.dataset.col = pair[0];
        cell.appendChild(chip(pair[1]));
        var key = r.country + "|" + pair[0];
        if (rendered && key in lastCells && lastCells[key] !== pair[1]) { flash(cell); }
        seen[key] = pair[1];
        tr.appendChild(cell);
      });
      ["submitted", "nil", "late", "missing"].forEach(function (k) {
        var cell = el("td", "num n-" + k + (r[k] ? "" : " zero"), NUM.format(r[k]));
        cell.dataset.col = k;
        var key = r.country + "|" + k;
        if (rendered && key in lastCells && lastCells[key] !== r[k]) { flash(cell); }
        seen[key] = r[k];
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
    var before = lastCells;
    lastCells = seen;
    renderBoard(rows, lastDue, collecting, all.length, before);
    renderCompletenessSummary(all);
    root.querySelectorAll("#compl thead th").forEach(function (h) {
      h.setAttribute("aria-sort", h.dataset.key === sort.key ? sort.dir : "none");
    });
  }

  // One tile per country, one line: its code and name, the state of the last day due
  // (the tile's colour and a sign) and of the day being collected (a sign). The words,
  // and its totals of late and missing days, are its label and tooltip; the legend above
  // names the colours and signs.
  function renderBoard(rows, lastDue, collecting, total, before) {
    var board = document.getElementById("compl-board");
    board.textContent = "";
    if (!rows.length) {
      board.appendChild(el("li", "empty", total ? T.no_match : T.no_countries));
      return;
    }
    rows.forEach(function (r) {
      var li = el("li", "ctile st-" + (r.last_due || "none"));
      li.dataset.country = r.country;
      li.appendChild(el("span", "cc", r.country));
      li.appendChild(el("span", "ct-name", r.name));
      var due = STATUS[r.last_due] || ["–", T.day_status.none];
      li.appendChild(el("span", "ct-sign ct-due st-" + (r.last_due || "none"), due[0]))
        .setAttribute("aria-hidden", "true");
      if (collecting) {
        li.appendChild(el("span", "ct-sign ct-coll st-" + (r.collecting || "none"),
          (STATUS[r.collecting] || ["–"])[0])).setAttribute("aria-hidden", "true");
      }
      var words = [r.country + " " + r.name];
      if (lastDue) { words.push(fmt(T.last_due_day, {day: shortDay(lastDue)}) + ": " + due[1]); }
      if (collecting) {
        words.push(fmt(T.collecting_day, {day: shortDay(collecting)}) + ": " +
          (STATUS[r.collecting] || ["", T.day_status.none])[1]);
      }
      if (r.missing) { words.push(T.day_status.missing + " " + plural(r.missing, T.n_days)); }
      if (r.late) { words.push(T.day_status.late + " " + plural(r.late, T.n_days)); }
      li.setAttribute("aria-label", words.join(" · "));
      li.title = words.join("\n");
      var key = r.country + "|tile";
      if (rendered && before[key] !== undefined && before[key] !== r.last_due + r.collecting) {
        flash(li);
      }
      lastCells[key] = r.last_due + r.collecting;
      board.appendChild(li);
    });
  }

  // One line per day the coordinator chases: the day being collected (with its due time)
  // and the last day due, each with how many countries have sent it.
  function renderCompletenessSummary(rows) {
    var c = state.completeness;
    var note = document.getElementById("compl-note");
    var legend = document.getElementById("compl-legend");
    legend.textContent = "";
    var lines = [];
    if (c.collecting) {
      var received = rows.filter(function (r) {
        return r.collecting === "submitted" || r.collecting === "nil";
      }).length;
      var taking = rows.filter(function (r) { return r.collecting !== undefined; }).length;
      lines.push(fmt(T.collecting_note, {day: longDayFmt.format(isoToUtc(c.collecting)),
        done: NUM.format(received), total: NUM.format(taking),
        due: c.collecting_due_at ? dueFmt.format(Date.parse(c.collecting_due_at)) : ""}));
    }
    if (c.last_due) {
      var due = rows.filter(function (r) { return r.last_due !== undefined; });
      var done = due.filter(function (r) {
        return r.last_due === "submitted" || r.last_due === "nil" || r.last_due === "late";
      }).length;
      lines.push(fmt(T.last_due_note, {day: longDayFmt.format(isoToUtc(c.last_due)),
        done: NUM.format(done), total: NUM.format(due.length)}));
    }
    if (state.operation.status === "closed") {
      lines.unshift(state.operation.closed_at
        ? fmt(T.closed_note, {at: dueFmt.format(Date.parse(state.operation.closed_at))})
        : T.closed);
    }
    note.textContent = lines.length ? lines.join(" · ") : T.nothing_due;
    if (!c.last_due) { return; }
    var n = {submitted: 0, nil: 0, late: 0, missing: 0};
    rows.forEach(function (r) { if (r.last_due in n) { n[r.last_due] += 1; } });
    var bar = el("span", "stack");
    bar.setAttribute("aria-hidden", "true");
    ["submitted", "nil", "late", "missing"].forEach(function (k) {
      if (!n[k]) { return; }
      var seg = el("span", "seg st-" + k);
      seg.style.flexGrow = String(n[k]);
      bar.appendChild(seg);
    });
    legend.appendChild(bar);
    ["submitted", "nil", "late", "missing"].forEach(function (k) {
      var item = el("span", "key");
      item.appendChild(chip(k));
      item.appendChild(el("b", null, NUM.format(n[k])));
      legend.appendChild(item);
    });
  }

  function niceStep(max, ticks) {
    var raw = Math.max(1, max) / ticks;
    var pow = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * pow >= raw) { return Math.max(1, Math.ceil(steps[i] * pow)); }
    }
    return Math.ceil(10 * pow);
  }

  function renderTimeline() {
    var box = document.getElementById("timeline");
    // "today" on the chart is the day being collected; days after it are still to come.
    var days = state.completeness.days, byDay = state.objects_by_day;
    var today = state.completeness.collecting;
    var planned = state.operation.status === "planned";
    var W = Math.max(320, box.clientWidth), H = Math.max(180, box.clientHeight || 220);
    var m = {l: 56, r: 12, t: 18, b: 30};
    var iw = W - m.l - m.r, ih = H - m.t - m.b;
    var max = 0, sum = 0, peak = null;
    days.forEach(function (d) {
      var v = byDay[d] || 0;
      sum += v;
      if (v > max) { max = v; peak = d; }
    });
    var step = niceStep(max, 4), top = Math.max(step, Math.ceil(max / step) * step);
    var s = svg("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, "aria-hidden": "true"});
    for (var v = 0; v <= top; v += step) {
      var y = m.t + ih - (v / top) * ih;
      s.appendChild(svg("line", {x1: m.l, x2: W - m.r, y1: y, y2: y, "class": v ? "grid" : "axis"}));
      s.appendChild(svg("text", {x: m.l - 8, y: y + 4, "class": "tick", "text-anchor": "end"},
        NUM.format(v)));
    }
    var n = Math.max(1, days.length), slot = iw / n, bw = Math.max(1, Math.min(48, slot * 0.72));
    var every = Math.max(1, Math.ceil(58 / slot));
    days.forEach(function (d, i) {
      var val = byDay[d] || 0, x = m.l + i * slot + (slot - bw) / 2;
      var future = planned || (today !== null && d > today);
      var h = (val / top) * ih;
      var g = svg("g", {"class": "bar" + (d === today ? " today" : "") + (future ? " future" : "")});
      g.appendChild(svg("title", {}, fmt(T.day_objects, {day: dayLabel(d), objects: objects(val)})));
      if (val) {
        g.appendChild(svg("rect", {x: x, y: m.t + ih - h, width: bw, height: Math.max(h, 1.5),
          rx: Math.min(3, bw / 4)}));
        if (bw >= 26) {
          g.appendChild(svg("text", {x: x + bw / 2, y: m.t + ih - h - 5, "class": "val",
            "text-anchor": "middle"}, NUM.format(val)));
        }
      } else if (!future) {
        g.appendChild(svg("rect", {x: x, y: m.t + ih - 1.5, width: bw, height: 1.5,
          "class": "nil"}));
      }
      s.appendChild(g);
      if (i % every === 0 || d === today) {
        if (d !== today && days.indexOf(today) >= 0 &&
            Math.abs(days.indexOf(today) - i) < every && i % every === 0) { return; }
        s.appendChild(svg("text", {x: m.l + i * slot + slot / 2, y: H - 10,
          "class": "tick" + (d === today ? " today" : ""), "text-anchor": "middle"},
          d === today ? T.today : shortDay(d)));
      }
    });
    box.textContent = "";
    box.appendChild(s);
    var note = document.getElementById("timeline-note");
    var nDays = plural(days.length, T.n_days);
    note.textContent = sum
      ? fmt(T.timeline_note, {objects: objects(sum), days: nDays, peak: NUM.format(max),
        day: shortDay(peak)})
      : fmt(T.timeline_empty, {days: nDays});
  }

  // The map's colours (CATEGORY_COLOURS in src/opcoord/live/mapbuilder.py), so a category
  // looks the same in both; a faint outline keeps the darkest visible on this background.
  var CAT_COLOURS = {archaeological: "#a6611a", coins: "#e6ab02", paintings: "#1f78b4",
    sculptures: "#6a3d9a", religious: "#e31a1c", manuscripts: "#33a02c", ceramics: "#ff7f00",
    weapons: "#222222", furniture: "#1b9e77", musical_instruments: "#f781bf",
    fossils: "#a6cee3", ethnographic: "#b2df8a", other: "#999999"};

  function renderCategories() {
    var box = document.getElementById("categories");
    var cats = state.totals.objects_by_category || {};
    var rows = Object.keys(cats).map(function (k) { return [k, cats[k]]; })
      .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    box.textContent = "";
    if (!rows.length) {
      box.appendChild(el("p", "empty", T.no_objects));
      return;
    }
    var total = rows.reduce(function (a, r) { return a + r[1]; }, 0);
    var names = rows.map(function (r) {
      var name = word(T.category, r[0]);
      return name.charAt(0).toUpperCase() + name.slice(1);
    });
    var values = rows.map(function (r) { return NUM.format(r[1]) + "  " + PCT.format(r[1] / total); });
    // Measure the words before choosing the layout: a label beside its bar when every
    // label fits in a third of the width, else above it (phones, long French or Russian
    // names), so that no label runs under a bar or is cut.
    var W = Math.max(240, box.clientWidth);
    var probe = svg("svg", {width: W, height: 20});
    var group = probe.appendChild(svg("g", {"class": "cat"}));
    box.appendChild(probe);
    function widest(texts, cls) {
      return texts.reduce(function (most, text) {
        var node = group.appendChild(svg("text", {"class": cls}, text));
        var w = node.getComputedTextLength();
        group.removeChild(node);
        return Math.max(most, w);
      }, 0);
    }
    var labelNeed = widest(names, "lbl") + 28, valueW = widest(values, "val") + 14;
    var beside = labelNeed <= W * 0.36;
    // Above its bar a label has the whole width; a longer one wraps between words.
    var lines = names.map(function (name) {
      if (beside) { return [name]; }
      var out = [], line = "";
      name.split(" ").forEach(function (w) {
        var next = line ? line + " " + w : w;
        if (line && widest([next], "lbl") > W - 24) { out.push(line); line = w; }
        else { line = next; }
      });
      out.push(line);
      return out;
    });
    box.removeChild(probe);
    var labelW = beside ? labelNeed : 0, LINE = 16;
    var tops = [], H = 3;
    rows.forEach(function (r, i) {
      tops.push(H);
      H += beside ? 30 : lines[i].length * LINE + 24;
    });
    H += 3;
    var bw = Math.max(20, W - labelW - valueW - 8);
    var s = svg("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": fmt(T.cats_label, {list: rows.map(function (r) {
        return word(T.category, r[0]) + " " + NUM.format(r[1]);
      }).join(", ")})});
    rows.forEach(function (r, i) {
      var y = tops[i], w = Math.max(2, (r[1] / rows[0][1]) * bw);
      var barY = beside ? y + 5 : y + lines[i].length * LINE + 4, barH = beside ? 16 : 14;
      var textY = beside ? y + 18 : y + 12;
      var g = svg("g", {"class": "cat"});
      g.appendChild(svg("title", {}, fmt(T.day_objects, {day: word(T.category, r[0]),
        objects: objects(r[1])})));
      g.appendChild(svg("circle", {cx: 7, cy: textY - 5, r: 5.5, "class": "sw",
        fill: CAT_COLOURS[r[0]] || CAT_COLOURS.other}));
      var label = svg("text", {x: 20, y: textY, "class": "lbl"});
      lines[i].forEach(function (text, n) {
        label.appendChild(svg("tspan", {x: 20, dy: n ? LINE : 0}, text));
      });
      g.appendChild(label);
      g.appendChild(svg("rect", {x: labelW, y: barY, width: bw, height: barH, rx: 3,
        "class": "track"}));
      g.appendChild(svg("rect", {x: labelW, y: barY, width: w, height: barH, rx: 3,
        "class": "fill", fill: CAT_COLOURS[r[0]] || CAT_COLOURS.other}));
      g.appendChild(svg("text", {x: W - 4, y: barY + barH / 2 + 4, "class": "val",
        "text-anchor": "end"}, values[i]));
      s.appendChild(g);
    });
    box.appendChild(s);
  }

  // --- the activity feed -------------------------------------------------------------

  var feed = document.getElementById("feed");
  var feedByReturn = {};

  function signed(n) { return (n > 0 ? "+" : n < 0 ? "−" : "") + NUM.format(Math.abs(n)); }

  function returnSummary(delta) {
    var seizures = delta.seizures || 0, objects = delta.objects_seized || 0;
    var bits = [seizures ? plural(seizures, T.n_seizures) + ", " + plural(objects, T.n_objects)
      : T.no_seizures];
    if (delta.arrests) { bits.push(plural(delta.arrests, T.n_arrests)); }
    return bits.join(", ");
  }

  function amendSummary(delta) {
    var names = {objects_seized: T.amend_objects, seizures: T.amend_seizures,
      arrests: T.amend_arrests, investigations_criminal: T.amend_criminal,
      investigations_administrative: T.amend_administrative};
    var bits = Object.keys(names).filter(function (k) { return delta[k]; })
      .map(function (k) { return fmt(names[k], {change: signed(delta[k])}); });
    return bits.length ? bits.join(", ") : T.no_change;
  }

  function describe(ev) {  // [icon class, sentence, optional detail lines]
    var who = ev.country, d = ev.delta || {};
    var day = ev.day ? dayLabel(ev.day) : "";
    var late = ev.late ? " " + T.late : "";
    var v = {country: who, day: day};
    // Only its number reached us (a country outside a regional coordinator's): no line.
    var bare = Object.keys(ev).every(function (k) { return k === "type" || k === "seq" || k === "at"; });
    if (bare) { return null; }
    switch (ev.type) {
      case "return_submitted":
        v.summary = returnSummary(d);
        return ["ret", fmt(who ? T.submitted_its : T.submitted_a, v) + late];
      case "nil_return":
        return ["nil", fmt(who ? T.nil_its : T.nil_a, v) + late];
      case "return_amended":
        var said = ev.amended ? (who ? T.amended_its : T.amended_a)
          : (who ? T.replaced_its : T.replaced_a);
        return ["amend", fmt(said, v) +
          (ev.version ? " " + fmt(T.version, {version: NUM.format(ev.version)}) : "") +
          " — " + amendSummary(d)];
      case "seizure_recorded":
        if (!ev.seizures) { return null; }
        v.seizures = plural(ev.seizures.length, T.n_seizures);
        return ["seize", fmt(T.recorded, v), ev.seizures.map(seizureLine)];
      case "participant_added":
        var p = ev.participant || {};
        return ["join", fmt(T.joined, {country: p.country,
          name: LANG === "en" && p.name ? p.name : countryName(p.country)}) +
          ((p.agencies || []).length ? " — " + p.agencies.map(function (a) {
            return word(T.agency, a);
          }).join(", ") : "")];
      case "reminder":
        var due = ev.countries || [];
        return ["remind", (due.length ? fmt(T.reminder_due, {day: day, countries: due.join(", ")})
          : fmt(T.reminder_none, {day: day})) +
          (ev.due_at ? " " + fmt(T.due_at, {time: hmFmt.format(Date.parse(ev.due_at))}) : "")];
      case "day_closed":
        var missing = ev.missing || [];
        var text = fmt(T.day_closed, {day: day});
        if (typeof ev.expected === "number") {
          text += ": " + plural(ev.expected, T.n_reported_of, {submitted: NUM.format(ev.submitted)});
        }
        if (missing.length) { text += "; " + fmt(T.closed_missing, {countries: missing.join(", ")}); }
        if ((ev.late || []).length) { text += "; " + fmt(T.closed_late, {countries: ev.late.join(", ")}); }
        return ["close", text];
      case "operation_status_changed":
        return ["status", fmt(T.status_now, {status: word(T.status, ev.status)}) +
          (ev.status === "closed" ? " — " + T.report_producing : "")];
      case "watchlist_hit":
      case "hit_reviewed":
        var h = ev.hit;
        if (!h) { return null; }
        var hv = {country: h.seizure.country, ref: h.seizure.ref, object: h.object_id,
          watchlist: h.watchlist, score: PCT.format(h.score)};
        if (ev.type === "watchlist_hit") { return ["hit", fmt(T.watchlist_hit, hv)]; }
        if (h.status === "confirmed") { return ["hit", fmt(T.hit_confirmed, hv)]; }
        return h.status === "rejected" ? ["hit", fmt(T.hit_rejected, hv)] : null;
      case "report_ready":
        return ["report", (ev.audience === "partner" ? T.partner_report_ready : T.report_ready) +
          (ev.edition ? " " + fmt(T.edition, {edition: NUM.format(ev.edition)}) : "")];
      case "duplicate_found":
        if (!ev.a || !ev.b) { return null; }  // coordinators only read the pair
        return ["dup", fmt(T.duplicate_found, {a: ev.a.country + " " + ev.a.ref,
          b: ev.b.country + " " + ev.b.ref})];
      case "duplicate_resolved":
        return ["dup", ev.status === "merged" ? T.duplicate_merged : T.duplicate_distinct];
      case "alert":
        return ["alert", fmt(T.alert_sent, {countries: (ev.countries || []).join(", "),
          title: ev.title || ""})];
      case "alert_acknowledged":
        return ["alert", fmt(T.alert_acknowledged, {country: who})];
      default:
        return null;  // another country's detail: only its number reached us
    }
  }

  function seizureLine(s) {
    var where = s.place_type === "online"
      ? (s.place_name ? fmt(T.online_at, {place: s.place_name}) : T.online)
      : fmt(T.at_place, {place: [word(T.place_type, s.place_type), s.place_name]
        .filter(Boolean).join(", ")});
    var route = s.origin_country || s.destination_country
      ? " · " + (s.origin_country || "?") + " → " + (s.destination_country || "?") : "";
    return objects(s.quantity) + " (" + word(T.category, s.category) + ")" +
      " " + where + route + (s.ref ? " · " + fmt(T.ref, {ref: s.ref}) : "");
  }

  function feedItem(ev, animate) {
    var d = describe(ev);
    if (!d) { return; }
    var key = ev.country && ev.day ? ev.country + "|" + ev.day : null;
    if (ev.type === "seizure_recorded" && key && feedByReturn[key] &&
        feedByReturn[key].seq === ev.seq - 1) {
      appendDetails(feedByReturn[key].li, d[2]);  // details of the return just above
      return;
    }
    var li = el("li", "ev ev-" + d[0] + (animate ? " fresh" : ""));
    var at = Date.parse(ev.at);
    var t = el("time");
    // An event of an earlier day (in the operation's time zone) says which day.
    if (localDay(at) !== localDay(now())) { t.appendChild(el("span", "d", feedDayFmt.format(at))); }
    t.appendChild(document.createTextNode(hmFmt.format(at)));
    t.dateTime = ev.at;
    li.appendChild(t);
    li.appendChild(el("span", "ico")).setAttribute("aria-hidden", "true");
    var body = el("div", "txt");
    body.appendChild(el("p", null, d[1]));
    if (ev.type === "duplicate_found" && ev.a && typeof ev.operation === "string") {
      var dup = el("a", null, T.open_duplicates);
      dup.href = "/operations/" + encodeURIComponent(ev.operation) + "/duplicates";
      body.appendChild(dup);
    }
    if (ev.type === "report_ready" && typeof ev.url === "string" && ev.url.charAt(0) === "/" &&
        ev.url.charAt(1) !== "/") {
      var a = el("a", null, T.open_report);
      a.href = ev.url;
      body.appendChild(a);
    }
    li.appendChild(body);
    if (d[2]) { appendDetails(li, d[2]); }
    if (RETURN_EVENTS.has(ev.type) && key) { feedByReturn[key] = {seq: ev.seq, li: li}; }
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > FEED_MAX) { feed.removeChild(feed.lastChild); }
    var empty = feed.querySelector(".empty");
    if (empty) { feed.removeChild(empty); }
  }

  function appendDetails(li, lines) {
    var body = li.querySelector(".txt");
    var ul = body.querySelector("ul") || body.appendChild(el("ul", "details"));
    lines.slice(0, 6).forEach(function (line) { ul.appendChild(el("li", null, line)); });
    if (lines.length > 6) { ul.appendChild(el("li", "more", plural(lines.length - 6, T.n_more))); }
  }

  function renderFeed(recent) {
    feed.setAttribute("aria-busy", "true");  // one rebuild, not thirty announcements
    feed.textContent = "";
    feedByReturn = {};
    recent.forEach(function (ev) { feedItem(ev, false); });
    feed.setAttribute("aria-busy", "false");
    if (!feed.children.length) {
      feed.appendChild(el("li", "empty", T.feed_empty));
    }
  }

  // --- the map (coordinators) ---------------------------------------------------------

  var frame = document.getElementById("mapframe");
  var mapQueue = [], mapKeys = null, mapTimer = null;

  function loadMap() {
    if (!frame) { return; }
    mapKeys = null;
    if (frame.getAttribute("src")) { frame.contentWindow.location.reload(); }
    else { frame.src = frame.dataset.src; }
    watchMap();
  }
  function mapApi() {
    try {
      var api = frame.contentWindow && frame.contentWindow.opcoordMap;
      return api && api.loaded ? api : null;
    } catch (e) { return null; }
  }
  function watchMap() {
    if (mapTimer) { return; }
    mapTimer = setInterval(function () {
      var api = mapApi();
      if (!api) { return; }
      clearInterval(mapTimer);
      mapTimer = null;
      if (!mapKeys) {  // what the frame already drew, so a seizure is not added twice
        mapKeys = {};
        api.markers.getLayers().forEach(function (m) {
          if (m.seizure) { mapKeys[m.seizure.country + "|" + m.seizure.ref] = true; }
        });
      }
      flushMap(api);
    }, 250);
  }
  function flushMap(api) {
    while (mapQueue.length) {
      var s = mapQueue.shift(), key = s.country + "|" + s.ref;
      if (mapKeys[key]) { continue; }
      mapKeys[key] = true;
      try { api.addSeizure(s); } catch (e) { /* one bad point must not stop the rest */ }
    }
  }
  function toMap(seizures) {
    if (!frame) { return; }
    Array.prototype.push.apply(mapQueue, seizures);
    var api = mapKeys && mapApi();
    if (api) { flushMap(api); } else { watchMap(); }
  }

  // --- the connection -------------------------------------------------------------------

  var ws = null, attempt = 0, retryAt = 0, retryTimer = null, countdown = null;
  var pingTimer = null, heardAt = 0, conn = "connecting", asOf = null;
  var connNode = document.getElementById("conn"), connText = document.getElementById("conn-text");

  function setConn(kind, text) {
    conn = kind;
    connNode.className = "conn conn-" + kind;
    connText.textContent = text;
    document.getElementById("asof").parentNode.classList.toggle("stale", kind !== "live");
  }

  function stamp(ms) {
    asOf = ms;
    var node = document.getElementById("asof");
    node.textContent = clockFmt.format(ms);
    node.dateTime = new Date(ms).toISOString();
  }

  function connect() {
    clearTimeout(retryTimer);
    clearInterval(countdown);
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var url = proto + "//" + location.host + "/api/operations/" + encodeURIComponent(CODE) +
      "/live" + (state ? "?since=" + state.seq : "");
    setConn("connecting", state ? T.reconnecting : T.connecting);
    var socket = new WebSocket(url);
    ws = socket;
    socket.onopen = function () {
      heardAt = Date.now();
      socket.send(JSON.stringify({type: "ping"}));  // the pong says we are live
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (Date.now() - heardAt > SILENCE_LIMIT) { drop(socket, "no answer"); return; }
        if (socket.readyState === WebSocket.OPEN) { socket.send('{"type":"ping"}'); }
      }, PING_EVERY);
    };
    socket.onmessage = function (e) {
      if (socket !== ws) { return; }
      heardAt = Date.now();
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      receive(msg);
      if (conn !== "live") { attempt = 0; setConn("live", liveText()); }
    };
    socket.onclose = function (e) {
      if (socket !== ws) { return; }
      clearInterval(pingTimer);
      ws = null;
      if (e.code === 1008) {
        setConn("denied", e.reason ? fmt(T.not_allowed_why, {reason: e.reason}) : T.not_allowed);
        if (/auth/.test(e.reason || "")) {  // the session ended: offer to sign in again
          var a = el("a", "resign", T.sign_in_again);
          a.href = "/signin?next=" + encodeURIComponent(location.pathname);
          connNode.appendChild(a);
        }
        return;  // retrying would not change the answer
      }
      if (e.code === 1013) { attempt = 0; }  // fell behind: resume at once with since
      retry();
    };
  }

  function drop(socket, why) {
    if (socket !== ws) { return; }
    ws = null;
    clearInterval(pingTimer);
    try { socket.close(4000, why); } catch (e) { /* already closing */ }
    retry();
  }

  function retry() {
    var delay = attempt === 0 ? 500 : Math.min(30000, 1000 * Math.pow(2, attempt - 1));
    delay = Math.round(delay * (0.85 + Math.random() * 0.3));
    attempt += 1;
    retryAt = Date.now() + delay;
    var show = function () {
      var s = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
      setConn("retry", fmt(T.retry_in, {seconds: NUM.format(s)}));
    };
    show();
    clearInterval(countdown);
    countdown = setInterval(show, 1000);
    retryTimer = setTimeout(connect, delay);
  }

  function retryNow() {
    if (conn === "retry") { attempt = 0; connect(); }
  }

  // --- messages --------------------------------------------------------------------------

  function receive(msg) {
    if (msg.type === "pong") { if (state) { stamp(now()); } return; }
    if (msg.type === "snapshot") {
      var first = state === null;
      skew = Date.parse(msg.at) - Date.now();
      state = msg;
      renderAll();
      renderFeed(msg.recent || []);
      stamp(Date.parse(msg.at));
      if (frame) {
        if (first) { loadMap(); }
        else { mapQueue = []; loadMap(); }  // resynchronised: the frame must catch up too
      }
      rendered = true;
      return;
    }
    if (!state || typeof msg.seq !== "number" || msg.seq <= state.seq) { return; }
    state = applyEvent(state, msg);
    renderAll();
    feedItem(msg, true);
    if (msg.type === "seizure_recorded" && msg.seizures) { toMap(msg.seizures); }
    stamp(now());
  }

  // Returns by the coordinators' review state (the tile is on coordinators' pages only).
  function renderReviews() {
    var counts = (state.reviews && state.reviews.counts) || {};
    root.querySelectorAll("[data-review]").forEach(function (node) {
      node.textContent = NUM.format(counts[node.dataset.review] || 0);
    });
  }

  // Figures and reporting per region (coordinators' pages, when regions are defined):
  // the reducer keeps state.regions from the per-country cells and figures.
  function renderRegions() {
    var panel = document.getElementById("regions-panel");
    if (!panel) { return; }
    var rows = state.regions || [];
    panel.hidden = !rows.length;
    var body = document.getElementById("regions-body");
    var text = JSON.stringify(rows) + LANG;
    if (body.dataset.text === text) { return; }
    body.dataset.text = text;
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.dataset.region = r.region === null ? "" : r.region;
      var th = el("th", "rname");
      th.scope = "row";
      th.appendChild(el("span", "", r.region === null ? T.no_region : r.region));
      th.appendChild(el("span", "rcountries", r.countries.join(", ")));
      tr.appendChild(th);
      var cells = [
        ["reporting", fmt(T.reporting_of, {reporting: NUM.format(r.reporting),
          participating: NUM.format(r.participating)}), r.reporting],
        ["returns", NUM.format(r.returns), r.returns],
        ["missing", NUM.format(r.missing), r.missing],
        ["seizures", NUM.format(r.seizures), r.seizures],
        ["objects_seized", NUM.format(r.objects_seized), r.objects_seized]
      ];
      cells.forEach(function (c) {
        var td = el("td", "num n-" + c[0] + (c[2] ? "" : " zero"), c[1]);
        td.dataset.key = c[0];
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (rendered) { flash(body); }
  }

  function renderAll() {
    renderHeader();
    renderTotals();
    renderReviews();
    renderCompleteness();
    renderRegions();
    renderTimeline();
    renderCategories();
  }

  // --- wiring ------------------------------------------------------------------------------

  root.querySelectorAll("#compl thead th").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.dataset.key;
      if (sort.key === key) { sort.dir = sort.dir === "ascending" ? "descending" : "ascending"; }
      else {
        sort.key = key;
        sort.dir = ["country", "last_due", "collecting"].indexOf(key) >= 0
          ? "ascending" : "descending";
      }
      if (state) { renderCompleteness(); }
    });
  });
  root.querySelectorAll(".compl-views button").forEach(function (b) {
    b.addEventListener("click", function () { setView(b.dataset.view, true); });
  });
  ["input", "change"].forEach(function (kind) {
    document.getElementById("compl-filter").addEventListener(kind, function () {
      if (state) { renderCompleteness(); }
    });
    document.getElementById("compl-show").addEventListener(kind, function () {
      if (state) { renderCompleteness(); }
    });
  });
  connNode.addEventListener("click", retryNow);
  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { retryNow(); }
  });
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (state) { renderTimeline(); renderCategories(); }
    }, 150);
  });

  // For tests and the curious: read-only views of what the page holds.
  window.opcoordDashboard = {
    state: function () { return state; },
    connection: function () { return conn; },
    asOf: function () { return asOf; },
    applyEvent: applyEvent
  };

  connect();
}
