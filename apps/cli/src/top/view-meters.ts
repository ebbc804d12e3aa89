import type { Frame } from '@vigil/schema';
import { columns, fit, shortBytes, shortRate } from './format.ts';
import type { FrameLists } from './frame-lists.ts';
import type { CoreGrid, MeterItem, TopLayout } from './layout.ts';
import { bar, fitLine, type Line, miniBar, type Segment } from './segments.ts';

const label = (text: string, width: number): Segment => ({ text: fit(text, width, 'left', true), color: 'cyan', bold: true });

/** "Mem ███████░░░░░  6.1G/15.6G": a label, a bar filling the width, and a value on the right. */
export function meterLine(name: string, percent: number | null | undefined, value: string, width: number, labelWidth = 4): Line {
  const valueWidth = Math.max(columns(value), 4);
  const barWidth = Math.max(0, width - labelWidth - 1 - 1 - valueWidth);
  return fitLine(
    [label(name, labelWidth), { text: ' ' }, ...bar(percent, barWidth), { text: ` ${fit(value, valueWidth, 'right')}` }],
    width,
  );
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(1)}%`);

/** The CPU column: total usage, a history sparkline on tall terminals, then the per-core grid. */
export function cpuLines(frame: Frame | null, layout: TopLayout, history: number[]): Line[] {
  const { width, cores: grid } = layout.cpu;
  const cpu = frame?.system.cpu;
  const lines: Line[] = [meterLine('CPU', cpu?.total?.usagePercent, pct(cpu?.total?.usagePercent), width)];
  if (layout.cpu.history) {
    const cells = Math.max(0, width - 5);
    const recent = history.slice(-cells);
    const spark = recent.map((v) => miniBar(v));
    lines.push(fitLine([label('hist', 4), { text: ' ' }, { text: ' '.repeat(cells - recent.length) }, ...spark], width));
  }
  const usage = (cpu?.cores ?? []).map((c) => (c.online ? (c.times?.usagePercent ?? null) : null));
  lines.push(...coreLines(usage, grid, width));
  // Rows the grid leaves free get the details htop users look for: where the time goes, the tasks, the clock.
  for (const detail of cpuDetails(frame)) if (lines.length < layout.meterRows) lines.push(fitLine(detail, width));
  return lines;
}

const dim = (text: string): Segment => ({ text, color: 'gray' });

/** Lines of CPU detail: the split of CPU time, the task counts, frequency and temperature. */
export function cpuDetails(frame: Frame | null): Line[] {
  const system = frame?.system;
  const out: Line[] = [];
  const t = system?.cpu?.total;
  if (t) {
    const part = (name: string, v: number): Segment[] => [dim(`${name} `), { text: `${Math.round(v)}% ` }];
    out.push([
      dim('    '),
      ...part('usr', t.userPercent + t.nicePercent),
      ...part('sys', t.systemPercent + t.irqPercent + t.softirqPercent),
      ...part('wait', t.iowaitPercent),
      ...part('steal', t.stealPercent),
    ]);
  }
  const p = system?.processes;
  if (p) {
    const line: Line = [
      dim('    tasks '),
      { text: String(p.total) },
      dim(', '),
      { text: String(p.running), color: 'green' },
      dim(' running'),
    ];
    if (p.zombie) line.push(dim(', '), { text: String(p.zombie), color: 'magenta' }, dim(' zombie'));
    if (p.stopped) line.push(dim(', '), { text: String(p.stopped), color: 'red' }, dim(' stopped'));
    out.push(line);
  }
  const mhz = system?.cpu?.frequency.currentMhz;
  const hottest = Math.max(-Infinity, ...(system?.temperatures ?? []).map((s) => s.celsius));
  if (mhz || Number.isFinite(hottest)) {
    const line: Line = [dim('    ')];
    if (mhz) line.push(dim('freq '), { text: `${(mhz / 1000).toFixed(2)} GHz  ` });
    if (Number.isFinite(hottest))
      line.push(dim('temp '), { text: `${Math.round(hottest)}°C`, color: hottest >= 85 ? 'red' : hottest >= 70 ? 'yellow' : undefined });
    out.push(line);
  }
  return out;
}

/** The per-core grid: labelled bars in column-major order (as htop lists cores), or one cell per core. */
export function coreLines(usage: (number | null)[], grid: CoreGrid, width: number): Line[] {
  const n = usage.length;
  if (n === 0 || grid.rows === 0) return [];
  if (grid.style === 'cells') {
    const lines: Line[] = [];
    for (let r = 0; r < grid.rows; r++) {
      const first = r * grid.columns;
      const chunk = usage.slice(first, first + grid.columns);
      if (chunk.length === 0) break;
      const range = `${first}-${first + chunk.length - 1}`;
      lines.push(fitLine([{ text: fit(range, 6), color: 'gray' }, ...chunk.map((v) => miniBar(v))], width));
    }
    return lines;
  }
  const indexWidth = String(n - 1).length;
  const lines: Line[] = [];
  for (let r = 0; r < grid.rows; r++) {
    const line: Line = [];
    for (let c = 0; c < grid.columns; c++) {
      const i = c * grid.rows + r;
      if (i >= n) break;
      const v = usage[i];
      const barWidth = Math.max(1, grid.cellWidth - indexWidth - 6);
      const value = v === null || v === undefined ? ' off' : `${Math.round(v)}%`.padStart(4);
      if (c > 0) line.push({ text: ' ' });
      line.push({ text: String(i).padStart(indexWidth), color: 'gray' }, { text: ' ' }, ...bar(v, barWidth), { text: ` ${value}` });
    }
    lines.push(fitLine(line, width));
  }
  return lines;
}

const fraction = (used: number, total: number) => `${shortBytes(used)}/${shortBytes(total)}`;

/** The label of a filesystem: its mountpoint, cut from the left when long ("…/docker"). */
function mountLabel(mountpoint: string, width: number): string {
  const chars = [...mountpoint];
  return chars.length <= width ? mountpoint : `…${chars.slice(chars.length - width + 1).join('')}`;
}

/** One meter of the memory, storage, network and GPU columns. */
export function itemLine(item: MeterItem, frame: Frame | null, lists: FrameLists, width: number, labelWidth: number): Line {
  const system = frame?.system;
  switch (item.kind) {
    case 'memory': {
      const m = system?.memory;
      return meterLine('Mem', m?.usedPercent, m ? fraction(m.usedBytes, m.totalBytes) : '-', width, labelWidth);
    }
    case 'swap': {
      const s = system?.swap;
      if (s && s.totalBytes === 0) return meterLine('Swp', null, 'none', width, labelWidth);
      return meterLine('Swp', s?.usedPercent, s ? fraction(s.usedBytes, s.totalBytes) : '-', width, labelWidth);
    }
    case 'filesystem': {
      const f = lists.filesystems[item.index];
      if (!f) return [];
      return meterLine(
        mountLabel(f.mountpoint, labelWidth),
        f.usedPercent,
        fraction(f.usedBytes, f.usedBytes + f.freeBytes),
        width,
        labelWidth,
      );
    }
    case 'disks': {
      const read = lists.disks.reduce((sum, d) => sum + (d.readBytesPerSecond ?? 0), 0);
      const written = lists.disks.reduce((sum, d) => sum + (d.writeBytesPerSecond ?? 0), 0);
      return rates('Dsk', read, written, width, labelWidth, ['r ', 'w ']);
    }
    case 'disk': {
      const d = lists.disks[item.index];
      if (!d) return [];
      return rates(d.device, d.readBytesPerSecond, d.writeBytesPerSecond, width, labelWidth, ['r ', 'w ']);
    }
    case 'network': {
      const rx = lists.interfaces.reduce((sum, n) => sum + (n.rxBytesPerSecond ?? 0), 0);
      const tx = lists.interfaces.reduce((sum, n) => sum + (n.txBytesPerSecond ?? 0), 0);
      return rates('Net', rx, tx, width, labelWidth);
    }
    case 'interface': {
      const n = lists.interfaces[item.index];
      if (!n) return [];
      return rates(n.interface, n.rxBytesPerSecond, n.txBytesPerSecond, width, labelWidth);
    }
    case 'gpu': {
      const g = lists.gpus[item.index];
      if (!g) return [];
      const temp = g.temperatureCelsius === null ? '' : ` ${Math.round(g.temperatureCelsius)}°C`;
      const value = `${g.utilizationGpuPercent === null ? '-' : `${Math.round(g.utilizationGpuPercent)}%`}${temp}`;
      return meterLine(`GPU${g.index}`, g.utilizationGpuPercent, value, width, labelWidth);
    }
  }
}

/** "Net  ↓ 1.2M/s  ↑ 340K/s": in and out rates, green and magenta as nload draws them (r and w for disks). */
function rates(
  name: string,
  inbound: number | null,
  outbound: number | null,
  width: number,
  labelWidth: number,
  marks = ['↓ ', '↑ '],
): Line {
  const half = Math.max(6, Math.floor((width - labelWidth - 1) / 2));
  return fitLine(
    [
      label(name, labelWidth),
      { text: ' ' },
      { text: marks[0] as string, color: 'green', bold: true },
      { text: fit(shortRate(inbound), half - 2) },
      { text: marks[1] as string, color: 'magenta', bold: true },
      { text: shortRate(outbound) },
    ],
    width,
  );
}

/** The label width of a meter column: room for its longest label, between 3 and 10 columns (5 on narrow columns). */
export function labelWidthFor(items: MeterItem[], lists: FrameLists, width: number): number {
  const names = items.map((item) => {
    if (item.kind === 'filesystem') return lists.filesystems[item.index]?.mountpoint ?? '';
    if (item.kind === 'interface') return lists.interfaces[item.index]?.interface ?? '';
    if (item.kind === 'disk') return lists.disks[item.index]?.device ?? '';
    if (item.kind === 'gpu') return `GPU${lists.gpus[item.index]?.index ?? 0}`;
    return 'Mem';
  });
  const longest = Math.max(3, ...names.map((n) => columns(n)));
  return Math.min(longest, width >= 50 ? 10 : 5);
}

/** The whole meters block: the CPU column and the other columns side by side, `layout.meterRows` lines of full width. */
export function meterBlock(frame: Frame | null, lists: FrameLists, layout: TopLayout, history: number[]): Line[] {
  const blocks: { x: number; width: number; lines: Line[] }[] = [
    { x: layout.cpu.x, width: layout.cpu.width, lines: cpuLines(frame, layout, history) },
  ];
  for (const column of layout.meterColumns) {
    const labelWidth = labelWidthFor(column.items, lists, column.width);
    blocks.push({
      x: column.x,
      width: column.width,
      lines: column.items.map((item) => itemLine(item, frame, lists, column.width, labelWidth)),
    });
  }
  const out: Line[] = [];
  for (let r = 0; r < layout.meterRows; r++) {
    const line: Line = [];
    let at = 0;
    for (const block of blocks) {
      if (block.x > at) line.push({ text: ' '.repeat(block.x - at) });
      line.push(...fitLine(block.lines[r] ?? [], block.width));
      at = block.x + block.width;
    }
    out.push(fitLine(line, layout.width));
  }
  return out;
}
