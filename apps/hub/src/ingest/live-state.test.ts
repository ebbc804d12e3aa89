import { headlineOf, ProcessInfo } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { LiveState } from './live-state.ts';
import { ProcessColumns } from './process-columns.ts';
import { fixtureFrame, hostRecord } from './test-host.ts';

const frame = fixtureFrame;
const record = hostRecord('h1', 'web-1');

describe('ProcessColumns', () => {
  it('gives back the processes it was given, field for field and in the schema order', () => {
    const columns = new ProcessColumns();
    columns.set(frame.processes);
    const back = columns.toArray();
    expect(back).toEqual(frame.processes);
    expect(back.map((p) => Object.keys(p))).toEqual(frame.processes.map((p) => Object.keys(ProcessInfo.parse(p))));
    expect(JSON.stringify(back)).toBe(JSON.stringify(frame.processes.map((p) => ProcessInfo.parse(p))));
  });

  it('keeps nulls, booleans, large numbers and every state', () => {
    const base = frame.processes[0] as ProcessInfo;
    const odd: ProcessInfo[] = [
      { ...base, pid: 2, cpuPercent: null, ioReadBytesPerSecond: null, ioWriteBytesPerSecond: null, kernelThread: true, state: 'idle' },
      { ...base, pid: 3, memoryVirtualBytes: 2 ** 52 + 1, nice: -20, state: 'zombie', cmdline: '' },
      { ...base, pid: 4, cpuPercent: 0, ioReadBytesPerSecond: 0, state: 'stopped' },
    ];
    const columns = new ProcessColumns();
    columns.set(odd);
    expect(columns.toArray()).toEqual(odd);
  });

  it('holds a smaller table after a bigger one, and an empty one', () => {
    const columns = new ProcessColumns();
    columns.set(frame.processes);
    columns.set(frame.processes.slice(3, 5));
    expect(columns.toArray()).toEqual(frame.processes.slice(3, 5));
    columns.set([]);
    expect(columns.length).toBe(0);
    expect(columns.toArray()).toEqual([]);
    columns.set(frame.processes);
    expect(columns.toArray()).toEqual(frame.processes);
  });
});

describe('LiveState', () => {
  it('gives the latest frame back whole, and its head without the process table', () => {
    const live = new LiveState(3, () => 1000);
    const host = live.attach(record, 1000);
    expect(host.latest).toBeNull();
    expect(host.head).toBeNull();
    expect(live.accept(host, frame)).toBe(true);
    expect(host.latest).toEqual(frame);
    expect(host.head).not.toHaveProperty('processes');
    expect(host.head?.system).toEqual(frame.system);
  });

  it('does not go back to an older frame, and replaces the table with a newer one', () => {
    const live = new LiveState(3, () => 1000);
    const host = live.attach(record, 1000);
    live.accept(host, frame);
    const older = { ...frame, ts: frame.ts - 1000, processes: [] };
    expect(live.accept(host, older)).toBe(false);
    expect(host.latest?.processes).toHaveLength(frame.processes.length);
    const newer = { ...frame, ts: frame.ts + 1000, processes: frame.processes.slice(0, 2) };
    expect(live.accept(host, newer)).toBe(true);
    expect(host.latest).toEqual(newer);
  });

  it('hands out one frame per read in a task, and a new one after the next frame', () => {
    const live = new LiveState(3, () => 1000);
    const host = live.attach(record, 1000);
    live.accept(host, frame);
    const first = host.latest;
    expect(host.latest).toBe(first);
    live.accept(host, { ...frame, ts: frame.ts + 1000 });
    expect(host.latest).not.toBe(first);
    expect(host.latest?.ts).toBe(frame.ts + 1000);
  });

  it('shows a headline in the summary at once, and holds its frame once decoded; a stale headline is neither', () => {
    const live = new LiveState(3, () => 5000);
    const host = live.attach(record, 1000);
    const events: string[] = [];
    live.on((event) => events.push(event.type));
    expect(live.headline(host, headlineOf(frame))).toBe(true);
    expect(events).toEqual(['status', 'headline']);
    expect(host.status).toBe('online');
    expect(host.summary).toMatchObject({ ts: frame.ts, cpuPercent: frame.system.cpu?.total?.usagePercent, lastSeen: 5000 });
    expect(host.latest).toBeNull();
    live.hold(host, frame);
    expect(host.latest).toEqual(frame);
    expect(events).toEqual(['status', 'headline', 'frame']);
    // The same frame again (a resend the hub had not acknowledged yet): not fresh, and the summary stays.
    expect(live.headline(host, headlineOf(frame))).toBe(false);
    expect(events).toHaveLength(3);
  });

  it('never holds a frame older than the one it holds, whatever order the decoding finishes in', () => {
    const live = new LiveState(3, () => 1000);
    const host = live.attach(record, 1000);
    const newer = { ...frame, ts: frame.ts + 1000, processes: frame.processes.slice(0, 1) };
    live.headline(host, headlineOf(frame));
    live.headline(host, headlineOf(newer));
    live.hold(host, newer);
    live.hold(host, frame);
    expect(host.latest).toEqual(newer);
  });

  it('gives the same summary from a headline as from the whole frame', () => {
    const byHeadline = new LiveState(3, () => 1000);
    const a = byHeadline.attach(record, 1000);
    byHeadline.headline(a, headlineOf(frame));
    const byFrame = new LiveState(3, () => 1000);
    const b = byFrame.attach(record, 1000);
    byFrame.accept(b, frame);
    expect(a.summary).toEqual(b.summary);
  });
});
