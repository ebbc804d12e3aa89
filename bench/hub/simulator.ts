/**
 * One simulator worker: drives a share of the simulated agents over real WebSockets, speaking the agent protocol
 * (hello → welcome → one frame per second → ack), with permessage-deflate on as the real agent has it
 * (apps/agent/src/ship/hub-client.ts). Started by bench/hub/run.ts with its configuration as one JSON argument; reports
 * on stdout as JSON lines (see WorkerEvent). Stops on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateRawSync } from 'node:zlib';
import type { Frame, HostIdentity } from '@vigil/schema';
import WebSocket from 'ws';
import { FramePool, type SimulatedProtocol, simulatedIdentity } from './frames.ts';
import { RawSocket } from './raw-socket.ts';

export type SendMode = 'aligned' | 'spread';

export interface WorkerConfig {
  url: string;
  token: string;
  /** This worker drives the agents g with g % workers === worker, out of `totalAgents`. */
  worker: number;
  workers: number;
  totalAgents: number;
  mode: SendMode;
  /** JSON file with { host, frames }: the captured identity and the agent frames to vary. */
  templatesFile: string;
  poolSize: number;
  /**
   * Protocol version of the simulated agents: 4 static fields once per connection and binary deflated (as the agent),
   * 3 full rows binary deflated, 2 rows as text, 1 objects as text.
   */
  protocol: SimulatedProtocol;
  /** Aligned mode: how long after the second boundary the frames go out (the agent's collection time). */
  alignedDelayMs: number;
  /** Unacknowledged frames an agent keeps in flight at most (the agent's WINDOW); beyond it a frame is skipped. */
  window: number;
  connectConcurrency: number;
  /**
   * New connections per second for this worker. A hub meeting a host for the first time creates its series, so a
   * whole fleet connecting in the same second is a different test (a restart storm) from the steady state.
   */
  connectPerSecond: number;
  /** raw: precompressed frames (raw-socket.ts), cheap enough for 1000 agents on 2 cores; ws: the ws library, as the agent. */
  client: 'raw' | 'ws';
  /** ws client only: zlib level of the simulated agents' deflate; undefined = zlib's default, as the real agent. */
  deflateLevel?: number;
}

/** What a worker prints, one JSON object per line. Counters are cumulative since the worker started. */
export type WorkerEvent =
  | { event: 'ready'; connected: number; failed: number; errors: string[] }
  | {
      event: 'tick';
      /** Date.now() of this report. */
      at: number;
      sent: number;
      acks: number;
      skipped: number;
      open: number;
      /** Connections re-opened after the hub closed one (the agent's backoff, see reconnect()). */
      reconnects: number;
      /** Frames sent but never acknowledged on a connection that closed (the real agent would resend them). */
      lost: number;
      /** Since the previous tick: [agent, ts, written-at (Date.now())] of every frame fully handed to the socket. */
      written: [number, number, number][];
      /** Since the previous tick: [ts, ack arrival (Date.now())] of every frame acknowledged. */
      acked: [number, number][];
    }
  | { event: 'close'; agent: number; code: number; reason: string };

interface SimAgent {
  index: number;
  identity: HostIdentity;
  link: AgentLink | null;
  ready: boolean;
  seq: number;
  /** seq → ts of frames sent and not yet acknowledged. */
  pending: Map<number, number>;
  /** ms after each second boundary at which this agent's frame goes out. */
  offsetMs: number;
  lastSecond: number;
  /** Reconnection attempts since the last welcome (for the backoff). */
  attempt: number;
  /** The pool variant this agent last sent on its connection (protocols 4 and 5 send less after it), null on a new one. */
  lastVariant: number | null;
}

const emit = (event: WorkerEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const templates = JSON.parse(readFileSync(config.templatesFile, 'utf8')) as { host: HostIdentity; frames: Frame[] };
const pool = new FramePool(templates.frames, config.poolSize, 1000 + config.worker, config.protocol);

const agents: SimAgent[] = [];
for (let g = config.worker; g < config.totalAgents; g += config.workers) {
  agents.push({
    index: g,
    identity: simulatedIdentity(templates.host, g),
    link: null,
    ready: false,
    seq: 0,
    pending: new Map(),
    offsetMs: config.mode === 'spread' ? Math.floor((g * 1000) / config.totalAgents) : config.alignedDelayMs,
    lastSecond: 0,
    attempt: 0,
    lastVariant: null,
  });
}

let sent = 0;
let acks = 0;
let skipped = 0;
let written: [number, number, number][] = [];
let acked: [number, number][] = [];
let stopping = false;
let reconnects = 0;
let lost = 0;
const runId = `bench-${process.pid}-${Date.now()}`;

function receive(agent: SimAgent, text: string, onWelcome: () => void): void {
  const message = JSON.parse(text) as { type: string; seq?: number };
  if (message.type === 'welcome') {
    agent.ready = true;
    // Like the agent, the first frame is for the next full second.
    agent.lastSecond = Math.floor(Date.now() / 1000) * 1000;
    onWelcome();
  } else if (message.type === 'ack' && typeof message.seq === 'number') {
    // Acks are cumulative: every frame up to seq is stored.
    const now = Date.now();
    for (const [seq, ts] of agent.pending) {
      if (seq > message.seq) break;
      agent.pending.delete(seq);
      acks++;
      acked.push([ts, now]);
    }
  }
}

/** What the scheduler needs from an agent's connection, whichever client carries it. */
interface AgentLink {
  sendFrame(agent: SimAgent, seq: number, ts: number, onWritten: (error?: Error | null) => void): void;
  close(): void;
}

/**
 * Opens one agent's connection and resolves at its welcome (or rejects with why it failed). `raw`: the precompressing
 * client of raw-socket.ts; `ws`: the ws library, compressing every frame as the real agent does (costs the simulator
 * about 0.5 ms of CPU per 50 kB frame).
 */
function connect(agent: SimAgent): Promise<void> {
  return new Promise((resolve, reject) => {
    // What the hub knows of this agent's processes is per connection (protocols 4 and 5).
    agent.lastVariant = null;
    const hello = JSON.stringify({
      v: config.protocol,
      type: 'hello',
      host: agent.identity,
      runId: `${runId}-${agent.index}`,
      nextSeq: agent.seq,
      intervalMs: 1000,
    });
    const onClose = (code: number, reason: string): void => {
      const wasReady = agent.ready;
      agent.ready = false;
      reject(new Error(`closed ${code} ${reason}`));
      if (stopping || !wasReady) return;
      emit({ event: 'close', agent: agent.index, code, reason });
      lost += agent.pending.size;
      agent.pending.clear();
      reconnect(agent);
    };
    const headers = { authorization: `Bearer ${config.token}` };
    if (config.client === 'raw') {
      const socket: RawSocket = new RawSocket(config.url, headers, {
        onOpen: () => socket.sendText(hello),
        onText: (text) => receive(agent, text, resolve),
        onClose,
        onError: reject,
      });
      agent.link = {
        sendFrame: (a, seq, ts, onWritten) =>
          config.protocol >= 3
            ? socket.sendBinary(pool.binaryMessage(a.index, seq, ts, a.lastVariant), onWritten)
            : socket.sendCompressed(pool.compressedMessage(a.index, seq, ts, a.lastVariant), onWritten),
        close: () => socket.close(1000, 'simulator stopping'),
      };
      return;
    }
    const socket = new WebSocket(config.url, {
      headers,
      perMessageDeflate: config.deflateLevel === undefined ? true : { zlibDeflateOptions: { level: config.deflateLevel } },
      handshakeTimeout: 30_000,
    });
    agent.link = {
      sendFrame: (a, seq, ts, onWritten) =>
        config.protocol >= 3
          ? socket.send(deflateRawSync(pool.message(a.index, seq, ts, a.lastVariant)), { binary: true, compress: false }, onWritten)
          : socket.send(pool.message(a.index, seq, ts, a.lastVariant), onWritten),
      close: () => socket.close(1000, 'simulator stopping'),
    };
    socket.on('open', () => socket.send(hello));
    socket.on('message', (data) => receive(agent, String(data), resolve));
    socket.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.on('error', (error) => reject(error));
    socket.on('close', (code, reason) => onClose(code, reason.toString()));
  });
}

/**
 * Connects again after the hub closed the connection, with the agent's backoff (apps/agent/src/ship/hub-client.ts:
 * 0.5 s + random up to min(30 s, 1 s x 2^attempt)). Frames keep their numbering; the ones not acknowledged are
 * counted as lost instead of being resent.
 */
function reconnect(agent: SimAgent): void {
  const ceiling = Math.min(30_000, 1000 * 2 ** agent.attempt++);
  setTimeout(
    () => {
      if (stopping) return;
      connect(agent).then(
        () => {
          agent.attempt = 0;
          reconnects++;
        },
        () => {
          if (!agent.ready) reconnect(agent);
        },
      );
    },
    500 + Math.random() * ceiling,
  );
}

async function connectAll(): Promise<void> {
  const errors: string[] = [];
  let next = 0;
  let failed = 0;
  const start = Date.now();
  const lane = async (): Promise<void> => {
    while (next < agents.length) {
      const k = next++;
      const agent = agents[k] as SimAgent;
      const due = start + (k * 1000) / config.connectPerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      try {
        await connect(agent);
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(`agent ${agent.index}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: config.connectConcurrency }, lane));
  emit({ event: 'ready', connected: agents.filter((a) => a.ready).length, failed, errors });
}

function sendFrame(agent: SimAgent, ts: number): void {
  const link = agent.link;
  if (!agent.ready || !link) return;
  if (agent.pending.size >= config.window) {
    skipped++;
    return;
  }
  const seq = agent.seq++;
  agent.pending.set(seq, ts);
  sent++;
  link.sendFrame(agent, seq, ts, (error) => {
    if (!error) written.push([agent.index, ts, Date.now()]);
  });
  agent.lastVariant = pool.variant(agent.index, ts);
}

/**
 * Sends each agent's frame at (second boundary + its offset), with ts = that moment: in aligned mode every agent at
 * the same few ms after the boundary, as real agents do; in spread mode evenly over the second.
 */
function schedule(): void {
  if (stopping) return;
  const now = Date.now();
  const second = Math.floor(now / 1000) * 1000;
  let nextDue = Number.POSITIVE_INFINITY;
  for (const agent of agents) {
    const due = second + agent.offsetMs;
    if (due <= now && agent.lastSecond < second) {
      agent.lastSecond = second;
      sendFrame(agent, due);
    }
    const upcoming = agent.lastSecond < second ? due : due + 1000;
    if (upcoming < nextDue) nextDue = upcoming;
  }
  setTimeout(schedule, Math.max(0, nextDue - Date.now()));
}

function tick(): void {
  emit({
    event: 'tick',
    at: Date.now(),
    sent,
    acks,
    skipped,
    open: agents.filter((a) => a.ready).length,
    reconnects,
    lost,
    written,
    acked,
  });
  written = [];
  acked = [];
}

process.once('SIGTERM', () => {
  stopping = true;
  tick();
  for (const agent of agents) agent.link?.close();
  setTimeout(() => process.exit(0), 1000).unref();
});

// Each agent sends from the second after its welcome, while the others are still connecting.
schedule();
setInterval(tick, 250);
await connectAll();
