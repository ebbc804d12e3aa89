// @vitest-environment happy-dom
import type { Frame, HostSummary } from '@vigil/schema';
import { describe, expect, it, vi } from 'vitest';
import { LiveStore, SPARK_POINTS } from '../src/api/live.ts';

const summary = (id: string, cpu: number, ts: number, extra: Partial<HostSummary> = {}): HostSummary => ({
  id,
  hostname: id,
  status: 'online',
  tags: [],
  firstSeen: 0,
  lastSeen: ts,
  os: 'Linux',
  kernel: '6',
  cpuModel: 'x',
  cpuCores: 2,
  memoryTotalBytes: 1,
  cpuPercent: cpu,
  memoryPercent: 10,
  swapPercent: 0,
  diskPercent: 20,
  load1: 0.5,
  uptimeSeconds: 100,
  networkRxBytesPerSecond: 0,
  networkTxBytesPerSecond: 0,
  gpus: 0,
  vms: 0,
  containers: 0,
  processes: 10,
  ts,
  ...extra,
});

async function flushed() {
  await new Promise((resolve) => setTimeout(resolve, 40));
}

describe('LiveStore', () => {
  it('takes the full fleet, then deltas, and drops removed hosts', () => {
    const store = new LiveStore('ws://unused');
    store.receive({ type: 'fleet', full: true, hosts: [summary('a', 1, 1000), summary('b', 2, 1000)], removed: [] });
    expect([...store.hosts.keys()]).toEqual(['a', 'b']);
    store.receive({ type: 'fleet', full: false, hosts: [summary('b', 50, 2000)], removed: ['a'] });
    expect([...store.hosts.keys()]).toEqual(['b']);
    expect(store.hosts.get('b')?.summary.cpuPercent).toBe(50);
    store.receive({ type: 'fleet', full: true, hosts: [summary('c', 3, 3000)], removed: [] });
    expect([...store.hosts.keys()]).toEqual(['c']);
  });

  it('keeps the last minute of CPU for sparklines, one value per new frame', () => {
    const store = new LiveStore('ws://unused');
    for (let i = 0; i < SPARK_POINTS + 10; i++)
      store.receive({ type: 'fleet', full: false, hosts: [summary('a', i, 1000 * i)], removed: [] });
    store.receive({ type: 'fleet', full: false, hosts: [summary('a', 999, 1000 * (SPARK_POINTS + 9))], removed: [] }); // same ts: not a new value
    const history = store.hosts.get('a')?.cpuHistory ?? [];
    expect(history).toHaveLength(SPARK_POINTS);
    expect(history.at(-1)).toBe(SPARK_POINTS + 9);
  });

  it('notifies only the keys a message changed, once per batch', async () => {
    const store = new LiveStore('ws://unused');
    store.receive({ type: 'fleet', full: true, hosts: [summary('a', 1, 1000), summary('b', 1, 1000)], removed: [] });
    await flushed();
    const fleet = vi.fn();
    const a = vi.fn();
    const b = vi.fn();
    store.subscribe('fleet', fleet);
    store.subscribe('summary:a', a);
    store.subscribe('summary:b', b);
    store.receive({ type: 'fleet', full: false, hosts: [summary('a', 2, 2000)], removed: [] });
    store.receive({ type: 'fleet', full: false, hosts: [summary('a', 3, 3000)], removed: [] });
    await flushed();
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).not.toHaveBeenCalled();
    expect(fleet).not.toHaveBeenCalled(); // values changed, not membership or state
    store.receive({ type: 'status', hostId: 'b', status: 'offline' });
    await flushed();
    expect(fleet).toHaveBeenCalledTimes(1);
    expect(store.hosts.get('b')?.summary.status).toBe('offline');
  });

  it('keeps the latest frame of a watched host', () => {
    const store = new LiveStore('ws://unused');
    const frame = {
      v: 1,
      type: 'frame',
      seq: 1,
      ts: 5000,
      durationMs: 1,
      system: {},
      processes: [],
      processesComplete: false,
      collectors: {},
    } as Frame;
    store.receive({ type: 'host', hostId: 'a', summary: summary('a', 5, 5000), frame });
    expect(store.hosts.get('a')?.frame?.ts).toBe(5000);
    expect(store.version('host:a')).toBe(1);
  });
});
