/** Turns the alert benchmark's measurements into the readable table and the one-line JSON summary. */
import { max, median, percentile, roundOrNull } from '../lib/percentile.ts';
import type { EngineProfile } from './profile.ts';
import type { RecordsKind, Subject } from './subject.ts';

/** Issue 6: evaluation of 1,000 hosts x 50 rules under 5 % of one core at one frame per host per second. */
export const TARGET_CPU_PERCENT = 5;

export interface RunInfo {
  hosts: number;
  rules: number;
  rulesByKind: Record<string, number>;
  seconds: number;
  warmupSeconds: number;
  seed: number;
  capturedFrames: number;
  processesPerFrame: number;
  frameBytesMedian: number;
  framesMeasured: number;
  incidents: Record<string, number>;
  /** CPU the rest of the machine used meanwhile, in one-core units (other sessions' work shows here). */
  otherCpuPercent: number;
  gcExposed: boolean;
  profiled: boolean;
}

export interface Baseline {
  frameMicros: number[];
  cpuMicros: number;
  mainThreadCpuMicros: number;
}

export interface Memory {
  heapUsedMb: number;
  engineRetainedMb: number | null;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function toJson(value: unknown): Json {
  if (typeof value === 'number') return roundOrNull(value, value !== 0 && Math.abs(value) < 0.1 ? 4 : 2);
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(toJson);
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = toJson(v);
  return out;
}

/** CPU of one core at one frame per host per second: CPU seconds per simulated second x 100. */
const cpuPercent = (cpuMicros: number, seconds: number) => (cpuMicros / 1e6 / seconds) * 100;
const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);

type SubjectFigures = ReturnType<typeof subjectFigures>;

function subjectFigures(s: Subject, info: RunInfo, baseline: Baseline) {
  const t = s.timings;
  const c = s.counts();
  const cpu = cpuPercent(t.cpuMicros, info.seconds);
  return {
    cpuPercentOneCore: cpu,
    mainThreadCpuPercent: cpuPercent(t.mainThreadCpuMicros, info.seconds),
    cpuPercentOneCoreWorstSecond: (max(t.secondCpuMicros) / 1e6) * 100,
    wallPercent: (t.wallMs / 1000 / info.seconds) * 100,
    frameMicrosMean: mean(t.frameMicros),
    frameMicrosMedian: median(t.frameMicros),
    frameMicrosP99: percentile(t.frameMicros, 99),
    frameMicrosMax: max(t.frameMicros),
    tickMicrosMedian: median(t.tickMicros),
    tickMicrosP99: percentile(t.tickMicros, 99),
    evaluationsPerSecond: c.evaluations / info.seconds,
    evaluationsPerCpuSecond: t.cpuMicros > 0 ? c.evaluations / (t.cpuMicros / 1e6) : Number.NaN,
    overIngestPercent: baseline.cpuMicros > 0 ? (t.cpuMicros / baseline.cpuMicros) * 100 : Number.NaN,
    alerts: {
      opened: c.opened,
      fired: c.fired,
      resolvedBeforeFiring: c.resolvedBeforeFiring,
      resolvedAfterFiring: c.resolvedAfterFiring,
      severityChanged: c.severityChanged,
      pendingAtEnd: c.pendingAtEnd,
      firingAtEnd: c.firingAtEnd,
      hostsFiringAtEnd: c.hostsFiringAtEnd,
      hostsFiringPercent: (c.hostsFiringAtEnd / info.hosts) * 100,
    },
    notifications: c.notifications,
    badgeUpdates: s.badgeUpdates,
    pass: cpu < TARGET_CPU_PERCENT,
  };
}

export interface Results {
  info: RunInfo;
  engines: Partial<Record<RecordsKind, SubjectFigures>>;
  baseline: {
    cpuPercentOneCore: number;
    mainThreadCpuPercent: number;
    frameMicrosMean: number;
    frameMicrosMedian: number;
    frameMicrosP99: number;
  };
  activeAlertsByRule: Record<string, number>;
  memory: Memory;
  profile: EngineProfile | null;
}

/** The figures of a run, from the subjects' timings and counts (taken before the subjects are dropped). */
export function results(info: RunInfo, subjects: readonly Subject[], baseline: Baseline, profile: EngineProfile | null): Results {
  const engines: Results['engines'] = {};
  for (const s of subjects) engines[s.kind] = subjectFigures(s, info, baseline);
  return {
    info,
    engines,
    baseline: {
      cpuPercentOneCore: cpuPercent(baseline.cpuMicros, info.seconds),
      mainThreadCpuPercent: cpuPercent(baseline.mainThreadCpuMicros, info.seconds),
      frameMicrosMean: mean(baseline.frameMicros),
      frameMicrosMedian: median(baseline.frameMicros),
      frameMicrosP99: percentile(baseline.frameMicros, 99),
    },
    activeAlertsByRule: subjects[subjects.length - 1]?.counts().activeByRule ?? {},
    memory: { heapUsedMb: Number.NaN, engineRetainedMb: null },
    profile,
  };
}

/** The verdict: the hub persists alerts (SQLite), so that subject decides; memory records show the engine alone. */
const verdictOf = (r: Results) => r.engines.sqlite ?? r.engines.memory;

/** The summary object printed as the last line of stdout. */
export function summary(r: Results): Json {
  return toJson({
    ...r.info,
    targetCpuPercent: TARGET_CPU_PERCENT,
    engine: r.engines,
    ingestBaseline: {
      what: 'Buffer.toString + JSON.parse + validateAgentMessage per frame, as apps/hub/src/ingest/agent-socket.ts',
      ...r.baseline,
    },
    activeAlertsByRule: r.activeAlertsByRule,
    memory: r.memory,
    profile: r.profile,
    pass: verdictOf(r)?.pass ?? null,
  });
}

const fmt = (v: number | undefined | null, digits = 2) => (v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));
const list = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

/** The human-readable report. */
export function table(r: Results): string {
  const { info, profile } = r;
  const lines = [
    `Alert evaluation: ${info.hosts} hosts x ${info.rules} rules (${list(info.rulesByKind)}), ${info.seconds} s measured after ${info.warmupSeconds} s warm-up, ${info.framesMeasured} frames`,
    `frames: ${info.processesPerFrame} processes, ${fmt(info.frameBytesMedian / 1024, 1)} KiB of JSON (median); hosts with an incident: ${list(info.incidents)}`,
    `the rest of the machine used ${fmt(info.otherCpuPercent, 0)} % of one core meanwhile (other work on a shared machine)`,
    '',
    'CPU: % of one core at one frame per host per second (process: all threads; main: the event loop thread alone)',
    '',
  ];
  const columns: [string, number][] = [
    ['subject', 26],
    ['CPU %', 8],
    ['main %', 8],
    ['µs/frame mean', 15],
    ['median', 8],
    ['p99', 9],
    ['tick µs p99', 13],
    ['evals/s', 9],
    ['vs ingest', 11],
  ];
  lines.push(columns.map(([name, width], i) => (i === 0 ? name.padEnd(width) : name.padStart(width))).join(''));
  const row = (cells: string[]) =>
    lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(columns[0]?.[1] ?? 0) : c.padStart(columns[i]?.[1] ?? 0))).join(''));
  const b = r.baseline;
  row([
    'ingest parse + validate',
    fmt(b.cpuPercentOneCore),
    fmt(b.mainThreadCpuPercent),
    fmt(b.frameMicrosMean, 1),
    fmt(b.frameMicrosMedian, 1),
    fmt(b.frameMicrosP99, 0),
    '-',
    '-',
    '-',
  ]);
  for (const [kind, f] of Object.entries(r.engines)) {
    row([
      `alerts, ${kind} records`,
      fmt(f.cpuPercentOneCore),
      fmt(f.mainThreadCpuPercent),
      fmt(f.frameMicrosMean, 1),
      fmt(f.frameMicrosMedian, 1),
      fmt(f.frameMicrosP99, 0),
      fmt(f.tickMicrosP99, 0),
      String(Math.round(f.evaluationsPerSecond)),
      `${fmt(f.overIngestPercent, 1)} %`,
    ]);
  }
  const v = verdictOf(r);
  if (v) {
    const a = v.alerts;
    lines.push(
      '',
      `alerts in the measured seconds: ${a.opened} opened, ${a.fired} fired, ${a.resolvedBeforeFiring} resolved before firing, ${a.resolvedAfterFiring} after, ${a.severityChanged} severity changes`,
      `at the end: ${a.pendingAtEnd} pending, ${a.firingAtEnd} firing on ${a.hostsFiringAtEnd} hosts (${fmt(a.hostsFiringPercent, 1)} %); notifications: ${list(v.notifications)}`,
      `target: < ${TARGET_CPU_PERCENT} % of one core -> ${v.pass ? 'PASS' : 'MISS'} (${fmt(v.cpuPercentOneCore)} %, worst second ${fmt(v.cpuPercentOneCoreWorstSecond)} %)`,
    );
  }
  lines.push(
    `heap: ${fmt(r.memory.heapUsedMb, 1)} MB used at the end; the engines' retained state ${fmt(r.memory.engineRetainedMb, 1)} MB`,
  );
  if (profile) {
    lines.push(
      '',
      `profile: ${fmt(profile.engineMs, 0)} ms sampled in the engine; GC ${fmt(profile.garbageCollectorMs, 0)} ms of ${fmt(profile.totalMs, 0)} ms in all`,
    );
    lines.push('  self time:');
    for (const f of profile.selfTop.slice(0, 12)) lines.push(`    ${fmt(f.percent, 1).padStart(5)} %  ${f.fn}`);
    lines.push('  inclusive:');
    for (const f of profile.inclusiveTop.slice(0, 12)) lines.push(`    ${fmt(f.percent, 1).padStart(5)} %  ${f.fn}`);
  }
  return lines.join('\n');
}
