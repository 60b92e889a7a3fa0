// The set-up page: what its forms change shows at once, and a closed operation says where
// its report stands. A native ES module, next to forms.js (which sends the forms).
//
// - A new account joins the accounts table and the password list (selected there, the
//   next step being its password) without a reload, so its token stays on screen.
// - The password list starts on no account; picking one's own account asks first, as
//   setting it signs its owner out everywhere.
// - A closed operation shows the state of its report from the report API, and keeps
//   asking while an edition is being produced. The server says the state; this only
//   writes it, in the page's language, with dates in the operation's time zone.
const T = JSON.parse((document.getElementById("setup-i18n") || {}).textContent || "{}");
const LANG = document.documentElement.lang || "en";
const LOCALE = LANG === "en" ? "en-GB" : LANG;
const fill = (text, values) =>
  String(text || "").replace(/%\((\w+)\)s/g, (m, k) => (values[k] ?? m));

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function addAccount(user) {
  const body = document.getElementById("accounts-body");
  if (!body || !user || !user.username) return;
  const role = document.querySelector(`#u-role option[value="${CSS.escape(user.role)}"]`);
  const country = user.country
    ? document.querySelector(`#u-country option[value="${CSS.escape(user.country)}"]`)
    : null;
  const tr = document.createElement("tr");
  tr.dataset.username = user.username;
  tr.className = "fresh";
  tr.append(cell(user.username), cell(role ? role.textContent : user.role),
    cell(user.country ? `${user.country} · ${country ? country.dataset.name : ""}`
      : (user.countries || []).join(", ") || "—"));
  body.append(tr);
  const list = document.getElementById("pw-user");
  if (list) {
    const option = new Option(user.username, user.username, true, true);
    list.append(option);
    list.value = user.username;
  }
}

function setUpForms() {
  const accounts = document.getElementById("account-form");
  if (accounts) accounts.addEventListener("api:done", (e) => addAccount(e.detail));
  const password = document.getElementById("password-form");
  if (!password) return;
  // Capture phase: point the form at the chosen account before forms.js sends it.
  password.addEventListener("submit", () => {
    const list = password.elements.pw_user;
    const chosen = list.options[list.selectedIndex];
    password.dataset.api = list.value
      ? "/api/users/" + encodeURIComponent(list.value) + "/password" : "";
    if (chosen && chosen.dataset.self) password.dataset.confirm = password.dataset.selfConfirm;
    else delete password.dataset.confirm;
  }, true);
  password.addEventListener("submit", (e) => {
    if (password.elements.pw_user.value) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    const slot = password.querySelector("[data-error-for=pw_user]");
    slot.textContent = password.elements.pw_user.options[0].textContent;
    password.elements.pw_user.setAttribute("aria-invalid", "true");
  }, true);
  password.addEventListener("api:done", () => {
    const list = password.elements.pw_user;
    const chosen = list.options[list.selectedIndex];
    if (chosen && chosen.dataset.self) window.location.assign("/signin");
  });
}

function when(iso, zone) {
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short",
    timeZone: zone }).format(new Date(iso));
}

async function reportState(box) {
  const zone = box.dataset.timezone || "UTC";
  const status = document.getElementById("report-status");
  const published = document.getElementById("published-at");
  const button = document.querySelector("#publish-form button[type=submit]");
  let latest;
  try {
    const r = await fetch(box.dataset.statusUrl, { credentials: "same-origin",
      headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(String(r.status));
    latest = (await r.json()).latest;
  } catch (err) {
    status.textContent = T.unknown;
    return;
  }
  if (!latest) {
    status.textContent = T.none;
    setTimeout(() => reportState(box), 3000);
    return;
  }
  const values = { edition: latest.edition,
    at: latest.generated_at ? when(latest.generated_at, zone) : "", error: latest.error || "" };
  status.textContent = fill(T[latest.status] || latest.status, values);
  status.dataset.state = latest.status;
  published.textContent = latest.published_at
    ? fill(T.published, { at: when(latest.published_at, zone), edition: latest.edition })
    : T.unpublished;
  published.dataset.state = latest.published_at ? "published" : "unpublished";
  if (button) {
    button.disabled = latest.status !== "ready" || Boolean(latest.published_at);
    button.hidden = Boolean(latest.published_at);
  }
  if (latest.status === "pending") setTimeout(() => reportState(box), 3000);
}

setUpForms();
const box = document.getElementById("report-state");
if (box) reportState(box);
