import { type HostSummary, LiveServerMessage, type ProcessAction, ProcessAction as ProcessActionSchema } from '@vigil/schema';
import WebSocket from 'ws';
import * as z from 'zod';
import { hubJson } from '../hub-client.ts';
import { type SignalOutcome, SnapshotStore, type TopSnapshot, type TopSource } from './source.ts';

export interface RemoteSourceOptions {
  hub: string;
  token: string;
  /** The host to show (its id or hostname); the first host of the fleet when absent. */
  host?: string;
  canAct: boolean;
  readOnlyReason?: string;
  /** Backoff bounds of reconnection, in ms (shortened in tests). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A socket that answers no ping for this long is given up and reconnected. */
  pingMs?: number;
}

const SignalResult = z.object({
  ok: z.literal(true),
  pid: z.number(),
  name: z.string().nullable(),
  action: ProcessActionSchema,
  signal: z.string(),
});

/** The delay before reconnection attempt `attempt` (0-based): doubling from `min` up to `max`, with jitter so that clients spread out. */
export function backoffMs(attempt: number, min = 500, max = 15_000, random = Math.random): number {
  return Math.round(Math.min(max, min * 2 ** attempt) * (0.5 + random() / 2));
}

/** Hosts in screen order: by hostname, then id. */
const byName = (a: HostSummary, b: HostSummary) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id);

/**
 * Remote mode: the hub's live WebSocket (/api/v1/live, messages in @vigil/schema live.ts), subscribed to the
 * fleet and to one host with its whole process table; signals through the REST API. Reconnects with backoff
 * when the hub goes away, and says so in the snapshot's connection state.
 */
export class RemoteSource implements TopSource {
  private readonly store: SnapshotStore;
  private readonly hosts = new Map<string, HostSummary>();
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private lastError: string | null = null;
  private wanted: string | undefined;
  private noticeSeq = 0;

  constructor(private readonly options: RemoteSourceOptions) {
    this.wanted = options.host;
    this.store = new SnapshotStore({
      mode: 'remote',
      hostId: null,
      hostLabel: new URL(options.hub).host,
      frame: null,
      hosts: [],
      connection: { state: 'connecting' },
      canAct: options.canAct,
      readOnlyReason: options.readOnlyReason,
    });
  }

  current(): TopSnapshot {
    return this.store.current();
  }

  subscribe(listener: () => void): () => void {
    return this.store.subscribe(listener);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 500);
      socket.once('close', () => {
        clearTimeout(done);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close();
    });
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    const url = `${this.options.hub.replace(/^http/, 'ws')}/api/v1/live`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.token}` } });
    this.socket = socket;
    this.store.update({ connection: { state: this.attempt === 0 ? 'connecting' : 'reconnecting', detail: this.lastError ?? undefined } });
    socket.on('open', () => {
      this.attempt = 0;
      this.lastError = null;
      this.store.update({ connection: { state: 'live' } });
      this.send({ type: 'subscribe', channel: 'fleet' });
      const { hostId } = this.store.current();
      if (hostId) this.send({ type: 'subscribe', channel: 'host', hostId, processes: true });
      this.watchdog(socket);
    });
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (error) => {
      this.lastError = shortError(error);
    });
    socket.on('close', () => {
      if (this.socket !== socket || this.stopped) return;
      if (this.pingTimer) clearInterval(this.pingTimer);
      const status = /Unexpected server response: (\d+)/.exec(this.lastError ?? '')?.[1];
      if (status === '401' || status === '403') {
        // A token that is refused stays refused: say so rather than knock again.
        this.store.update({
          connection: { state: 'refused', detail: status === '401' ? 'the token is not valid (HTTP 401)' : 'HTTP 403' },
        });
        return;
      }
      const delay = backoffMs(this.attempt++, this.options.retryMinMs, this.options.retryMaxMs);
      this.store.update({
        connection: { state: 'reconnecting', detail: this.lastError ?? 'the hub closed the connection', retryAt: Date.now() + delay },
      });
      this.retryTimer = setTimeout(() => {
        if (!this.stopped) this.connect();
      }, delay);
    });
  }

  /** Pings the hub; a socket that does not answer within two pings is dropped, which reconnects (a cut link sends no close). */
  private watchdog(socket: WebSocket): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.socket !== socket) return;
      if (this.awaitingPong) {
        this.lastError = 'the hub stopped answering';
        socket.terminate();
        return;
      }
      this.awaitingPong = true;
      socket.ping();
    }, this.options.pingMs ?? 5000);
  }

  /** Handles one message of the hub (public for tests). */
  receive(text: string): void {
    let message: LiveServerMessage;
    try {
      message = LiveServerMessage.parse(JSON.parse(text));
    } catch {
      return; // a newer hub's message this client does not know: the format only grows
    }
    switch (message.type) {
      case 'fleet': {
        if (message.full) this.hosts.clear();
        for (const h of message.hosts) this.hosts.set(h.id, h);
        for (const id of message.removed) this.hosts.delete(id);
        // The first host is chosen with the list that brings it: one update, so the screen never shows the fleet hostless.
        if (this.store.current().hostId) this.publishHosts();
        else this.pickHost();
        break;
      }
      case 'host': {
        this.hosts.set(message.hostId, message.summary);
        if (message.hostId === this.store.current().hostId) {
          this.store.update({ frame: message.frame, hostLabel: message.summary.hostname });
        }
        this.publishHosts();
        break;
      }
      case 'status': {
        const h = this.hosts.get(message.hostId);
        if (h) {
          this.hosts.set(h.id, { ...h, status: message.status });
          this.publishHosts();
        }
        break;
      }
      case 'error':
        this.notice(message.message);
        break;
    }
  }

  private publishHosts(): void {
    this.store.update({ hosts: [...this.hosts.values()].sort(byName) });
  }

  private notice(text: string): void {
    this.store.update({ notice: { text, seq: ++this.noticeSeq } });
  }

  /** Shows the host named by --host, else the first online host (the only one of a single-host hub), with the new list. */
  private pickHost(): void {
    const hosts = [...this.hosts.values()].sort(byName);
    let pick: HostSummary | undefined;
    let notice: TopSnapshot['notice'];
    if (this.wanted) {
      const wanted = this.wanted.toLowerCase();
      pick = hosts.find((h) => h.id.toLowerCase() === wanted) ?? hosts.find((h) => h.hostname.toLowerCase() === wanted);
      if (!pick && hosts.length > 0) {
        notice = { text: `no host "${this.wanted}" on this hub: choose one`, seq: ++this.noticeSeq };
        this.wanted = undefined;
      }
    } else if (hosts.length === 1 || !this.options.host) {
      pick = hosts.find((h) => h.status === 'online') ?? hosts[0];
    }
    if (pick) this.chooseHost(pick.id);
    else this.store.update({ hosts, ...(notice ? { notice } : {}) });
  }

  chooseHost(id: string): void {
    const previous = this.store.current().hostId;
    if (previous === id) return;
    if (previous) this.send({ type: 'unsubscribe', channel: 'host', hostId: previous });
    this.store.update({
      hosts: [...this.hosts.values()].sort(byName),
      hostId: id,
      hostLabel: this.hosts.get(id)?.hostname ?? id,
      frame: null,
    });
    this.send({ type: 'subscribe', channel: 'host', hostId: id, processes: true });
  }

  async signal(target: { pid: number; name: string }, action: ProcessAction): Promise<SignalOutcome> {
    const { hostId, hostLabel } = this.store.current();
    if (!hostId) return { ok: false, message: 'no host chosen' };
    try {
      const result = await hubJson(
        this.options.hub,
        this.options.token,
        `/api/v1/hosts/${encodeURIComponent(hostId)}/processes/${target.pid}/signal`,
        SignalResult,
        { method: 'POST', json: { action } },
      );
      return { ok: true, message: `sent ${result.signal} to ${target.pid} (${result.name ?? target.name}) on ${hostLabel}` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
}

/** A socket error in a few words: "connect ECONNREFUSED 127.0.0.1:7070". */
function shortError(error: Error): string {
  return error.message.split('\n')[0]?.slice(0, 80) ?? 'error';
}
