import type { ReportEvidence, ReportProcess, ReportRecommendation, ReportStat, ReportTrend } from '@vigil/schema';
import { bytes, clock, days, decimal, duration, percent, rate } from './format.ts';
import type { ProcessSummary } from './processes.ts';
import type { TimeAbove } from './stats.ts';

/** The levels the rules use; every recommendation names the figures that crossed them. */
export const RULES = {
  /** Memory or CPU above this level counts as "high". */
  highPercent: 90,
  /** Memory: this much time above the level in the window. */
  memoryHighMs: 30 * 60_000,
  /** Memory trend: projected to reach 100 % within this many days, with a fit at least this good over at least an hour. */
  memoryTrendDays: 3,
  memoryTrendR2: 0.6,
  /** Disks: projected full within this many days (fit at least this good, over at least an hour), or this full now. */
  diskFullDays: 14,
  diskTrendR2: 0.5,
  diskFullPercent: 90,
  minTrendSpanMs: 3_600_000,
  /** CPU: an unbroken stretch this long above the level, or this much time in all (or half of a shorter window). */
  cpuStretchMs: 15 * 60_000,
  cpuTotalMs: 60 * 60_000,
  cpuTotalShare: 0.5,
  /** Load: load1 above this many times the CPU count for this long in all, while the CPU p95 stays below highPercent. */
  loadPerCore: 2,
  loadMs: 15 * 60_000,
  /** An alert rule that fired this often on one host in the window is noise. */
  noisyAlertCount: 10,
} as const;

/** What the rules look at, for one host. */
export interface HostFacts {
  hostId: string;
  cpuCores: number;
  hours: number;
  windowLong: boolean;
  cpu: ReportStat | null;
  load: ReportStat | null;
  cpuAbove: TimeAbove | null;
  /** load1 above loadPerCore times the CPU count. */
  loadAbove: TimeAbove | null;
  memoryAbove: TimeAbove | null;
  memoryTrend: ReportTrend | null;
  disks: { stat: ReportStat; trend: ReportTrend | null }[];
  processes: ProcessSummary;
  alertsByRule: Record<string, number>;
}

const named = (p: ReportProcess) => `${p.name} (pid ${p.pid})`;
const ev = (label: string, value: number | null, unit: string | null, text: string): ReportEvidence => ({ label, value, unit, text });
const stretch = (a: TimeAbove, withDate: boolean) =>
  a.longest ? `${duration(a.longest.ms)} (${clock(a.longest.from, withDate)}–${clock(a.longest.to, withDate)})` : '–';

function memoryHigh(f: HostFacts): ReportRecommendation | null {
  const a = f.memoryAbove;
  if (!a || a.totalMs < RULES.memoryHighMs) return null;
  const grew = f.processes.grewMost;
  const largest = f.processes.byMemory[0] ?? null;
  const evidence = [
    ev(`time above ${RULES.highPercent} %`, a.totalMs, 'ms', duration(a.totalMs)),
    ev('longest stretch', a.longest?.ms ?? null, 'ms', stretch(a, f.windowLong)),
    ev('peak', a.peak, 'percent', percent(a.peak)),
  ];
  let because = '';
  if (grew) {
    const growth = grew.memoryRssBytesLast - grew.memoryRssBytesFirst;
    evidence.push(
      ev(
        'grew most',
        growth,
        'bytes',
        `${named(grew)}: +${bytes(growth)} (${bytes(grew.memoryRssBytesFirst)} to ${bytes(grew.memoryRssBytesLast)})`,
      ),
    );
    because = ` ${named(grew)} grew most: +${bytes(growth)}, from ${bytes(grew.memoryRssBytesFirst)} to ${bytes(grew.memoryRssBytesLast)}.`;
  }
  if (largest && (largest.pid !== grew?.pid || largest.name !== grew.name)) {
    evidence.push(
      ev('largest process', largest.memoryRssBytesAvg, 'bytes', `${named(largest)}: ${bytes(largest.memoryRssBytesAvg)} on average`),
    );
    because += ` The largest process was ${named(largest)} (${bytes(largest.memoryRssBytesAvg)} on average).`;
  }
  const process = grew ?? largest;
  return {
    hostId: f.hostId,
    kind: 'memory-high',
    severity: (a.longest?.ms ?? 0) >= 2 * 3_600_000 || (a.peak ?? 0) >= 98 ? 'critical' : 'warning',
    title: `Memory above ${RULES.highPercent} % for ${duration(a.totalMs)}`,
    detail:
      `Memory was above ${RULES.highPercent} % for ${duration(a.totalMs)} of the window (longest stretch ${stretch(a, f.windowLong)}, peak ${percent(a.peak)}).${because}` +
      ` Find out why ${grew ? `${grew.name} grows (a leak, an unbounded cache)` : 'memory is short'} or add memory before the kernel's OOM killer picks a process.`,
    evidence,
    process: process ? { pid: process.pid, name: process.name } : null,
  };
}

function memoryTrend(f: HostFacts): ReportRecommendation | null {
  const t = f.memoryTrend;
  if (!t || t.slopePerDay === null || t.daysToLimit === null || t.r2 === null) return null;
  if (t.daysToLimit > RULES.memoryTrendDays || t.r2 < RULES.memoryTrendR2 || t.spanMs < RULES.minTrendSpanMs) return null;
  const grew = f.processes.grewMost;
  const evidence = [
    ev('growth per hour', t.slopePerDay / 24, 'percent', `${decimal(t.slopePerDay / 24)} % per hour`),
    ev('fit (r²)', t.r2, null, decimal(t.r2)),
    ev('used at the end of the window', t.fittedEnd, 'percent', percent(t.fittedEnd)),
    ev('time to 100 %', t.daysToLimit * 86_400_000, 'ms', days(t.daysToLimit)),
  ];
  if (grew)
    evidence.push(
      ev(
        'grew most',
        grew.memoryRssBytesLast - grew.memoryRssBytesFirst,
        'bytes',
        `${named(grew)}: +${bytes(grew.memoryRssBytesLast - grew.memoryRssBytesFirst)}`,
      ),
    );
  return {
    hostId: f.hostId,
    kind: 'memory-trend',
    severity: t.daysToLimit <= 0.5 ? 'critical' : 'warning',
    title: `Memory use rising: 100 % in ${days(t.daysToLimit)} at this rate`,
    detail:
      `Memory use rose ${decimal(t.slopePerDay / 24)} % per hour over ${duration(t.spanMs)} (r² ${decimal(t.r2)}); at this rate it reaches 100 % in ${days(t.daysToLimit)}.` +
      (grew ? ` ${named(grew)} grew most (+${bytes(grew.memoryRssBytesLast - grew.memoryRssBytesFirst)}).` : '') +
      ' Check for a leak before it runs out.',
    evidence,
    process: grew ? { pid: grew.pid, name: grew.name } : null,
  };
}

function diskFull(f: HostFacts, stat: ReportStat, trend: ReportTrend | null): ReportRecommendation | null {
  const mount = stat.label ?? '?';
  const projected =
    trend?.daysToLimit !== null &&
    trend?.daysToLimit !== undefined &&
    trend.daysToLimit <= RULES.diskFullDays &&
    (trend.r2 ?? 0) >= RULES.diskTrendR2 &&
    trend.spanMs >= RULES.minTrendSpanMs;
  const full = stat.last !== null && stat.last >= RULES.diskFullPercent;
  if (!projected && !full) return null;
  const evidence = [ev('used now', stat.last, 'percent', percent(stat.last))];
  if (trend?.slopePerDay != null)
    evidence.push(ev('growth per day', trend.slopePerDay, 'percent', `${decimal(trend.slopePerDay)} % per day`));
  if (projected && trend?.daysToLimit != null) {
    evidence.push(ev('time to full', trend.daysToLimit * 86_400_000, 'ms', days(trend.daysToLimit)));
    evidence.push(ev('fit (r²)', trend.r2, null, decimal(trend.r2)));
  }
  const daysLeft = projected ? (trend?.daysToLimit ?? null) : null;
  return {
    hostId: f.hostId,
    kind: 'disk-full',
    severity: (stat.last ?? 0) >= 95 || (daysLeft !== null && daysLeft <= 2) ? 'critical' : 'warning',
    title: daysLeft !== null ? `${mount} projected full in ${days(daysLeft)}` : `${mount} is ${percent(stat.last)} full`,
    detail:
      (daysLeft !== null
        ? `${mount} grew ${decimal(trend?.slopePerDay)} % per day over ${duration(trend?.spanMs)} (r² ${decimal(trend?.r2)}) and is ${percent(stat.last)} full; at this rate it is full in ${days(daysLeft)}.`
        : `${mount} is ${percent(stat.last)} full.`) + ' Free space (rotate or delete logs, move data) or grow the filesystem.',
    evidence,
    process: null,
  };
}

function cpuSaturated(f: HostFacts): ReportRecommendation | null {
  const a = f.cpuAbove;
  const enoughInAll = Math.min(RULES.cpuTotalMs, RULES.cpuTotalShare * f.hours * 3_600_000);
  if (!a || ((a.longest?.ms ?? 0) < RULES.cpuStretchMs && a.totalMs < enoughInAll)) return null;
  const top = f.processes.byCpu[0] ?? null;
  const evidence = [
    ev(`time above ${RULES.highPercent} %`, a.totalMs, 'ms', duration(a.totalMs)),
    ev('longest stretch', a.longest?.ms ?? null, 'ms', stretch(a, f.windowLong)),
    ev('CPU p95', f.cpu?.p95 ?? null, 'percent', percent(f.cpu?.p95)),
  ];
  if (top)
    evidence.push(
      ev(
        'top process',
        top.cpuPercentAvg,
        'percent',
        `${named(top)}: ${percent(top.cpuPercentAvg)} on average, peak ${percent(top.cpuPercentPeak)}`,
      ),
    );
  if (f.load?.p95 != null) evidence.push(ev('load1 p95', f.load.p95, 'load', `${decimal(f.load.p95)} on ${f.cpuCores} CPUs`));
  return {
    hostId: f.hostId,
    kind: 'cpu-saturated',
    severity: (a.longest?.ms ?? 0) >= 3_600_000 ? 'critical' : 'warning',
    title: `CPU saturated for ${duration(a.totalMs)}`,
    detail:
      `The CPU was above ${RULES.highPercent} % for ${duration(a.totalMs)} (longest stretch ${stretch(a, f.windowLong)}).` +
      (top
        ? ` ${named(top)} used most: ${percent(top.cpuPercentAvg)} on average, peak ${percent(top.cpuPercentPeak)} (100 % = one core).`
        : '') +
      ' Tune or reschedule that work, spread it over hosts, or add CPUs.',
    evidence,
    process: top ? { pid: top.pid, name: top.name } : null,
  };
}

function loadHigh(f: HostFacts): ReportRecommendation | null {
  const a = f.loadAbove;
  const cpuP95 = f.cpu?.p95 ?? null;
  // A long run queue on a busy CPU is CPU saturation (its own rule); on an idle one, processes wait for I/O.
  if (!a || a.totalMs < RULES.loadMs || cpuP95 === null || cpuP95 >= RULES.highPercent) return null;
  const io = f.processes.byIo[0] ?? null;
  const level = RULES.loadPerCore * f.cpuCores;
  const evidence = [
    ev(`time with load1 above ${level}`, a.totalMs, 'ms', duration(a.totalMs)),
    ev('load1 p95', f.load?.p95 ?? null, 'load', `${decimal(f.load?.p95)} on ${f.cpuCores} CPUs`),
    ev('CPU p95', cpuP95, 'percent', percent(cpuP95)),
  ];
  if (io)
    evidence.push(
      ev('top I/O process', io.ioBytesPerSecondAvg, 'bytes_per_second', `${named(io)}: ${rate(io.ioBytesPerSecondAvg)} on average`),
    );
  return {
    hostId: f.hostId,
    kind: 'load-high',
    severity: 'warning',
    title: `Long run queue for ${duration(a.totalMs)} while the CPU was not saturated`,
    detail:
      `The load average was above ${RULES.loadPerCore} per CPU (${level} on ${f.cpuCores} CPUs) for ${duration(a.totalMs)} (p95 ${decimal(f.load?.p95)}) while the CPU was not saturated (p95 ${percent(cpuP95)}): processes were waiting, most likely for disk or network I/O.` +
      (io ? ` The top I/O process was ${named(io)} (${rate(io.ioBytesPerSecondAvg)} on average).` : ''),
    evidence,
    process: io ? { pid: io.pid, name: io.name } : null,
  };
}

function noisyAlerts(f: HostFacts): ReportRecommendation[] {
  return Object.entries(f.alertsByRule)
    .filter(([, n]) => n >= RULES.noisyAlertCount)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([rule, n]) => ({
      hostId: f.hostId,
      kind: 'alert-noise' as const,
      severity: 'info' as const,
      title: `Alert rule "${rule}" fired ${n} times`,
      detail: `The rule "${rule}" fired ${n} times on this host in the window. A longer "for", a "clear" level (hysteresis) or fixing the cause would make each alert mean something.`,
      evidence: [ev('alerts fired', n, 'count', `${n} in ${f.hours} h`)],
      process: null,
    }));
}

const ORDER = { critical: 0, warning: 1, info: 2 } as const;

/** The recommendations the data supports, most severe first. None is made without its evidence. */
export function recommend(f: HostFacts): ReportRecommendation[] {
  const memory = memoryHigh(f);
  const cpu = cpuSaturated(f);
  const list = [
    memory,
    memory ? null : memoryTrend(f),
    ...f.disks.map((d) => diskFull(f, d.stat, d.trend)),
    cpu,
    cpu ? null : loadHigh(f),
    ...noisyAlerts(f),
  ].filter((r): r is ReportRecommendation => r !== null);
  return list.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}
