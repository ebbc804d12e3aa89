import { EventEmitter } from 'node:events';
import { type Frame, type HostSummary, headlineOf } from '@vigil/schema';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Ingest } from '../../ingest/index.ts';
import { LiveState } from '../../ingest/live-state.ts';
import { fixtureFrame, hostRecord } from '../../ingest/test-host.ts';
import { Turns } from '../../ingest/turns.ts';
import { fleetDeltas, LiveFanout } from './fanout.ts';

const summary = (id: string) => ({ id, hostname: id }) as HostSummary;

describe('fleet update messages', () => {
  it('split a batch into messages of at most 100 hosts, every host once, in order, removals in the first', () => {
    const changed = Array.from({ length: 250 }, (_, i) => summary(`h${i}`));
    const messages = fleetDeltas(changed, ['gone']).map((text) => JSON.parse(text));
    expect(messages.map((m) => m.hosts.length)).toEqual([100, 100, 50]);
    expect(messages.flatMap((m) => m.hosts.map((h: HostSummary) => h.id))).toEqual(changed.map((h) => h.id));
    expect(messages.map((m) => m.removed)).toEqual([['gone'], [], []]);
    for (const m of messages) expect(m).toMatchObject({ type: 'fleet', full: false });
  });

  it('send removals alone in one message when no host changed', () => {
    expect(fleetDeltas([], ['a', 'b']).map((text) => JSON.parse(text))).toEqual([
      { type: 'fleet', full: false, hosts: [], removed: ['a', 'b'] },
    ]);
  });
});

const frame = fixtureFrame;

/** A live client's socket: what the fanout sends it, parsed. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly received: { type: string; full?: boolean; hosts?: HostSummary[]; frame?: Frame; summary?: HostSummary }[] = [];
  send(data: string): void {
    this.received.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
}

describe('the live fleet batches', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setUp() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const live = new LiveState(3);
    const turns = new Turns(8, 10_000);
    const fanout = new LiveFanout(live, { turns, subscriptions: { acquire: () => () => {} } } as unknown as Ingest);
    const socket = new FakeSocket();
    fanout.add(socket as never);
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', channel: 'fleet' })));
    expect(socket.received).toMatchObject([{ type: 'fleet', full: true, hosts: [] }]);
    socket.received.length = 0;
    let ts = frame.ts;
    const report = (n: number) => {
      for (let i = 0; i < n; i++) live.accept(live.attach(hostRecord(`h${live.hosts.size}`), 1000), { ...frame, ts: ++ts });
    };
    const hostsSent = () => socket.received.flatMap((m) => (m.hosts ?? []).map((h) => h.id));
    return { fanout, live, turns, socket, report, hostsSent };
  }

  it("show a frame's headline in the fleet at once, and the frame to its host's watchers once it is held", () => {
    const { fanout, live, socket } = setUp();
    const host = live.attach(hostRecord('h0'), 1000);
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', channel: 'host', hostId: 'h0' })));
    // Subscribing again replaces the client's watch rather than adding one.
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', channel: 'host', hostId: 'h0' })));
    expect(host.watchers).toBe(1);
    socket.received.length = 0;
    const next = { ...frame, ts: frame.ts + 1000, seq: frame.seq + 1 };
    expect(live.headline(host, headlineOf(next))).toBe(true);
    vi.advanceTimersByTime(100);
    // The watcher hears the host come online; the fleet gets the headline's figures; nobody gets a frame yet.
    expect(socket.received.map((m) => m.type)).toEqual(['status', 'fleet']);
    expect(socket.received[1]?.hosts?.[0]).toMatchObject({ id: 'h0', ts: next.ts, cpuPercent: next.system.cpu?.total?.usagePercent });
    socket.received.length = 0;
    live.hold(host, next);
    expect(socket.received.map((m) => m.type)).toEqual(['host']);
    expect(socket.received[0]?.frame?.ts).toBe(next.ts);
    expect(socket.received[0]?.summary?.ts).toBe(next.ts);
    // The frame itself does not make a second fleet update.
    vi.advanceTimersByTime(100);
    expect(socket.received).toHaveLength(1);
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'unsubscribe', channel: 'host', hostId: 'h0' })));
    expect(host.watchers).toBe(0);
    fanout.close();
  });

  it('go out after 100 ms, or at once when they fill a message of 100 hosts', () => {
    const { fanout, socket, report, hostsSent } = setUp();
    report(30);
    expect(socket.received).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(socket.received.map((m) => m.hosts?.length)).toEqual([30]);
    socket.received.length = 0;
    // 250 hosts in one go: two full messages at once, the last 50 after the timer.
    report(250);
    expect(socket.received.map((m) => m.hosts?.length)).toEqual([100, 100]);
    vi.advanceTimersByTime(99);
    expect(socket.received).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(socket.received.map((m) => m.hosts?.length)).toEqual([100, 100, 50]);
    expect(hostsSent()).toEqual(Array.from({ length: 250 }, (_, i) => `h${30 + i}`));
    fanout.close();
  });

  it('go out as soon as a backlog of agent messages is worked through, without waiting for the timer', () => {
    const { fanout, turns, report, hostsSent } = setUp();
    // Messages that take more than one turn (8 ms): a backlog, as in a fleet's burst on the second.
    for (let i = 0; i < 5; i++)
      turns.push(() => {
        const end = performance.now() + 3;
        while (performance.now() < end);
        report(1);
      });
    turns.drain();
    expect(hostsSent()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
    fanout.close();
  });
});
