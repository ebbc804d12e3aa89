// @vitest-environment happy-dom
import type { Frame, HostSummary } from '@vigil/schema';
import { describe, expect, it, vi } from 'vitest';
import { LiveStore, NOTIFY_PER_FRAME, NOTIFY_PER_FRAME_SCROLLING, SPARK_POINTS } from '../src/api/live.ts';

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

  it(`spreads a burst over animation frames: at most ${NOTIFY_PER_FRAME} listened keys per frame, none lost`, async () => {
    const store = new LiveStore('ws://unused');
    const ids = Array.from({ length: 2 * NOTIFY_PER_FRAME + 5 }, (_, i) => `h${i}`);
    store.receive({ type: 'fleet', full: true, hosts: ids.map((id) => summary(id, 1, 1000)), removed: [] });
    await flushed();
    const calls: string[] = [];
    for (const id of ids) store.subscribe(`summary:${id}`, () => calls.push(id));
    // Every host at once, as agents reporting on the whole second make it; keys nobody listens to cost no turn.
    store.receive({ type: 'fleet', full: false, hosts: ids.map((id) => summary(id, 50, 2000)), removed: [] });
    store.receive({ type: 'fleet', full: false, hosts: [summary('unwatched', 5, 2000)], removed: [] });
    const seen: number[] = [];
    await vi.waitFor(
      async () => {
        seen.push(calls.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(calls.length).toBe(ids.length);
      },
      { timeout: 2000, interval: 1 },
    );
    expect([...calls].sort()).toEqual([...ids].sort());
    // The oldest changes went first, and no frame notified more than its share.
    expect(calls.slice(0, NOTIFY_PER_FRAME)).toEqual(ids.slice(0, NOTIFY_PER_FRAME));
    for (let i = 1; i < seen.length; i++) expect((seen[i] as number) - (seen[i - 1] as number)).toBeLessThanOrEqual(NOTIFY_PER_FRAME);
  });

  it(`notifies at most ${NOTIFY_PER_FRAME_SCROLLING} keys a frame while the page scrolls, then ${NOTIFY_PER_FRAME} again`, async () => {
    const store = new LiveStore('ws://unused');
    const ids = Array.from({ length: 2 * NOTIFY_PER_FRAME }, (_, i) => `s${i}`);
    store.receive({ type: 'fleet', full: true, hosts: ids.map((id) => summary(id, 1, 1000)), removed: [] });
    await flushed();
    const calls: string[] = [];
    for (const id of ids) store.subscribe(`summary:${id}`, () => calls.push(id));
    const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

    // A scroll in a table (an element: the event does not bubble to the window, the store listens in the capture phase).
    const table = document.createElement('div');
    document.body.append(table);
    table.dispatchEvent(new Event('scroll'));
    const scrolledAt = performance.now();
    store.receive({ type: 'fleet', full: false, hosts: ids.map((id) => summary(id, 50, 2000)), removed: [] });
    await nextFrame();
    expect(calls).toEqual(ids.slice(0, NOTIFY_PER_FRAME_SCROLLING));

    // None is lost; once scrolling has stopped, a burst goes at the usual pace.
    await vi.waitFor(() => expect(calls).toHaveLength(ids.length), { timeout: 5000, interval: 5 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, scrolledAt + 200 - performance.now())));
    store.receive({ type: 'fleet', full: false, hosts: ids.map((id) => summary(id, 60, 3000)), removed: [] });
    await nextFrame();
    expect(calls).toHaveLength(ids.length + NOTIFY_PER_FRAME);
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
