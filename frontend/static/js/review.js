// The coordinators' queries, live, on the contact point's calendar and day form: a query
// (`return_queried`) about this country shows a notice with its comment and a link. The
// socket resumes where it stopped (?since=N) after a dropped connection, with backoff,
// so a query sent while the line was down still arrives.

const box = document.getElementById('review-live');

function fill(text, values) {
  return String(text || '').replace(/%\((\w+)\)s/g, (_, k) => (k in values ? values[k] : ''));
}

function show(msg) {
  box.textContent = '';
  const p = document.createElement('p');
  p.textContent = fill(box.dataset.text, { day: msg.day, comment: msg.comment });
  const a = document.createElement('a');
  a.href = `/operations/${box.dataset.code}/returns/${msg.country}/${msg.day}`;
  a.textContent = box.dataset.open;
  p.append(' ', a);
  box.appendChild(p);
  box.hidden = false;
  box.dataset.day = msg.day;
}

if (box && box.dataset.country && 'WebSocket' in window) {
  let seq = null;
  let attempt = 0;
  let timer = null;
  let socket = null;
  const connect = () => {
    clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) { return; }  // still connecting or open
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = seq === null ? '' : `?since=${seq}`;
    socket = new WebSocket(`${proto}//${location.host}/api/operations/${encodeURIComponent(box.dataset.code)}/live${since}`);
    socket.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      attempt = 0;
      if (typeof msg.seq === 'number') { seq = seq === null ? msg.seq : Math.max(seq, msg.seq); }
      if (msg.type === 'return_queried' && msg.country === box.dataset.country) { show(msg); }
    };
    socket.onclose = (e) => {
      if (e.code === 1008) { return; }  // not allowed: retrying would not change that
      const delay = Math.min(60000, 1000 * 2 ** attempt) * (0.85 + Math.random() * 0.3);
      attempt += 1;
      timer = setTimeout(connect, delay);
    };
  };
  window.addEventListener('online', () => { attempt = 0; connect(); });
  connect();
}
