import { deflateRawSync } from 'node:zlib';
import {
  type Ack,
  type Command,
  type CommandResult,
  type Frame,
  frameMessage,
  type Hello,
  type HostIdentity,
  HubMessage,
  headlineOf,
  PROTOCOL_VERSION,
  ProcessRowEncoder,
  type Subscribe,
  type Unsubscribe,
  type Welcome,
} from '@vigil/schema';
import WebSocket from 'ws';
import type { FrameQueue } from './queue.ts';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface HubClientOptions {
  /** The hub's base URL (http://hub:7070) or its agent endpoint as ws:// or wss://. */
  url: string;
  token: string;
  queue: FrameQueue;
  identity: () => HostIdentity;
  intervalMs: () => number;
  log: Logger;
  onWelcome?: (welcome: Welcome) => void;
  onSubscription?: (message: Subscribe | Unsubscribe) => void;
  onCommand?: (command: Command) => CommandResult | Promise<CommandResult>;
  onCollection?: (paused: boolean) => void;
  /** Called with the sequence number up to which the hub has stored every frame. */
  onAck?: (seq: number) => void;
  /** Extra WebSocket options (tests use a custom agent). */
  socketOptions?: WebSocket.ClientOptions;
}

/** Frames sent and not yet acknowledged, at most: enough to catch up quickly, bounded so a slow hub is not flooded. */
const WINDOW = 64;
const BACKOFF_MIN_MS = 1000;
/**
 * With nothing from the hub for this long (its acks come every interval, its pings every few seconds), the
 * connection is taken for dead and replaced: a path that broke silently would otherwise hold frames in the
 * kernel's socket buffer until TCP gives up, some 15 minutes later.
 */
const SILENCE_MS = 20_000;
const BACKOFF_MAX_MS = 30_000;

/** The agent endpoint of a hub for a URL given as http(s):// or ws(s)://. */
export function agentEndpoint(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`hub URL must be http(s):// or ws(s)://, not ${u.protocol}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/api/v1/agent/connect';
  return u.toString();
}

/**
 * The agent's side of the protocol: connects with its token, says hello, sends frames and keeps every frame
 * until the hub acknowledges it. While the hub is away, frames wait in the queue (the on-disk spool) and go
 * out oldest first after the next welcome, which says what the hub already has. Reconnects with exponential
 * backoff and full jitter, so a thousand agents do not all knock at once after a hub restart.
 */
export class HubClient {
  private socket: WebSocket | null = null;
  /** The static fields of processes this connection has carried, sent once per connection (protocol 4). */
  private readonly encoder = new ProcessRowEncoder();
  private ready = false;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastHeardMs = 0;
  /** Frames sent on the fast path (queue empty), awaiting their ack. Non-empty only while the queue is empty. */
  private inflight: Frame[] = [];
  private sentThrough = -1;
  private ackedThrough = -1;
  private state;
  private readonly endpoint: string;

  constructor(private readonly options: HubClientOptions) {
    this.endpoint = agentEndpoint(options.url);
    this.state = options.queue.loadState();
  }

  /** Run id and the next sequence number; a frame built now takes `takeSeq()`. */
  get runId(): string {
    return this.state.runId;
  }

  get connected(): boolean {
    return this.ready;
  }

  /** Allocates the sequence number of a new frame. */
  takeSeq(): number {
    const seq = this.state.nextSeq++;
    this.options.queue.saveState(this.state);
    return seq;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.watchdog = setInterval(() => {
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN || Date.now() - this.lastHeardMs < SILENCE_MS) return;
      this.options.log.warn(`nothing from the hub for ${SILENCE_MS / 1000} s; reconnecting`);
      socket.terminate();
    }, 5000);
    this.watchdog.unref();
  }

  /** Hands a frame over for delivery. */
  enqueue(frame: Frame): void {
    const { queue } = this.options;
    if (this.ready && queue.isEmpty && this.inflight.length < WINDOW) {
      this.inflight.push(frame);
      this.send(frame);
      this.sentThrough = frame.seq;
      return;
    }
    // Keep the order: unacknowledged fast-path frames go into the queue ahead of this one.
    this.spillInflight();
    queue.append(frame);
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.spillInflight();
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'agent stopping');
        setTimeout(resolve, 2000).unref();
      });
    }
    socket?.terminate();
  }

  private spillInflight(): void {
    for (const frame of this.inflight) if (frame.seq > this.ackedThrough) this.options.queue.append(frame);
    this.inflight = [];
  }

  /**
   * Frames go out with each process's static fields only the first time this connection carries it (protocol 4,
   * frame-delta.ts; the spool keeps frames as collected), each as a binary message of its JSON compressed on its own
   * (protocol 3): the hub inflates it in one synchronous call, where permessage-deflate's streaming inflate cost it a
   * quarter of its CPU. In front of it goes the frame's headline, uncompressed (protocol 5, frame-headline.ts): the
   * hub updates the fleet view from it before it decodes the frame. Other messages are small JSON text.
   */
  private send(message: Frame | Hello | CommandResult): void {
    const socket = this.socket;
    if (!socket) return;
    if (message.type === 'frame') {
      const compressed = deflateRawSync(JSON.stringify(this.encoder.encode(message)));
      socket.send(Buffer.concat(frameMessage(headlineOf(message), compressed)), { binary: true, compress: false });
    } else socket.send(JSON.stringify(message));
  }

  /** Sends queued frames while the window has room. */
  private pump(): void {
    if (!this.ready) return;
    const room = WINDOW - (this.sentThrough - this.ackedThrough);
    if (room <= 0) return;
    for (const frame of this.options.queue.after(this.sentThrough, room)) {
      this.send(frame);
      this.sentThrough = frame.seq;
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const { token, log } = this.options;
    const socket = new WebSocket(this.endpoint, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: true,
      handshakeTimeout: 10_000,
      ...this.options.socketOptions,
    });
    this.socket = socket;
    // What the hub knows of the processes is per connection: a new one starts from nothing.
    this.encoder.reset();
    this.lastHeardMs = Date.now();
    const heard = () => {
      this.lastHeardMs = Date.now();
    };
    socket.on('ping', heard);
    socket.on('pong', heard);
    socket.on('open', () => {
      this.send({
        v: PROTOCOL_VERSION,
        type: 'hello',
        host: this.options.identity(),
        runId: this.state.runId,
        nextSeq: this.state.nextSeq,
        intervalMs: this.options.intervalMs(),
      });
    });
    socket.on('message', (data) => {
      heard();
      this.receive(String(data));
    });
    socket.on('unexpected-response', (_req, res) => {
      log.warn(`hub refused the connection: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (check the agent token)' : ''}`);
    });
    socket.on('error', (error) => log.warn(`hub connection: ${error.message}`));
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      const wasReady = this.ready;
      this.ready = false;
      this.socket = null;
      this.spillInflight();
      this.sentThrough = this.ackedThrough;
      if (wasReady) log.warn(`hub connection closed (${code}${reason.length ? ` ${reason}` : ''}); frames are spooled until it is back`);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt++);
    const delay = BACKOFF_MIN_MS / 2 + Math.random() * ceiling;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private receive(text: string): void {
    let message: HubMessage;
    try {
      message = HubMessage.parse(JSON.parse(text));
    } catch (error) {
      this.options.log.warn(`ignored a message from the hub that is not valid: ${(error as Error).message.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.welcome(message);
        break;
      case 'ack':
        this.ack(message);
        break;
      case 'subscribe':
      case 'unsubscribe':
        this.options.onSubscription?.(message);
        break;
      case 'command':
        void this.command(message);
        break;
      case 'collection':
        this.options.onCollection?.(message.paused);
        break;
    }
  }

  private welcome(message: Welcome): void {
    this.attempt = 0;
    this.ready = true;
    const acked = message.lastAckedSeq ?? -1;
    this.ack({ v: PROTOCOL_VERSION, type: 'ack', seq: Math.max(acked, this.ackedThrough) });
    this.sentThrough = this.ackedThrough;
    this.options.log.info(`connected to ${this.endpoint} as host ${message.hostId}`);
    this.options.onWelcome?.(message);
    this.pump();
  }

  private ack(message: Ack): void {
    if (message.seq <= this.ackedThrough && this.inflight.length === 0) return;
    this.ackedThrough = Math.max(this.ackedThrough, message.seq);
    this.options.onAck?.(this.ackedThrough);
    this.inflight = this.inflight.filter((f) => f.seq > this.ackedThrough);
    this.options.queue.dropThrough(this.ackedThrough);
    if (this.sentThrough < this.ackedThrough) this.sentThrough = this.ackedThrough;
    this.pump();
  }

  private async command(command: Command): Promise<void> {
    const handler = this.options.onCommand;
    const result: CommandResult = handler
      ? await handler(command)
      : { v: PROTOCOL_VERSION, type: 'result', id: command.id, ok: false, code: 'failed', error: 'this agent does not accept commands' };
    if (this.ready) this.send(result);
  }
}
