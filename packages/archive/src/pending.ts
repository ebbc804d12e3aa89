/** A history document waiting for the store: its key, the frame's time, and the JSON to write. */
export interface PendingDocument {
  hostname: string;
  key: string;
  /** The frame's Unix milliseconds. */
  ts: number;
  body: string;
}

/** How much history waits in memory while the store is unreachable; beyond any limit the oldest go first. */
export interface PendingLimits {
  /** Documents per host: 1440 is a day at the default upload frequency (60 s). */
  maxPerHost: number;
  /** Documents whose frame is older than this are dropped. */
  maxAgeMs: number;
  /** JSON bytes of all hosts together (a hub archiving a large fleet). */
  maxBytes: number;
}

export const DEFAULT_PENDING_LIMITS: PendingLimits = { maxPerHost: 1440, maxAgeMs: 24 * 3600 * 1000, maxBytes: 64 * 1024 * 1024 };

/**
 * The history documents not yet uploaded, oldest first (by frame time), bounded by `PendingLimits`. Kept in
 * memory: an outage is survived, a restart is not (the hub's own history still has every frame). A document
 * leaves only once it is written, so a failed or interrupted upload is tried again, never lost or doubled
 * (its key is the same, so a write whose answer was lost is simply repeated).
 */
export class PendingQueue {
  private items: PendingDocument[] = [];
  private perHost = new Map<string, number>();
  private totalBytes = 0;
  private droppedTotal = 0;

  constructor(private readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS) {}

  get size(): number {
    return this.items.length;
  }
  get bytes(): number {
    return this.totalBytes;
  }
  /** Documents dropped so far to stay within the limits. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Queues a document and applies the limits at `now`; returns how many documents that dropped. */
  add(document: PendingDocument, now: number): number {
    let at = this.items.length;
    while (at > 0 && (this.items[at - 1] as PendingDocument).ts > document.ts) at--;
    this.items.splice(at, 0, document);
    this.perHost.set(document.hostname, (this.perHost.get(document.hostname) ?? 0) + 1);
    this.totalBytes += Buffer.byteLength(document.body);
    const before = this.droppedTotal;
    if ((this.perHost.get(document.hostname) ?? 0) > this.limits.maxPerHost) {
      this.removeAt(this.items.findIndex((d) => d.hostname === document.hostname));
    }
    while (this.items.length > 1 && this.totalBytes > this.limits.maxBytes) this.removeAt(0);
    while (this.items.length > 0 && (this.items[0] as PendingDocument).ts < now - this.limits.maxAgeMs) this.removeAt(0);
    return this.droppedTotal - before;
  }

  /** The oldest document, to upload next. */
  oldest(): PendingDocument | undefined {
    return this.items[0];
  }

  /** Forgets a document once it is written (no-op when the limits dropped it meanwhile). */
  remove(document: PendingDocument): void {
    const at = this.items.indexOf(document);
    if (at < 0) return;
    this.removeAt(at, false);
  }

  private removeAt(at: number, dropped = true): void {
    const [document] = this.items.splice(at, 1);
    if (!document) return;
    const left = (this.perHost.get(document.hostname) ?? 1) - 1;
    if (left > 0) this.perHost.set(document.hostname, left);
    else this.perHost.delete(document.hostname);
    this.totalBytes -= Buffer.byteLength(document.body);
    if (dropped) this.droppedTotal++;
  }
}
