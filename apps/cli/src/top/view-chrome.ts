import type { HostSummary } from '@vigil/schema';
import { clock, columns, fit, printable, uptimeText } from './format.ts';
import type { TopLayout } from './layout.ts';
import { type Color, fitLine, LEVEL_COLOR, type Line, level, type Segment } from './segments.ts';
import type { TopSnapshot } from './source.ts';
import { confirmQuestion, sortLabel, type TopState } from './state.ts';

/** A piece of the header or footer; when the line is short, pieces with the highest `drop` go first. */
interface Piece {
  segments: Segment[];
  drop: number;
}

const width = (pieces: Piece[], gap: number) =>
  pieces.reduce((sum, p) => sum + p.segments.reduce((n, s) => n + columns(s.text), 0), 0) + Math.max(0, pieces.length - 1) * gap;

function join(pieces: Piece[], gap: number): Segment[] {
  return pieces.flatMap((p, i) => (i === 0 ? p.segments : [{ text: ' '.repeat(gap) }, ...p.segments]));
}

/** Left pieces from the left, right pieces against the right edge, dropping pieces until both fit. */
function spread(left: Piece[], right: Piece[], total: number, gap = 2): Line {
  let l = [...left];
  let r = [...right];
  while (width(l, gap) + width(r, gap) + 1 > total) {
    const drops = [...l, ...r].map((p) => p.drop);
    const worst = Math.max(...drops);
    if (worst <= 0) break;
    const inRight = r.findLastIndex((p) => p.drop === worst);
    if (inRight >= 0) r = r.filter((_, i) => i !== inRight);
    else l = l.filter((_, i) => i !== l.findLastIndex((p) => p.drop === worst));
  }
  const used = width(l, gap) + width(r, gap);
  return fitLine([...join(l, gap), { text: ' '.repeat(Math.max(1, total - used)) }, ...join(r, gap)], total);
}

const CONNECTION: Record<TopSnapshot['connection']['state'], { mark: string; color: Color; text: string }> = {
  local: { mark: '●', color: 'green', text: 'local' },
  connecting: { mark: '◌', color: 'yellow', text: 'connecting' },
  live: { mark: '●', color: 'green', text: 'live' },
  reconnecting: { mark: '◌', color: 'yellow', text: 'reconnecting' },
  refused: { mark: '✕', color: 'red', text: 'refused' },
};

/** Firing alerts of the fleet, by severity. */
function alertCounts(hosts: HostSummary[]): { warning: number; critical: number } {
  return hosts.reduce(
    (sum, h) => ({ warning: sum.warning + (h.alerts?.warning ?? 0), critical: sum.critical + (h.alerts?.critical ?? 0) }),
    {
      warning: 0,
      critical: 0,
    },
  );
}

/** The top line: host, uptime, load, tasks on the left; filter, sort, connection and clock on the right. */
export function headerLine(snapshot: TopSnapshot, state: TopState, layoutWidth: number, now: number): Line {
  const system = snapshot.frame?.system;
  const left: Piece[] = [{ segments: [{ text: ` ${printable(snapshot.hostLabel)}`, bold: true, color: 'white' }], drop: 0 }];
  if (snapshot.mode === 'remote' && snapshot.hosts.length > 0) {
    const down = snapshot.hosts.filter((h) => h.status !== 'online').length;
    const { warning, critical } = alertCounts(snapshot.hosts);
    const fleet: Segment[] = [{ text: `${snapshot.hosts.length} host${snapshot.hosts.length === 1 ? '' : 's'}`, color: 'cyan' }];
    if (down) fleet.push({ text: ` ${down} down`, color: 'red', bold: true });
    if (critical) fleet.push({ text: ` ⚠${critical}`, color: 'red', bold: true });
    if (warning) fleet.push({ text: ` ⚠${warning}`, color: 'yellow', bold: true });
    left.push({ segments: fleet, drop: 2 });
  }
  if (system?.load) {
    const { load1, load5, load15 } = system.load;
    left.push({
      segments: [{ text: 'load ', color: 'gray' }, { text: `${load1.toFixed(2)} ${load5.toFixed(2)} ${load15.toFixed(2)}` }],
      drop: 3,
    });
  }
  if (system?.uptime) left.push({ segments: [{ text: 'up ', color: 'gray' }, { text: uptimeText(system.uptime.uptimeSeconds) }], drop: 4 });
  if (system?.processes) {
    const p = system.processes;
    left.push({ segments: [{ text: `${p.total} tasks, ${p.running} running`, color: 'gray' }], drop: 5 });
  }

  const right: Piece[] = [];
  if (state.paused) right.push({ segments: [{ text: ' PAUSED ', color: 'black', bg: 'yellow', bold: true }], drop: 0 });
  if (state.filter) {
    const shown = state.all.filter((p) => state.showKernelThreads || !p.kernelThread).length;
    right.push({
      segments: [{ text: `/${state.filter}`, color: 'yellow', bold: true }, { text: ` ${state.rows.length}/${shown}` }],
      drop: 1,
    });
  }
  if (state.follow && state.selectedPid !== null)
    right.push({ segments: [{ text: `follow ${state.selectedPid}`, color: 'cyan' }], drop: 3 });
  right.push({
    segments: [
      { text: 'sort ', color: 'gray' },
      { text: sortLabel(state), color: 'cyan', bold: true },
    ],
    drop: 1,
  });
  const { state: connection, detail, retryAt } = snapshot.connection;
  if (detail && connection !== 'live')
    right.push({ segments: [{ text: detail, color: connection === 'local' ? 'red' : 'yellow' }], drop: 3 });
  if (snapshot.mode === 'remote') {
    const c = CONNECTION[connection];
    const wait = retryAt && retryAt > now ? ` in ${Math.ceil((retryAt - now) / 1000)}s` : '';
    right.push({
      segments: [
        { text: `${c.mark} `, color: c.color, bold: true },
        { text: `${c.text}${wait}`, color: c.color },
      ],
      drop: 0,
    });
  }
  right.push({ segments: [{ text: clock(now), bold: true }, { text: ' ' }], drop: 2 });
  return spread(left, right, layoutWidth);
}

const key = (text: string): Segment => ({ text, color: 'black', bg: 'cyan', bold: true });

/** The bottom line: key hints (htop's function-key bar), or the filter being typed, a confirmation, a status. */
export function footerLine(snapshot: TopSnapshot, state: TopState, total: number): Line {
  if (state.mode === 'filter') {
    const count = `${state.rows.length}/${state.all.filter((p) => state.showKernelThreads || !p.kernelThread).length} `;
    return spread(
      [
        {
          segments: [{ text: ' Filter: ', color: 'cyan', bold: true }, { text: state.filter }, { text: '█', color: 'cyan' }],
          drop: 0,
        },
        { segments: [{ text: 'Enter keeps  Esc clears', color: 'gray' }], drop: 1 },
      ],
      [{ segments: [{ text: count }], drop: 2 }],
      total,
    );
  }
  if (state.mode === 'confirm' && state.confirm) {
    const severe = state.confirm.action === 'kill' || state.confirm.action === 'terminate';
    return fitLine(
      [{ text: ` ${confirmQuestion(state.confirm)} `, color: severe ? 'white' : 'black', bg: severe ? 'red' : 'yellow', bold: true }],
      total,
    );
  }
  if (state.status) {
    const color: Color = state.status.tone === 'error' ? 'red' : state.status.tone === 'ok' ? 'green' : 'cyan';
    return fitLine([{ text: ` ${state.status.text}`, color, bold: state.status.tone === 'error' }], total);
  }
  if (state.mode === 'help') return fitLine([{ text: ' press any key to return', color: 'gray' }], total);
  if (state.mode === 'hosts') {
    return spread(
      [
        { segments: [key('↑↓'), { text: ' Move' }], drop: 0 },
        { segments: [key('Enter'), { text: ' Show this host' }], drop: 0 },
        { segments: [key('Esc'), { text: ' Back' }], drop: 1 },
      ],
      [],
      total,
    );
  }
  const hints: Piece[] = [
    { segments: [key('h'), { text: ' Help' }], drop: 0 },
    { segments: [key('/'), { text: ' Filter' }], drop: 1 },
    { segments: [key('P M T N'), { text: ' Sort' }], drop: 2 },
  ];
  if (state.canAct) hints.push({ segments: [key(`s r t ${state.vimKeys ? 'K' : 'k'}`), { text: ' Signal' }], drop: 2 });
  if (snapshot.mode === 'remote') hints.push({ segments: [key('H'), { text: ' Hosts' }], drop: 3 });
  hints.push({ segments: [key('q'), { text: ' Quit' }], drop: 0 });
  const right: Piece[] = state.canAct ? [] : [{ segments: [{ text: 'read-only ', color: 'yellow' }], drop: 4 }];
  const pieces = [{ segments: [{ text: '' }], drop: 0 }, ...hints];
  return spread(pieces, right, total, width(pieces, 2) + width(right, 2) < total ? 2 : 1);
}

const percent = (v: number | null) => (v === null ? '   -' : `${Math.round(v)}%`.padStart(4));
const coloured = (v: number | null): Segment => ({ text: percent(v), color: v === null ? 'gray' : LEVEL_COLOR[level(v)] });

/** One host of the fleet grid: status, name, CPU and memory, firing alerts. */
function hostCell(h: HostSummary, current: boolean, cellWidth: number): Segment[] {
  const online = h.status === 'online';
  const alerts: Segment[] = [];
  if (h.alerts?.critical) alerts.push({ text: ` ⚠${h.alerts.critical}`, color: 'red', bold: true });
  if (h.alerts?.warning) alerts.push({ text: ` ⚠${h.alerts.warning}`, color: 'yellow', bold: true });
  const nameWidth = Math.max(6, cellWidth - 2 - 18 - 1);
  return fitLine(
    [
      { text: online ? '●' : '○', color: online ? 'green' : 'red' },
      { text: ' ' },
      { text: fit(printable(h.hostname), nameWidth, 'left', true), bold: current, color: current ? 'cyan' : undefined },
      { text: ' cpu', color: 'gray' },
      coloured(online ? h.cpuPercent : null),
      { text: ' mem', color: 'gray' },
      coloured(online ? h.memoryPercent : null),
      ...alerts,
    ],
    cellWidth,
  );
}

/** The fleet grid of tall terminals in remote mode: a title line, then hosts in columns. */
export function hostsPanel(snapshot: TopSnapshot, layout: TopLayout): Line[] {
  const grid = layout.hosts;
  if (!grid) return [];
  const lines: Line[] = [
    fitLine(
      [
        { text: ' Hosts', bold: true, color: 'cyan' },
        { text: '  H chooses the host shown', color: 'gray' },
      ],
      layout.width,
    ),
  ];
  for (let r = 0; r < grid.rows; r++) {
    const line: Line = [{ text: ' ' }];
    for (let c = 0; c < grid.columns; c++) {
      const h = snapshot.hosts[r * grid.columns + c];
      if (!h) break;
      if (c > 0) line.push({ text: '  ' });
      line.push(...hostCell(h, h.id === snapshot.hostId, grid.cellWidth));
    }
    lines.push(fitLine(line, layout.width));
  }
  return lines;
}

/** The host list (H): a table in place of the processes, the cursor row highlighted, the shown host marked. */
export function hostsOverlay(snapshot: TopSnapshot, state: TopState, layout: TopLayout, rows: number): Line[] {
  const nameWidth = Math.max(10, Math.min(30, layout.width - 50));
  const header = fitLine(
    [{ text: `   ${fit('HOST', nameWidth)} STATE     CPU%  MEM%  DISK%  LOAD1  ALERTS`, color: 'black', bg: 'green' }],
    layout.width,
    { color: 'black', bg: 'green' },
  );
  const lines: Line[] = [header];
  const byId = new Map(snapshot.hosts.map((h) => [h.id, h]));
  const first = Math.max(0, Math.min(state.hostCursor - rows + 2, state.hosts.length - rows + 1));
  for (const [i, id] of state.hosts.slice(first, first + rows - 1).entries()) {
    const h = byId.get(id);
    if (!h) continue;
    const online = h.status === 'online';
    const alerts = (h.alerts?.critical ?? 0) + (h.alerts?.warning ?? 0);
    const line: Line = [
      { text: id === snapshot.hostId ? ' ▶ ' : '   ', color: 'cyan', bold: true },
      { text: fit(printable(h.hostname), nameWidth, 'left', true), bold: true },
      { text: ` ${fit(h.status, 7)}`, color: online ? 'green' : 'red' },
      { text: '  ' },
      coloured(online ? h.cpuPercent : null),
      { text: '  ' },
      coloured(online ? h.memoryPercent : null),
      { text: '   ' },
      coloured(online ? h.diskPercent : null),
      { text: `  ${h.load1 === null ? '    -' : h.load1.toFixed(2).padStart(5)}` },
      { text: `  ${alerts ? `⚠${alerts}` : '-'}`, color: h.alerts?.critical ? 'red' : alerts ? 'yellow' : 'gray' },
    ];
    const selected = first + i === state.hostCursor;
    lines.push(
      selected
        ? fitLine(
            line.map((s) => ({ text: s.text, color: 'black' as const, bg: 'cyan' as const, bold: s.bold })),
            layout.width,
            { color: 'black', bg: 'cyan' },
          )
        : fitLine(line, layout.width),
    );
  }
  if (state.hosts.length === 0) lines.push(fitLine([{ text: '  no hosts on this hub yet', color: 'gray' }], layout.width));
  while (lines.length < rows) lines.push(fitLine([], layout.width));
  return lines.slice(0, rows);
}

const HELP: [string, string][] = [
  ['↑ ↓ j  PgUp PgDn  Home End', 'move the selection (k moves up with --vim-keys)'],
  ['P c  M m  T  N p  n', 'sort by CPU%, MEM%, TIME+, PID, Command'],
  ['< >  ← →   I', 'previous or next sort column; invert the order'],
  ['/ \\   Enter  Esc', 'filter by name, command line or PID; keep; clear'],
  ['s r t k  then y', 'suspend, resume, terminate, kill the selection'],
  ['H', 'choose the host shown (remote mode)'],
  ['K  F  Z  Ctrl-L', 'kernel threads, follow the process, pause, redraw'],
  ['h ?   q Ctrl-C', 'this help; quit'],
];

/** The key help (h, ?, F1) in place of the processes. */
export function helpOverlay(state: TopState, layout: TopLayout, rows: number, color: boolean): Line[] {
  const keyWidth = 27;
  const lines: Line[] = [
    fitLine([{ text: ' vigil top: keys (htop and btop habits)', color: 'black', bg: 'green', bold: true }], layout.width, {
      color: 'black',
      bg: 'green',
    }),
  ];
  for (const [keys, what] of HELP) {
    const shown = state.vimKeys ? keys.replace('s r t k', 's r t K') : keys;
    lines.push(fitLine([{ text: `  ${fit(shown, keyWidth)}`, color: 'cyan', bold: true }, { text: what }], layout.width));
  }
  if (!state.canAct) lines.push(fitLine([{ text: `  ${state.readOnlyReason}`, color: 'yellow' }], layout.width));
  lines.push(
    fitLine(
      color
        ? [
            { text: '  Bars: ' },
            { text: 'green', color: 'green' },
            { text: ' below 50 %, ' },
            { text: 'yellow', color: 'yellow' },
            { text: ' 50-75 %, ' },
            { text: 'red', color: 'red' },
            { text: ' above 75 %' },
          ]
        : [{ text: '  Bars: green below 50 %, yellow 50-75 %, red above 75 % (colours off: NO_COLOR)' }],
      layout.width,
    ),
  );
  while (lines.length < rows) lines.push(fitLine([], layout.width));
  return lines.slice(0, rows);
}
