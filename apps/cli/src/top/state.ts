import { type ProcessAction, type ProcessInfo, SIGNAL_OF_ACTION } from '@vigil/schema';
import { descendingByDefault, SORT_KEYS, SORT_TITLE, type SortKey, visibleProcesses } from './processes.ts';
import type { TopSnapshot } from './source.ts';

/**
 * The state of `vigil top` and its one pure reducer: keys, sort, filter, selection, confirmations and overlays.
 * Keys follow htop and btop habits; what a key asks of the outside world (a signal, another host, quitting)
 * becomes an `effect` that the app carries out.
 */

/** A special key by name; printable keys come as `input`. */
export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end'
  | 'enter'
  | 'escape'
  | 'backspace'
  | 'delete'
  | 'tab'
  | 'f1'
  | 'f3'
  | 'f4'
  | 'f6'
  | 'f9'
  | 'f10';

export interface TopKey {
  /** The text typed ('' for special keys; a pasted string arrives whole). */
  input: string;
  name?: KeyName;
  ctrl?: boolean;
}

export type Mode = 'normal' | 'filter' | 'confirm' | 'help' | 'hosts';
export type Tone = 'info' | 'ok' | 'error';
export interface Status {
  text: string;
  tone: Tone;
}

export type Effect =
  | { seq: number; kind: 'signal'; pid: number; name: string; user: string; action: ProcessAction }
  | { seq: number; kind: 'host'; id: string }
  | { seq: number; kind: 'redraw' }
  | { seq: number; kind: 'quit' };
type EffectRequest = Effect extends infer E ? (E extends Effect ? Omit<E, 'seq'> : never) : never;

export interface TopState {
  /** What the source last said (kept as it was while paused). */
  snapshot: TopSnapshot | null;
  /** The last notice of the source shown in the status line. */
  noticeSeq: number;
  mode: Mode;
  sort: SortKey;
  descending: boolean;
  filter: string;
  showKernelThreads: boolean;
  /** The selection stays on its PID across refreshes (htop's F); otherwise on its row, as htop does by default. */
  follow: boolean;
  /** Updates frozen (htop's Z). */
  paused: boolean;
  /** The latest whole table, and the rows shown (filtered and sorted). */
  all: ProcessInfo[];
  rows: ProcessInfo[];
  selected: number;
  selectedPid: number | null;
  /** Index of the first row on screen, and how many rows fit. */
  scroll: number;
  pageSize: number;
  confirm: { action: ProcessAction; pid: number; name: string; user: string } | null;
  /** Remote mode: the hub's hosts (ids in screen order), the one shown, and the host list's cursor. */
  remote: boolean;
  hosts: string[];
  currentHost: string | null;
  hostCursor: number;
  /** Whether signals may be sent, and why not when they may not. */
  canAct: boolean;
  readOnlyReason: string;
  vimKeys: boolean;
  status: Status | null;
  effect: Effect | null;
}

export type TopEvent =
  | { type: 'key'; key: TopKey }
  | { type: 'snapshot'; snapshot: TopSnapshot }
  | { type: 'processes'; processes: ProcessInfo[] }
  | { type: 'pageSize'; rows: number }
  | { type: 'hosts'; ids: string[]; current: string | null }
  | { type: 'access'; canAct: boolean; reason?: string }
  | { type: 'status'; status: Status | null };

export interface TopOptions {
  remote?: boolean;
  vimKeys?: boolean;
  sort?: SortKey;
  canAct?: boolean;
  readOnlyReason?: string;
}

export function initialState(options: TopOptions = {}): TopState {
  const sort = options.sort ?? 'cpu';
  return {
    snapshot: null,
    noticeSeq: 0,
    mode: 'normal',
    sort,
    descending: descendingByDefault(sort),
    filter: '',
    showKernelThreads: false,
    follow: false,
    paused: false,
    all: [],
    rows: [],
    selected: 0,
    selectedPid: null,
    scroll: 0,
    pageSize: 10,
    confirm: null,
    remote: options.remote ?? false,
    hosts: [],
    currentHost: null,
    hostCursor: 0,
    canAct: options.canAct ?? true,
    readOnlyReason: options.readOnlyReason ?? 'read-only',
    vimKeys: options.vimKeys ?? false,
    status: null,
    effect: null,
  };
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

function withEffect(s: TopState, effect: EffectRequest): TopState {
  return { ...s, effect: { ...effect, seq: (s.effect?.seq ?? 0) + 1 } as Effect };
}

/** Moves the selection to a row index (clamped) and scrolls so that it shows. */
function select(s: TopState, index: number): TopState {
  const n = s.rows.length;
  const selected = n === 0 ? 0 : clamp(index, 0, n - 1);
  const page = Math.max(1, s.pageSize);
  let scroll = clamp(s.scroll, 0, Math.max(0, n - page));
  if (selected < scroll) scroll = selected;
  if (selected >= scroll + page) scroll = selected - page + 1;
  return { ...s, selected, selectedPid: s.rows[selected]?.pid ?? null, scroll };
}

/** Recomputes the rows; `reset` puts the selection on the first row (a new sort or filter), unless it follows a PID. */
function refresh(s: TopState, reset: boolean): TopState {
  const rows = visibleProcesses(s.all, s);
  const next = { ...s, rows };
  if (s.follow && s.selectedPid !== null) {
    const at = rows.findIndex((p) => p.pid === s.selectedPid);
    if (at >= 0) return select(next, at);
  }
  return reset ? select({ ...next, scroll: 0 }, 0) : select(next, s.selected);
}

function setSort(s: TopState, sort: SortKey, descending = descendingByDefault(sort)): TopState {
  return refresh({ ...s, sort, descending, status: null }, true);
}

function cycleSort(s: TopState, step: number): TopState {
  const i = SORT_KEYS.indexOf(s.sort);
  return setSort(s, SORT_KEYS[(i + step + SORT_KEYS.length) % SORT_KEYS.length] as SortKey);
}

function ask(s: TopState, action: ProcessAction): TopState {
  if (!s.canAct) return { ...s, status: { text: s.readOnlyReason, tone: 'error' } };
  const p = s.rows[s.selected];
  if (!p) return { ...s, status: { text: 'no process selected', tone: 'error' } };
  return { ...s, mode: 'confirm', confirm: { action, pid: p.pid, name: p.name, user: p.user }, status: null };
}

/** The question the confirmation line asks, e.g. "Send SIGTERM to 1234 (nginx)? y/n". */
export function confirmQuestion(confirm: NonNullable<TopState['confirm']>): string {
  return `Send ${SIGNAL_OF_ACTION[confirm.action]} to ${confirm.pid} (${confirm.name})? y/n`;
}

/** Movement shared by the table and the host list: arrows, j (and k with vim keys), PgUp/PgDn, Home/End, g/G. */
function movement(s: TopState, key: TopKey, page: number): number | 'first' | 'last' | null {
  if (key.name === 'up' || (s.vimKeys && key.input === 'k' && !key.ctrl)) return -1;
  if (key.name === 'down' || (key.input === 'j' && !key.ctrl)) return 1;
  if (key.name === 'pageup' || (key.ctrl && key.input === 'b')) return -page;
  if (key.name === 'pagedown' || (key.ctrl && key.input === 'f')) return page;
  if (key.name === 'home' || key.input === 'g') return 'first';
  if (key.name === 'end' || key.input === 'G') return 'last';
  return null;
}

function moveTable(s: TopState, key: TopKey): TopState | null {
  const m = movement(s, key, Math.max(1, s.pageSize - 1));
  if (m === null) return null;
  const index = m === 'first' ? 0 : m === 'last' ? s.rows.length - 1 : s.selected + m;
  return select(s, index);
}

const SORT_LETTERS: Record<string, SortKey> = { P: 'cpu', c: 'cpu', M: 'memory', m: 'memory', T: 'time', N: 'pid', p: 'pid', n: 'name' };

function normalKey(s0: TopState, key: TopKey): TopState {
  const s = s0.status ? { ...s0, status: null } : s0;
  const { input, name } = key;
  const moved = moveTable(s, key);
  if (moved) return moved;
  if (key.ctrl) {
    if (input === 'l') return withEffect(s, { kind: 'redraw' });
    return s;
  }
  if (input === 'q' || name === 'f10') return withEffect(s, { kind: 'quit' });
  const sort = SORT_LETTERS[input];
  if (sort) return setSort(s, sort);
  if (input === 'I') return refresh({ ...s, descending: !s.descending }, true);
  if (input === '<' || input === ',' || name === 'left') return cycleSort(s, -1);
  if (input === '>' || input === '.' || name === 'right' || name === 'f6') return cycleSort(s, 1);
  if (input === '/' || input === '\\' || name === 'f3' || name === 'f4') return { ...s, mode: 'filter' };
  if (name === 'escape') return s.filter ? refresh({ ...s, filter: '' }, true) : s;
  if (input === 's') return ask(s, 'suspend');
  if (input === 'r') return ask(s, 'resume');
  if (input === 't' || name === 'f9') return ask(s, 'terminate');
  if ((input === 'k' && !s.vimKeys) || (input === 'K' && s.vimKeys)) return ask(s, 'kill');
  if (input === 'h' || input === '?' || name === 'f1') return { ...s, mode: 'help' };
  if (input === 'H') {
    if (!s.remote) return { ...s, status: { text: 'local mode shows this host; give --hub URL to see the fleet', tone: 'info' } };
    return { ...s, mode: 'hosts', hostCursor: Math.max(0, s.currentHost ? s.hosts.indexOf(s.currentHost) : 0) };
  }
  if (input === 'K') {
    const next = refresh({ ...s, showKernelThreads: !s.showKernelThreads }, false);
    return { ...next, status: { text: next.showKernelThreads ? 'showing kernel threads' : 'hiding kernel threads', tone: 'info' } };
  }
  if (input === 'F') {
    const follow = !s.follow && s.selectedPid !== null;
    return { ...s, follow, status: { text: follow ? `following PID ${s.selectedPid}` : 'not following', tone: 'info' } };
  }
  if (input === 'Z' || input === 'z') {
    return { ...s, paused: !s.paused, status: { text: s.paused ? 'resumed updates' : 'paused: Z resumes', tone: 'info' } };
  }
  return s;
}

function filterKey(s: TopState, key: TopKey): TopState {
  if (key.name === 'escape') return refresh({ ...s, mode: 'normal', filter: '' }, true);
  if (key.name === 'enter') return { ...s, mode: 'normal' };
  if (key.name === 'backspace' || key.name === 'delete') return refresh({ ...s, filter: [...s.filter].slice(0, -1).join('') }, true);
  if (key.ctrl && key.input === 'u') return refresh({ ...s, filter: '' }, true);
  if (key.name === 'up' || key.name === 'down' || key.name === 'pageup' || key.name === 'pagedown') return moveTable(s, key) ?? s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: typed text only, no control characters
  const text = key.input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (key.ctrl || key.name || !text) return s;
  return refresh({ ...s, filter: (s.filter + text).slice(0, 100) }, true);
}

function confirmKey(s: TopState, key: TopKey): TopState {
  const confirm = s.confirm;
  const back = { ...s, mode: 'normal' as const, confirm: null };
  if (!confirm) return back;
  if (!key.ctrl && (key.input === 'y' || key.input === 'Y')) {
    return withEffect(back, { kind: 'signal', pid: confirm.pid, name: confirm.name, user: confirm.user, action: confirm.action });
  }
  return { ...back, status: { text: 'cancelled', tone: 'info' } };
}

function hostsKey(s: TopState, key: TopKey): TopState {
  const m = movement(s, key, 5);
  if (m !== null) {
    const n = s.hosts.length;
    const index = m === 'first' ? 0 : m === 'last' ? n - 1 : s.hostCursor + m;
    return { ...s, hostCursor: n === 0 ? 0 : clamp(index, 0, n - 1) };
  }
  if (key.name === 'enter') {
    const id = s.hosts[s.hostCursor];
    if (!id) return s;
    const next = { ...s, mode: 'normal' as const, currentHost: id, all: [], rows: [], selected: 0, selectedPid: null, scroll: 0 };
    return withEffect(next, { kind: 'host', id });
  }
  if (key.name === 'escape' || key.input === 'H' || key.input === 'q') {
    if (s.currentHost === null) return key.input === 'q' ? withEffect(s, { kind: 'quit' }) : s;
    return { ...s, mode: 'normal' };
  }
  return s;
}

function applyHosts(s: TopState, ids: string[], current: string | null): TopState {
  const hostCursor = clamp(s.hostCursor, 0, Math.max(0, ids.length - 1));
  const next = { ...s, hosts: ids, currentHost: current, hostCursor };
  // Remote mode with no host chosen yet (several hosts, or --host named none): ask which.
  if (s.remote && current === null && ids.length > 0 && s.mode === 'normal') return { ...next, mode: 'hosts' };
  return next;
}

/** A new snapshot of the source, in one step (one redraw): rows, hosts, access and notice. Paused, the screen keeps the old one. */
function applySnapshot(s: TopState, snapshot: TopSnapshot): TopState {
  let next = s;
  if (!s.paused || !s.snapshot) {
    const frameChanged = snapshot.frame !== s.snapshot?.frame;
    next = { ...next, snapshot };
    if (frameChanged) next = refresh({ ...next, all: snapshot.frame?.processes ?? [] }, false);
  }
  const ids = snapshot.hosts.map((h) => h.id);
  if (ids.join('\n') !== s.hosts.join('\n') || snapshot.hostId !== s.currentHost) next = applyHosts(next, ids, snapshot.hostId);
  if (snapshot.canAct !== s.canAct || (snapshot.readOnlyReason && snapshot.readOnlyReason !== s.readOnlyReason)) {
    next = { ...next, canAct: snapshot.canAct, readOnlyReason: snapshot.readOnlyReason ?? s.readOnlyReason };
  }
  if (snapshot.notice && snapshot.notice.seq !== s.noticeSeq) {
    next = { ...next, noticeSeq: snapshot.notice.seq, status: { text: snapshot.notice.text, tone: 'error' } };
  }
  return next;
}

/** The reducer of `vigil top`. */
export function reduce(s: TopState, event: TopEvent): TopState {
  switch (event.type) {
    case 'key': {
      const { key } = event;
      if (key.ctrl && key.input === 'c') return withEffect(s, { kind: 'quit' });
      switch (s.mode) {
        case 'filter':
          return filterKey(s, key);
        case 'confirm':
          return confirmKey(s, key);
        case 'help':
          return { ...s, mode: 'normal' };
        case 'hosts':
          return hostsKey(s, key);
        default:
          return normalKey(s, key);
      }
    }
    case 'snapshot':
      return applySnapshot(s, event.snapshot);
    case 'processes':
      return s.paused ? s : refresh({ ...s, all: event.processes }, false);
    case 'pageSize':
      return select({ ...s, pageSize: Math.max(1, event.rows) }, s.selected);
    case 'hosts':
      return applyHosts(s, event.ids, event.current);
    case 'access':
      return { ...s, canAct: event.canAct, readOnlyReason: event.reason ?? s.readOnlyReason };
    case 'status':
      return { ...s, status: event.status };
  }
}

/** The sort as the header shows it, e.g. "CPU%▼". */
export const sortLabel = (s: Pick<TopState, 'sort' | 'descending'>): string => `${SORT_TITLE[s.sort]}${s.descending ? '▼' : '▲'}`;
