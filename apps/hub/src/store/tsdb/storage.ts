import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { type Frame, forEachSample, METRICS, seriesKey } from '@vigil/schema';
import { ChunkEncoder, type ColumnSpec } from './codec.ts';
import { type HistoryDb, openHistoryDb, TIER } from './db.ts';
import {
  decodeMinute,
  encodeMinute,
  type ProcessFrame,
  type ProcessSample,
  selectForHistory,
  type TopConsumer,
  topConsumers,
} from './process-history.ts';
import { type Query, type QueryResult, runQuery } from './query.ts';
import { Rollups } from './rollup.ts';
import { type Series, SeriesDictionary, specOf } from './series.ts';

export interface StorageOptions {
  /** The history database file (or ':memory:'). */
  path: string;
  retention?: Partial<Retention>;
  /** Samples per raw chunk (staggered per host between half and all of it). */
  chunkSamples?: number;
  /** A raw chunk closes after this long even if not full (so rollups and the WAL move on at long intervals). */
  chunkSpanMs?: number;
  /** WAL rows and closed chunks are written in one transaction at most this often; acks wait for it. */
  flushIntervalMs?: number;
  now?: () => number;
  /** Runs rollups and retention in the background (off in tests that drive them by hand). */
  background?: boolean;
  warn?: (message: string) => void;
}

export interface Retention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  /** The history database may use this many bytes at most; the oldest raw data goes first beyond it. */
  maxBytes: number;
}

const DAY = 24 * 3600 * 1000;
export const DEFAULT_RETENTION: Retention = { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY, maxBytes: 20 * 1024 ** 3 };

/** One custom sample, as the API or an agent plugin delivers it. */
export interface CustomSample {
  name: string;
  value: number;
  labels?: Record<string, string>;
  ts?: number;
}

/**
 * The store behind Vigil's history. Implementations: SqliteStorage (embedded, the default); a
 * Prometheus-compatible remote store can implement the same interface.
 */
export interface Storage {
  /** Takes a frame's samples; `durable` is called once they would survive a crash (then the hub acks). */
  append(host: string, frame: Frame, durable?: () => void): void;
  appendCustom(
    host: string,
    samples: readonly CustomSample[],
    now?: number,
  ): { accepted: number; rejected: { index: number; reason: string }[] };
  query(query: Query): QueryResult;
  processesAt(host: string, ts: number): ProcessFrame | null;
  topProcesses(host: string, from: number, to: number, by: 'cpu' | 'memory' | 'io', limit?: number): TopConsumer[];
  /** The process-history frames of a host in [from, to], oldest first (callers keep the range small: a frame per second). */
  processFrames(host: string, from: number, to: number): ProcessFrame[];
  /** Series matching a metric pattern, for listings and exports. */
  series(filter?: { host?: string; metric?: string }): Series[];
  /** Bytes the history database uses. */
  sizeBytes(): number;
  flush(): void;
  close(): void;
}

interface PendingRow {
  host: string;
  ts: number;
  data: Buffer;
}

interface HostState {
  /** Timestamp of the latest frame taken: older or equal frames are duplicates. */
  lastTs: number;
  /** Staggers chunk closes: all hosts do not close their chunks in the same second. */
  offset: number;
  minute: number;
  frames: ProcessFrame[];
  /** A chunk of this host closed since the WAL was last trimmed for it. */
  trimDue: boolean;
}

/** Encodes a frame's samples for the WAL: count, length of the process JSON, series ids, values, processes. */
function encodeWal(ids: number[], values: number[], processes: ProcessSample[]): Buffer {
  const procs = Buffer.from(JSON.stringify(processes));
  const out = Buffer.allocUnsafe(8 + ids.length * 12 + procs.length);
  out.writeUInt32LE(ids.length, 0);
  out.writeUInt32LE(procs.length, 4);
  for (let i = 0; i < ids.length; i++) out.writeInt32LE(ids[i] as number, 8 + i * 4);
  const base = 8 + ids.length * 4;
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i] as number, base + i * 8);
  procs.copy(out, base + values.length * 8);
  return out;
}

function decodeWal(data: Buffer): { ids: number[]; values: number[]; processes: ProcessSample[] } {
  const n = data.readUInt32LE(0);
  const procLength = data.readUInt32LE(4);
  const ids: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) ids.push(data.readInt32LE(8 + i * 4));
  const base = 8 + n * 4;
  for (let i = 0; i < n; i++) values.push(data.readDoubleLE(base + i * 8));
  const processes = JSON.parse(data.subarray(base + n * 8, base + n * 8 + procLength).toString('utf8')) as ProcessSample[];
  return { ids, values, processes };
}

/**
 * Vigil's embedded time-series store on SQLite (see DESIGN.md): a series dictionary; per series an open raw
 * chunk in memory (codec.ts) made durable by a write-ahead table of every frame's samples; closed chunks as
 * checksummed blobs keyed by (series, tier, start); minute and hour tiers rolled up from closed chunks in the
 * background (rollup.ts); retention by age per tier and by size. Process history is kept per host and minute.
 */
export class SqliteStorage implements Storage {
  readonly db: HistoryDb;
  readonly dictionary: SeriesDictionary;
  readonly retention: Retention;
  readonly rollups: Rollups;
  private readonly chunkSamples: number;
  private readonly chunkSpanMs: number;
  readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly hosts = new Map<string, HostState>();
  private pendingWal: PendingRow[] = [];
  private pendingChunks: { series: number; start: number; end: number; count: number; data: Uint8Array }[] = [];
  private pendingMinutes: { host: string; minute: number; data: Buffer }[] = [];
  private callbacks: (() => void)[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly flushIntervalMs: number;
  private backgroundTimer: NodeJS.Timeout | null = null;
  private readonly statements;
  /** Samples taken since start, for statistics. */
  samplesAppended = 0;

  constructor(options: StorageOptions) {
    this.db = openHistoryDb(options.path);
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.chunkSamples = options.chunkSamples ?? 600;
    this.chunkSpanMs = options.chunkSpanMs ?? 2 * 3600 * 1000;
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? (() => {});
    this.dictionary = new SeriesDictionary(this.db);
    this.statements = {
      wal: this.db.prepare('INSERT INTO wal (host, ts, data) VALUES (?, ?, ?)'),
      chunk: this.db.prepare('INSERT OR REPLACE INTO chunks (series, tier, start, end, count, data) VALUES (?, ?, ?, ?, ?, ?)'),
      minute: this.db.prepare('INSERT OR REPLACE INTO process_history (host, minute, data) VALUES (?, ?, ?)'),
      trim: this.db.prepare('DELETE FROM wal WHERE host = ? AND ts < ?'),
      minuteRow: this.db.prepare('SELECT data FROM process_history WHERE host = ? AND minute = ?'),
      minuteRows: this.db.prepare(
        'SELECT minute, data FROM process_history WHERE host = ? AND minute >= ? AND minute <= ? ORDER BY minute',
      ),
      lastMinuteBefore: this.db.prepare(
        'SELECT minute, data FROM process_history WHERE host = ? AND minute <= ? ORDER BY minute DESC LIMIT 1',
      ),
    };
    this.rollups = new Rollups(this);
    this.recover();
    if (options.background !== false) {
      this.backgroundTimer = setInterval(() => this.background(), 1000);
      this.backgroundTimer.unref();
    }
  }

  private host(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      // A stable offset per host (from its name) staggers chunk closes across hosts, also after a restart.
      const offset = createHash('sha1').update(host).digest().readUInt16LE(0) % Math.max(1, Math.floor(this.chunkSamples / 2));
      let lastTs = -1;
      for (const series of this.dictionary.hostSeries(host)) if (series.lastTs > lastTs) lastTs = series.lastTs;
      state = { lastTs, offset, minute: -1, frames: [], trimDue: false };
      this.hosts.set(host, state);
    }
    return state;
  }

  /** Replays the WAL into open chunks and process minutes after a restart (or a crash). */
  private recover(): void {
    let frames = 0;
    for (const row of this.db.prepare('SELECT host, ts, data FROM wal ORDER BY id').iterate() as Iterable<{
      host: string;
      ts: number;
      data: Buffer;
    }>) {
      const state = this.host(row.host);
      if (row.ts <= state.lastTs) continue;
      const { ids, values, processes } = decodeWal(row.data);
      for (let i = 0; i < ids.length; i++) {
        const series = this.dictionary.byId[ids[i] as number];
        // Samples already in a closed chunk (written before the WAL was trimmed) are skipped.
        if (series && row.ts > series.persistedEnd) this.appendSample(series, state, row.ts, values[i] as number);
      }
      this.takeProcesses(row.host, state, row.ts, processes);
      state.lastTs = row.ts;
      frames++;
    }
    if (frames > 0) this.warn(`history: replayed ${frames} frames from the write-ahead table`);
  }

  private appendSample(series: Series, state: HostState, ts: number, value: number): void {
    if (ts <= series.lastTs) return; // stored already (a resent frame): never reopens or closes a chunk
    let head = series.head;
    if (head && (head.count >= series.headLimit || ts - head.firstTs >= this.chunkSpanMs || !head.accepts(ts))) {
      this.closeHead(series, state);
      head = null;
    }
    if (!head) {
      head = new ChunkEncoder([series.spec]);
      series.head = head;
      series.headLimit = Math.max(1, this.chunkSamples - state.offset);
      state.offset = 0; // only the first chunk of a host is shortened
    }
    head.append(ts, [value]);
    series.lastTs = ts;
    this.samplesAppended++;
  }

  private closeHead(series: Series, state: HostState): void {
    const head = series.head;
    if (!head || head.count === 0) return;
    this.pendingChunks.push({ series: series.id, start: head.firstTs, end: head.lastTs, count: head.count, data: head.finish() });
    series.persistedEnd = head.lastTs;
    series.head = null;
    state.trimDue = true;
    this.scheduleFlush();
  }

  private takeProcesses(host: string, state: HostState, ts: number, processes: ProcessSample[]): void {
    const minute = Math.floor(ts / 60_000) * 60_000;
    if (state.minute !== minute) {
      if (state.frames.length > 0) this.pendingMinutes.push({ host, minute: state.minute, data: encodeMinute(state.frames) });
      state.minute = minute;
      state.frames = [];
    }
    state.frames.push({ ts, processes });
  }

  append(host: string, frame: Frame, durable?: () => void): void {
    const state = this.host(host);
    if (frame.ts <= state.lastTs) {
      // A frame resent after a lost acknowledgement: it is stored already.
      if (durable) this.callbacks.push(durable);
      this.scheduleFlush();
      return;
    }
    const ids: number[] = [];
    const values: number[] = [];
    forEachSample(frame, (metric, value, labelValues) => {
      const key = labelValues ? seriesKey(metric, labelValues) : metric.name;
      const series = this.dictionary.get(host, key) ?? this.dictionary.getOrCreate(host, key, metric.name, specOf(metric));
      this.appendSample(series, state, frame.ts, value);
      ids.push(series.id);
      values.push(value);
    });
    for (const custom of frame.custom ?? []) {
      const result = this.customSeries(host, custom);
      if (typeof result === 'string') continue;
      this.appendSample(result, state, frame.ts, custom.value);
      ids.push(result.id);
      values.push(custom.value);
    }
    const processes = selectForHistory(frame.processes);
    this.takeProcesses(host, state, frame.ts, processes);
    state.lastTs = frame.ts;
    this.pendingWal.push({ host, ts: frame.ts, data: encodeWal(ids, values, processes) });
    if (durable) this.callbacks.push(durable);
    this.scheduleFlush();
  }

  /** The series of a custom metric, or why it cannot be stored. */
  private customSeries(host: string, sample: CustomSample): Series | string {
    if (METRICS.has(sample.name)) return `"${sample.name}" is a built-in metric`;
    const labels = Object.entries(sample.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const key = seriesKey(
      { name: sample.name, labels: labels.map(([k]) => k) },
      labels.map(([, v]) => v),
    );
    return this.dictionary.get(host, key) ?? this.dictionary.getOrCreate(host, key, sample.name, specOf(undefined));
  }

  appendCustom(
    host: string,
    samples: readonly CustomSample[],
    now = this.now(),
  ): { accepted: number; rejected: { index: number; reason: string }[] } {
    const state = this.host(host);
    const rejected: { index: number; reason: string }[] = [];
    const ids: number[] = [];
    const values: number[] = [];
    let accepted = 0;
    // Custom samples of one batch share the WAL row of their newest timestamp; each is kept with its own.
    samples.forEach((sample, index) => {
      const series = this.customSeries(host, sample);
      if (typeof series === 'string') {
        rejected.push({ index, reason: series });
        return;
      }
      const ts = Math.round(sample.ts ?? now);
      if (ts <= series.lastTs) {
        rejected.push({ index, reason: `timestamp ${ts} is not after the series' last sample (${series.lastTs})` });
        return;
      }
      this.appendSample(series, state, ts, sample.value);
      this.pendingWal.push({ host, ts, data: encodeWal([series.id], [sample.value], []) });
      ids.push(series.id);
      values.push(sample.value);
      accepted++;
    });
    this.scheduleFlush();
    return { accepted, rejected };
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  /** Writes pending WAL rows, closed chunks and process minutes in one transaction, then acknowledges. */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const wal = this.pendingWal;
    const chunks = this.pendingChunks;
    const minutes = this.pendingMinutes;
    const callbacks = this.callbacks;
    this.pendingWal = [];
    this.pendingChunks = [];
    this.pendingMinutes = [];
    this.callbacks = [];
    if (wal.length + chunks.length + minutes.length > 0) {
      this.db.transaction(() => {
        for (const row of wal) this.statements.wal.run(row.host, row.ts, row.data);
        for (const c of chunks) this.statements.chunk.run(c.series, TIER.raw, c.start, c.end, c.count, c.data);
        for (const m of minutes) this.statements.minute.run(m.host, m.minute, m.data);
        this.trimWal();
      })();
    }
    for (const callback of callbacks) callback();
  }

  /**
   * Deletes WAL rows of a host older than everything still open: the earliest open chunk of any of its
   * series, and the current process minute.
   */
  private trimWal(): void {
    for (const [host, state] of this.hosts) {
      if (!state.trimDue) continue;
      state.trimDue = false;
      let keepFrom = state.minute >= 0 ? state.minute : Number.POSITIVE_INFINITY;
      for (const series of this.dictionary.hostSeries(host))
        if (series.head && series.head.firstTs < keepFrom) keepFrom = series.head.firstTs;
      if (Number.isFinite(keepFrom)) this.statements.trim.run(host, keepFrom);
    }
  }

  query(query: Query): QueryResult {
    return runQuery(this, query);
  }

  series(filter: { host?: string; metric?: string } = {}): Series[] {
    const out: Series[] = [];
    for (const s of this.dictionary.all())
      if ((!filter.host || s.host === filter.host) && (!filter.metric || s.metric === filter.metric)) out.push(s);
    return out;
  }

  private minuteFrames(host: string, minute: number, data: Buffer | undefined): ProcessFrame[] {
    const state = this.hosts.get(host);
    if (state && state.minute === minute) return state.frames;
    const pending = this.pendingMinutes.find((m) => m.host === host && m.minute === minute);
    const blob = pending?.data ?? data;
    return blob ? decodeMinute(blob) : [];
  }

  processesAt(host: string, ts: number): ProcessFrame | null {
    const minute = Math.floor(ts / 60_000) * 60_000;
    const state = this.hosts.get(host);
    let frames: ProcessFrame[] = [];
    if (state && state.minute === minute) frames = state.frames;
    else {
      const row = this.statements.lastMinuteBefore.get(host, minute) as { minute: number; data: Buffer } | undefined;
      if (row) frames = this.minuteFrames(host, row.minute, row.data);
      if (state && state.minute <= minute && state.minute > (row?.minute ?? -1)) frames = state.frames;
    }
    // The last frame at or before the moment; else the first after it within the minute.
    let best: ProcessFrame | null = null;
    for (const f of frames) if (f.ts <= ts && (!best || f.ts > best.ts)) best = f;
    return best ?? frames.find((f) => f.ts > ts) ?? null;
  }

  topProcesses(host: string, from: number, to: number, by: 'cpu' | 'memory' | 'io', limit = 20): TopConsumer[] {
    return topConsumers(this.processFrames(host, from, to), by, limit);
  }

  processFrames(host: string, from: number, to: number): ProcessFrame[] {
    const frames: ProcessFrame[] = [];
    const fromMinute = Math.floor(from / 60_000) * 60_000;
    for (const row of this.statements.minuteRows.iterate(host, fromMinute, to) as Iterable<{ minute: number; data: Buffer }>) {
      frames.push(...decodeMinute(row.data));
    }
    for (const m of this.pendingMinutes)
      if (m.host === host && m.minute >= fromMinute && m.minute <= to) frames.push(...decodeMinute(m.data));
    const state = this.hosts.get(host);
    if (state && state.minute >= fromMinute) frames.push(...state.frames);
    return frames.filter((f) => f.ts >= from && f.ts <= to);
  }

  /** Rollups and retention, a bounded slice of work at a time so ingest and queries never stall. */
  private background(): void {
    try {
      this.rollups.step(this.now(), 30);
    } catch (error) {
      this.warn(`history: background work failed: ${(error as Error).message}`);
    }
  }

  /** Bytes the history database uses. */
  sizeBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** File size on disk, database and its SQLite WAL. */
  fileBytes(path: string): number {
    let total = 0;
    for (const p of [path, `${path}-wal`]) {
      try {
        total += statSync(p).size;
      } catch {}
    }
    return total;
  }

  /** Closes every open chunk (a clean shutdown), flushes, and closes the database. */
  close(): void {
    if (this.backgroundTimer) clearInterval(this.backgroundTimer);
    for (const [host, state] of this.hosts) {
      for (const series of this.dictionary.hostSeries(host)) this.closeHead(series, state);
      if (state.frames.length > 0) this.pendingMinutes.push({ host, minute: state.minute, data: encodeMinute(state.frames) });
      state.frames = [];
      state.minute = -1;
      state.trimDue = true;
    }
    this.flush();
    this.db.prepare('DELETE FROM wal').run();
    this.db.close();
  }

  /** Encoder specs by series id (query.ts decodes with them). */
  specOf(id: number): ColumnSpec | undefined {
    return this.dictionary.byId[id]?.spec;
  }
}
