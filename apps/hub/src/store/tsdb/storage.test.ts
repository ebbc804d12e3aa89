import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Frame, HostSnapshot } from '@vigil/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateRaw } from './aggregate.ts';
import { TIER } from './db.ts';
import { SqliteStorage } from './storage.ts';

const fixture = HostSnapshot.parse(
  JSON.parse(readFileSync(new URL('../../../../agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8')),
);
const T0 = Date.UTC(2026, 0, 1);
const dirs: string[] = [];
const stores: SqliteStorage[] = [];

/** The fixture's frame at second i, with CPU, memory and uptime moving so that values differ over time. */
function frameAt(i: number, host = 0): Frame {
  const base = fixture.frame;
  const system = base.system;
  return {
    ...base,
    ts: T0 + i * 1000,
    seq: i,
    system: {
      ...system,
      cpu: system.cpu && {
        ...system.cpu,
        total: system.cpu.total && { ...system.cpu.total, usagePercent: 20 + ((i * 7 + host * 13) % 60) + 0.25 },
      },
      memory: system.memory && { ...system.memory, usedBytes: 8e9 + i * 4096 },
      uptime: system.uptime && { ...system.uptime, uptimeSeconds: 1000 + i },
    },
    processes: [
      { ...(base.processes[0] as Frame['processes'][number]), cpuPercent: i % 100, name: `busy-${i % 3}` },
      ...base.processes.slice(1),
    ],
  };
}

/** A small frame (CPU, memory, uptime and one process) for the long runs. */
function smallFrameAt(i: number): Frame {
  const f = frameAt(i);
  return { ...f, system: { cpu: f.system.cpu, memory: f.system.memory, uptime: f.system.uptime }, processes: f.processes.slice(0, 1) };
}

function open(path: string, now: () => number, extra: Partial<ConstructorParameters<typeof SqliteStorage>[0]> = {}): SqliteStorage {
  const s = new SqliteStorage({ path, now, background: false, flushIntervalMs: 5, ...extra });
  stores.push(s);
  return s;
}

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
  dirs.push(dir);
  return join(dir, 'history.db');
}

afterEach(() => {
  for (const s of stores.splice(0)) {
    try {
      if (s.db.open) s.close();
    } catch {}
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStorage', () => {
  it('returns every sample appended, at the catalogue precision, across closed chunks and the open one', () => {
    const now = T0 + 3600_000;
    const store = open(tempPath(), () => now, { chunkSamples: 100 });
    for (let i = 0; i < 2600; i++) store.append('web-1', frameAt(i));
    store.flush();
    const result = store.query({ metrics: ['cpu_usage_percent'], hosts: ['web-1'], from: T0, to: T0 + 2599_000 });
    const total = result.series.find((s) => Object.keys(s.labels).length === 0);
    expect(total?.points).toHaveLength(2600);
    expect(total?.points[7]).toEqual([T0 + 7000, frameAt(7).system.cpu?.total?.usagePercent]);
    const chunks = (store.db.prepare('SELECT count(*) AS n FROM chunks WHERE tier = 0').get() as { n: number }).n;
    expect(chunks).toBeGreaterThan(100); // every series closed a few chunks
    // The host checkpointed (every 2,400 rows at the latest, else at the end of a process block): the rows before that left
    // the write-ahead table, and the checkpoint holds what they added up to.
    expect((store.db.prepare('SELECT count(*) AS n FROM checkpoints').get() as { n: number }).n).toBe(1);
    expect((store.db.prepare('SELECT count(*) AS n FROM wal').get() as { n: number }).n).toBeLessThan(2400);
  });

  it('keeps every acknowledged sample through a crash (no clean close), by replaying the write-ahead table', () => {
    const path = tempPath();
    const now = T0 + 3600_000;
    const store = open(path, () => now, { chunkSamples: 100 });
    let acked = 0;
    for (let i = 0; i < 250; i++) store.append('web-1', frameAt(i), () => acked++);
    store.flush();
    expect(acked).toBe(250);
    store.db.close(); // the process dies: open chunks are lost from memory
    const again = open(path, () => now, { chunkSamples: 100 });
    const points = again.query({ metrics: ['memory_used_bytes'], from: T0, to: T0 + 10_000_000 }).series[0]?.points;
    expect(points?.map((p) => p[0])).toEqual(Array.from({ length: 250 }, (_, i) => T0 + i * 1000));
    expect(points?.[249]?.[1]).toBe(8e9 + 249 * 4096);
    // And it goes on from there, without duplicates.
    again.append('web-1', frameAt(249));
    again.append('web-1', frameAt(250));
    again.flush();
    expect(again.query({ metrics: ['memory_used_bytes'], from: T0, to: T0 + 10_000_000 }).series[0]?.points).toHaveLength(251);
  });

  it('ignores resent and out-of-order frames without disturbing the open chunk', () => {
    const store = open(tempPath(), () => T0 + 3600_000, { chunkSamples: 1000 });
    for (let i = 0; i < 20; i++) store.append('a', frameAt(i));
    store.append('a', frameAt(5));
    store.append('a', frameAt(19));
    for (let i = 20; i < 30; i++) store.append('a', frameAt(i));
    store.flush();
    const points = store.query({ metrics: ['uptime_seconds'], from: T0, to: T0 + 100_000 }).series[0]?.points ?? [];
    expect(points.map((p) => p[1])).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i));
  });

  it('reports a corrupt chunk and still answers with the rest', () => {
    const store = open(tempPath(), () => T0 + 3600_000, { chunkSamples: 50 });
    for (let i = 0; i < 200; i++) store.append('a', frameAt(i));
    store.flush();
    const series = store.series({ host: 'a', metric: 'uptime_seconds' })[0];
    const victim = store.db
      .prepare('SELECT start, data FROM chunks WHERE series = ? AND tier = 0 ORDER BY start LIMIT 1 OFFSET 1')
      .get(series?.id) as { start: number; data: Buffer };
    victim.data.writeUInt8((victim.data.at(-10) as number) ^ 0xff, victim.data.length - 10);
    store.db.prepare('UPDATE chunks SET data = ? WHERE series = ? AND tier = 0 AND start = ?').run(victim.data, series?.id, victim.start);
    const result = store.query({ metrics: ['uptime_seconds'], hosts: ['a'], from: T0, to: T0 + 1e6 });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/corrupt \(checksum mismatch\)/);
    const points = result.series[0]?.points ?? [];
    expect(points.length).toBeGreaterThan(100);
    expect(points.length).toBeLessThan(200);
  });

  it('rolls closed raw chunks up into minute aggregates equal to the raw data they summarise', () => {
    let now = T0;
    const store = open(tempPath(), () => now, { chunkSamples: 300 });
    for (let i = 0; i < 3 * 3600; i++) {
      now = T0 + i * 1000;
      store.append('a', smallFrameAt(i));
    }
    store.flush();
    now = T0 + 5 * 3600_000;
    for (let i = 0; i < 50; i++) store.rollups.step(now, 1000);
    const series = store.series({ host: 'a', metric: 'cpu_usage_percent' }).find((s) => Object.keys(s.labels).length === 0);
    expect(store.rollups.until(series?.id as number, TIER.minute)).toBeGreaterThanOrEqual(T0 + 2 * 3600_000);
    const minute = store.query({
      metrics: ['cpu_usage_percent'],
      hosts: ['a'],
      labels: {},
      from: T0,
      to: T0 + 2 * 3600_000 - 1,
      step: 60_000,
    });
    expect(minute.tier).toBe('minute');
    const raw =
      store
        .query({ metrics: ['cpu_usage_percent'], hosts: ['a'], from: T0, to: T0 + 2 * 3600_000 - 1 })
        .series.find((s) => Object.keys(s.labels).length === 0)?.points ?? [];
    const expected = aggregateRaw(
      raw.map((p) => p[0] as number),
      raw.map((p) => p[1] as number),
      60_000,
    ).map((a) => [a.ts, Math.round((a.sum / a.count) * 1e6) / 1e6, a.min, a.max]);
    expect(minute.series.find((s) => Object.keys(s.labels).length === 0)?.points).toEqual(expected);
  });

  /**
   * A store keeping raw samples 2 hours, given 5 hours of frames a second and, a minute after the last, 100 rollup
   * steps (the first of them is retention's: it finds nothing rolled up yet).
   */
  function fiveHoursRolledUp() {
    const clock = { now: T0 };
    const store = open(tempPath(), () => clock.now, { chunkSamples: 300, retention: { rawMs: 2 * 3600_000 } });
    for (let i = 0; i < 5 * 3600; i += 1) {
      clock.now = T0 + i * 1000;
      store.append('a', smallFrameAt(i));
    }
    store.flush();
    clock.now = T0 + 5 * 3600_000 + 60_000;
    for (let i = 0; i < 100; i++) store.rollups.step(clock.now, 1000);
    const oldestRaw = () => (store.db.prepare('SELECT MIN(start) AS s FROM chunks WHERE tier = 0').get() as { s: number }).s;
    return { store, clock, oldestRaw };
  }

  it('deletes by age what retention says, and nothing else', () => {
    const { store, clock, oldestRaw } = fiveHoursRolledUp();
    const now = clock.now;
    store.rollups.retain(now);
    // Raw older than 2 h is gone where it was rolled up; the minute tier still covers it.
    expect(oldestRaw()).toBeGreaterThanOrEqual(T0 + 2 * 3600_000 - 300_000);
    const minute = store.query({ metrics: ['uptime_seconds'], hosts: ['a'], from: T0, to: T0 + 3600_000 - 1, step: 60_000 });
    expect(minute.series[0]?.points.length).toBe(60);
    const recent = store.query({ metrics: ['uptime_seconds'], hosts: ['a'], from: now - 3600_000, to: now });
    expect(recent.series[0]?.points.length).toBeGreaterThan(3000);
  });

  it('applies retention once a minute in a step of its own, even when the rollup scan would use the whole budget', () => {
    const { store, clock, oldestRaw } = fiveHoursRolledUp();
    // The first step was retention's (before anything was rolled up), so old raw chunks are all still there.
    expect(oldestRaw()).toBeLessThan(T0 + 3600_000);
    // A minute later, a step with no budget at all for the scan still applies retention.
    clock.now += 60_000;
    store.rollups.step(clock.now, 0);
    expect(oldestRaw()).toBeGreaterThanOrEqual(T0 + 2 * 3600_000 - 300_000);
  });

  it('remembers the top processes of every frame', () => {
    const store = open(tempPath(), () => T0 + 3600_000);
    for (let i = 0; i < 180; i++) store.append('a', frameAt(i));
    store.flush();
    const at = store.processesAt('a', T0 + 61_500);
    expect(at?.ts).toBe(T0 + 61_000);
    expect(at?.processes.find((p) => p.name.startsWith('busy-'))?.cpuPercent).toBe(61);
    const top = store.topProcesses('a', T0, T0 + 179_000, 'cpu', 20);
    expect(top[0]?.name).toBe('qemu-system-x86_64'); // 150 % all along
    expect(top[0]?.cpuPercentAvg).toBe(150);
    const busy = top.filter((t) => t.name.startsWith('busy-'));
    expect(busy.length).toBe(3);
    expect(Math.max(...busy.map((b) => b.cpuPercentPeak))).toBe(99);
  });

  it('stores custom metrics with their labels, and refuses built-in names and old timestamps', () => {
    const store = open(tempPath(), () => T0 + 10_000);
    const r = store.appendCustom('a', [
      { name: 'queue_depth', value: 12, labels: { queue: 'mail' }, ts: T0 },
      { name: 'queue_depth', value: 15, labels: { queue: 'mail' }, ts: T0 + 1000 },
      { name: 'queue_depth', value: 3, labels: { queue: 'mail' }, ts: T0 + 500 },
      { name: 'cpu_usage_percent', value: 1, ts: T0 },
    ]);
    expect(r.accepted).toBe(2);
    expect(r.rejected.map((x) => x.index)).toEqual([2, 3]);
    store.flush();
    const q = store.query({ metrics: ['queue_depth'], labels: { queue: 'mail' }, from: T0, to: T0 + 5000 });
    expect(q.series[0]?.points).toEqual([
      [T0, 12],
      [T0 + 1000, 15],
    ]);
  });
});
