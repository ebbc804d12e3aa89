import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Frame, HostSnapshot } from '@vigil/schema';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueryResult } from './query.ts';
import { SqliteStorage } from './storage.ts';

/**
 * fixtures/history-v1.db was written by the format-1 store (commit c07aa0a) and left as after a crash: hosts old-1
 * and old-2, 250 frames each at 1 s from T0 (CPU, memory, uptime and three processes; chunks of 100 samples), so
 * 100 closed chunks and 139 write-ahead rows not yet in any chunk. history-v1.expected.json holds what that store
 * answered before the crash.
 */
const FIXTURES = new URL('./fixtures/', import.meta.url);
const T0 = Date.UTC(2026, 0, 1);
const expected = JSON.parse(readFileSync(new URL('history-v1.expected.json', FIXTURES), 'utf8')) as {
  query: QueryResult;
  processesAt: unknown[];
  top: unknown[];
};
const base = HostSnapshot.parse(
  JSON.parse(readFileSync(new URL('../../../../agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8')),
).frame;

/** The fixture's frames go on: the same shape, seconds after the last one the old store took. */
function frameAt(i: number): Frame {
  const system = base.system;
  return {
    ...base,
    ts: T0 + i * 1000,
    seq: i,
    system: {
      cpu: system.cpu && { ...system.cpu, total: system.cpu.total && { ...system.cpu.total, usagePercent: 20 + ((i * 7) % 60) + 0.25 } },
      memory: system.memory && { ...system.memory, usedBytes: 8e9 + i * 4096 },
      uptime: system.uptime && { ...system.uptime, uptimeSeconds: 1000 + i },
    },
    processes: base.processes.slice(0, 3),
  };
}

const dirs: string[] = [];
const stores: SqliteStorage[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openCopy(): { path: string; store: SqliteStorage } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-migrate-'));
  dirs.push(dir);
  const path = join(dir, 'history.db');
  copyFileSync(new URL('history-v1.db', FIXTURES), path);
  const store = new SqliteStorage({ path, now: () => T0 + 3600_000, background: false, flushIntervalMs: 5, chunkSamples: 100 });
  stores.push(store);
  return { path, store };
}

const METRICS = ['cpu_usage_percent', 'memory_used_bytes', 'uptime_seconds'];
const byKey = (r: QueryResult) => Object.fromEntries(r.series.map((s) => [`${s.host} ${s.metric} ${JSON.stringify(s.labels)}`, s.points]));

describe('a history database of format 1', () => {
  it('migrates on open: every sample, closed or only in the write-ahead table, and the process history are there', () => {
    const { store } = openCopy();
    const now = store.query({ metrics: METRICS, hosts: ['old-1', 'old-2'], from: T0, to: T0 + 249_000 });
    expect(Object.keys(byKey(now)).length).toBe(expected.query.series.length);
    expect(byKey(now)).toEqual(byKey(expected.query));
    // 250 points per series: the 100 closed chunks and the replayed rows.
    for (const s of now.series) expect(s.points).toHaveLength(250);
    expect([10_000, 120_500, 249_000].map((d) => store.processesAt('old-1', T0 + d))).toEqual(expected.processesAt);
    expect(store.topProcesses('old-2', T0, T0 + 249_000, 'cpu', 5)).toEqual(expected.top);
    expect(store.db.pragma('user_version', { simple: true })).toBeGreaterThan(1);
  });

  it('goes on from there: new frames are stored after the old ones, and all of it survives a restart', () => {
    const { path, store } = openCopy();
    for (let i = 250; i < 400; i++) store.append('old-1', frameAt(i));
    store.close();
    const again = new SqliteStorage({ path, now: () => T0 + 3600_000, background: false, chunkSamples: 100 });
    stores.push(again);
    const result = again.query({ metrics: ['uptime_seconds'], hosts: ['old-1'], from: T0, to: T0 + 399_000 });
    const points = result.series[0]?.points ?? [];
    expect(points).toHaveLength(400);
    expect(points.map(([, v]) => v)).toEqual(Array.from({ length: 400 }, (_, i) => 1000 + i));
    // The old write-ahead rows were replayed once and are gone; nothing is replayed twice.
    const v1 = again.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'wal_v1'").get() as { n: number };
    if (v1.n > 0) expect((again.db.prepare('SELECT count(*) AS n FROM wal_v1').get() as { n: number }).n).toBe(0);
  });
});
