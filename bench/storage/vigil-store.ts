/**
 * Vigil's store under measure: ingest of a synthetic fleet (append + flush, timed apart from the synthesis),
 * rollups, size on disk with a breakdown of where the bytes go, and query latency.
 */
import { statSync } from 'node:fs';
import { type Frame, forEachSample } from '@vigil/schema';
import type { Query, SqliteStorage } from '../../apps/hub/src/store/tsdb/index.ts';
import { median } from '../lib/percentile.ts';
import type { Fleet } from './synth.ts';

export interface IngestFigures {
  frames: number;
  samples: number;
  /** Wall time inside append() and flush() only (the synthesis of frames is not counted). */
  wallMs: number;
  appendMs: number;
  flushMs: number;
  /** process.cpuUsage() (user + system, all threads) over the same timed stretches. */
  cpuMs: number;
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  /** Wall time of the whole loop, synthesis included. */
  totalWallMs: number;
}

/** Samples of a frame, as the store counts them: one per numeric field the catalogue maps to a series. */
export function countSamples(frame: Frame): number {
  let n = 0;
  forEachSample(frame, () => {
    n++;
  });
  return n;
}

export interface IngestOptions {
  /** Steps synthesised ahead (untimed) before they are appended (timed). */
  batchSteps?: number;
  /** Called with the timestamp of each step before its frames go in: the store's clock follows the data. */
  setNow: (ms: number) => void;
  log: (line: string) => void;
  label: string;
}

/**
 * Appends `steps` steps of the fleet. After each step (one frame per host, as a hub receives them in the same
 * second) it flushes: one transaction per second of data, as the hub's 50 ms flush timer does for a fleet whose
 * agents all send on the second.
 */
export function ingestFleet(storage: SqliteStorage, fleet: Fleet, steps: number, opts: IngestOptions): IngestFigures {
  const batchSteps = opts.batchSteps ?? 60;
  const hosts = fleet.profiles.map((p) => p.id);
  let frames = 0;
  let samples = 0;
  let appendMs = 0;
  let flushMs = 0;
  let cpuUs = 0;
  const t0 = performance.now();
  let lastLog = t0;
  for (let done = 0; done < steps; ) {
    const n = Math.min(batchSteps, steps - done);
    const batch: Frame[][] = [];
    for (let i = 0; i < n; i++) {
      const step = fleet.next();
      for (const f of step) samples += countSamples(f);
      batch.push(step);
    }
    const cpu0 = process.cpuUsage();
    for (const step of batch) {
      opts.setNow((step[0] as Frame).ts);
      const a = performance.now();
      for (let h = 0; h < step.length; h++) storage.append(hosts[h] as string, step[h] as Frame);
      const b = performance.now();
      storage.flush();
      flushMs += performance.now() - b;
      appendMs += b - a;
      frames += step.length;
    }
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
    done += n;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      const rate = samples / ((appendMs + flushMs) / 1000);
      opts.log(`${opts.label}: ${done}/${steps} steps, ${(samples / 1e6).toFixed(1)} M samples, ${Math.round(rate / 1000)} k samples/s`);
    }
  }
  const wallMs = appendMs + flushMs;
  if (storage.samplesAppended !== samples)
    opts.log(`${opts.label}: warning: the store counted ${storage.samplesAppended} samples, the catalogue ${samples}`);
  return {
    frames,
    samples,
    wallMs,
    appendMs,
    flushMs,
    cpuMs: cpuUs / 1000,
    samplesPerSecond: samples / (wallMs / 1000),
    samplesPerCpuSecond: samples / (cpuUs / 1e6),
    totalWallMs: performance.now() - t0,
  };
}

/** Progress of the rollups: how many (series, tier) rows and how far they reach. */
function rollupSignature(storage: SqliteStorage): string {
  const row = storage.db.prepare('SELECT COUNT(*) AS n, TOTAL(until) AS u FROM rollups').get() as { n: number; u: number };
  return `${row.n}:${row.u}`;
}

/** Runs rollups.step until a whole pass over the series changes nothing: builds the minute and hour tiers. */
export function buildRollups(storage: SqliteStorage, now: number): { ms: number; cpuMs: number; calls: number } {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let calls = 0;
  let before = rollupSignature(storage);
  for (let unchanged = 0; unchanged < 2 && calls < 100_000; ) {
    storage.rollups.step(now, 1000);
    calls++;
    const after = rollupSignature(storage);
    unchanged = after === before ? unchanged + 1 : 0;
    before = after;
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, calls };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export interface TableBytes {
  name: string;
  /** Pages of the table or index, in bytes. */
  bytes: number;
  payload: number;
  unused: number;
}

export interface MetricBytes {
  metric: string;
  series: number;
  samples: number;
  bytes: number;
  bytesPerSample: number;
}

export interface SizeFigures {
  /** Database file + its -wal right after the last flush (before any checkpoint). */
  fileBytesBeforeCheckpoint: number;
  dbFileBytes: number;
  walFileBytes: number;
  /** Database file + -wal after PRAGMA wal_checkpoint(TRUNCATE). */
  fileBytes: number;
  /** storage.sizeBytes(): pages in use (free pages left out). */
  sizeBytes: number;
  freePages: number;
  pageSize: number;
  tables: TableBytes[];
  tiers: { tier: number; chunks: number; points: number; blobBytes: number; bytesPerPoint: number }[];
  /** Raw-tier chunk blobs by metric, largest first. */
  metrics: MetricBytes[];
  walRows: number;
  walBlobBytes: number;
  processMinutes: number;
  processBlobBytes: number;
  series: number;
}

/** Sizes after a final flush and checkpoint, and what the pages hold (dbstat), by table, tier and metric. */
export function sizeFigures(storage: SqliteStorage, path: string): SizeFigures {
  storage.flush();
  const before = fileSize(path) + fileSize(`${path}-wal`);
  storage.db.pragma('wal_checkpoint(TRUNCATE)');
  const db = storage.db;
  const tables = (
    db
      .prepare(
        'SELECT name, SUM(pgsize) AS bytes, SUM(payload) AS payload, SUM(unused) AS unused FROM dbstat GROUP BY name ORDER BY bytes DESC',
      )
      .all() as TableBytes[]
  ).map((t) => ({ ...t }));
  const tiers = (
    db
      .prepare(
        'SELECT tier, COUNT(*) AS chunks, SUM(count) AS points, SUM(length(data)) AS blobBytes FROM chunks GROUP BY tier ORDER BY tier',
      )
      .all() as {
      tier: number;
      chunks: number;
      points: number;
      blobBytes: number;
    }[]
  ).map((t) => ({ ...t, bytesPerPoint: t.blobBytes / Math.max(1, t.points) }));
  const metrics = (
    db
      .prepare(
        `SELECT s.metric AS metric, COUNT(DISTINCT s.id) AS series, SUM(c.count) AS samples, SUM(length(c.data)) AS bytes
         FROM chunks c JOIN series s ON s.id = c.series WHERE c.tier = 0 GROUP BY s.metric ORDER BY bytes DESC`,
      )
      .all() as Omit<MetricBytes, 'bytesPerSample'>[]
  ).map((m) => ({ ...m, bytesPerSample: m.bytes / Math.max(1, m.samples) }));
  const wal = db.prepare('SELECT COUNT(*) AS n, TOTAL(length(data)) AS b FROM wal').get() as { n: number; b: number };
  const processTable = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'process_blocks'").get()
    ? 'process_blocks'
    : 'process_history';
  const procs = db.prepare(`SELECT COUNT(*) AS n, TOTAL(length(data)) AS b FROM ${processTable}`).get() as { n: number; b: number };
  const series = (db.prepare('SELECT COUNT(*) AS n FROM series').get() as { n: number }).n;
  const dbFileBytes = fileSize(path);
  const walFileBytes = fileSize(`${path}-wal`);
  return {
    fileBytesBeforeCheckpoint: before,
    dbFileBytes,
    walFileBytes,
    fileBytes: dbFileBytes + walFileBytes,
    sizeBytes: storage.sizeBytes(),
    freePages: db.pragma('freelist_count', { simple: true }) as number,
    pageSize: db.pragma('page_size', { simple: true }) as number,
    tables,
    tiers,
    metrics,
    walRows: wal.n,
    walBlobBytes: wal.b,
    processMinutes: procs.n,
    processBlobBytes: procs.b,
    series,
  };
}

export interface QueryTiming {
  /** Median of the timed runs, ms. */
  medianMs: number;
  minMs: number;
  /** The first run (before any run of the same query warmed caches), ms. */
  firstMs: number;
  runs: number;
  points: number;
  series: number;
  tier: string;
}

/** Times a query `runs` times after one untimed first run (reported apart); fails if it returns no points. */
export function timeQuery(storage: SqliteStorage, query: Query, runs: number): QueryTiming {
  const t0 = performance.now();
  const first = storage.query(query);
  const firstMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    storage.query(query);
    times.push(performance.now() - a);
  }
  const points = first.series.reduce((n, s) => n + s.points.length, 0);
  return { medianMs: median(times), minMs: Math.min(...times), firstMs, runs, points, series: first.series.length, tier: first.tier };
}
