// Alerts, live. On a contact point's pages (#alerts, the banner) and on the
// coordinators' alerts page (#alerts-desk). The server renders both in the reader's
// language; this module listens on the operation's live channel, resuming after the
// event the page was rendered at (data-seq), and when an alert or an acknowledgement
// arrives it fetches the page again and puts the new banner or list in place. It
// computes nothing itself. A native ES module.
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const root = document.getElementById("alerts") || document.getElementById("alerts-desk");
const ALERT_EVENTS = new Set(["alert", "alert_acknowledged", "snapshot"]);

// The fragment to refresh: the banner, or the desk's list of sent alerts.
const targetId = root && root.id === "alerts" ? "alerts" : "alert-list";

async function refresh() {
  const r = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!r.ok) return;
  const page = new DOMParser().parseFromString(await r.text(), "text/html");
  const fresh = page.getElementById(targetId);
  const here = document.getElementById(targetId);
  if (fresh && here) here.innerHTML = fresh.innerHTML;
}

async function acknowledge(button) {
  const section = button.closest(".alert");
  const error = section.querySelector(".alert-error");
  button.disabled = true;
  try {
    const r = await fetch(`/api/operations/${encodeURIComponent(root.dataset.code)}/alerts/${button.dataset.id}/ack`, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
    });
    if (!r.ok && r.status !== 404) throw new Error(String(r.status));
    section.remove();  // 404: it is no longer for us; either way the banner goes
  } catch (e) {
    error.textContent = root.dataset.failed || "";
    button.disabled = false;
  }
}

function listen() {
  let seq = Number(root.dataset.seq || 0);
  let attempt = 0;
  const open = () => {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const url = `${scheme}${window.location.host}/api/operations/${encodeURIComponent(root.dataset.code)}/live?since=${seq}`;
    const socket = new WebSocket(url);
    const ping = setInterval(() => { if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}'); }, 25000);
    socket.onopen = () => { attempt = 0; };
    socket.onmessage = (m) => {
      const event = JSON.parse(m.data);
      if (typeof event.seq === "number") seq = Math.max(seq, event.seq);
      if (ALERT_EVENTS.has(event.type)) refresh();
    };
    socket.onclose = (e) => {
      clearInterval(ping);
      if (e.code === 1008) return;  // no longer allowed to watch: stop
      attempt += 1;
      setTimeout(open, Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)));
    };
  };
  open();
}

if (root) {
  root.addEventListener("click", (e) => {
    const button = e.target.closest(".alert-ack");
    if (button) acknowledge(button);
  });
  document.addEventListener("api:done", (e) => {
    if (e.target.id === "alert-form") { e.target.reset(); refresh(); }
  });
  listen();
}
