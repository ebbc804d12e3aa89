import type { HostReport, ReportSeries } from '@vigil/schema';
import { clock, decimal } from './format.ts';

/**
 * One chart, laid out once and drawn twice: as inline SVG (html.ts) and as PDF vector paths (pdf.ts). The
 * layout is in the caller's units (SVG user units or PDF points), y growing downwards in both.
 */
export interface ChartSpec {
  title: string;
  unit: string;
  from: number;
  to: number;
  start: number;
  stepMs: number;
  lines: { name: string; color: string; values: readonly (number | null)[] }[];
  /** A dashed reference line, e.g. the 90 % level of the recommendations. */
  reference?: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartLayout {
  plot: Box;
  yTicks: { y: number; label: string }[];
  xTicks: { x: number; label: string }[];
  reference: { y: number; label: string } | null;
  /** Each line as runs of points; a missing value breaks a run. */
  lines: { name: string; color: string; runs: [number, number][][] }[];
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1, 2 or 5 times a power of ten, at least `x`. */
function nice(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** The y axis: its top and ticks. Percentages run 0–100; byte rates get ticks in one binary unit. */
export function yScale(unit: string, maxValue: number): { top: number; ticks: { value: number; label: string }[] } {
  if (unit === 'percent') return { top: 100, ticks: [0, 25, 50, 75, 100].map((v) => ({ value: v, label: `${v} %` })) };
  let scale = 1;
  let name = '';
  if (unit === 'bytes_per_second' || unit === 'bytes') {
    let i = 0;
    while (maxValue >= 1024 ** (i + 1) && i < BYTE_UNITS.length - 1) i++;
    scale = 1024 ** i;
    name = ` ${BYTE_UNITS[i]}${unit === 'bytes' ? '' : '/s'}`;
  }
  const m = maxValue / scale;
  // An empty or all-zero chart still gets an axis; whole bytes are not split.
  const step = m > 0 ? Math.max(nice(m / 4), scale === 1 && name ? 1 : 0) : 1;
  const top = m > 0 ? Math.max(step, Math.ceil(m / step - 1e-9) * step) : 1;
  const digits = step < 1 ? Math.ceil(-Math.log10(step)) : 0;
  const ticks: { value: number; label: string }[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push({ value: v * scale, label: `${decimal(v, digits)}${name}` });
  return { top: top * scale, ticks };
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080].map((m) => m * 60_000);

/** Time ticks at round local times (every 3 h for a day), at most six. */
export function timeTicks(from: number, to: number): { ts: number; label: string }[] {
  const step = TIME_STEPS.find((s) => (to - from) / s <= 6) ?? (TIME_STEPS.at(-1) as number);
  const offset = -new Date(from).getTimezoneOffset() * 60_000;
  const withDate = to - from > 86_400_000 || new Date(from).getDate() !== new Date(to).getDate();
  const ticks: { ts: number; label: string }[] = [];
  for (let t = Math.ceil((from + offset) / step) * step - offset; t <= to; t += step) ticks.push({ ts: t, label: clock(t, withDate) });
  return ticks;
}

export function layoutChart(spec: ChartSpec, box: Box, margin = { left: 58, right: 8, top: 8, bottom: 18 }): ChartLayout {
  const plot = {
    x: box.x + margin.left,
    y: box.y + margin.top,
    width: box.width - margin.left - margin.right,
    height: box.height - margin.top - margin.bottom,
  };
  let max = 0;
  for (const line of spec.lines) for (const v of line.values) if (v !== null && v > max) max = v;
  const { top, ticks } = yScale(spec.unit, max);
  const yOf = (v: number) => plot.y + plot.height * (1 - Math.min(Math.max(v, 0), top) / top);
  const span = Math.max(1, spec.to - spec.from);
  const xOf = (ts: number) => plot.x + (plot.width * (ts - spec.from)) / span;
  const lines = spec.lines.map((line) => {
    const runs: [number, number][][] = [];
    let run: [number, number][] | null = null;
    line.values.forEach((v, i) => {
      // A step's average is drawn at the middle of its step, kept inside the window.
      const ts = Math.min(spec.to, Math.max(spec.from, spec.start + (i + 0.5) * spec.stepMs));
      if (v === null) {
        run = null;
        return;
      }
      if (!run) {
        run = [];
        runs.push(run);
      }
      run.push([xOf(ts), yOf(v)]);
    });
    return { name: line.name, color: line.color, runs };
  });
  return {
    plot,
    yTicks: ticks.map((t) => ({ y: yOf(t.value), label: t.label })),
    xTicks: timeTicks(spec.from, spec.to).map((t) => ({ x: xOf(t.ts), label: t.label })),
    reference: spec.reference !== undefined ? { y: yOf(spec.reference), label: `${spec.reference} %` } : null,
    lines,
  };
}

const DISK_COLORS = ['#059669', '#d97706', '#db2777', '#0891b2', '#65a30d', '#9333ea', '#b91c1c', '#475569'];

/** The charts of a host: CPU, memory, disk (a line per filesystem) and network (received and sent). */
export function hostCharts(host: HostReport, from: number, to: number): ChartSpec[] {
  const { start, stepMs } = host.charts;
  const pick = (metric: string) => host.charts.series.filter((s) => s.metric === metric);
  const one = (s: ReportSeries | undefined) => (s ? s.values : []);
  const base = { from, to, start, stepMs };
  return [
    {
      ...base,
      title: 'CPU usage',
      unit: 'percent',
      reference: 90,
      lines: [{ name: 'CPU', color: '#2563eb', values: one(pick('cpu_usage_percent')[0]) }],
    },
    {
      ...base,
      title: 'Memory used',
      unit: 'percent',
      reference: 90,
      lines: [{ name: 'memory', color: '#7c3aed', values: one(pick('memory_used_percent')[0]) }],
    },
    {
      ...base,
      title: 'Disk space used',
      unit: 'percent',
      lines: pick('disk_used_percent').map((s, i) => ({
        name: s.label ?? '?',
        color: DISK_COLORS[i % DISK_COLORS.length] as string,
        values: s.values,
      })),
    },
    {
      ...base,
      title: 'Network (all interfaces but lo)',
      unit: 'bytes_per_second',
      lines: [
        { name: 'received', color: '#0284c7', values: one(pick('network_receive_bytes_per_second')[0]) },
        { name: 'sent', color: '#ea580c', values: one(pick('network_transmit_bytes_per_second')[0]) },
      ],
    },
  ];
}
