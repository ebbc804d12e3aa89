import { parentPort, workerData } from 'node:worker_threads';
import { pointsOf, type SeriesInfo } from '../../report/source.ts';
import type { FromHistory, HistoryOps, ThreadStorageOptions, ToHistory } from './history.ts';
import { SqliteStorage } from './storage.ts';

/** What the hub's main thread passes to the history thread. */
export interface HistoryWorkerData {
  vigilRole: 'history';
  options: ThreadStorageOptions;
  /** From the sources only: the module to run after registering tsx (worker-bootstrap.mjs). */
  module?: string;
}

const info = (s: SeriesInfo): SeriesInfo => ({ id: s.id, host: s.host, key: s.key, metric: s.metric, labels: s.labels });

/**
 * The history thread: the hub's SqliteStorage, its open chunks, write-ahead rows, rollups and retention, away from
 * the thread that takes frames and serves the API. Frames arrive in batches (HistoryThread); a frame's durable
 * acknowledgement goes back as the highest record number whose transaction committed; requests are answered in
 * order, after every frame sent before them.
 */
export function runHistoryWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runHistoryWorker runs in a worker thread');
  const data = workerData as HistoryWorkerData;
  const post = (message: FromHistory) => port.postMessage(message);
  const storage = new SqliteStorage({ ...data.options, warn: (message) => post({ kind: 'warn', message }) });

  let durableSeq = 0;
  let durablePosted = 0;
  let durablePending = false;
  const postDurable = () => {
    durablePending = false;
    if (durableSeq > durablePosted) {
      durablePosted = durableSeq;
      post({ kind: 'durable', seq: durableSeq });
    }
  };
  const durable = (seq: number) => () => {
    if (seq > durableSeq) durableSeq = seq;
    if (!durablePending) {
      durablePending = true;
      queueMicrotask(postDurable);
    }
  };

  const ops: HistoryOps = {
    appendCustom: (host, samples, now) => storage.appendCustom(host, samples, now),
    query: (query) => storage.query(query),
    processesAt: (host, ts) => storage.processesAt(host, ts),
    topProcesses: (host, from, to, by, limit) => storage.topProcesses(host, from, to, by, limit),
    processFrames: (host, from, to) => storage.processFrames(host, from, to),
    seriesMatching(metrics, hosts) {
      const out: SeriesInfo[] = [];
      for (const s of storage.dictionary.all())
        if ((!metrics || metrics.includes(s.metric)) && (!hosts || hosts.includes(s.host))) out.push(info(s));
      return out;
    },
    seriesCounts() {
      const counts: Record<string, number> = {};
      for (const s of storage.dictionary.all()) counts[s.metric] = (counts[s.metric] ?? 0) + 1;
      return counts;
    },
    sizeBytes: () => storage.sizeBytes(),
    points(seriesId, from, to, basis) {
      const warnings: string[] = [];
      const series = storage.dictionary.byId[seriesId];
      const points = series ? pointsOf(storage, series, from, to, basis, warnings) : { ts: [], values: [], mean: null, stepMs: null };
      return { points, warnings };
    },
    close() {
      storage.close();
      return null;
    },
  };

  port.on('message', (message: ToHistory) => {
    if (message.kind === 'frames') {
      const { hosts, records, seqs, values } = message;
      for (let i = 0; i < records.length; i++) {
        const seq = seqs[i] as number;
        try {
          storage.appendRecord(hosts[i] as string, records[i] as (typeof records)[number], values, seq > 0 ? durable(seq) : undefined);
        } catch (error) {
          const host = hosts[i] as string;
          post({ kind: 'warn', message: `history: a frame of ${host} was not stored: ${(error as Error).message}` });
          // The host's next records start afresh: the main thread sends its shape and processes again.
          storage.forgetRecords(host);
          post({ kind: 'resync', host });
          // Acknowledged all the same (resending it would fail the same way), with the frames before it: after the commit.
          storage.afterCommit(seq > 0 ? durable(seq) : undefined);
        }
      }
      return;
    }
    try {
      const op = ops[message.op] as (...args: unknown[]) => unknown;
      post({ kind: 'result', id: message.id, value: op(...message.args) });
    } catch (error) {
      post({ kind: 'error', id: message.id, message: (error as Error).message });
    }
    if (message.op === 'close') port.close();
  });
  post({ kind: 'ready' });
}
