// The hub's built-in page until the web dashboard is built: log in, then the fleet and one host live.

const app = document.getElementById('app');
const conn = document.getElementById('conn');
const who = document.getElementById('who');
const hosts = new Map();
let selected = null;
let socket = null;

const color = (p) => (p === null || p === undefined ? 'var(--muted)' : p < 50 ? 'var(--green)' : p <= 75 ? 'var(--yellow)' : 'var(--red)');
const pct = (p) => (p === null || p === undefined ? '–' : `${p.toFixed(1)} %`);
const bytes = (b) => {
  if (b === null || b === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i ? 1 : 0)} ${units[i]}`;
};
const duration = (s) =>
  s === null
    ? '–'
    : s > 86400
      ? `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`
      : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs))
    if (k === 'onclick') node.onclick = v;
    else node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const bar = (label, p, detail = '') =>
  el(
    'div',
    {},
    el('div', { class: 'row' }, el('span', {}, label), el('span', {}, detail || pct(p))),
    el('div', { class: 'bar' }, el('div', { style: `width:${Math.min(100, p ?? 0)}%;background:${color(p)}` })),
  );

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(json?.detail ?? `HTTP ${res.status}`), { status: res.status });
  return json;
}

function showLogin(message = '') {
  who.textContent = '';
  const error = el('div', { class: 'error' }, message);
  const user = el('input', { name: 'username', placeholder: 'User name', autocomplete: 'username', required: '' });
  const pass = el('input', { name: 'password', type: 'password', placeholder: 'Password', autocomplete: 'current-password', required: '' });
  const form = el(
    'form',
    {},
    el('h2', {}, 'Log in to Vigil'),
    user,
    pass,
    el('button', { class: 'primary', type: 'submit' }, 'Log in'),
    error,
  );
  form.onsubmit = async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/auth/login', { username: user.value, password: pass.value });
      start();
    } catch (err) {
      error.textContent = err.message;
    }
  };
  app.replaceChildren(form);
  user.focus();
}

function render() {
  const cards = [...hosts.values()]
    .sort((a, b) => a.hostname.localeCompare(b.hostname))
    .map((h) =>
      el(
        'div',
        { class: 'card' },
        el(
          'h2',
          {},
          el('span', { class: 'dot', style: `background:${h.status === 'online' ? 'var(--green)' : 'var(--red)'}` }),
          el('button', { class: 'host', onclick: () => select(h.id) }, h.hostname),
        ),
        bar('CPU', h.cpuPercent),
        bar('Memory', h.memoryPercent),
        bar('Disk', h.diskPercent),
        el(
          'div',
          { class: 'muted' },
          `load ${h.load1?.toFixed(2) ?? '–'} · up ${duration(h.uptimeSeconds)} · ${h.processes ?? '–'} processes · ↓ ${bytes(h.networkRxBytesPerSecond)}/s ↑ ${bytes(h.networkTxBytesPerSecond)}/s`,
        ),
      ),
    );
  const parts = [el('h2', {}, 'Hosts'), el('div', { class: 'grid' }, ...cards)];
  const host = selected && hosts.get(selected.id);
  if (host && selected.frame) {
    const f = selected.frame;
    const top = [...f.processes].sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0)).slice(0, 10);
    parts.push(
      el('h2', {}, host.hostname),
      el(
        'div',
        { class: 'top' },
        el(
          'div',
          { class: 'card' },
          el('div', { class: 'muted' }, 'CPU'),
          el('div', { class: 'big', style: `color:${color(host.cpuPercent)}` }, pct(host.cpuPercent)),
          el('div', { class: 'muted' }, `${host.cpuCores} cores`),
        ),
        el(
          'div',
          { class: 'card' },
          el('div', { class: 'muted' }, 'Memory'),
          el('div', { class: 'big', style: `color:${color(host.memoryPercent)}` }, pct(host.memoryPercent)),
          el('div', { class: 'muted' }, `${bytes(f.system.memory?.usedBytes)} of ${bytes(f.system.memory?.totalBytes)}`),
        ),
        el(
          'div',
          { class: 'card' },
          el('div', { class: 'muted' }, 'Disk'),
          el('div', { class: 'big', style: `color:${color(host.diskPercent)}` }, pct(host.diskPercent)),
        ),
        el('div', { class: 'card' }, el('div', { class: 'muted' }, 'Processes'), el('div', { class: 'big' }, host.processes ?? '–')),
      ),
      el(
        'div',
        { class: 'card' },
        el('h2', {}, 'Top processes'),
        el(
          'table',
          {},
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', {}, 'PID'),
              el('th', {}, 'Name'),
              el('th', {}, 'User'),
              el('th', { class: 'num' }, 'CPU %'),
              el('th', { class: 'num' }, 'Memory %'),
            ),
          ),
          el(
            'tbody',
            {},
            ...top.map((p) =>
              el(
                'tr',
                {},
                el('td', {}, p.pid),
                el('td', {}, p.name),
                el('td', {}, p.user),
                el('td', { class: 'num' }, (p.cpuPercent ?? 0).toFixed(1)),
                el('td', { class: 'num' }, p.memoryPercent.toFixed(1)),
              ),
            ),
          ),
        ),
      ),
      el('p', { class: 'muted' }, 'API: ', el('a', { href: '/api/v1/openapi.json' }, '/api/v1/openapi.json')),
    );
  }
  app.replaceChildren(...parts);
}

function select(id) {
  if (selected) socket?.send(JSON.stringify({ type: 'unsubscribe', channel: 'host', hostId: selected.id }));
  selected = { id, frame: null };
  socket?.send(JSON.stringify({ type: 'subscribe', channel: 'host', hostId: id }));
  render();
}

function connect() {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`);
  conn.textContent = 'connecting…';
  socket.onopen = () => {
    conn.textContent = '● live';
    socket.send(JSON.stringify({ type: 'subscribe', channel: 'fleet' }));
    if (selected) socket.send(JSON.stringify({ type: 'subscribe', channel: 'host', hostId: selected.id }));
  };
  socket.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.type === 'fleet') {
      if (m.full) hosts.clear();
      for (const h of m.hosts) hosts.set(h.id, h);
      for (const id of m.removed ?? []) hosts.delete(id);
      if (!selected && hosts.size > 0) select([...hosts.keys()].sort()[0]);
    } else if (m.type === 'host' && selected?.id === m.hostId) {
      selected.frame = m.frame;
      hosts.set(m.hostId, m.summary);
    }
    render();
  };
  socket.onclose = () => {
    conn.textContent = '○ reconnecting…';
    setTimeout(connect, 2000);
  };
}

async function start() {
  const params = new URLSearchParams(location.search);
  const once = params.get('once');
  if (once) {
    history.replaceState(null, '', '/');
    try {
      await api('POST', '/api/v1/auth/link', { token: once });
    } catch (err) {
      return showLogin(err.message);
    }
  }
  try {
    const me = await api('GET', '/api/v1/auth/me');
    who.textContent = `${me.name} (${me.role})`;
  } catch {
    return showLogin();
  }
  app.replaceChildren(el('p', { class: 'muted' }, 'Waiting for the first readings…'));
  connect();
}

start();
