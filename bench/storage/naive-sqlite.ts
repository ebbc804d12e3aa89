/**
 * The baseline Vigil's store is meant to beat: SQLite with one row per sample,
 * `samples(series, ts, value) PRIMARY KEY (series, ts) WITHOUT ROWID`, rows inserted in transactions of 10,000,
 * with the same pragmas as Vigil's history database (WAL, synchronous NORMAL, 32 MB cache).
 */
import { statSync } from 'node:fs';
import { type Frame, forEachSample, seriesKey } from '@vigil/schema';
import Database from 'better-sqlite3';
import { median } from '../lib/percentile.ts';
import type { Fleet } from './synth.ts';

export interface NaiveFigures {
  hosts: number;
  frames: number;
  samples: number;
  /** Mapping frames to rows (catalogue walk, series ids) and inserting them; frame synthesis is not counted. */
  wallMs: number;
  cpuMs: number;
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  fileBytes: number;
  fileBytesBeforeCheckpoint: number;
  bytesPerSample: number;
  tableBytes: number;
  query24hRaw: { medianMs: number; firstMs: number; points: number };
  query24hDownsampled: { medianMs: number; firstMs: number; points: number };
}

const round = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

const fileSize = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

export interface NaiveOptions {
  path: string;
  fleet: Fleet;
  steps: number;
  queryHost: string;
  queryKey: string;
  queryFrom: number;
  queryTo: number;
  queryStep: number;
  runs: number;
  log: (line: string) => void;
}

/** Ingests the fleet's samples (values at the catalogue's precision, as Vigil keeps them) and times the same 24 h query. */
export function measureNaive(opts: NaiveOptions): NaiveFigures {
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -32000');
  db.exec(`CREATE TABLE series (id INTEGER PRIMARY KEY, host TEXT NOT NULL, key TEXT NOT NULL, UNIQUE (host, key));
           CREATE TABLE samples (series INTEGER, ts INTEGER, value REAL, PRIMARY KEY (series, ts)) WITHOUT ROWID;`);
  const insertSeries = db.prepare('INSERT INTO series (host, key) VALUES (?, ?)');
  const insert = db.prepare('INSERT OR REPLACE INTO samples (series, ts, value) VALUES (?, ?, ?)');
  const ids = new Map<string, number>();
  const hosts = opts.fleet.profiles.map((p) => p.id);
  const BATCH = 10_000;
  const rowSeries = new Int32Array(BATCH);
  const rowTs = new Float64Array(BATCH);
  const rowValues = new Float64Array(BATCH);
  let rows = 0;
  const writeRows = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run(rowSeries[i], rowTs[i], rowValues[i]);
  });
  let samples = 0;
  let frames = 0;
  let wallMs = 0;
  let cpuUs = 0;
  let lastLog = performance.now();
  const flushRows = () => {
    if (rows > 0) writeRows(rows);
    rows = 0;
  };
  for (let done = 0; done < opts.steps; done++) {
    const step = opts.fleet.next();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let h = 0; h < step.length; h++) {
      const host = hosts[h] as string;
      const frame = step[h] as Frame;
      forEachSample(frame, (metric, value, labelValues) => {
        const key = `${host}\u0000${labelValues ? seriesKey(metric, labelValues) : metric.name}`;
        let id = ids.get(key);
        if (id === undefined) {
          id = Number(insertSeries.run(host, key.slice(host.length + 1)).lastInsertRowid);
          ids.set(key, id);
        }
        rowSeries[rows] = id;
        rowTs[rows] = frame.ts;
        rowValues[rows] = round(value, metric.decimals);
        rows++;
        samples++;
        if (rows === BATCH) flushRows();
      });
      frames++;
    }
    wallMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      opts.log(
        `naive sqlite: ${done + 1}/${opts.steps} steps, ${(samples / 1e6).toFixed(1)} M rows, ${Math.round(samples / wallMs)} k rows/s`,
      );
    }
  }
  {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    flushRows();
    wallMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
  }
  const fileBytesBeforeCheckpoint = fileSize(opts.path) + fileSize(`${opts.path}-wal`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fileBytes = fileSize(opts.path) + fileSize(`${opts.path}-wal`);
  const tableBytes = (db.prepare("SELECT SUM(pgsize) AS b FROM dbstat WHERE name = 'samples'").get() as { b: number }).b;

  const seriesId = ids.get(`${opts.queryHost}\u0000${opts.queryKey}`);
  if (seriesId === undefined) throw new Error(`naive sqlite: no series ${opts.queryKey} on ${opts.queryHost}`);
  const raw = db.prepare('SELECT ts, value FROM samples WHERE series = ? AND ts BETWEEN ? AND ?').raw(true);
  const down = db
    .prepare(
      // better-sqlite3 binds JS numbers as REAL: the cast makes the bucket an integer again, so rows group.
      'SELECT CAST((ts - ?) / ? AS INTEGER) AS bucket, AVG(value), MIN(value), MAX(value) FROM samples WHERE series = ? AND ts BETWEEN ? AND ? GROUP BY bucket',
    )
    .raw(true);
  const time = (run: () => unknown[]) => {
    const t0 = performance.now();
    const points = run().length;
    const firstMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const a = performance.now();
      run();
      times.push(performance.now() - a);
    }
    return { medianMs: median(times), firstMs, points };
  };
  const query24hRaw = time(() => raw.all(seriesId, opts.queryFrom, opts.queryTo));
  const query24hDownsampled = time(() => down.all(opts.queryFrom, opts.queryStep, seriesId, opts.queryFrom, opts.queryTo));
  db.close();
  return {
    hosts: hosts.length,
    frames,
    samples,
    wallMs,
    cpuMs: cpuUs / 1000,
    samplesPerSecond: samples / (wallMs / 1000),
    samplesPerCpuSecond: samples / (cpuUs / 1e6),
    fileBytes,
    fileBytesBeforeCheckpoint,
    bytesPerSample: fileBytes / samples,
    tableBytes,
    query24hRaw,
    query24hDownsampled,
  };
}
