import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import {
  AgentMessage,
  CloseCode,
  type CommandResult,
  DeltaFrame,
  Frame,
  FrameHeadline,
  type Hello,
  type HubMessage,
  MAX_HEADLINE_BYTES,
  PackedFrame,
  PROTOCOL_VERSION,
  ProcessRowDecoder,
  splitFrameMessage,
  unpackFrame,
} from '@vigil/schema';
import { type Checker, compileChecker } from '@vigil/schema/compiled';
import type { WebSocket } from 'ws';
import type { Stores } from '../store/index.ts';
import type { LiveHost, LiveState } from './live-state.ts';
import type { Turns } from './turns.ts';

/**
 * Protocol versions this hub accepts: the current one and the previous ones (1: processes as objects, not rows;
 * 2: frames only as text messages; 3: every process in full in every frame; 4: frames without a headline). See
 * PROTOCOL_VERSION.
 */
export const SUPPORTED_VERSIONS = new Set([1, 2, 3, 4, PROTOCOL_VERSION]);

/** The first protocol whose binary frame messages start with the frame's headline (frame-headline.ts). */
const HEADLINE_VERSION = 5;

interface FrameCheckers {
  frame: Checker<Frame>;
  packed: Checker<PackedFrame>;
  delta: Checker<DeltaFrame>;
  headline: Checker<FrameHeadline>;
}

let checkers: FrameCheckers | null = null;

/** The frame checkers, compiled on first use (about half a second); the hub asks for them when it starts. */
export function compileFrameCheckers(): FrameCheckers {
  checkers ??= {
    frame: compileChecker(Frame),
    packed: compileChecker(PackedFrame),
    delta: compileChecker(DeltaFrame),
    headline: compileChecker(FrameHeadline),
  };
  return checkers;
}

/**
 * Validates a parsed agent message against the protocol's schema: the message, or the path and problem of the first
 * thing wrong. Nearly every message is a frame, checked by a checker compiled from its schema (`compileChecker`): a
 * quarter of zod's time and no copy of the frame (issue 3). A frame with its processes in two parts (protocol 4) is
 * turned back into a Frame by the connection's `decoder`, one with process rows (protocols 2 and 3) on its own. Other
 * messages go through zod.
 */
export function validateAgentMessage(
  raw: unknown,
  decoder: ProcessRowDecoder,
): { success: true; data: AgentMessage } | { success: false; path: string; message: string } {
  if ((raw as { type?: unknown } | null)?.type === 'frame') {
    const checkers = compileFrameCheckers();
    if ((raw as { processValues?: unknown }).processValues !== undefined) {
      const checked = checkers.delta(raw);
      return checked.success ? decoder.decode(checked.data) : checked;
    }
    if ((raw as { processRows?: unknown }).processRows !== undefined) {
      const checked = checkers.packed(raw);
      return checked.success ? { success: true, data: unpackFrame(checked.data) } : checked;
    }
    return checkers.frame(raw);
  }
  const parsed = AgentMessage.safeParse(raw);
  if (parsed.success) return parsed;
  const issue = parsed.error.issues[0];
  return { success: false, path: issue?.path.join('.') ?? '', message: issue?.message ?? 'invalid' };
}

/** Why a message closes its connection. */
interface Refusal {
  refused: true;
  code: number;
  reason: string;
}

export interface Logger {
  info(obj: object, message?: string): void;
  warn(obj: object, message?: string): void;
}

/** What an agent connection needs from the rest of the hub. */
export interface IngestContext {
  stores: Stores;
  live: LiveState;
  intervalMs: number;
  /** The largest message accepted (agent.maxMessageBytes); bigger ones close the connection with 1009. */
  maxMessageBytes: number;
  log: Logger;
  /** Where messages wait for their turn (turns.ts): bursts of frames do not hold up HTTP requests. */
  turns: Turns;
  /** Registers the connection as its host's; the previous connection of that host is closed. */
  register(connection: AgentConnection): void;
  unregister(connection: AgentConnection): void;
  /**
   * Called for every frame: `fresh` when it is newer than the latest (not a resend). `durable` must be called
   * once it is stored, which sends the ack. A frame that came with a headline (protocol 5) is handed over from the
   * background queue (turns.ts), after every message that was waiting when it was read.
   */
  onFrame(host: LiveHost, frame: Frame, fresh: boolean, durable: () => void): void;
  onResult(result: CommandResult): void;
  /** What this host's viewers subscribe to, and whether collection is paused, sent after welcome. */
  initialMessages(hostId: string): HubMessage[];
}

/**
 * One agent's WebSocket: hello → welcome, then frames (each validated, deduplicated and acknowledged) and
 * command results. Anything malformed closes this connection with a close code and reason that name the
 * problem, and a log line; other agents are not affected.
 */
export class AgentConnection {
  host: LiveHost | null = null;
  private hello: Hello | null = null;
  /** Set once this connection is being closed: whatever it still sends is ignored (a replaced connection must not deliver). */
  private closing = false;
  /** Whether the agent answered the last ping (see Ingest's heartbeat). */
  alive = true;
  /** The static fields of the processes this connection's agent sent (protocol 4, frame-delta.ts). */
  private readonly decoder = new ProcessRowDecoder();
  /** Frames of this connection read with their headline and waiting to be decoded (protocol 5). */
  private framesToDecode = 0;

  constructor(
    readonly socket: WebSocket,
    readonly token: { id: string; name: string },
    readonly remote: string,
    private readonly ctx: IngestContext,
  ) {
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    ctx.turns.register(socket);
    socket.on('close', () => {
      ctx.turns.unregister(socket);
      ctx.unregister(this);
    });
    socket.on('error', (error) => ctx.log.warn({ remote, err: error.message }, 'agent socket error'));
  }

  get hostId(): string | null {
    return this.host?.record.id ?? null;
  }

  send(message: HubMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.ctx.log.warn({ remote: this.remote, host: this.hostId, code, reason }, 'closing agent connection');
    // Close reasons are limited to 123 bytes (RFC 6455 5.5).
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.alive = true;
    if (data.length > this.ctx.maxMessageBytes) {
      this.close(
        CloseCode.tooBig,
        `message of ${data.length} bytes is over the limit of ${this.ctx.maxMessageBytes} (agent.maxMessageBytes)`,
      );
      return;
    }
    this.ctx.turns.push(() => this.handle(data, isBinary));
  }

  /** A message's turn: checked, then applied (turns.ts). */
  private handle(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    if (isBinary && this.host && this.hello && this.hello.v >= HEADLINE_VERSION) {
      this.onFrameMessage(this.host, data);
      return;
    }
    const problem = this.problemWith(data, isBinary);
    if ('refused' in problem) {
      this.close(problem.code, problem.reason);
      return;
    }
    const message = problem;
    if (message.type === 'hello') this.onHello(message);
    else if (!this.host || !this.hello) this.close(CloseCode.outOfOrder, `${message.type} before hello`);
    else if (message.type === 'frame') this.onFrame(this.host, message);
    else this.ctx.onResult(message);
  }

  /**
   * The JSON text of a message: a text message as it is; a binary one (protocol 3) holds it compressed as raw
   * DEFLATE, inflated here in one synchronous call and never past the size limit.
   */
  private textOf(data: Buffer, isBinary: boolean): string | Refusal {
    if (!isBinary) return data.toString('utf8');
    let text: Buffer;
    try {
      // Z_SYNC_FLUSH: a stream that is not closed by a final block is taken as far as it goes.
      text = inflateRawSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: this.ctx.maxMessageBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return {
          refused: true,
          code: CloseCode.tooBig,
          reason: `binary message inflates to more than the limit of ${this.ctx.maxMessageBytes} bytes (agent.maxMessageBytes)`,
        };
      }
      return { refused: true, code: CloseCode.badMessage, reason: `binary message is not raw DEFLATE data: ${(error as Error).message}` };
    }
    return text.toString('utf8');
  }

  /** The message, or why it is refused: not JSON, an unsupported version, or not matching the schema. */
  private problemWith(data: Buffer, isBinary: boolean): AgentMessage | Refusal {
    const text = this.textOf(data, isBinary);
    if (typeof text !== 'string') return text;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { refused: true, code: CloseCode.badMessage, reason: `${isBinary ? 'inflated binary ' : ''}message is not valid JSON` };
    }
    const v = (raw as { v?: unknown } | null)?.v;
    if (typeof v !== 'number' || !SUPPORTED_VERSIONS.has(v)) {
      return {
        refused: true,
        code: CloseCode.badVersion,
        reason: `unsupported protocol version ${JSON.stringify(v)}; this hub speaks ${[...SUPPORTED_VERSIONS].join(', ')}`,
      };
    }
    const checked = validateAgentMessage(raw, this.decoder);
    if (checked.success) return checked.data;
    return {
      refused: true,
      code: CloseCode.badMessage,
      reason: `invalid ${(raw as { type?: string }).type ?? 'message'}: ${checked.path || 'message'}: ${checked.message}`,
    };
  }

  private onHello(hello: Hello): void {
    if (this.hello) {
      this.close(CloseCode.outOfOrder, 'hello sent twice');
      return;
    }
    this.hello = hello;
    const record = this.ctx.stores.hosts.upsert(hello.host);
    const host = this.ctx.live.attach(record, this.ctx.intervalMs);
    this.host = host;
    // The hub knows what it stored of this run; of another run (an agent restarted without its spool), nothing.
    if (host.runId !== hello.runId) {
      host.runId = hello.runId;
      host.lastAckedSeq = null;
    }
    this.ctx.register(this);
    this.send({
      v: PROTOCOL_VERSION,
      type: 'welcome',
      hostId: record.id,
      intervalMs: this.ctx.intervalMs,
      lastAckedSeq: host.lastAckedSeq,
      serverTime: Date.now(),
    });
    for (const message of this.ctx.initialMessages(record.id)) this.send(message);
    this.ctx.log.info(
      { host: record.id, remote: this.remote, tokenName: this.token.name, agent: hello.host.agentVersion },
      'agent connected',
    );
  }

  /**
   * A frame message with its headline in front (protocol 5, frame-headline.ts). The headline updates the live state
   * now; the frame itself is decoded, checked against its headline, kept and stored as background work, once the
   * messages waiting with it have had their turn (turns.ts), or at once while a live client watches the host. A frame
   * that fails its checks closes the connection as any bad message does; the fleet showed its headline until then,
   * and nothing of it is stored.
   */
  private onFrameMessage(host: LiveHost, data: Buffer): void {
    const parts = splitFrameMessage(data);
    if (!parts) {
      this.close(CloseCode.badMessage, `frame message has no headline: no newline in its first ${MAX_HEADLINE_BYTES} bytes (protocol 5)`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(parts.headline);
    } catch {
      this.close(CloseCode.badMessage, 'frame headline is not valid JSON');
      return;
    }
    const checked = compileFrameCheckers().headline(raw);
    if (!checked.success) {
      this.close(CloseCode.badMessage, `invalid frame headline: ${checked.path || 'headline'}: ${checked.message}`);
      return;
    }
    const headline = checked.data;
    if (this.isResend(host, headline.seq)) return;
    const fresh = this.ctx.live.headline(host, headline);
    const decode = () => {
      if (this.closing) return;
      const message = this.problemWith(parts.compressed, true);
      if ('refused' in message) this.close(message.code, message.reason);
      else if (message.type !== 'frame') this.close(CloseCode.badMessage, `a ${message.type} message after a frame headline`);
      else if (message.seq !== headline.seq || message.ts !== headline.ts) {
        this.close(
          CloseCode.badMessage,
          `frame seq ${message.seq} ts ${message.ts} does not match its headline's seq ${headline.seq} ts ${headline.ts}`,
        );
      } else {
        if (fresh) this.ctx.live.hold(host, message);
        this.deliver(host, message, fresh);
      }
    };
    // A host someone is looking at is decoded now, unless earlier frames of this connection still wait (each frame's
    // processes are decoded against the ones before it).
    if (host.watchers > 0 && this.framesToDecode === 0) {
      decode();
      return;
    }
    this.framesToDecode++;
    this.ctx.turns.later(() => {
      this.framesToDecode--;
      decode();
    });
  }

  /** Frames at or below the acknowledged seq were stored before (a resend after a lost ack): they are acked again. */
  private isResend(host: LiveHost, seq: number): boolean {
    if (host.lastAckedSeq === null || seq > host.lastAckedSeq) return false;
    this.send({ v: PROTOCOL_VERSION, type: 'ack', seq: host.lastAckedSeq });
    return true;
  }

  private onFrame(host: LiveHost, frame: Frame): void {
    if (this.isResend(host, frame.seq)) return;
    this.deliver(host, frame, this.ctx.live.accept(host, frame));
  }

  private deliver(host: LiveHost, frame: Frame, fresh: boolean): void {
    // The ack goes out once the frame is durable (in the history's write-ahead table): an acknowledged frame
    // survives a crash of the hub, and the agent keeps unacknowledged ones in its spool.
    this.ctx.onFrame(host, frame, fresh, () => {
      if (host.lastAckedSeq === null || frame.seq > host.lastAckedSeq) host.lastAckedSeq = frame.seq;
      this.send({ v: PROTOCOL_VERSION, type: 'ack', seq: host.lastAckedSeq });
    });
  }
}
