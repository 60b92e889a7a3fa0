// Forms that talk to the JSON API: <form data-api="/api/..." data-method="POST">.
// Fields become JSON (data-type="list" splits on commas, checkbox groups named x[] become
// arrays, empty optional fields are left out); the page's CSRF token goes in a header;
// errors come back per field and are shown next to the field (data-error-for="name"), in
// the page's language: the field's own message for that kind of error
// (data-msg-<type>="..." on the slot), else the message for the kind (_form_i18n.html),
// never the server's English text nor a bare code. The line under the form names every
// field to correct by its label. A native ES module.
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const i18n = JSON.parse((document.getElementById("i18n") || {}).textContent || "{}");
const t = (key, fallback) => (key in i18n ? i18n[key] : fallback);
const fill = (text, values) => String(text).replace(/%\((\w+)\)s/g, (m, k) => (k in values ? values[k] : m));

function body(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.type === "submit" || "skip" in el.dataset) continue;
    if (el.name.endsWith("[]")) {
      const key = el.name.slice(0, -2);
      out[key] = out[key] || [];
      if (el.checked) out[key].push(el.value);
      continue;
    }
    if (el.type === "checkbox") { out[el.name] = el.checked; continue; }
    const value = el.value.trim();
    if (value === "" && !el.required) continue;
    if (el.dataset.type === "list") out[el.name] = value.split(",").map(s => s.trim()).filter(Boolean);
    else if (el.type === "number") out[el.name] = Number(value);
    else out[el.name] = value;
  }
  return out;
}

function message(err, slot, input) {
  const type = err.type || "value_error";
  const own = slot && slot.getAttribute("data-msg-" + type);
  if (own) return own;
  if (type === "string_too_short" && input && input.minLength > 1) {
    return fill(t("error.min_length", "At least %(num)s characters."), { num: input.minLength });
  }
  return t("error." + type, "") || t("error.value_error", "Not valid.");
}

// What the reader calls a field: its <label>, else its group's <legend>.
function label(form, input) {
  const first = input && !input.tagName && input.length ? input[0] : input;
  if (!first || !first.closest) return "";
  const own = first.id && form.querySelector(`label[for="${CSS.escape(first.id)}"]`);
  const legend = first.closest("fieldset") && first.closest("fieldset").querySelector("legend");
  return ((own || legend || {}).textContent || "").trim();
}

function show(form, errors, detail) {
  form.querySelectorAll("[data-error-for]").forEach(n => { n.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach(n => n.removeAttribute("aria-invalid"));
  const summary = form.querySelector("[data-form-status]");
  const named = [], unplaced = [];
  for (const err of errors) {
    const root = (err.field || "").split(/[.[]/)[0];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(root)}"]`);
    const input = form.elements[root] || form.elements[root + "[]"];
    const text = message(err, slot, input && input.tagName ? input : null);
    const name = label(form, input);
    if (slot) {
      slot.textContent = text;
      if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
      if (name && !named.includes(name)) named.push(name);
    } else unplaced.push(name ? fill(t("field_message", "%(field)s: %(message)s"), { field: name, message: text }) : text);
  }
  if (summary) {
    summary.className = "form-status error";
    const lines = [];
    if (named.length) lines.push(fill(t("fix_fields", "Please correct: %(fields)s."), { fields: named.join(", ") }));
    else if (detail && !unplaced.length) lines.push(t("fix", "Please correct the fields marked."));
    summary.textContent = lines.concat(unplaced).join(" · ");
  }
}

async function submit(event) {
  const form = event.target.closest("form[data-api]");
  if (!form) return;
  event.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  const button = form.querySelector("[type=submit]");
  if (button) button.disabled = true;
  const summary = form.querySelector("[data-form-status]");
  try {
    const method = form.dataset.method || "POST";
    const payload = form.dataset.nobody ? undefined : JSON.stringify(body(form));
    const r = await fetch(form.dataset.api, {
      method, body: payload, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : {};
    if (!r.ok) { show(form, data.errors || [], data.detail); return; }
    show(form, [], "");
    if (form.dataset.showToken && data.token) {
      const box = document.getElementById(form.dataset.showToken);
      box.hidden = false;
      box.querySelector("code").textContent = data.token;
    }
    if (summary) { summary.className = "form-status ok"; summary.textContent = t("saved", "Saved."); }
    // Pages that show what the form changed listen for this (setup.js adds the account).
    form.dispatchEvent(new CustomEvent("api:done", { bubbles: true, detail: data }));
    if (form.dataset.then === "reload") window.location.reload();
    else if (form.dataset.then) window.location.assign(form.dataset.then.replace("{code}", data.code || ""));
  } catch (e) {
    if (summary) { summary.className = "form-status error"; summary.textContent = t("network", "The server could not be reached. Nothing was lost: try again."); }
  } finally {
    if (button) button.disabled = false;
  }
}
document.addEventListener("submit", submit);
