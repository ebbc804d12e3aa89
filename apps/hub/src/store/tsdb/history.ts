import type { Frame, ReportBasisKind } from '@vigil/schema';
import type { ReportSource, SeriesInfo } from '../../report/source.ts';
import type { Points } from '../../report/stats.ts';
import type { FrameRecord } from './frame-record.ts';
import type { ProcessFrame, TopConsumer } from './process-history.ts';
import type { Query, QueryResult } from './query.ts';
import type { CustomSample, Retention, StorageOptions } from './storage.ts';

export type { SeriesInfo } from '../../report/source.ts';

export interface CustomResult {
  accepted: number;
  rejected: { index: number; reason: string }[];
}

/**
 * The history as the hub's routes, reports and ingest use it. The hub runs its store in a thread of its own
 * (HistoryThread): at a thousand hosts the store holds ~150,000 series in memory, and the garbage collector's
 * marking of them, on the thread that also takes the frames, held every frame behind it for a few hundred
 * milliseconds every twenty seconds. So everything but `append` answers with a promise.
 */
export interface HistoryStore {
  /** Takes a frame; `durable` is called once its samples would survive a crash (then the hub acknowledges it). */
  append(host: string, frame: Frame, durable?: () => void): void;
  appendCustom(host: string, samples: readonly CustomSample[], now?: number): Promise<CustomResult>;
  query(query: Query): Promise<QueryResult>;
  processesAt(host: string, ts: number): Promise<ProcessFrame | null>;
  topProcesses(host: string, from: number, to: number, by: 'cpu' | 'memory' | 'io', limit?: number): Promise<TopConsumer[]>;
  processFrames(host: string, from: number, to: number): Promise<ProcessFrame[]>;
  /** Series of any of these metrics and hosts (every one when a list is not given). */
  seriesMatching(metrics?: string[], hosts?: string[]): Promise<SeriesInfo[]>;
  /** How many series each metric has. */
  seriesCounts(): Promise<Record<string, number>>;
  /** Drops what this side keeps of a host removed from the hub (its history stays). */
  forget(host: string): void;
  /** Bytes the history database uses. */
  sizeBytes(): Promise<number>;
  /** What reports read: the same store, a request at a time. */
  reportSource(): ReportSource;
  close(): Promise<void>;
}

/** The store's options that cross to its thread (no functions). */
export type ThreadStorageOptions = Omit<StorageOptions, 'now' | 'warn'> & { retention: Retention };

/** Messages to the history thread. */
export type ToHistory =
  | {
      kind: 'frames';
      hosts: string[];
      records: FrameRecord[];
      /** The durable-acknowledgement number of each record (0: none asked). */
      seqs: number[];
      values: Float64Array;
    }
  | { kind: 'call'; id: number; op: HistoryOp; args: unknown[] };

/** Messages from the history thread. */
export type FromHistory =
  | { kind: 'ready' }
  | { kind: 'durable'; seq: number }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'warn'; message: string }
  /** A record of this host failed: the thread forgot its shape and processes, and needs them again. */
  | { kind: 'resync'; host: string };

/** The requests the history thread answers, with their arguments and results. */
export interface HistoryOps {
  appendCustom(host: string, samples: readonly CustomSample[], now?: number): CustomResult;
  query(query: Query): QueryResult;
  processesAt(host: string, ts: number): ProcessFrame | null;
  topProcesses(host: string, from: number, to: number, by: 'cpu' | 'memory' | 'io', limit?: number): TopConsumer[];
  processFrames(host: string, from: number, to: number): ProcessFrame[];
  seriesMatching(metrics?: string[], hosts?: string[]): SeriesInfo[];
  seriesCounts(): Record<string, number>;
  sizeBytes(): number;
  points(seriesId: number, from: number, to: number, basis: ReportBasisKind): { points: Points; warnings: string[] };
  close(): null;
}
export type HistoryOp = keyof HistoryOps;
