import type { ReportProcess, ReportStat, ReportTrend } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { type HostFacts, recommend } from './recommend.ts';
import type { TimeAbove } from './stats.ts';

const MIN = 60_000;
const process = (name: string, pid: number, extra: Partial<ReportProcess> = {}): ReportProcess => ({
  pid,
  name,
  user: 'app',
  cmdline: name,
  seen: 100,
  cpuPercentAvg: 0,
  cpuPercentPeak: 0,
  memoryRssBytesAvg: 0,
  memoryRssBytesPeak: 0,
  ioBytesPerSecondAvg: 0,
  ioBytesPerSecondPeak: 0,
  memoryRssBytesFirst: 0,
  memoryRssBytesLast: 0,
  firstSeen: 0,
  lastSeen: 0,
  ...extra,
});
const stat = (metric: string, p95: number, last = p95): ReportStat => ({
  metric,
  label: null,
  unit: 'percent',
  avg: p95,
  p95,
  max: p95,
  last,
  count: 100,
});
const above = (totalMs: number, peak = 95): TimeAbove => ({ threshold: 90, totalMs, longest: { from: 0, to: totalMs, ms: totalMs }, peak });
const trend = (extra: Partial<ReportTrend>): ReportTrend => ({
  metric: 'memory_used_percent',
  label: null,
  unit: 'percent',
  slopePerDay: 0,
  r2: 0,
  fittedEnd: 50,
  limit: 100,
  daysToLimit: null,
  spanMs: 4 * 60 * MIN,
  points: 1000,
  text: '',
  ...extra,
});

/** A quiet host: nothing here calls for advice. */
const quiet = (): HostFacts => ({
  hostId: 'h',
  cpuCores: 4,
  hours: 24,
  windowLong: false,
  cpu: stat('cpu_usage_percent', 40),
  load: { ...stat('load1', 1), unit: 'load' },
  cpuAbove: { threshold: 90, totalMs: 0, longest: null, peak: 60 },
  loadAbove: { threshold: 8, totalMs: 0, longest: null, peak: 2 },
  memoryAbove: { threshold: 90, totalMs: 0, longest: null, peak: 70 },
  memoryTrend: trend({}),
  disks: [{ stat: { ...stat('disk_used_percent', 50), label: '/' }, trend: trend({ metric: 'disk_used_percent', label: '/' }) }],
  processes: {
    frames: 100,
    byCpu: [process('worker', 10, { cpuPercentAvg: 180, cpuPercentPeak: 200 })],
    byMemory: [],
    byIo: [process('rsync', 11, { ioBytesPerSecondAvg: 5e7 })],
    grewMost: null,
  },
  alertsByRule: { 'CPU busy': 3 },
});

describe('recommend', () => {
  it('says nothing about a quiet host', () => {
    expect(recommend(quiet())).toEqual([]);
  });

  it('calls a CPU above 90 % for 20 min saturated, naming the top process', () => {
    const [r] = recommend({ ...quiet(), cpuAbove: above(20 * MIN) });
    expect(r).toMatchObject({ kind: 'cpu-saturated', severity: 'warning', process: { name: 'worker', pid: 10 } });
    expect(r?.evidence.find((e) => e.label === 'top process')?.text).toBe('worker (pid 10): 180.0 % on average, peak 200.0 %');
  });

  it('leaves ten minutes of a busy CPU alone', () => {
    expect(recommend({ ...quiet(), cpuAbove: above(10 * MIN) })).toEqual([]);
  });

  it('counts time in all against half of a short window: 40 broken-up minutes of a 1-hour report are saturation', () => {
    const broken = (totalMs: number): TimeAbove => ({ threshold: 90, totalMs, longest: { from: 0, to: 5 * MIN, ms: 5 * MIN }, peak: 99 });
    expect(recommend({ ...quiet(), hours: 1, cpuAbove: broken(40 * MIN) })[0]).toMatchObject({ kind: 'cpu-saturated' });
    expect(recommend({ ...quiet(), hours: 1, cpuAbove: broken(20 * MIN) })).toEqual([]);
    expect(recommend({ ...quiet(), hours: 24, cpuAbove: broken(40 * MIN) })).toEqual([]);
  });

  it('reads a long run queue on an idle CPU as waiting for I/O, not on a busy one', () => {
    const loaded = { ...quiet(), loadAbove: { threshold: 8, totalMs: 30 * MIN, longest: null, peak: 12 } };
    expect(recommend(loaded)).toMatchObject([{ kind: 'load-high', process: { name: 'rsync' } }]);
    expect(recommend({ ...loaded, cpu: stat('cpu_usage_percent', 97) })).toEqual([]);
  });

  it('warns of memory rising towards 100 % when the fit is good, and not when it is poor', () => {
    const rising = trend({ slopePerDay: 48, r2: 0.9, fittedEnd: 60, daysToLimit: 20 / 24 });
    expect(recommend({ ...quiet(), memoryTrend: rising })).toMatchObject([
      { kind: 'memory-trend', title: 'Memory use rising: 100 % in 20 h at this rate' },
    ]);
    expect(recommend({ ...quiet(), memoryTrend: { ...rising, r2: 0.3 } })).toEqual([]);
  });

  it('flags a filesystem 90 % full even without a trend', () => {
    const full = { stat: { ...stat('disk_used_percent', 93), label: '/data' }, trend: null };
    expect(recommend({ ...quiet(), disks: [full] })).toMatchObject([
      { kind: 'disk-full', title: '/data is 93.0 % full', severity: 'warning' },
    ]);
  });

  it('calls a rule that fired ten times noise', () => {
    expect(recommend({ ...quiet(), alertsByRule: { 'CPU busy': 10 } })).toMatchObject([{ kind: 'alert-noise', severity: 'info' }]);
  });
});
