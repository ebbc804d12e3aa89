import {
  type Alert,
  type HostIdentity,
  type HostReport,
  METRICS,
  type Report,
  type ReportBasisKind,
  type ReportStat,
  type ReportTrend,
  VIGIL_VERSION,
} from '@vigil/schema';
import type { AlertQuery } from '../store/alerts.ts';
import { days, decimal, duration } from './format.ts';
import { ProcessTally } from './processes.ts';
import { RULES, recommend } from './recommend.ts';
import type { ReportSource } from './source.ts';
import { bucket, DAY_MS, linearFit, type Points, roundTo, summarize, sumPoints, type TimeAbove, timeAbove } from './stats.ts';

/** A host as the report names it (from the hub's live state). */
export interface ReportHostInfo {
  id: string;
  hostname: string;
  identity: HostIdentity | null;
  status: string;
  lastSeen: number;
}

export interface ReportInput {
  source: ReportSource;
  alerts: { alerts(q: AlertQuery): Alert[] };
  hosts: readonly ReportHostInfo[];
  hours: number;
}

/** Windows up to this long (and within raw retention) are computed from every raw sample. */
export const RAW_MAX_HOURS = 48;
/** Chart steps, the smallest that gives at most CHART_POINTS points is used. */
const CHART_STEPS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);
const CHART_POINTS = 360;
/** Processes per ranking, and alerts listed per host. */
export const TOP_PROCESSES = 5;
const ALERT_ITEMS = 50;
/** A trend needs points over at least this long: a line through a few minutes projects noise. */
const MIN_TREND_SPAN_MS = 30 * 60_000;
/** Process history is read this much at a time, so a day of it never sits in memory at once. */
const PROCESS_SLICE_MS = 30 * 60_000;

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
const unitOf = (metric: string) => METRICS.get(metric)?.unit ?? 'count';
/** Decimals kept in the report: the catalogue's precision (0.01 % and 0.01 load, whole bytes). */
const decimalsOf = (unit: string) => (unit === 'bytes_per_second' || unit === 'bytes' ? 0 : 2);

/** What the statistics are computed over: raw samples for windows up to 48 h within raw retention, else the finest tier kept. */
export function chooseBasis(hours: number, retention: { rawMs: number; minuteMs: number }): ReportBasisKind {
  const windowMs = hours * 3_600_000;
  if (hours <= RAW_MAX_HOURS && windowMs <= retention.rawMs) return 'raw samples';
  if (windowMs <= retention.minuteMs) return 'per-minute averages';
  return 'per-hour averages';
}

export function chooseChartStep(windowMs: number, basis: ReportBasisKind): number {
  const floor = basis === 'raw samples' ? 0 : basis === 'per-minute averages' ? 60_000 : 3_600_000;
  return CHART_STEPS.find((s) => s >= floor && windowMs / s <= CHART_POINTS) ?? (CHART_STEPS.at(-1) as number);
}

interface Window {
  from: number;
  to: number;
  hours: number;
  basis: ReportBasisKind;
  chart: { start: number; stepMs: number; count: number };
}

function stat(metric: string, label: string | null, points: Points): ReportStat {
  const unit = unitOf(metric);
  const d = decimalsOf(unit);
  const s = summarize(points);
  return {
    metric,
    label,
    unit,
    avg: roundTo(s.avg, d),
    p95: roundTo(s.p95, d),
    max: roundTo(s.max, d),
    last: roundTo(s.last, d),
    count: s.count,
  };
}

/** The least-squares trend of a series and its projection to `limit`, in numbers and in words. */
export function trend(
  metric: string,
  label: string | null,
  points: Points,
  to: number,
  limit: number | null,
  per: 'day' | 'hour',
): ReportTrend {
  const unit = unitOf(metric);
  const fit = linearFit(points, to);
  const base = { metric, label, unit, limit, spanMs: fit?.spanMs ?? 0, points: points.ts.length };
  if (!fit || fit.spanMs < MIN_TREND_SPAN_MS)
    return {
      ...base,
      slopePerDay: null,
      r2: null,
      fittedEnd: null,
      daysToLimit: null,
      text: `too little data for a trend (${duration(fit?.spanMs ?? 0)})`,
    };
  const last = points.values.at(-1) as number;
  // A line that already passed the limit while the data did not (a step, not a trend) projects nothing.
  let daysToLimit: number | null = null;
  if (limit !== null && fit.slope > 0) {
    if (fit.valueAtEnd < limit) daysToLimit = roundTo((limit - fit.valueAtEnd) / fit.slope, 4);
    else if (last >= limit) daysToLimit = 0;
  }
  const perUnit = per === 'hour' ? fit.slope / 24 : fit.slope;
  const flat = Math.abs((fit.slope * fit.spanMs) / DAY_MS) < 0.5;
  const sign = unit === 'percent' ? ' %' : '';
  let text = flat
    ? `about flat: ${decimal(Math.abs(perUnit)) === decimal(0) ? '' : perUnit > 0 ? '+' : '-'}${decimal(Math.abs(perUnit))}${sign} per ${per}`
    : `${fit.slope > 0 ? 'rises' : 'falls'} ${decimal(Math.abs(perUnit))}${sign} per ${per}`;
  text += ` (r² ${decimal(fit.r2)})`;
  if (daysToLimit !== null && daysToLimit <= 365 && !flat)
    text += `; ${limit === 100 && metric.startsWith('disk') ? 'full' : `${limit}${sign}`} in ${days(daysToLimit)} at this rate`;
  return {
    ...base,
    slopePerDay: roundTo(fit.slope, 4),
    r2: roundTo(fit.r2, 4),
    fittedEnd: roundTo(fit.valueAtEnd, 2),
    daysToLimit,
    text,
  };
}

async function loadPoints(
  source: ReportSource,
  host: string,
  metric: string,
  w: Window,
  keep: (labels: Record<string, string>) => boolean,
) {
  const out: { labels: Record<string, string>; points: Points }[] = [];
  for (const series of await source.series(host, metric)) {
    if (!keep(series.labels)) continue;
    out.push({ labels: series.labels, points: await source.points(series, w.from, w.to, w.basis) });
    await yieldToLoop();
  }
  return out;
}

function alertFigures(list: Alert[], w: Window): HostReport['alerts'] {
  const fired = list
    .filter((a): a is Alert & { firedAt: number } => a.firedAt !== null && a.firedAt <= w.to)
    .sort((a, b) => b.firedAt - a.firedAt);
  const bySeverity: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  let firingMs = 0;
  const resolveTimes: number[] = [];
  const items = fired.map((a) => {
    bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1;
    byRule[a.ruleName] = (byRule[a.ruleName] ?? 0) + 1;
    const ms = Math.max(0, Math.min(a.resolvedAt ?? w.to, w.to) - Math.max(a.firedAt, w.from));
    firingMs += ms;
    if (a.resolvedAt !== null) resolveTimes.push(a.resolvedAt - a.firedAt);
    return {
      id: a.id,
      rule: a.ruleName,
      subject: a.subject,
      severity: a.severity,
      state: a.state,
      message: a.message,
      value: a.value,
      threshold: a.threshold,
      firedAt: a.firedAt,
      resolvedAt: a.resolvedAt,
      firingMs: ms,
      acknowledged: a.acknowledgedAt !== null,
    };
  });
  return {
    total: fired.length,
    firing: fired.filter((a) => a.state === 'firing').length,
    bySeverity,
    byRule,
    firingMs,
    meanTimeToResolveMs: resolveTimes.length > 0 ? Math.round(resolveTimes.reduce((a, b) => a + b, 0) / resolveTimes.length) : null,
    items: items.slice(0, ALERT_ITEMS),
    more: Math.max(0, items.length - ALERT_ITEMS),
  };
}

async function hostReport(input: ReportInput, host: ReportHostInfo, w: Window): Promise<HostReport> {
  const { source } = input;
  const all = () => true;
  const [cpu] = await loadPoints(source, host.id, 'cpu_usage_percent', w, (l) => l.cpu === undefined);
  const [memory] = await loadPoints(source, host.id, 'memory_used_percent', w, all);
  const [load] = await loadPoints(source, host.id, 'load1', w, all);
  const disks = (await loadPoints(source, host.id, 'disk_used_percent', w, all)).sort((a, b) =>
    (a.labels.mountpoint ?? '').localeCompare(b.labels.mountpoint ?? ''),
  );
  // Traffic of the host: every interface but loopback, summed.
  const notLo = (l: Record<string, string>) => l.interface !== 'lo';
  const rx = sumPoints((await loadPoints(source, host.id, 'network_receive_bytes_per_second', w, notLo)).map((s) => s.points));
  const tx = sumPoints((await loadPoints(source, host.id, 'network_transmit_bytes_per_second', w, notLo)).map((s) => s.points));

  const named: { metric: string; label: string | null; points: Points | undefined }[] = [
    { metric: 'cpu_usage_percent', label: null, points: cpu?.points },
    { metric: 'memory_used_percent', label: null, points: memory?.points },
    { metric: 'load1', label: null, points: load?.points },
    { metric: 'network_receive_bytes_per_second', label: null, points: rx.ts.length > 0 ? rx : undefined },
    { metric: 'network_transmit_bytes_per_second', label: null, points: tx.ts.length > 0 ? tx : undefined },
    ...disks.map((d) => ({ metric: 'disk_used_percent', label: d.labels.mountpoint ?? null, points: d.points })),
  ];
  const present = named.filter((n): n is typeof n & { points: Points } => n.points !== undefined && n.points.ts.length > 0);
  const stats = present.map((n) => stat(n.metric, n.label, n.points));
  const charted = present.filter((n) => n.metric !== 'load1');
  const series = charted.map((n) => {
    const d = decimalsOf(unitOf(n.metric));
    return {
      metric: n.metric,
      label: n.label,
      unit: unitOf(n.metric),
      values: bucket(n.points, w.chart.start, w.chart.stepMs, w.chart.count).map((v) => roundTo(v, d)),
    };
  });
  const trends = present
    .filter((n) => n.metric === 'cpu_usage_percent' || n.metric === 'memory_used_percent' || n.metric === 'disk_used_percent')
    .map((n) =>
      trend(
        n.metric,
        n.label,
        n.points,
        w.to,
        n.metric === 'cpu_usage_percent' ? null : 100,
        n.metric === 'disk_used_percent' ? 'day' : 'hour',
      ),
    );
  let dataFrom: number | null = null;
  let dataTo: number | null = null;
  for (const n of present) {
    dataFrom = Math.min(dataFrom ?? Number.POSITIVE_INFINITY, n.points.ts[0] as number);
    dataTo = Math.max(dataTo ?? Number.NEGATIVE_INFINITY, n.points.ts.at(-1) as number);
  }
  const above = (points: Points | undefined): TimeAbove | null =>
    points && points.ts.length > 0 ? timeAbove(points, RULES.highPercent) : null;
  const cpuAbove = above(cpu?.points);
  const memoryAbove = above(memory?.points);
  const cpuCores = host.identity?.cpuCores ?? 1;
  const loadAbove = load && load.points.ts.length > 0 ? timeAbove(load.points, RULES.loadPerCore * cpuCores) : null;

  const tally = new ProcessTally();
  // Slices on whole minutes, so that no minute of history is decoded twice.
  for (let t = Math.floor(w.from / PROCESS_SLICE_MS) * PROCESS_SLICE_MS; t <= w.to; t += PROCESS_SLICE_MS) {
    for (const frame of await source.processFrames(host.id, Math.max(w.from, t), Math.min(w.to, t + PROCESS_SLICE_MS - 1)))
      tally.add(frame);
    await yieldToLoop();
  }
  const processes = tally.summary(TOP_PROCESSES);
  const alerts = alertFigures(input.alerts.alerts({ since: w.from, hostId: host.id, limit: 10_000 }), w);
  const statOf = (metric: string) => stats.find((s) => s.metric === metric) ?? null;
  const recommendations = recommend({
    hostId: host.id,
    cpuCores,
    hours: w.hours,
    windowLong: w.to - w.from > DAY_MS,
    cpu: statOf('cpu_usage_percent'),
    load: statOf('load1'),
    cpuAbove,
    loadAbove,
    memoryAbove,
    memoryTrend: trends.find((t) => t.metric === 'memory_used_percent') ?? null,
    disks: stats
      .filter((s) => s.metric === 'disk_used_percent')
      .map((s) => ({ stat: s, trend: trends.find((t) => t.metric === s.metric && t.label === s.label) ?? null })),
    processes,
    alertsByRule: alerts.byRule,
  });
  return {
    id: host.id,
    hostname: host.hostname,
    os: host.identity?.os.prettyName ?? '',
    kernel: host.identity?.kernel ?? '',
    cpuModel: host.identity?.cpuModel ?? '',
    cpuCores: host.identity?.cpuCores ?? 0,
    memoryTotalBytes: host.identity?.memoryTotalBytes ?? 0,
    status: host.status,
    lastSeen: host.lastSeen,
    dataFrom,
    dataTo,
    stats,
    charts: { start: w.chart.start, stepMs: w.chart.stepMs, series },
    trends,
    processes,
    alerts,
    recommendations,
  };
}

const NOTES: Record<ReportBasisKind, string> = {
  'raw samples': 'Averages, 95th percentiles (nearest rank), maxima and trend lines are computed over every stored sample of the window.',
  'per-minute averages':
    'Averages are the mean of every sample; 95th percentiles (nearest rank), maxima and trend lines are computed over per-minute averages, which smooth peaks shorter than a minute.',
  'per-hour averages':
    'Averages are the mean of every sample; 95th percentiles (nearest rank), maxima and trend lines are computed over per-hour averages, which smooth peaks shorter than an hour.',
};

/**
 * The report of the last `hours` for the given hosts, computed host by host and series by series: only one
 * series' samples (at most 48 h of raw samples) and half an hour of process history (one stored block) are in memory at a time;
 * what is kept per host is bounded (statistics, charts of at most 360 points, top lists, at most 50 alerts).
 */
export async function buildReport(input: ReportInput): Promise<Report> {
  const { source } = input;
  const to = source.now();
  const from = to - Math.round(input.hours * 3_600_000);
  const basis = chooseBasis(input.hours, source.retention);
  const stepMs = chooseChartStep(to - from, basis);
  const start = Math.floor(from / stepMs) * stepMs;
  const w: Window = { from, to, hours: input.hours, basis, chart: { start, stepMs, count: Math.floor((to - start) / stepMs) + 1 } };
  const hosts: HostReport[] = [];
  for (const host of input.hosts) hosts.push(await hostReport(input, host, w));

  const count = (severity: string) => hosts.reduce((n, h) => n + h.recommendations.filter((r) => r.severity === severity).length, 0);
  const bySeverity: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  const byHost: Record<string, number> = {};
  for (const h of hosts) {
    for (const [k, n] of Object.entries(h.alerts.bySeverity)) bySeverity[k] = (bySeverity[k] ?? 0) + n;
    for (const [k, n] of Object.entries(h.alerts.byRule)) byRule[k] = (byRule[k] ?? 0) + n;
    if (h.alerts.total > 0) byHost[h.id] = h.alerts.total;
  }
  return {
    v: 1,
    title: 'Vigil performance report',
    generatedAt: Date.now(),
    from,
    to,
    hours: input.hours,
    hubVersion: VIGIL_VERSION,
    basis: {
      avgOf: 'raw samples',
      p95Of: basis,
      maxOf: basis,
      trendOf: basis,
      stepMs: basis === 'raw samples' ? null : basis === 'per-minute averages' ? 60_000 : 3_600_000,
      chartStepMs: stepMs,
      note: NOTES[basis],
    },
    hosts,
    summary: {
      hosts: hosts.length,
      online: hosts.filter((h) => h.status === 'online').length,
      recommendations: { critical: count('critical'), warning: count('warning'), info: count('info') },
      alerts: {
        total: hosts.reduce((n, h) => n + h.alerts.total, 0),
        firing: hosts.reduce((n, h) => n + h.alerts.firing, 0),
        bySeverity,
        byRule,
        byHost,
      },
    },
    warnings: [...new Set(source.warnings)],
  };
}
