import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HostReport, Report } from '@vigil/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore, openDatabase } from '../store/index.ts';
import { SqliteStorage } from '../store/tsdb/index.ts';
import { buildReport, chooseBasis, type ReportHostInfo } from './model.ts';
import { storageSource } from './source.ts';
import { FRAMES, HOURS, type HostPlan, INTERVAL_MS, NOW, PLANS, seedDataset, T0 } from './test-dataset.ts';

let dir: string;
let storage: SqliteStorage;
let alerts: AlertStore;
let hosts: ReportHostInfo[];
let report: Report;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-report-'));
  storage = new SqliteStorage({ path: join(dir, 'history.db'), now: () => NOW, background: false, flushIntervalMs: 5 });
  alerts = new AlertStore(openDatabase(':memory:'));
  hosts = seedDataset(storage, alerts);
  report = await buildReport({ source: storageSource(storage), alerts, hosts, hours: HOURS });
}, 60_000);

afterAll(() => {
  storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The figures computed here from the plan, the plain way: every sample, sorted. */
function expected(values: number[], decimals: number) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;
  return {
    avg: round(values.reduce((a, b) => a + b, 0) / values.length),
    p95: round(sorted[Math.ceil(0.95 * values.length) - 1] as number),
    max: round(sorted.at(-1) as number),
    last: round(values.at(-1) as number),
    count: values.length,
  };
}

const samples = (f: (i: number) => number) => Array.from({ length: FRAMES }, (_, i) => f(i));
const hostOf = (id: string) => report.hosts.find((h) => h.id === id) as HostReport;
const statOf = (host: HostReport, metric: string, label: string | null = null) =>
  host.stats.find((s) => s.metric === metric && s.label === label);

/** Every figure of a plan's host, as the report should state it. */
function expectations(plan: HostPlan): [string, string | null, ReturnType<typeof expected>][] {
  const net = (pick: 'rx' | 'tx') => samples((i) => plan.network.filter((n) => n.iface !== 'lo').reduce((sum, n) => sum + n[pick](i), 0));
  return [
    ['cpu_usage_percent', null, expected(samples(plan.cpu), 2)],
    ['memory_used_percent', null, expected(samples(plan.memory), 2)],
    ['load1', null, expected(samples(plan.load), 2)],
    ['network_receive_bytes_per_second', null, expected(net('rx'), 0)],
    ['network_transmit_bytes_per_second', null, expected(net('tx'), 0)],
    ...plan.disks.map((d): [string, string, ReturnType<typeof expected>] => [
      'disk_used_percent',
      d.mountpoint,
      expected(samples(d.used), 2),
    ]),
  ];
}

describe('the report model', () => {
  it('is valid by the Report schema and says what its statistics are over', () => {
    expect(Report.parse(report)).toBeTruthy();
    expect(report.basis).toMatchObject({ avgOf: 'raw samples', p95Of: 'raw samples', stepMs: null, chartStepMs: 60_000 });
    expect(report.from).toBe(T0);
    expect(report.to).toBe(NOW);
    expect(report.hosts.map((h) => h.id)).toEqual(['db-1', 'web-1']);
  });

  it.each(PLANS.flatMap((plan) => expectations(plan).map(([metric, label, figures]) => ({ host: plan.id, metric, label, figures }))))(
    '$host $metric $label: avg, p95, max and last as computed from the samples',
    ({ host, metric, label, figures }) => {
      expect(statOf(hostOf(host), metric, label)).toEqual({ metric, label, unit: expect.any(String), ...figures });
    },
  );

  it('reads the total CPU, not the per-core series (which are all at 99 %)', () => {
    expect(statOf(hostOf('db-1'), 'cpu_usage_percent')?.max).toBeLessThan(61);
    expect(hostOf('db-1').stats.filter((s) => s.metric === 'cpu_usage_percent')).toHaveLength(1);
  });

  it('projects /var full by the least-squares line through its samples', () => {
    const plan = PLANS[0] as HostPlan;
    const used = samples((plan.disks[1] as HostPlan['disks'][number]).used);
    // x in days before the end of the window, as the report states the slope.
    const xs = samples((i) => (T0 + i * INTERVAL_MS - NOW) / 86_400_000);
    const mx = xs.reduce((a, b) => a + b, 0) / FRAMES;
    const my = used.reduce((a, b) => a + b, 0) / FRAMES;
    const slope = xs.reduce((s, x, i) => s + (x - mx) * ((used[i] as number) - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    const atEnd = my - slope * mx;
    const trend = hostOf('db-1').trends.find((t) => t.label === '/var');
    expect(trend?.slopePerDay).toBeCloseTo(slope, 3);
    expect(trend?.fittedEnd).toBeCloseTo(atEnd, 2);
    expect(trend?.daysToLimit).toBeCloseTo((100 - atEnd) / slope, 3);
    expect(trend?.r2).toBeGreaterThan(0.99);
    expect(trend?.text).toMatch(/^rises 24\.00 % per day \(r² 1\.00\); full in 1[56] h \d+ min at this rate$/);
    // A flat filesystem projects nothing.
    expect(hostOf('web-1').trends.find((t) => t.label === '/')).toMatchObject({ daysToLimit: null, slopePerDay: 0 });
  });

  it('draws the charts from per-minute averages of the samples', () => {
    const db = hostOf('db-1');
    expect(db.charts).toMatchObject({ start: T0, stepMs: 60_000 });
    const cpu = db.charts.series.find((s) => s.metric === 'cpu_usage_percent');
    const perMinute = 60_000 / INTERVAL_MS;
    expect(cpu?.values).toHaveLength(HOURS * 60 + 1); // the last step starts at the end of the window: empty
    expect(cpu?.values.at(-1)).toBeNull();
    const first = samples((PLANS[0] as HostPlan).cpu).slice(0, perMinute);
    expect(cpu?.values[0]).toBeCloseTo(first.reduce((a, b) => a + b, 0) / perMinute, 2);
    expect(db.charts.series.map((s) => `${s.metric}${s.label ?? ''}`)).toEqual([
      'cpu_usage_percent',
      'memory_used_percent',
      'network_receive_bytes_per_second',
      'network_transmit_bytes_per_second',
      'disk_used_percent/',
      'disk_used_percent/var',
    ]);
  });

  it('ranks the top processes by average CPU, memory and I/O over the window, with peaks', () => {
    const p = hostOf('db-1').processes;
    expect(p.frames).toBe(FRAMES);
    const java = (PLANS[0] as HostPlan).processes[0] as HostPlan['processes'][number];
    expect(p.byCpu[0]).toMatchObject({
      name: 'leaky-java',
      pid: 4242,
      cpuPercentAvg: Math.round((samples(java.cpu).reduce((a, b) => a + b, 0) / FRAMES) * 100) / 100,
      cpuPercentPeak: 39,
    });
    expect(p.byMemory[0]).toMatchObject({ name: 'leaky-java', memoryRssBytesPeak: java.rss(FRAMES - 1) });
    expect(p.byIo[0]).toMatchObject({ name: 'backup', ioBytesPerSecondAvg: 50_000_000 });
    expect(p.grewMost).toMatchObject({ name: 'leaky-java', memoryRssBytesFirst: java.rss(0), memoryRssBytesLast: java.rss(FRAMES - 1) });
  });

  it('counts the alerts of the window: fired, still firing, by rule, firing time, time to resolve', () => {
    const a = hostOf('db-1').alerts;
    expect(a).toMatchObject({
      total: 12,
      firing: 1,
      bySeverity: { warning: 12 },
      byRule: { 'Memory high': 12 },
      meanTimeToResolveMs: 120_000,
      more: 0,
    });
    // Eleven resolved after 2 min; the last fired at T0 + 2 h 50 min and still fires at the end (1 h 10 min).
    expect(a.firingMs).toBe(11 * 120_000 + 70 * 60_000);
    expect(a.items[0]?.firedAt).toBe(T0 + 3_600_000 + 11 * 600_000);
    expect(hostOf('web-1').alerts.total).toBe(0);
    expect(report.summary.alerts).toMatchObject({ total: 12, firing: 1, byHost: { 'db-1': 12 } });
  });
});

describe('recommendations', () => {
  it('names the memory pressure with its evidence and the process whose memory grew most', () => {
    const rec = hostOf('db-1').recommendations.find((r) => r.kind === 'memory-high');
    const above = samples((PLANS[0] as HostPlan).memory).filter((v) => v > 90).length * INTERVAL_MS;
    expect(rec).toMatchObject({ severity: 'critical', title: 'Memory above 90 % for 3 h', process: { pid: 4242, name: 'leaky-java' } });
    expect(rec?.evidence.find((e) => e.label === 'time above 90 %')).toMatchObject({ value: above, unit: 'ms', text: '3 h' });
    expect(rec?.evidence.find((e) => e.label === 'grew most')?.text).toBe('leaky-java (pid 4242): +5.0 GiB (1.0 GiB to 6.0 GiB)');
    expect(rec?.detail).toContain('leaky-java (pid 4242) grew most: +5.0 GiB');
  });

  it('warns of /var filling up, and of a noisy alert rule', () => {
    const recs = hostOf('db-1').recommendations;
    expect(recs.map((r) => r.kind)).toEqual(['memory-high', 'disk-full', 'alert-noise']);
    const disk = recs.find((r) => r.kind === 'disk-full');
    expect(disk?.title).toMatch(/^\/var projected full in 1[56] h \d+ min$/);
    expect(disk?.evidence.map((e) => e.label)).toEqual(['used now', 'growth per day', 'time to full', 'fit (r²)']);
    expect(recs.find((r) => r.kind === 'alert-noise')?.evidence[0]).toMatchObject({ value: 12, unit: 'count' });
    expect(report.summary.recommendations).toEqual({ critical: 2, warning: 0, info: 1 });
  });

  it('makes none for a healthy host', () => {
    expect(hostOf('web-1').recommendations).toEqual([]);
  });

  it('never makes one without evidence', () => {
    for (const r of report.hosts.flatMap((h) => h.recommendations)) expect(r.evidence.length).toBeGreaterThan(0);
  });
});

describe('longer windows', () => {
  it('chooses raw samples up to 48 h within raw retention, else the finest tier kept', () => {
    const retention = { rawMs: 7 * 86_400_000, minuteMs: 90 * 86_400_000 };
    expect(chooseBasis(24, retention)).toBe('raw samples');
    expect(chooseBasis(48, retention)).toBe('raw samples');
    expect(chooseBasis(72, retention)).toBe('per-minute averages');
    expect(chooseBasis(24, { ...retention, rawMs: 3_600_000 })).toBe('per-minute averages');
    expect(chooseBasis(24 * 100, retention)).toBe('per-hour averages');
  });

  it('computes p95 and max over per-minute averages when raw samples are not used, and the mean of every sample', async () => {
    const source = { ...storageSource(storage), retention: { rawMs: 3_600_000, minuteMs: 90 * 86_400_000 } };
    const minute = await buildReport({ source, alerts, hosts: hosts.slice(0, 1), hours: HOURS });
    expect(minute.basis).toMatchObject({ p95Of: 'per-minute averages', maxOf: 'per-minute averages', stepMs: 60_000 });
    const values = samples((PLANS[0] as HostPlan).cpu);
    const perMinute = 60_000 / INTERVAL_MS;
    const averages = Array.from(
      { length: FRAMES / perMinute },
      (_, m) => values.slice(m * perMinute, (m + 1) * perMinute).reduce((a, b) => a + b, 0) / perMinute,
    );
    const figures = expected(averages, 2);
    expect(statOf(minute.hosts[0] as HostReport, 'cpu_usage_percent')).toMatchObject({
      avg: expected(values, 2).avg,
      p95: figures.p95,
      max: figures.max,
      count: FRAMES / perMinute,
    });
  });
});
