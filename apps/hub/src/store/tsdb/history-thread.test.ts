import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { type Frame, HostSnapshot, METRICS } from '@vigil/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessDecoder, ShapeTracker, ValueBuffer } from './frame-record.ts';
import { HistoryThread } from './history-thread.ts';
import { selectForHistory } from './process-history.ts';
import type { Query } from './query.ts';
import { SqliteStorage } from './storage.ts';

const fixture = HostSnapshot.parse(
  JSON.parse(readFileSync(new URL('../../../../agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8')),
);
// Recent, so that queries read the raw tier.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
type Process = Frame['processes'][number];

/**
 * The fixture's frame at second i, with values moving, and changes a store must follow: a command line that changes
 * (i ≥ 4), a network interface that goes away (i ≥ 6, a new shape), and a new busy process (i ≥ 8).
 */
function frameAt(i: number): Frame {
  const base = fixture.frame;
  const system = base.system;
  const [first, ...rest] = base.processes as [Process, ...Process[]];
  const processes: Process[] = [
    { ...first, cpuPercent: (i * 7) % 100, cmdline: i >= 4 ? `${first.cmdline} --reloaded` : first.cmdline },
    ...rest.map((p) => ({ ...p, memoryRssBytes: p.memoryRssBytes + i * 4096 })),
  ];
  if (i >= 8) processes.push({ ...first, pid: 424242, name: 'newcomer', user: 'nobody', cmdline: 'newcomer --busy', cpuPercent: 99 });
  return {
    ...base,
    ts: T0 + i * 1000,
    seq: i,
    system: {
      ...system,
      cpu: system.cpu && { ...system.cpu, total: system.cpu.total && { ...system.cpu.total, usagePercent: 20 + ((i * 7) % 60) + 0.25 } },
      memory: system.memory && { ...system.memory, usedBytes: 8e9 + i * 4096 },
      network: i >= 6 ? system.network?.slice(1) : system.network,
    },
    processes,
  };
}

const frames = Array.from({ length: 12 }, (_, i) => frameAt(i));
const everything: Query = { metrics: [...METRICS.keys()], hosts: ['h1'], from: T0, to: T0 + 60_000 };

const dirs: string[] = [];
const closers: (() => unknown)[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-thread-'));
  dirs.push(dir);
  return join(dir, 'history.db');
}
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The same frames stored in this thread, the reference. */
function reference(list: Frame[]): SqliteStorage {
  const local = new SqliteStorage({ path: tempPath(), background: false, flushIntervalMs: 5 });
  closers.push(() => local.close());
  for (const f of list) local.append('h1', f);
  local.flush();
  return local;
}

async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ShapeTracker and ProcessDecoder', () => {
  it('send a shape only when it changes, a process’s strings only when they are new, and decode to what was selected', () => {
    const tracker = new ShapeTracker();
    const decoder = new ProcessDecoder();
    const shapes: boolean[] = [];
    const stringCounts: number[] = [];
    for (const frame of frames) {
      const buffer = new ValueBuffer();
      const record = tracker.extract(frame, buffer);
      shapes.push(record.shape !== null);
      stringCounts.push((record.processStrings?.length ?? 0) / 3);
      expect(decoder.decode(record, buffer.values)).toEqual(selectForHistory(frame.processes));
    }
    // A shape with the first frame and when the interface went.
    expect(shapes).toEqual(frames.map((_, i) => i === 0 || i === 6));
    // Strings for a process not in the previous record with the same ones: all at first, then the new command line and the newcomer.
    const expected = frames.map((frame, i) => {
      const before = new Map(selectForHistory(frames[i - 1]?.processes ?? []).map((p) => [p.pid, p]));
      return selectForHistory(frame.processes).filter((p) => {
        const b = before.get(p.pid);
        return !b || b.name !== p.name || b.user !== p.user || b.cmdline !== p.cmdline;
      }).length;
    });
    expect(stringCounts).toEqual(expected);
    expect(expected[0]).toBeGreaterThan(5);
    expect(expected[4]).toBeGreaterThanOrEqual(1);
    expect(expected[8]).toBeGreaterThanOrEqual(1);
    expect(expected.slice(1, 4)).toEqual([0, 0, 0]);
  });
});

describe('HistoryThread', () => {
  it('stores what the store stores in this thread, and acknowledges every frame in order, a resent one too', async () => {
    const thread = new HistoryThread({ path: tempPath(), background: false, flushIntervalMs: 5 });
    closers.push(() => thread.close());
    await thread.ready();
    const acked: number[] = [];
    frames.forEach((f, i) => {
      thread.append('h1', f, () => acked.push(i));
    });
    thread.append('h1', frames[3] as Frame, () => acked.push(99));
    const local = reference(frames);
    // A request goes after the frames appended before it.
    const result = await thread.query(everything);
    expect(result.series.length).toBeGreaterThan(20);
    expect(result).toEqual(local.query(everything));
    expect(await thread.processFrames('h1', T0, T0 + 60_000)).toEqual(local.processFrames('h1', T0, T0 + 60_000));
    expect(await thread.seriesMatching(undefined, ['h1'])).toEqual(
      local.series({ host: 'h1' }).map((s) => ({ id: s.id, host: s.host, key: s.key, metric: s.metric, labels: s.labels })),
    );
    await until('every acknowledgement', () => acked.length === frames.length + 1);
    expect(acked).toEqual([...frames.keys(), 99]);
  });

  it('starts a new thread when one fails, which recovers every acknowledged frame from the write-ahead rows', async () => {
    const warnings: string[] = [];
    const thread = new HistoryThread({ path: tempPath(), background: false, flushIntervalMs: 5 }, (m) => warnings.push(m));
    closers.push(() => thread.close());
    let failures = 0;
    thread.onFailure = () => failures++;
    await thread.ready();
    let acked = 0;
    for (const f of frames.slice(0, 6)) thread.append('h1', f, () => acked++);
    await until('the first frames acknowledged', () => acked === 6);
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await until('a warning that names the failure', () => warnings.some((w) => w.includes('history thread failed')));
    // The hub makes its agents reconnect then: frames the thread took but had not committed are sent again.
    expect(failures).toBe(1);
    await expect(thread.query(everything)).rejects.toThrow(/restarting/);
    await until('the new thread', () => thread.sizeBytes());
    // The new thread knows no shapes: the next frames carry theirs again.
    for (const f of frames.slice(6)) thread.append('h1', f, () => acked++);
    await until('the later frames acknowledged', () => acked === frames.length);
    expect(await thread.query(everything)).toEqual(reference(frames).query(everything));
  });

  it('restarts once when the thread throws (an error, then an exit), and serves again', async () => {
    const warnings: string[] = [];
    const thread = new HistoryThread({ path: tempPath(), background: false, flushIntervalMs: 5 }, (m) => warnings.push(m));
    closers.push(() => thread.close());
    await thread.ready();
    const internals = thread as unknown as { worker: Worker; start: () => void };
    let starts = 0;
    const start = internals.start.bind(thread);
    internals.start = () => {
      starts++;
      start();
    };
    const first = internals.worker;
    // A message the thread cannot take throws there, uncaught.
    first.postMessage({ kind: 'frames', hosts: null, records: null, seqs: null, values: null });
    await until('a new thread', async () => internals.worker !== first && (await thread.sizeBytes()) > 0);
    expect(starts).toBe(1);
    expect(warnings.filter((w) => w.includes('history thread failed'))).toHaveLength(1);
  });

  it('leaves out a record the thread cannot take, and has the host send its shape and processes again', async () => {
    const warnings: string[] = [];
    const thread = new HistoryThread({ path: tempPath(), background: false, flushIntervalMs: 5 }, (m) => warnings.push(m));
    closers.push(() => thread.close());
    await thread.ready();
    let acked = 0;
    for (const f of frames.slice(0, 6)) thread.append('h1', f, () => acked++);
    await until('the first frames acknowledged', () => acked === 6);
    // A record whose shape names a metric the catalogue does not have (as a newer hub's might).
    const bad = {
      ts: T0 + 5500,
      offset: 0,
      count: 1,
      shape: { metrics: ['no_such_metric'], labels: [null] },
      processCount: 0,
      processStrings: null,
    };
    (thread as unknown as { worker: Worker }).worker.postMessage({
      kind: 'frames',
      hosts: ['h1'],
      records: [bad],
      seqs: [0],
      values: new Float64Array(1),
    });
    await until('the warning', () => warnings.some((w) => w.includes('was not stored') && w.includes('no_such_metric')));
    await thread.sizeBytes(); // the resync that followed the warning has arrived
    for (const f of frames.slice(6)) thread.append('h1', f, () => acked++);
    await until('the later frames acknowledged', () => acked === frames.length);
    expect(await thread.query(everything)).toEqual(reference(frames).query(everything));
  });

  it('stores a forgotten host whole when it comes back (its first record carries everything again)', async () => {
    const thread = new HistoryThread({ path: tempPath(), background: false, flushIntervalMs: 5 });
    closers.push(() => thread.close());
    await thread.ready();
    let acked = 0;
    for (const f of frames.slice(0, 7)) thread.append('h1', f, () => acked++);
    thread.forget('h1');
    for (const f of frames.slice(7)) thread.append('h1', f, () => acked++);
    await until('every frame acknowledged', () => acked === frames.length);
    expect(await thread.query(everything)).toEqual(reference(frames).query(everything));
    expect(await thread.processFrames('h1', T0, T0 + 60_000)).toEqual(reference(frames).processFrames('h1', T0, T0 + 60_000));
  });
});
