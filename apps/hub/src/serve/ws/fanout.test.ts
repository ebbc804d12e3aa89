import { EventEmitter } from 'node:events';
import type { HostSummary } from '@vigil/schema';
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
  readonly received: { type: string; full?: boolean; hosts?: HostSummary[] }[] = [];
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
    return { fanout, turns, socket, report, hostsSent };
  }

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
