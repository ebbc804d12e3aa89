import type { Frame, HostStatus, HostSummary, LiveClientMessage, LiveServerMessage } from '@vigil/schema';
import { takeBootSocket } from './boot.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** How many recent values of each host's headline figures the fleet keeps for its sparklines. */
export const SPARK_POINTS = 60;

/**
 * Keys notified per animation frame at most: each is a component to re-render (a host card costs about a millisecond
 * on a slow machine), so a second's burst of updates is spread over a few frames instead of making one long task.
 */
export const NOTIFY_PER_FRAME = 12;

/**
 * Keys notified per animation frame while the page is being scrolled (a scroll event in the last SCROLL_QUIET_MS):
 * the rows coming into view need the frame more than the cards already on screen need their second's update. Three
 * a frame is still 180 a second, more than the forty-odd cards on a screen get. bench:web, scrolling 500 hosts with
 * the hub on the same two cores: renders of 43-59 ms when twelve cards' updates came with a new row.
 */
export const NOTIFY_PER_FRAME_SCROLLING = 3;
const SCROLL_QUIET_MS = 150;

export interface HostLive {
  summary: HostSummary;
  frame: Frame | null;
  /** Recent CPU % values, oldest first (for sparklines). */
  cpuHistory: number[];
}

type Listener = () => void;

/**
 * The live data of the dashboard, outside React: the fleet's summaries and the frames of watched hosts,
 * fed by the hub's WebSocket (/api/v1/live), with reconnect. Components read it through
 * useSyncExternalStore with a key ("fleet", "host:<id>", "connection"), so a message re-renders only what
 * it changed, and notifications are batched to one per animation frame.
 */
export class LiveStore {
  readonly hosts = new Map<string, HostLive>();
  state: ConnectionState = 'connecting';
  /** Version counters per key: a snapshot for useSyncExternalStore. */
  private versions = new Map<string, number>();
  private listeners = new Map<string, Set<Listener>>();
  private pending = new Set<string>();
  private scheduled = false;
  private socket: WebSocket | null = null;
  private retry = 0;
  private closed = false;
  private fleetWatchers = 0;
  /** Whether the current socket is subscribed to the fleet. */
  private fleetSubscribed = false;
  private hostWatchers = new Map<string, { count: number; processes: boolean; connections: boolean }>();
  fleetVersion = 0;
  /** performance.now() of the last scroll event anywhere in the page. */
  private scrolledAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`) {
    // Capturing: scroll events do not bubble, and a scrolled table is an element, not the window.
    addEventListener(
      'scroll',
      () => {
        this.scrolledAt = performance.now();
      },
      { passive: true, capture: true },
    );
  }

  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  subscribe(key: string, listener: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private changed(key: string): void {
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    this.pending.add(key);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden)
      requestAnimationFrame(this.flush);
    else setTimeout(this.flush, 16);
  }

  /**
   * Notifies the changed keys that have listeners, at most NOTIFY_PER_FRAME of them per animation frame
   * (NOTIFY_PER_FRAME_SCROLLING while the page scrolls), oldest change first; the rest wait for the next frames.
   * Agents report on the whole second, so the fleet's updates come in one burst: re-rendering every visible card in
   * the same frame was a long task (issue 5: none over 50 ms).
   */
  private readonly flush = (): void => {
    this.scheduled = false;
    const budget = performance.now() - this.scrolledAt < SCROLL_QUIET_MS ? NOTIFY_PER_FRAME_SCROLLING : NOTIFY_PER_FRAME;
    let notified = 0;
    for (const key of this.pending) {
      const listeners = this.listeners.get(key);
      if (listeners && listeners.size > 0) {
        if (notified === budget) break;
        notified++;
        for (const listener of listeners) listener();
      }
      this.pending.delete(key);
    }
    if (this.pending.size > 0) this.schedule();
  };

  connect(): void {
    this.closed = false;
    // The socket index.html opened while the code loaded, if it is still good (boot.ts); else a new one.
    const early = this.retry === 0 ? takeBootSocket() : null;
    const socket = early?.socket ?? new WebSocket(this.url);
    this.socket = socket;
    this.fleetSubscribed = false;
    this.setState(this.retry === 0 ? 'connecting' : 'reconnecting');
    const opened = () => {
      this.retry = 0;
      this.setState('live');
      if (this.fleetWatchers > 0) this.subscribeFleet();
      for (const [hostId, w] of this.hostWatchers)
        this.send({ type: 'subscribe', channel: 'host', hostId, processes: w.processes, connections: w.connections });
    };
    socket.onopen = opened;
    socket.onmessage = (event) => this.receive(JSON.parse(String(event.data)) as LiveServerMessage);
    if (early) {
      // Open already: the early script subscribed to the fleet when it opened, and the full fleet may be here.
      if (socket.readyState === WebSocket.OPEN) {
        this.fleetSubscribed = early.fleet;
        opened();
      }
      for (const data of early.messages) this.receive(JSON.parse(data) as LiveServerMessage);
    }
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.setState('reconnecting');
      // Backoff with jitter: a hub restart does not get every browser back in the same instant.
      const delay = Math.min(15_000, 500 * 2 ** this.retry++) * (0.5 + Math.random() / 2);
      setTimeout(() => {
        if (!this.closed) this.connect();
      }, delay);
    };
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.setState('offline');
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.changed('connection');
  }

  private send(message: LiveClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private upsert(summary: HostSummary): HostLive {
    let host = this.hosts.get(summary.id);
    if (!host) {
      host = { summary, frame: null, cpuHistory: [] };
      this.hosts.set(summary.id, host);
      this.fleetVersion++;
      this.changed('fleet');
    }
    if (summary.ts !== null && summary.ts !== host.summary.ts && summary.cpuPercent !== null) {
      // A new array (not pushed in place), so that a sparkline sees its values changed.
      host.cpuHistory = [...host.cpuHistory.slice(1 - SPARK_POINTS), summary.cpuPercent];
    }
    if (
      summary.status !== host.summary.status ||
      summary.hostname !== host.summary.hostname ||
      summary.tags.join() !== host.summary.tags.join()
    ) {
      this.fleetVersion++;
      this.changed('fleet');
    }
    host.summary = summary;
    this.changed(`summary:${summary.id}`);
    return host;
  }

  /** Handles one message of the hub (exported for tests). */
  receive(message: LiveServerMessage): void {
    switch (message.type) {
      case 'fleet': {
        if (message.full) {
          const ids = new Set(message.hosts.map((h) => h.id));
          for (const id of [...this.hosts.keys()]) if (!ids.has(id)) this.hosts.delete(id);
          this.fleetVersion++;
          this.changed('fleet');
        }
        for (const summary of message.hosts) this.upsert(summary);
        for (const id of message.removed) {
          if (this.hosts.delete(id)) {
            this.fleetVersion++;
            this.changed('fleet');
          }
        }
        break;
      }
      case 'host': {
        const host = this.upsert(message.summary);
        host.frame = message.frame;
        this.changed(`host:${message.hostId}`);
        break;
      }
      case 'status': {
        const host = this.hosts.get(message.hostId);
        if (host) this.upsert({ ...host.summary, status: message.status as HostStatus });
        break;
      }
      case 'error':
        console.warn(`live: ${message.message}`);
        break;
    }
  }

  /** Subscribes this socket to the fleet, once: each subscription makes the hub send the whole fleet. */
  private subscribeFleet(): void {
    if (this.fleetSubscribed || this.socket?.readyState !== WebSocket.OPEN) return;
    this.send({ type: 'subscribe', channel: 'fleet' });
    this.fleetSubscribed = true;
  }

  /** Starts watching the fleet; returns the function that stops. */
  watchFleet(): () => void {
    if (this.fleetWatchers++ === 0) this.subscribeFleet();
    return () => {
      if (--this.fleetWatchers === 0 && this.fleetSubscribed) {
        this.send({ type: 'unsubscribe', channel: 'fleet' });
        this.fleetSubscribed = false;
      }
    };
  }

  /** Starts watching one host (with its full process or socket table when asked). */
  watchHost(hostId: string, tables: { processes?: boolean; connections?: boolean } = {}): () => void {
    const current = this.hostWatchers.get(hostId);
    const next = {
      count: (current?.count ?? 0) + 1,
      processes: !!(current?.processes || tables.processes),
      connections: !!(current?.connections || tables.connections),
    };
    this.hostWatchers.set(hostId, next);
    if (!current || next.processes !== current.processes || next.connections !== current.connections) {
      this.send({ type: 'subscribe', channel: 'host', hostId, processes: next.processes, connections: next.connections });
    }
    return () => {
      const w = this.hostWatchers.get(hostId);
      if (!w) return;
      if (--w.count > 0) return;
      this.hostWatchers.delete(hostId);
      this.send({ type: 'unsubscribe', channel: 'host', hostId });
    };
  }
}

export const live = new LiveStore();
