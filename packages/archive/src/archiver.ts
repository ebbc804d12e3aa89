import { type Frame, toSeed003Document } from '@vigil/schema';
import { HostListWriter } from './host-list.ts';
import { ArchiveLayout, archiveName } from './layout.ts';
import type { Logger } from './logger.ts';
import { DEFAULT_PENDING_LIMITS, type PendingLimits, PendingQueue } from './pending.ts';
import type { ObjectStore } from './store.ts';

export interface Clock {
  now(): number;
}

/** The frames to archive at an upload: the agent's latest, or the latest of every online host in the hub. */
export type ArchiveSource = () => Iterable<{ hostname: string; frame: Frame }>;

/** Waits between attempts while the store fails: doubling from `initialMs` up to `maxMs`, with jitter. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 5 * 60 * 1000 };

export interface ArchiverOptions {
  store: ObjectStore;
  /** The destination in log lines, e.g. "s3://metrics/vigil/". */
  where: string;
  prefix?: string;
  uploadFrequencyMs: number;
  includeFrame?: boolean;
  source: ArchiveSource;
  log: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  limits?: PendingLimits;
  random?: () => number;
}

/**
 * Seed 003's archive: every `uploadFrequencyMs` it takes the newest frame of each host from its source and
 * files it as `history/<host>/<stamp>.json` and `<host>.json`, and stamps the host in list.json.
 *
 * Taking the frames never waits for the store, so an unreachable bucket never holds up collection: history
 * documents queue (bounded, see PendingQueue) and go up oldest first once the store answers again, tried
 * with exponential backoff and jitter; of `<host>.json` and list.json only the newest state is kept. Upload
 * failures are logged when uploads start failing and when they work again, not at every attempt.
 */
export class Archiver {
  readonly layout: ArchiveLayout;
  private readonly queue: PendingQueue;
  private readonly hostList: HostListWriter;
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  /** The newest frame time filed per host, so that an unchanged frame is not filed twice. */
  private readonly lastTs = new Map<string, number>();
  /** `<host>.json` bodies not written yet (the newest only). */
  private readonly latest = new Map<string, string>();
  /** Hosts to stamp in list.json at the next upload. */
  private readonly listed = new Set<string>();
  private captureTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  private failingSince: number | null = null;
  private dropsLogged = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: ArchiverOptions) {
    this.layout = new ArchiveLayout(options.prefix);
    this.queue = new PendingQueue(options.limits ?? DEFAULT_PENDING_LIMITS);
    this.clock = options.clock ?? { now: Date.now };
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.hostList = new HostListWriter(options.store, this.layout.list, undefined, this.random);
  }

  /** History documents waiting for the store. */
  get pending(): number {
    return this.queue.size;
  }

  /** Whether the last attempt to upload failed (and a retry is scheduled). */
  get failing(): boolean {
    return this.failingSince !== null;
  }

  /** Starts the upload timer: a first upload once there is a frame (checked every second), then every period. */
  start(): void {
    const period = this.options.uploadFrequencyMs;
    const tick = (filedBefore: boolean) => {
      this.captureTimer = setTimeout(
        () => {
          const filed = this.capture() > 0 || filedBefore;
          tick(filed);
          if (!this.retryTimer) void this.flush();
        },
        filedBefore ? period : Math.min(1000, period),
      );
      this.captureTimer.unref();
    };
    tick(false);
  }

  /** Files the newest frame of each host (those not filed yet); returns how many. Never throws. */
  capture(): number {
    let filed = 0;
    try {
      const now = this.clock.now();
      for (const { hostname, frame } of this.options.source()) {
        const name = archiveName(hostname);
        if (frame.ts <= (this.lastTs.get(name) ?? -1)) continue;
        this.lastTs.set(name, frame.ts);
        const body = JSON.stringify(toSeed003Document(name, frame, { includeFrame: this.options.includeFrame }));
        this.latest.set(name, body);
        this.listed.add(name);
        const dropped = this.queue.add({ hostname: name, key: this.layout.history(name, frame.ts), ts: frame.ts, body }, now);
        if (dropped > 0 && !this.dropsLogged) {
          this.dropsLogged = true;
          const { maxPerHost, maxAgeMs, maxBytes } = this.options.limits ?? DEFAULT_PENDING_LIMITS;
          this.options.log.warn(
            `archive: dropping the oldest history documents not yet uploaded to ${this.options.where} ` +
              `(kept: ${maxPerHost} per host, ${maxAgeMs / 3_600_000} h, ${Math.round(maxBytes / 1024 / 1024)} MiB)`,
          );
        }
        filed++;
      }
      if (filed > 0) this.again = true;
    } catch (error) {
      this.options.log.error(`archive: could not build the documents: ${(error as Error).message}`);
    }
    return filed;
  }

  /**
   * Uploads what is pending now: `<host>.json` and list.json first (so the fleet's current state shows as soon
   * as the store answers), then history oldest first, going back to the first two whenever a new upload
   * period filed something. Resolves when done or failed (a failure schedules the retry); never rejects.
   */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.running = this.upload().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async upload(): Promise<void> {
    const signal = this.abort.signal;
    try {
      do {
        this.again = false;
        for (const [name, body] of [...this.latest]) {
          await this.options.store.put(this.layout.latest(name), body, { signal });
          if (this.latest.get(name) === body) this.latest.delete(name);
        }
        if (this.listed.size > 0) {
          const names = [...this.listed];
          await this.hostList.update(names, this.clock.now(), signal);
          for (const name of names) this.listed.delete(name);
        }
        for (let document = this.queue.oldest(); document && !this.again && !this.stopped; document = this.queue.oldest()) {
          await this.options.store.put(document.key, document.body, { signal });
          this.queue.remove(document);
        }
      } while (this.again && !this.stopped);
      this.succeeded();
    } catch (error) {
      if (!this.stopped) this.failed(error as Error);
    }
  }

  private succeeded(): void {
    if (this.failingSince !== null) {
      const minutes = Math.round((this.clock.now() - this.failingSince) / 6000) / 10;
      this.options.log.info(`archive: uploads to ${this.options.where} work again after ${minutes} min; the missed history is uploaded`);
    }
    this.failingSince = null;
    this.failures = 0;
    this.dropsLogged = false;
  }

  private failed(error: Error): void {
    this.failures++;
    if (this.failingSince === null) {
      this.failingSince = this.clock.now();
      this.options.log.warn(
        `archive: uploads to ${this.options.where} failed (${describe(error)}); monitoring goes on, ` +
          `history is kept and uploaded when the store answers (retrying with backoff)`,
      );
    }
    // "Equal jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): half the delay fixed, half random,
    // so a fleet that lost its bucket at the same moment does not come back at the same moment.
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.failures - 1));
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        void this.flush();
      },
      delay / 2 + (this.random() * delay) / 2,
    );
    this.retryTimer.unref();
  }

  /** Stops the timers and abandons an upload in flight (what is pending stays unwritten). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.captureTimer) clearTimeout(this.captureTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort.abort();
    await this.running;
  }
}

/** An SDK error's code and message, e.g. "NoSuchBucket: The specified bucket does not exist". */
function describe(error: Error): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: string }).code;
  return [error.name !== 'Error' ? error.name : code, status ? `HTTP ${status}` : null, error.message].filter(Boolean).join(': ');
}
