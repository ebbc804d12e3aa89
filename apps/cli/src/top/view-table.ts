import type { ProcessInfo, ProcessState } from '@vigil/schema';
import { cpuTime, fit, percentText, printable, shortBytes } from './format.ts';
import type { ProcessColumn, ProcessColumnId, TopLayout } from './layout.ts';
import type { SortKey } from './processes.ts';
import { type Color, fitLine, LEVEL_COLOR, type Line, level, type Segment } from './segments.ts';
import type { TopState } from './state.ts';

/** The state letters of ps(1) and htop. */
const STATE_LETTER: Record<ProcessState, string> = {
  running: 'R',
  sleeping: 'S',
  'disk-sleep': 'D',
  stopped: 'T',
  'tracing-stop': 't',
  zombie: 'Z',
  dead: 'X',
  idle: 'I',
  parked: 'P',
  waking: 'W',
  unknown: '?',
};
const STATE_COLOR: Partial<Record<ProcessState, Color>> = {
  running: 'green',
  'disk-sleep': 'yellow',
  stopped: 'red',
  'tracing-stop': 'red',
  zombie: 'magenta',
};

/** The column each sort key lights up in the table header. */
const SORTED_COLUMN: Partial<Record<SortKey, ProcessColumnId>> = {
  cpu: 'cpu',
  memory: 'mem',
  time: 'time',
  pid: 'pid',
  user: 'user',
  threads: 'threads',
  io: 'read',
};

/** The header row of the table: green as htop's, the sorted column in cyan with its direction. */
export function tableHeader(layout: TopLayout, state: Pick<TopState, 'sort' | 'descending'>): Line {
  const sorted = SORTED_COLUMN[state.sort];
  const arrow = state.descending ? '▼' : '▲';
  const line: Line = [];
  for (const c of layout.table.columns) {
    const on = c.id === sorted;
    const title = on ? (c.align === 'right' ? `${arrow}${c.title}` : `${c.title}${arrow}`) : c.title;
    line.push({ text: fit(title, c.width, c.align), color: 'black', bg: on ? 'cyan' : 'green', bold: on });
    line.push({ text: ' ', color: 'black', bg: 'green' });
  }
  const on = state.sort === 'name';
  line.push({ text: on ? `Command${arrow}` : 'Command', color: 'black', bg: on ? 'cyan' : 'green', bold: on });
  return fitLine(line, layout.width, { color: 'black', bg: 'green' });
}

function cell(p: ProcessInfo, c: ProcessColumn): Segment {
  const text = (value: string): Segment => ({ text: fit(value, c.width, c.align) });
  switch (c.id) {
    case 'pid':
      return text(String(p.pid));
    case 'user':
      return { ...text(p.user), dim: p.uid === 0 };
    case 'nice':
      return { ...text(String(p.nice)), color: p.nice < 0 ? 'red' : p.nice > 0 ? 'green' : undefined };
    case 'state':
      return { ...text(STATE_LETTER[p.state]), color: STATE_COLOR[p.state], bold: p.state === 'running' };
    case 'virt':
      return text(shortBytes(p.memoryVirtualBytes));
    case 'res':
      return text(shortBytes(p.memoryRssBytes));
    case 'cpu':
      return usage(text(percentText(p.cpuPercent)), p.cpuPercent);
    case 'mem':
      return usage(text(percentText(p.memoryPercent)), p.memoryPercent);
    case 'time':
      return text(cpuTime(p.cpuSecondsTotal));
    case 'threads':
      return text(String(p.threads));
    case 'read':
      return { ...text(p.ioReadBytesPerSecond ? shortBytes(p.ioReadBytesPerSecond) : '-'), dim: !p.ioReadBytesPerSecond };
    case 'write':
      return { ...text(p.ioWriteBytesPerSecond ? shortBytes(p.ioWriteBytesPerSecond) : '-'), dim: !p.ioWriteBytesPerSecond };
  }
}

/** Idle figures dim, busy ones yellow or red (seed 000's thresholds), the rest plain. */
function usage(segment: Segment, value: number | null): Segment {
  if (value === null || value < 0.05) return { ...segment, dim: true };
  return value >= 50 ? { ...segment, color: LEVEL_COLOR[level(value)] } : segment;
}

/** The command: the process name in bold, then its arguments; kernel threads in brackets, as ps shows them. */
function command(p: ProcessInfo): Segment[] {
  if (!p.cmdline) return [{ text: `[${printable(p.name)}]`, dim: true }];
  const args = p.cmdline.split(' ').slice(1).join(' ');
  return [
    { text: printable(p.name), bold: true },
    { text: args ? ` ${printable(args)}` : '', dim: true },
  ];
}

/** One row of the table; the selected row is drawn as htop's cyan bar. */
export function processLine(p: ProcessInfo, layout: TopLayout, selected: boolean): Line {
  const line: Line = [];
  for (const c of layout.table.columns) line.push(cell(p, c), { text: ' ' });
  line.push(...command(p));
  if (!selected) return fitLine(line, layout.width);
  return fitLine(
    line.map((s) => ({ text: s.text, color: 'black' as const, bg: 'cyan' as const, bold: s.bold })),
    layout.width,
    { color: 'black', bg: 'cyan' },
  );
}

/** The visible rows of the table, padded with blank lines to the table's height. */
export function tableLines(state: TopState, layout: TopLayout, empty: string): Line[] {
  const lines: Line[] = [];
  const rows = state.rows.slice(state.scroll, state.scroll + layout.table.rows);
  for (const [i, p] of rows.entries()) lines.push(processLine(p, layout, state.scroll + i === state.selected));
  if (rows.length === 0) lines.push(fitLine([{ text: `  ${empty}`, dim: true }], layout.width));
  while (lines.length < layout.table.rows) lines.push(fitLine([], layout.width));
  return lines.slice(0, layout.table.rows);
}
