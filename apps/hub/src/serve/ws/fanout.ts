import {
  type HostSummary,
  type LiveClientMessage,
  LiveClientMessage as LiveClientMessageSchema,
  type LiveServerMessage,
} from '@vigil/schema';
import type { WebSocket } from 'ws';
import type { Ingest, LiveEvent, LiveState } from '../../ingest/index.ts';

/** A client that has this much unsent data is slow: it gets the latest state later, not a longer queue. */
const SLOW_CLIENT_BYTES = 1024 * 1024;
/** Fleet changes are batched over this window, so a fleet whose agents all report on the same second makes few messages. */
const FLEET_BATCH_MS = 100;
/**
 * Hosts per fleet update message at most. A browser handles each message in a task of its own: 500 hosts' second in one
 * message took the dashboard 30 ms to parse and apply, on top of whatever else that frame did (issue 5: no long task
 * over 50 ms). Summaries are independent, so a batch goes out as several messages in a row.
 */
const FLEET_MESSAGE_HOSTS = 100;

/** The fleet update messages for a batch of changes: at most FLEET_MESSAGE_HOSTS summaries each, removals in the first. */
export function fleetDeltas(changed: HostSummary[], removed: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i === 0 || i < changed.length; i += FLEET_MESSAGE_HOSTS) {
    const hosts = changed.slice(i, i + FLEET_MESSAGE_HOSTS);
    out.push(JSON.stringify({ type: 'fleet', full: false, hosts, removed: i === 0 ? removed : [] } satisfies LiveServerMessage));
  }
  return out;
}

interface HostWatch {
  release: () => void;
}

class LiveClient {
  fleet = false;
  /** Set when a fleet update was skipped: the next one must be complete. */
  fleetNeedsFull = false;
  hosts = new Map<string, HostWatch>();
  constructor(readonly socket: WebSocket) {}

  get slow(): boolean {
    return this.socket.bufferedAmount > SLOW_CLIENT_BYTES;
  }

  /**
   * `compress: false` sends the message as is even where permessage-deflate was negotiated: the `ws` library deflates
   * messages on the libuv thread pool, in one queue shared with the inflation of every agent's frames, so on a busy
   * hub a compressed message can wait behind a second's worth of frames.
   */
  send(message: LiveServerMessage, options: { compress?: boolean } = {}): boolean {
    if (this.socket.readyState !== this.socket.OPEN || this.slow) return false;
    this.socket.send(JSON.stringify(message), { compress: options.compress ?? true });
    return true;
  }
}

/**
 * Sends live updates to the web app and CLI: the fleet summary (batched) and subscribed hosts' frames as
 * they arrive. Subscribing to a host's processes or connections makes its agent stream those tables for as
 * long as someone watches.
 */
export class LiveFanout {
  private clients = new Set<LiveClient>();
  private dirty = new Map<string, HostSummary>();
  private removed = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private unsubscribe: () => void;
  messagesSent = 0;

  constructor(
    private readonly live: LiveState,
    private readonly ingest: Ingest,
  ) {
    const offLive = live.on((event) => this.onLive(event));
    // The end of a burst of frames (all agents on the second) sends its batch now: its last hosts would otherwise wait
    // up to FLEET_BATCH_MS for the timer.
    const offBacklog = ingest.turns.onBacklogDone(() => this.flushNow());
    this.unsubscribe = () => {
      offLive();
      offBacklog();
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private onLive(event: LiveEvent): void {
    if (event.type === 'removed') {
      this.removed.add(event.hostId);
      this.scheduleFleet();
      return;
    }
    const hostId = event.host.record.id;
    if (event.type !== 'frame') {
      this.dirty.set(hostId, event.host.summary);
      // A host coming online is told just before its frame's headline, whose summary then replaces this one in the
      // batch: only a headline fills the batch up.
      this.scheduleFleet(event.type === 'headline');
    }
    if (event.type === 'summary' || event.type === 'headline') return;
    for (const client of this.clients) {
      if (!client.hosts.has(hostId)) continue;
      if (event.type === 'frame') {
        if (client.send({ type: 'host', hostId, summary: event.host.summary, frame: event.frame })) this.messagesSent++;
      } else client.send({ type: 'status', hostId, status: event.status });
    }
  }

  /**
   * A batch goes out when it fills a message (FLEET_MESSAGE_HOSTS) or FLEET_BATCH_MS after its first change, whichever
   * comes first: in a burst of frames, the first hosts' updates do not wait for the timer behind the rest (issue 3).
   */
  private scheduleFleet(mayFill = false): void {
    if (mayFill && this.dirty.size >= FLEET_MESSAGE_HOSTS) {
      this.flushNow();
      return;
    }
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flushFleet(), FLEET_BATCH_MS);
  }

  private flushNow(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushFleet();
  }

  private flushFleet(): void {
    this.flushTimer = null;
    if (this.dirty.size === 0 && this.removed.size === 0) return;
    const changed = [...this.dirty.values()];
    const removed = [...this.removed];
    this.dirty.clear();
    this.removed.clear();
    let full: string | null = null;
    let deltas: string[] | null = null;
    for (const client of this.clients) {
      if (!client.fleet) continue;
      if (client.slow) {
        client.fleetNeedsFull = true;
        continue;
      }
      if (client.fleetNeedsFull) {
        full ??= JSON.stringify({ type: 'fleet', full: true, hosts: this.live.summaries(), removed: [] } satisfies LiveServerMessage);
        client.socket.send(full);
        client.fleetNeedsFull = false;
        this.messagesSent++;
      } else {
        deltas ??= fleetDeltas(changed, removed);
        for (const delta of deltas) client.socket.send(delta);
        this.messagesSent += deltas.length;
      }
    }
  }

  /** Serves one live WebSocket. */
  add(socket: WebSocket): void {
    const client = new LiveClient(socket);
    this.clients.add(client);
    socket.on('message', (data) => {
      let message: LiveClientMessage;
      try {
        message = LiveClientMessageSchema.parse(JSON.parse(String(data)));
      } catch (error) {
        client.send({ type: 'error', message: `not a valid live message: ${(error as Error).message.slice(0, 300)}` });
        return;
      }
      this.handle(client, message);
    });
    socket.on('close', () => {
      this.clients.delete(client);
      for (const watch of client.hosts.values()) watch.release();
    });
  }

  private handle(client: LiveClient, message: LiveClientMessage): void {
    if (message.type === 'unsubscribe') {
      if (message.channel === 'fleet') client.fleet = false;
      else if (message.hostId) {
        client.hosts.get(message.hostId)?.release();
        client.hosts.delete(message.hostId);
      }
      return;
    }
    if (message.channel === 'fleet') {
      client.fleet = true;
      // The fleet a page waits for before it shows anything: sent uncompressed (a few hundred kB for 500 hosts),
      // not queued behind the agents' frames (see LiveClient.send). Later updates are deltas, compressed.
      client.send({ type: 'fleet', full: true, hosts: this.live.summaries(), removed: [] }, { compress: false });
      return;
    }
    const host = this.live.get(message.hostId);
    if (!host) {
      client.send({ type: 'error', message: `no host "${message.hostId}"` });
      return;
    }
    client.hosts.get(message.hostId)?.release();
    const channels = [...(message.processes ? (['processes'] as const) : []), ...(message.connections ? (['connections'] as const) : [])];
    const releaseChannels = this.ingest.subscriptions.acquire(message.hostId, channels);
    host.watchers++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      host.watchers--;
      releaseChannels();
    };
    client.hosts.set(message.hostId, { release });
    const frame = host.latest;
    if (frame) client.send({ type: 'host', hostId: message.hostId, summary: host.summary, frame });
    else client.send({ type: 'status', hostId: message.hostId, status: host.status });
  }

  close(): void {
    this.unsubscribe();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const client of this.clients) client.socket.close(1001, 'hub shutting down');
  }
}
