import { Worker } from 'node:worker_threads';
import type { Frame } from '@vigil/schema';
import type { ReportSource } from '../../report/source.ts';
import { type FrameRecord, ShapeTracker, ValueBuffer } from './frame-record.ts';
import type {
  CustomResult,
  FromHistory,
  HistoryOp,
  HistoryOps,
  HistoryStore,
  SeriesInfo,
  ThreadStorageOptions,
  ToHistory,
} from './history.ts';
import type { HistoryWorkerData } from './history-worker.ts';
import type { ProcessFrame, TopConsumer } from './process-history.ts';
import type { Query, QueryResult } from './query.ts';
import { type CustomSample, DEFAULT_RETENTION, type StorageOptions } from './storage.ts';

/**
 * Where the built `vigil` command's bundle is: apps/cli/src/main.ts records its own URL under this key, and a worker
 * started on that file runs the history thread instead of the CLI (one bundle, no second entry point to find).
 */
export const VIGIL_ENTRY = Symbol.for('vigil.entry');

/**
 * Frames go to the thread at most this often, in one message: a message per frame cost the hub ~10 % of a core more
 * at a thousand hosts (each wakes the thread). Acknowledgements wait for the store's own flush (50 ms) anyway.
 */
const BATCH_MS = 20;

/** A restarted history thread comes back after this long (it recovers from its write-ahead rows as at a start). */
const RESTART_MS = 1000;

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
}

/**
 * The hub's history, kept in a thread of its own (history-worker.ts runs the SqliteStorage). This side extracts each
 * frame's samples into a shared value buffer (ShapeTracker: the series' names cross only when a host's shape
 * changes) and sends what arrived in one turn of the event loop as one message, the values as one transferred
 * buffer. A frame's `durable` callback runs when the thread reports its transaction committed. Requests go after
 * the frames sent before them, so a query sees every frame the hub took before it.
 */
export class HistoryThread implements HistoryStore {
  private worker!: Worker;
  private readonly trackers = new Map<string, ShapeTracker>();
  private values = new ValueBuffer();
  private hosts: string[] = [];
  private records: FrameRecord[] = [];
  private seqs: number[] = [];
  private batchScheduled = false;
  private nextSeq = 1;
  /** Durable callbacks by record number, oldest first (`head` indexes the first not yet called). */
  private durables: { seq: number; callback: () => void }[] = [];
  private head = 0;
  private nextCall = 1;
  private readonly calls = new Map<number, Pending>();
  private closing = false;
  /** Between a failure of the thread and its restart: frames are dropped (never acknowledged), requests fail. */
  private down = false;
  private started!: Promise<void>;
  private readonly retention;
  private readonly options: ThreadStorageOptions;

  /** Called after the thread failed and a new one was asked for (the hub makes its agents reconnect). */
  onFailure: (() => void) | null = null;
  /** Whether the current thread came up: a thread that never did is not restarted (ready() reports it). */
  private up = false;

  constructor(
    options: Omit<StorageOptions, 'now'>,
    private readonly warn: (message: string) => void = () => {},
  ) {
    const { warn: _ignored, ...rest } = options;
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.options = { ...rest, retention: this.retention };
    this.start();
  }

  /** Resolves once the thread has opened the store and recovered it (rejects if it could not). */
  ready(): Promise<void> {
    return this.started;
  }

  private start(): void {
    const entry = (globalThis as Record<symbol, unknown>)[VIGIL_ENTRY];
    const data: HistoryWorkerData = { vigilRole: 'history', options: this.options };
    let url: URL;
    if (typeof entry === 'string' && !entry.endsWith('.ts')) url = new URL(entry);
    else {
      url = new URL('./worker-bootstrap.mjs', import.meta.url);
      data.module = new URL('./history-worker.ts', import.meta.url).href;
    }
    const worker = new Worker(url, { workerData: data, name: 'vigil-history' });
    this.worker = worker;
    this.down = false;
    this.up = false;
    this.started = new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: FromHistory) => {
        if (message.kind === 'ready') {
          this.up = true;
          worker.off('error', reject);
          worker.on('error', (error) => this.failed(worker, error));
          resolve();
        } else this.receive(message);
      });
      worker.on('exit', (code) => {
        reject(new Error(`the history thread exited with code ${code} before it was ready`));
        // Nothing answers what still waits on this thread, closing or not.
        if (worker === this.worker) this.rejectCalls(`the history thread exited with code ${code}`);
        this.failed(worker, new Error(`the history thread exited with code ${code}`));
      });
    });
    // A failure to start is reported by ready(); one later is handled by failed().
    this.started.catch(() => {});
  }

  private rejectCalls(why: string): void {
    for (const pending of this.calls.values()) pending.reject(new Error(why));
    this.calls.clear();
  }

  /**
   * The thread died (an error, then its exit: once is enough): what waited on it fails, and a new one starts after a
   * pause. A thread that never came up is not restarted: ready() has said why.
   */
  private failed(worker: Worker, error: Error): void {
    if (worker !== this.worker || this.closing || this.down || !this.up) return;
    this.warn(`history: the history thread failed (${error.message}); restarting it`);
    this.down = true;
    this.rejectCalls(`the history thread failed: ${error.message}`);
    // Frames it took but had not made durable are never acknowledged on these connections: onFailure makes the agents
    // reconnect, and they send them again.
    this.durables = [];
    this.head = 0;
    for (const tracker of this.trackers.values()) tracker.reset();
    void worker.terminate();
    this.onFailure?.();
    const timer = setTimeout(() => {
      if (!this.closing) this.start();
    }, RESTART_MS);
    timer.unref();
  }

  private receive(message: FromHistory): void {
    switch (message.kind) {
      case 'durable': {
        const list = this.durables;
        let i = this.head;
        while (i < list.length && (list[i] as { seq: number }).seq <= message.seq) (list[i++] as { callback: () => void }).callback();
        if (i === list.length) {
          this.durables = [];
          this.head = 0;
        } else if (i > 1024) {
          this.durables = list.slice(i);
          this.head = 0;
        } else this.head = i;
        return;
      }
      case 'result':
      case 'error': {
        const pending = this.calls.get(message.id);
        if (!pending) return;
        this.calls.delete(message.id);
        if (message.kind === 'result') pending.resolve(message.value as never);
        else pending.reject(new Error(message.message));
        return;
      }
      case 'warn':
        this.warn(message.message);
        return;
      case 'resync':
        // A record of this host failed in the thread, which forgot the host's shape and processes: send them again.
        this.trackers.get(message.host)?.reset();
        return;
    }
  }

  append(host: string, frame: Frame, durable?: () => void): void {
    // Not stored and so never acknowledged: the agent sends it again when it reconnects.
    if (this.down) return;
    let tracker = this.trackers.get(host);
    if (!tracker) {
      tracker = new ShapeTracker();
      this.trackers.set(host, tracker);
    }
    this.hosts.push(host);
    this.records.push(tracker.extract(frame, this.values));
    let seq = 0;
    if (durable) {
      seq = this.nextSeq++;
      this.durables.push({ seq, callback: durable });
    }
    this.seqs.push(seq);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setTimeout(() => this.sendFrames(), BATCH_MS);
    }
  }

  private sendFrames(): void {
    this.batchScheduled = false;
    if (this.records.length === 0) return;
    const values = this.values.take();
    const message: ToHistory = { kind: 'frames', hosts: this.hosts, records: this.records, seqs: this.seqs, values };
    this.hosts = [];
    this.records = [];
    this.seqs = [];
    this.worker.postMessage(message, [values.buffer as ArrayBuffer]);
  }

  private call<K extends HistoryOp>(op: K, ...args: Parameters<HistoryOps[K]>): Promise<ReturnType<HistoryOps[K]>> {
    // Frames taken before the request go first.
    this.sendFrames();
    if (this.down) return Promise.reject(new Error('the history thread is restarting; try again in a second'));
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: never) => void, reject });
      this.worker.postMessage({ kind: 'call', id, op, args } satisfies ToHistory);
    });
  }

  appendCustom(host: string, samples: readonly CustomSample[], now?: number): Promise<CustomResult> {
    return this.call('appendCustom', host, samples, now);
  }
  query(query: Query): Promise<QueryResult> {
    return this.call('query', query);
  }
  processesAt(host: string, ts: number): Promise<ProcessFrame | null> {
    return this.call('processesAt', host, ts);
  }
  topProcesses(host: string, from: number, to: number, by: 'cpu' | 'memory' | 'io', limit?: number): Promise<TopConsumer[]> {
    return this.call('topProcesses', host, from, to, by, limit);
  }
  processFrames(host: string, from: number, to: number): Promise<ProcessFrame[]> {
    return this.call('processFrames', host, from, to);
  }
  forget(host: string): void {
    // A host that comes back starts with a new tracker: its first record carries its shape and every process's strings.
    this.trackers.delete(host);
  }

  /** Series of any of these metrics and hosts (all when a list is not given), filtered in the thread. */
  seriesMatching(metrics?: string[], hosts?: string[]): Promise<SeriesInfo[]> {
    return this.call('seriesMatching', metrics, hosts);
  }
  /** How many series each metric has. */
  seriesCounts(): Promise<Record<string, number>> {
    return this.call('seriesCounts');
  }
  sizeBytes(): Promise<number> {
    return this.call('sizeBytes');
  }

  reportSource(): ReportSource {
    const warnings: string[] = [];
    return {
      now: () => Date.now(),
      retention: this.retention,
      series: (host, metric) => this.seriesMatching([metric], [host]),
      points: async (series, from, to, basis) => {
        const result = await this.call('points', series.id, from, to, basis);
        warnings.push(...result.warnings);
        return result.points;
      },
      processFrames: (host, from, to) => this.processFrames(host, from, to),
      warnings,
    };
  }

  /** Closes every open chunk and block, flushes, and ends the thread (a clean shutdown). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      await this.started;
      await this.call('close');
    } catch (error) {
      // A thread that failed to start or is restarting has nothing to close: its write-ahead rows are on disk.
      this.warn(`history: closing the history thread: ${(error as Error).message}`);
    } finally {
      await this.worker.terminate();
    }
  }
}
