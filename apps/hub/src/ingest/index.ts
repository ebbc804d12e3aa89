import { randomUUID } from 'node:crypto';
import { type Channel, CloseCode, type Command, type CommandResult, type Frame, type HubMessage, PROTOCOL_VERSION } from '@vigil/schema';
import type { WebSocket } from 'ws';
import type { Stores } from '../store/index.ts';
import type { HistoryStore } from '../store/tsdb/index.ts';
import { AgentConnection, compileFrameCheckers, type Logger } from './agent-socket.ts';
import type { LiveHost, LiveState } from './live-state.ts';
import { Subscriptions } from './subscriptions.ts';
import { Turns } from './turns.ts';

export { AgentConnection, SUPPORTED_VERSIONS } from './agent-socket.ts';
export { type FrameHead, type LiveEvent, type LiveHost, LiveState } from './live-state.ts';
export { Subscriptions } from './subscriptions.ts';
export { summarize } from './summary.ts';

/** How long the hub waits for an agent to answer a command. */
const COMMAND_TIMEOUT_MS = 10_000;
/** How often delivery progress (last seen, last acknowledged seq) is written to the database. */
const PROGRESS_EVERY_MS = 5000;
/** Longest stretch of agent messages handled before the event loop takes in other work (turns.ts). */
const TURN_MS = 8;
/**
 * Longest stretch of background work (decoding and storing frames) before the event loop takes in other work. Short:
 * a fleet update to a live client is compressed on the thread pool in steps that each wait for a gap in the main
 * thread. With 8 ms here, 1000 agents' updates reached a client 100-250 ms after the hub sent them, against 5-45 ms
 * uncompressed (bench:hub, issue 3).
 */
const BACKGROUND_TURN_MS = 2;
/** Queued agent messages beyond which agent sockets stop being read until half of them are handled. */
const TURN_HIGH_WATER = 4000;

/** A command as callers give it: the envelope (v, type, id) is added here. */
export type CommandBody = Command extends infer C ? (C extends unknown ? Omit<C, 'id' | 'v' | 'type'> : never) : never;

export class CommandTimeout extends Error {}
export class HostOffline extends Error {}

/**
 * The agents' side of the hub: their connections by host, the frames they deliver, the subscriptions and
 * commands that go back to them.
 */
export class Ingest {
  readonly connections = new Map<string, AgentConnection>();
  /** Every open agent socket, before and after hello. */
  private readonly sockets = new Set<AgentConnection>();
  private heartbeatTimer: NodeJS.Timeout;
  readonly subscriptions: Subscriptions;
  private pending = new Map<string, { resolve: (r: CommandResult) => void; timer: NodeJS.Timeout }>();
  private dirty = new Set<LiveHost>();
  private progressTimer: NodeJS.Timeout;
  private frameListeners = new Set<(host: LiveHost, frame: Frame) => void>();
  paused = false;
  framesAccepted = 0;
  /** Where frames are kept; without one (tests of the live path), frames are acknowledged at once. */
  storage: HistoryStore | null = null;
  /** Agent messages wait here for their turn, so that bursts of frames do not hold up HTTP requests (turns.ts). */
  readonly turns: Turns;

  constructor(
    private readonly stores: Stores,
    readonly live: LiveState,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly maxMessageBytes = 8 * 1024 * 1024,
    heartbeatMs = Math.max(5000, 3 * intervalMs),
  ) {
    // Compiled now rather than on the first agent's first frame.
    compileFrameCheckers();
    this.turns = new Turns(
      TURN_MS,
      TURN_HIGH_WATER,
      (error) => this.log.warn({ err: (error as Error).message }, 'handling an agent message failed'),
      BACKGROUND_TURN_MS,
    );
    this.heartbeatTimer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.heartbeatTimer.unref();
    this.subscriptions = new Subscriptions((hostId, channels) => this.connections.get(hostId)?.send(this.subscribeMessage(channels)));
    this.progressTimer = setInterval(() => this.saveProgress(), PROGRESS_EVERY_MS);
    this.progressTimer.unref();
  }

  /** Listens to every new frame (storage, alerts). */
  onFrame(listener: (host: LiveHost, frame: Frame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  private subscribeMessage(channels: Channel[]): HubMessage {
    return { v: PROTOCOL_VERSION, type: 'subscribe', channels, followPids: [], followNames: this.followNames };
  }

  /** Process names every agent includes in its frames whatever their rank (process alert rules watch them). */
  private followNames: string[] = [];

  setFollowNames(names: string[]): void {
    const sorted = [...new Set(names)].sort();
    if (sorted.join('\u0000') === this.followNames.join('\u0000')) return;
    this.followNames = sorted;
    for (const [hostId, connection] of this.connections) connection.send(this.subscribeMessage(this.subscriptions.channels(hostId)));
  }

  /** Takes over an authenticated agent WebSocket. */
  accept(socket: WebSocket, token: { id: string; name: string }, remote: string): AgentConnection {
    const connection = new AgentConnection(socket, token, remote, {
      stores: this.stores,
      live: this.live,
      turns: this.turns,
      intervalMs: this.intervalMs,
      maxMessageBytes: this.maxMessageBytes,
      log: this.log,
      register: (connection) => {
        const hostId = connection.hostId as string;
        const previous = this.connections.get(hostId);
        if (previous && previous !== connection) previous.close(CloseCode.replaced, 'another connection of this host took over');
        this.connections.set(hostId, connection);
      },
      unregister: (connection) => {
        const hostId = connection.hostId;
        if (hostId && this.connections.get(hostId) === connection) this.connections.delete(hostId);
        if (connection.host) this.dirty.add(connection.host);
      },
      onFrame: (host, frame, fresh, durable) => {
        this.dirty.add(host);
        // Stored once the messages queued with it are handled: in a fleet's burst on the second, the live views get
        // every host's frame before any of them is stored (turns.ts). The ack waits for the store, as before. A frame
        // that came with a headline is already background work, and is stored now.
        const storage = this.storage;
        if (!storage) durable();
        else if (this.turns.inBackground) storage.append(host.record.id, frame, durable);
        else this.turns.later(() => storage.append(host.record.id, frame, durable));
        if (!fresh) return;
        this.framesAccepted++;
        for (const listener of this.frameListeners) listener(host, frame);
      },
      onResult: (result) => {
        const waiting = this.pending.get(result.id);
        if (!waiting) return;
        clearTimeout(waiting.timer);
        this.pending.delete(result.id);
        waiting.resolve(result);
      },
      initialMessages: (hostId) => {
        const messages: HubMessage[] = [this.subscribeMessage(this.subscriptions.channels(hostId))];
        if (this.paused) messages.push({ v: PROTOCOL_VERSION, type: 'collection', paused: true });
        return messages;
      },
    });
    this.sockets.add(connection);
    socket.on('close', () => this.sockets.delete(connection));
    return connection;
  }

  /** Closes every connection (said hello or not) that authenticated with a token now revoked. */
  revokeToken(tokenId: string): number {
    let closed = 0;
    for (const connection of this.sockets) {
      if (connection.token.id !== tokenId) continue;
      connection.close(CloseCode.revoked, 'token revoked');
      closed++;
    }
    return closed;
  }

  /**
   * Drops connections that did not answer the last ping: a host whose path to the hub broke silently (a
   * pulled cable, a dropped NAT entry) would otherwise keep its dead socket for the kernel's ~15 minutes.
   */
  private heartbeat(): void {
    // While reads are paused for a backlog (turns.ts), silence is the hub's doing, not the agents'.
    if (this.turns.paused) return;
    for (const connection of this.sockets) {
      if (!connection.alive) {
        this.log.warn(
          { host: connection.hostId, remote: connection.remote },
          'agent did not answer the heartbeat; dropping its connection',
        );
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  /** Sends a command to a host's agent and waits for its result. */
  command(hostId: string, command: CommandBody): Promise<CommandResult> {
    const connection = this.connections.get(hostId);
    if (!connection) return Promise.reject(new HostOffline(`host ${hostId} has no agent connected`));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandTimeout(`the agent of ${hostId} did not answer within ${COMMAND_TIMEOUT_MS / 1000} s`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
      connection.send({ v: PROTOCOL_VERSION, type: 'command', id, ...command } as Command);
    });
  }

  /** Pauses or resumes collection on every agent (seed 001's monitoring stop/start). */
  setPaused(paused: boolean): void {
    this.paused = paused;
    for (const connection of this.connections.values()) connection.send({ v: PROTOCOL_VERSION, type: 'collection', paused });
  }

  /** Writes delivery progress of the hosts that changed since the last call. */
  saveProgress(): void {
    if (this.dirty.size === 0) return;
    const updates = [...this.dirty]
      .filter((h) => h.runId !== null && h.lastAckedSeq !== null)
      .map((h) => ({ id: h.record.id, lastSeen: h.lastSeen, runId: h.runId as string, lastAckedSeq: h.lastAckedSeq as number }));
    this.dirty.clear();
    this.stores.hosts.saveProgress(updates);
  }

  /**
   * Closes every agent connection with 1012 (service restart): each agent reconnects and sends again what the hub
   * has not acknowledged. Used when the history thread failed and frames it took may not have been stored, which a
   * later acknowledgement on the same connection would otherwise cover.
   */
  reconnectAll(reason: string): void {
    for (const connection of this.connections.values()) connection.socket.close(1012, reason);
  }

  close(): void {
    this.turns.drain();
    clearInterval(this.progressTimer);
    clearInterval(this.heartbeatTimer);
    this.saveProgress();
    for (const connection of this.connections.values()) connection.socket.close(1001, 'hub shutting down');
    for (const { timer } of this.pending.values()) clearTimeout(timer);
  }
}
