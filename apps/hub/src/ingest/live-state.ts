import { type Frame, type FrameHeadline, type HostStatus, type HostSummary, headlineOf } from '@vigil/schema';
import type { HostRecord } from '../store/index.ts';
import { ProcessColumns } from './process-columns.ts';
import { summarize } from './summary.ts';

/** A frame without its process table. */
export type FrameHead = Omit<Frame, 'processes'>;

/** A host as the hub knows it right now. */
export interface LiveHost {
  record: HostRecord;
  /**
   * The latest frame, whole. Its process table is held in columns (process-columns.ts) and made into objects again
   * when this is read: keep what it returns for the rest of the request rather than reading it again.
   */
  readonly latest: Frame | null;
  /** The latest frame without its process table, for what needs only the rest (its ts, the system reading). */
  readonly head: FrameHead | null;
  /** Hub clock when the latest frame arrived (Unix ms). */
  lastSeen: number;
  status: HostStatus;
  intervalMs: number;
  /** Delivery progress of the agent's current run. */
  runId: string | null;
  lastAckedSeq: number | null;
  /** Cached summary of `latest`, rebuilt when a frame arrives. */
  summary: HostSummary;
  /** Firing alerts by severity, kept in the summary. */
  alerts?: { warning: number; critical: number };
  /** Live clients watching this host's frames (fanout.ts): their frames are decoded as they come, not after a burst. */
  watchers: number;
  /** Keeps `frame` as the latest. */
  hold(frame: Frame): void;
}

class HostEntry implements LiveHost {
  head: FrameHead | null = null;
  summary: HostSummary;
  alerts?: { warning: number; critical: number };
  watchers = 0;
  private readonly processes = new ProcessColumns();
  /** The frame `latest` made last, while anything still holds it: reads in one request make it once. */
  private made: WeakRef<Frame> | null = null;

  constructor(
    public record: HostRecord,
    public lastSeen: number,
    public status: HostStatus,
    public intervalMs: number,
    public runId: string | null,
    public lastAckedSeq: number | null,
  ) {
    this.summary = summarize(record, status, lastSeen, null);
  }

  get latest(): Frame | null {
    if (!this.head) return null;
    const made = this.made?.deref();
    if (made) return made;
    const frame = { ...this.head, processes: this.processes.toArray() } as Frame;
    this.made = new WeakRef(frame);
    return frame;
  }

  hold(frame: Frame): void {
    const { processes, ...head } = frame;
    this.processes.set(processes);
    this.head = head;
    this.made = null;
  }
}

export type LiveEvent =
  /** A new frame's headline came in: the host's summary has its figures (the fleet view). */
  | { type: 'headline'; host: LiveHost }
  /** A new frame is the host's latest (its viewers). With protocol 5, it follows its headline once decoded. */
  | { type: 'frame'; host: LiveHost; frame: Frame }
  | { type: 'status'; host: LiveHost; status: HostStatus }
  /** The summary changed without a frame (alert badges, tags). */
  | { type: 'summary'; host: LiveHost }
  | { type: 'removed'; hostId: string };

/**
 * The latest frame and online state of every host. A host is offline when no frame came for
 * `offlineAfterIntervals` of its intervals; `sweep()` (run every second) decides it.
 */
export class LiveState {
  readonly hosts = new Map<string, LiveHost>();
  private listeners = new Set<(event: LiveEvent) => void>();

  constructor(
    private readonly offlineAfterIntervals: number,
    private readonly now: () => number = Date.now,
  ) {}

  on(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Adds hosts known from the store (offline until they speak). */
  load(records: HostRecord[], intervalMs: number): void {
    for (const record of records)
      this.hosts.set(record.id, new HostEntry(record, record.lastSeen, 'offline', intervalMs, record.runId, record.lastAckedSeq));
  }

  get(id: string): LiveHost | undefined {
    return this.hosts.get(id);
  }

  /** Registers a host at hello (new or known), keeping its latest frame if it had one. */
  attach(record: HostRecord, intervalMs: number): LiveHost {
    const existing = this.hosts.get(record.id);
    if (existing) {
      existing.record = record;
      existing.intervalMs = intervalMs;
      return existing;
    }
    const host = new HostEntry(record, this.now(), 'offline', intervalMs, null, null);
    this.hosts.set(record.id, host);
    return host;
  }

  /**
   * Takes a frame in whole: its headline, then the frame as the latest. Returns false when it is not newer than the
   * latest (a resent frame): live views never go back in time, and storage dedupes on (host, ts) anyway.
   */
  accept(host: LiveHost, frame: Frame): boolean {
    const fresh = this.headline(host, headlineOf(frame));
    if (fresh) this.hold(host, frame);
    return fresh;
  }

  /**
   * Takes a frame's headline in (frame-headline.ts): the host is online, and its summary shows the new figures.
   * Returns false when the frame is not newer than the latest headline's; a fresh frame is then held once decoded.
   */
  headline(host: LiveHost, headline: FrameHeadline): boolean {
    host.lastSeen = this.now();
    if (host.status !== 'online') {
      host.status = 'online';
      this.emit({ type: 'status', host, status: 'online' });
    }
    if (host.summary.ts !== null && headline.ts <= host.summary.ts) return false;
    host.summary = summarize(host.record, host.status, host.lastSeen, headline);
    if (host.alerts) host.summary.alerts = host.alerts;
    this.emit({ type: 'headline', host });
    return true;
  }

  /** Keeps a frame whose headline was fresh as the host's latest, unless a newer one is held already. */
  hold(host: LiveHost, frame: Frame): void {
    if (host.head && frame.ts <= host.head.ts) return;
    host.hold(frame);
    this.emit({ type: 'frame', host, frame });
  }

  /** Marks hosts offline that missed their intervals. */
  sweep(connectedWhilePaused: (hostId: string) => boolean = () => false): void {
    const now = this.now();
    for (const host of this.hosts.values()) {
      if (
        host.status === 'online' &&
        now - host.lastSeen > this.offlineAfterIntervals * host.intervalMs &&
        !connectedWhilePaused(host.record.id)
      ) {
        host.status = 'offline';
        host.summary = { ...host.summary, status: 'offline' };
        this.emit({ type: 'status', host, status: 'offline' });
      }
    }
  }

  /** Sets the firing-alert counts of a host (its badge in the fleet). */
  setAlertCounts(id: string, counts: { warning: number; critical: number }): void {
    const host = this.hosts.get(id);
    if (!host) return;
    host.alerts = counts.warning + counts.critical > 0 ? counts : undefined;
    host.summary = { ...host.summary, alerts: host.alerts };
    if (!host.alerts) delete host.summary.alerts;
    this.emit({ type: 'summary', host });
  }

  setTags(id: string, tags: string[]): void {
    const host = this.hosts.get(id);
    if (!host) return;
    host.record = { ...host.record, tags };
    host.summary = { ...host.summary, tags };
    this.emit({ type: 'summary', host });
  }

  remove(id: string): void {
    if (this.hosts.delete(id)) this.emit({ type: 'removed', hostId: id });
  }

  summaries(): HostSummary[] {
    return [...this.hosts.values()].map((h) => h.summary);
  }
}
