/**
 * A dashboard stand-in: logs in, opens the live WebSocket, subscribes to the fleet and to a few hosts, and records
 * for every host update the time from the frame's timestamp to its arrival here (same machine, same clock).
 */
import WebSocket from 'ws';

/** One host update as it arrived. */
export interface Arrival {
  /** Date.now() at arrival. */
  at: number;
  /** Date.now() at arrival minus the frame's ts. */
  latencyMs: number;
  hostId: string;
  ts: number;
}

export interface LiveClientStats {
  fleet: Arrival[];
  host: Arrival[];
  fleetMessages: number;
  /** Fleet messages that were complete lists: after the first, the hub found this client slow and skipped deltas. */
  fullMessages: number;
  /** Error messages the hub sent, by text. */
  errors: string[];
}

interface FleetMessage {
  type: 'fleet';
  full: boolean;
  hosts: { id: string; ts: number | null }[];
}
interface HostMessage {
  type: 'host';
  hostId: string;
  frame: { ts: number };
}
type LiveMessage = FleetMessage | HostMessage | { type: 'status' | 'error'; message?: string };

export class LiveClient {
  readonly stats: LiveClientStats = { fleet: [], host: [], fleetMessages: 0, fullMessages: 0, errors: [] };
  private socket: WebSocket | null = null;
  /** The newest ts seen per host and channel: a host repeated in a batch (status change) is not counted twice. */
  private latestFleet = new Map<string, number>();
  private latestHost = new Map<string, number>();

  constructor(private readonly url: string) {}

  /** Logs in as admin and opens /api/v1/live with the session token (permessage-deflate on, as browsers do). */
  async open(password: string): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    if (!res.ok) throw new Error(`login failed: HTTP ${res.status} ${await res.text()}`);
    const { token } = (await res.json()) as { token: string };
    const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/api/v1/live`, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: true,
    });
    this.socket = socket;
    socket.on('message', (data) => this.receive(String(data)));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, r) => reject(new Error(`live socket refused: HTTP ${r.statusCode}`)));
    });
  }

  subscribeFleet(): void {
    this.socket?.send(JSON.stringify({ type: 'subscribe', channel: 'fleet' }));
  }

  subscribeHost(hostId: string): void {
    this.socket?.send(JSON.stringify({ type: 'subscribe', channel: 'host', hostId }));
  }

  private receive(text: string): void {
    const now = Date.now();
    const message = JSON.parse(text) as LiveMessage;
    if (message.type === 'fleet') {
      this.stats.fleetMessages++;
      // A host's first appearance (in the complete list sent at subscribe time) is state, not an update; after that,
      // complete lists (sent instead of deltas to a client the hub found slow) carry updates like deltas do.
      if (message.full) this.stats.fullMessages++;
      for (const h of message.hosts) {
        if (h.ts === null || (this.latestFleet.get(h.id) ?? -1) >= h.ts) continue;
        const first = !this.latestFleet.has(h.id);
        this.latestFleet.set(h.id, h.ts);
        if (!first) this.stats.fleet.push({ at: now, latencyMs: now - h.ts, hostId: h.id, ts: h.ts });
      }
    } else if (message.type === 'host') {
      const ts = message.frame.ts;
      const seen = this.latestHost.get(message.hostId);
      this.latestHost.set(message.hostId, ts);
      if (seen !== undefined && ts > seen) this.stats.host.push({ at: now, latencyMs: now - ts, hostId: message.hostId, ts });
    } else if (message.type === 'error' && this.stats.errors.length < 20) this.stats.errors.push(message.message ?? '?');
  }

  close(): void {
    this.socket?.close(1000, 'bench done');
  }
}
