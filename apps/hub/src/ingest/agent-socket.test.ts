import { EventEmitter } from 'node:events';
import { deflateRawSync } from 'node:zlib';
import { type Frame, frameMessage, headlineOf, PROTOCOL_VERSION, ProcessRowEncoder } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import type { Stores } from '../store/index.ts';
import { AgentConnection, type IngestContext } from './agent-socket.ts';
import { LiveState } from './live-state.ts';
import { fixtureFrame, hostRecord } from './test-host.ts';
import { Turns } from './turns.ts';

/** An agent's WebSocket as the hub sees it: messages are emitted into it, what the hub sends and closes is kept. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: { type: string; seq?: number }[] = [];
  closed: { code: number; reason: string } | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  pause(): void {}
  resume(): void {}
}

const record = hostRecord('h1', 'web-1');

/** One agent connection on a LiveState and Turns of its own, past hello, with what the live state says as it says it. */
function connect() {
  const live = new LiveState(3);
  const turns = new Turns(8, 10_000);
  const socket = new FakeSocket();
  const ctx: IngestContext = {
    stores: { hosts: { upsert: () => record } } as unknown as Stores,
    live,
    intervalMs: 1000,
    maxMessageBytes: 1024 * 1024,
    log: { info: () => {}, warn: () => {} },
    turns,
    register: () => {},
    unregister: () => {},
    onFrame: (_host, _frame, _fresh, durable) => durable(),
    onResult: () => {},
    initialMessages: () => [],
  };
  new AgentConnection(socket as never, { id: 't', name: 'test' }, '127.0.0.1', ctx);
  const hello = { v: PROTOCOL_VERSION, type: 'hello', host: record.identity, runId: 'run-1', nextSeq: 0, intervalMs: 1000 };
  socket.emit('message', Buffer.from(JSON.stringify(hello)), false);
  turns.drain();
  expect(socket.sent[0]).toMatchObject({ type: 'welcome' });
  const events: string[] = [];
  live.on((event) => {
    if (event.type === 'headline') events.push(`headline ${event.host.summary.ts}`);
    if (event.type === 'frame') events.push(`frame ${event.frame.ts}`);
  });
  const host = live.get(record.id);
  if (!host) throw new Error('no host after hello');
  const encoder = new ProcessRowEncoder();
  /** Sends frame `seq` as the agent does (protocol 5); from seq 2 on it has one more process. */
  const send = (seq: number) => {
    const extra = { ...(fixtureFrame.processes[0] as Frame['processes'][number]), pid: 99_999, name: 'newcomer' };
    const frame: Frame = {
      ...fixtureFrame,
      seq,
      ts: 1000 * (seq + 1),
      processes: seq >= 2 ? [...fixtureFrame.processes, extra] : fixtureFrame.processes,
    };
    const body = deflateRawSync(JSON.stringify(encoder.encode(frame)));
    socket.emit('message', Buffer.concat(frameMessage(headlineOf(frame), body)), true);
  };
  return { turns, socket, host, events, send };
}

describe('an agent connection of protocol 5', () => {
  it('shows the headlines of the frames that came together first, then decodes the frames, and acks each once stored', () => {
    const { turns, socket, events, send } = connect();
    send(0);
    send(1);
    turns.drain();
    expect(events).toEqual(['headline 1000', 'headline 2000', 'frame 1000', 'frame 2000']);
    expect(socket.sent.filter((m) => m.type === 'ack').map((m) => m.seq)).toEqual([0, 1]);
    expect(socket.closed).toBeNull();
  });

  it("decodes a watched host's frame as it comes, but never before an earlier frame of the connection", () => {
    const { turns, socket, host, events, send } = connect();
    host.watchers = 1;
    send(0);
    send(1);
    turns.drain();
    expect(events).toEqual(['headline 1000', 'frame 1000', 'headline 2000', 'frame 2000']);
    events.length = 0;
    // Frame 2 comes while nobody watches; someone starts watching before frame 3 is read. Frame 3's new process has
    // its static fields in frame 2 only: decoded first, frame 3 would be refused.
    host.watchers = 0;
    send(2);
    turns.push(() => {
      host.watchers = 1;
    });
    send(3);
    turns.drain();
    expect(socket.closed).toBeNull();
    expect(events).toEqual(['headline 3000', 'headline 4000', 'frame 3000', 'frame 4000']);
    expect(host.latest?.processes.map((p) => p.pid)).toContain(99_999);
  });

  it("closes the connection on a frame that is not its headline's, and holds nothing of it", () => {
    const { turns, socket, host, send } = connect();
    send(0);
    turns.drain();
    const frame = { ...fixtureFrame, seq: 1, ts: 2000 };
    const other = { ...frame, ts: 2500 };
    socket.emit('message', Buffer.concat(frameMessage(headlineOf(frame), deflateRawSync(JSON.stringify(other)))), true);
    turns.drain();
    expect(socket.closed?.reason).toBe("frame seq 1 ts 2500 does not match its headline's seq 1 ts 2000");
    expect(host.latest?.ts).toBe(1000);
    expect(socket.sent.filter((m) => m.type === 'ack').map((m) => m.seq)).toEqual([0]);
  });
});
