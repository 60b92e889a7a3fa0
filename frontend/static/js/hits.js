// The review page's two buttons: POST the decision with the page's CSRF token, then
// show the hit's new state (the server decides it; the page only reloads it).
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

document.querySelectorAll("form.decide").forEach(function (form) {
  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    const status = e.submitter ? e.submitter.value : "confirmed";
    const out = form.querySelector("output");
    const r = await fetch(form.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify({ status: status, note: form.elements.note.value }),
    });
    if (r.ok) {
      window.location.reload();
    } else {
      const body = await r.json().catch(function () { return {}; });
      out.textContent = body.detail || String(r.status);
    }
  });
});
