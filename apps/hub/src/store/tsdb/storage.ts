import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { type Frame, METRICS, seriesKey } from '@vigil/schema';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { ChunkEncoder, type ColumnSpec } from './codec.ts';
import { type HistoryDb, openHistoryDb, TIER } from './db.ts';
import { type FrameRecord, ProcessDecoder, type SeriesShape, ShapeTracker, ValueBuffer } from './frame-record.ts';
import { OpenBlock } from './open-block.ts';
import { type ProcessFrame, type ProcessSample, type TopConsumer, topConsumers } from './process-history.ts';
import { BLOCK_MS, type PendingBlock, ProcessBlocks } from './process-store.ts';
import { type Query, type QueryResult, runQuery } from './query.ts';
import { Rollups } from './rollup.ts';
import { type Series, SeriesDictionary, specOf } from './series.ts';
import { decodeRow, decodeRowV1, encodeCustomRow, encodeFrameRow, WalContext, type WalRow } from './wal.ts';

export interface StorageOptions {
  /** The history database file (or ':memory:'). */
  path: string;
  retention?: Partial<Retention>;
  /** Samples per raw chunk (a series' first chunk after a start is shortened by up to half, staggered). */
  chunkSamples?: number;
  /** A raw chunk closes after this long even if not full (so rollups move on at long intervals). */
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

/** A host checkpoints at least this often by rows (hosts sending faster than once a second), else with each process block. */
const CHECKPOINT_ROWS = 2400;
/** An open chunk whose series has sent nothing for this long is closed at the host's next checkpoint. */
const IDLE_CLOSE_MS = 10 * 60_000;
/**
 * Rollups and retention run on the main thread in slices of BACKGROUND_SLICE_MS every BACKGROUND_EVERY_MS: 30 ms of
 * work a second, as in one 30 ms slice a second before, but no frame waits behind more than a few milliseconds of
 * it. With a thousand hosts a pass over their series takes seconds, so the 30 ms slice ran whole every second, and at
 * the hub's busiest every stall of the event loop delays the frames queued behind it several times over (bench:hub,
 * issue 3).
 */
const BACKGROUND_EVERY_MS = 100;
const BACKGROUND_SLICE_MS = 3;

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

interface HostState {
  id: string;
  /** Timestamp of the latest frame taken: older or equal frames are duplicates. */
  lastTs: number;
  /** Per-host stagger (ms): process blocks and checkpoints of different hosts fall at different moments. */
  offsetMs: number;
  /** The open process block: its start (-1: none) and frames. */
  blockStart: number;
  block: OpenBlock;
  /** Whether a block stored at the last clean shutdown was looked for (its frames continue in the open block). */
  blockLoaded: boolean;
  /** Write-ahead rows since the last checkpoint: ids of those written, and how many in all (pending too). */
  walIds: number[];
  walRows: number;
  wal: WalContext;
  checkpointDue: boolean;
  /** The series of the latest frame, in the catalogue's order: the next frame usually has the same. */
  shape: Series[];
  /** The shape of the frames given to append() here (frames from the history thread's records carry theirs). */
  tracker: ShapeTracker | null;
  decoder: ProcessDecoder;
  /** 10^decimals per position of the shape (0: a float series), for the write-ahead rows. */
  factors: number[];
}

interface PendingRow {
  state: HostState;
  ts: number;
  data: Buffer;
}

const factorOf = (spec: ColumnSpec) => (spec.codec === 'xor' ? 0 : 10 ** spec.decimals);

/**
 * Vigil's embedded time-series store on SQLite (see DESIGN.md): a series dictionary; per series an open raw
 * chunk in memory (codec.ts); closed chunks as checksummed blobs keyed by (series, tier, start); minute and
 * hour tiers rolled up from closed chunks in the background (rollup.ts); retention by age per tier and by
 * size; process history per host in blocks of minutes (process-block.ts). Every frame is made durable by a
 * write-ahead row (wal.ts) until its host's next checkpoint (checkpoint.ts: the host's open chunks and open
 * process block), which replaces that host's rows: the write-ahead table holds minutes, not hours.
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
  private pendingBlocks: PendingBlock[] = [];
  private callbacks: (() => void)[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly flushIntervalMs: number;
  private backgroundTimer: NodeJS.Timeout | null = null;
  private readonly statements;
  private readonly blocks: ProcessBlocks;
  // Reused per frame by append().
  private readonly frameIds: number[] = [];
  private readonly frameValues: number[] = [];
  private readonly valueBuffer = new ValueBuffer();
  /** Samples taken since start, for statistics. */
  samplesAppended = 0;

  constructor(options: StorageOptions) {
    this.db = openHistoryDb(options.path);
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.chunkSamples = options.chunkSamples ?? 3600;
    this.chunkSpanMs = options.chunkSpanMs ?? 2 * 3600 * 1000;
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? (() => {});
    this.dictionary = new SeriesDictionary(this.db);
    this.statements = {
      wal: this.db.prepare('INSERT INTO wal (host, ts, data) VALUES (?, ?, ?)'),
      walDelete: this.db.prepare('DELETE FROM wal WHERE id = ?'),
      chunk: this.db.prepare('INSERT OR REPLACE INTO chunks (series, tier, start, end, count, data) VALUES (?, ?, ?, ?, ?, ?)'),
      checkpoint: this.db.prepare('INSERT OR REPLACE INTO checkpoints (host, ts, data) VALUES (?, ?, ?)'),
    };
    this.blocks = new ProcessBlocks(this.db, () => this.pendingBlocks);
    this.rollups = new Rollups(this);
    this.recover();
    if (options.background !== false) {
      this.backgroundTimer = setInterval(() => this.background(), BACKGROUND_EVERY_MS);
      this.backgroundTimer.unref();
    }
  }

  private host(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      // A stable offset per host (from its name) staggers blocks and chunk closes across hosts, also after a restart.
      const hash = createHash('sha1').update(host).digest().readUInt32LE(0);
      let lastTs = -1;
      for (const series of this.dictionary.hostSeries(host)) if (series.lastTs > lastTs) lastTs = series.lastTs;
      state = {
        id: host,
        lastTs,
        offsetMs: (hash % (BLOCK_MS / 1000)) * 1000,
        blockStart: -1,
        block: new OpenBlock(),
        blockLoaded: false,
        walIds: [],
        walRows: 0,
        wal: new WalContext(),
        checkpointDue: false,
        shape: [],
        factors: [],
        tracker: null,
        decoder: new ProcessDecoder(),
      };
      this.hosts.set(host, state);
    }
    return state;
  }

  /** Restores checkpoints, then replays the write-ahead rows written after them (after a restart or a crash). */
  private recover(): void {
    for (const row of this.db.prepare('SELECT host, data FROM checkpoints').iterate() as Iterable<{ host: string; data: Buffer }>) {
      const state = this.host(row.host);
      try {
        const c = decodeCheckpoint(row.data);
        state.lastTs = Math.max(state.lastTs, c.lastTs);
        state.blockStart = c.blockStart;
        state.block = OpenBlock.from(c.block);
        state.blockLoaded = true;
        for (const h of c.heads) {
          const series = this.dictionary.byId[h.series];
          const head = ChunkEncoder.restore(h.chunk);
          // A head closed after the checkpoint is in the chunks table already.
          if (!series || head.count === 0 || head.firstTs <= series.persistedEnd) continue;
          series.head = head;
          series.headLimit = this.chunkSamples;
          series.lastTs = head.lastTs;
        }
      } catch (error) {
        this.warn(`history: the checkpoint of ${row.host} is unreadable (${(error as Error).message}); its open chunks are lost`);
      }
    }
    let frames = 0;
    const legacy = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'wal_v1'").get();
    if (legacy) {
      // Rows of the first format may hold frames whose processes are in a stored minute already.
      const stored = this.db.prepare('SELECT MAX(end) FROM process_blocks WHERE host = ?').pluck();
      const processesUntil = new Map<string, number>();
      for (const row of this.db.prepare('SELECT host, ts, data FROM wal_v1 ORDER BY id').iterate() as Iterable<{
        host: string;
        ts: number;
        data: Buffer;
      }>) {
        const decoded = decodeRowV1(row.data);
        // A custom sample had a row of its own, without processes; a frame always carries host_up and more.
        decoded.custom = decoded.ids.length === 1 && decoded.processes.length === 0;
        let until = processesUntil.get(row.host);
        if (until === undefined) {
          until = (stored.get(row.host) as number | null) ?? -1;
          processesUntil.set(row.host, until);
        }
        if (this.replay(row.host, row.ts, decoded, row.ts > until)) frames++;
      }
    }
    for (const row of this.db.prepare('SELECT id, host, ts, data FROM wal ORDER BY id').iterate() as Iterable<{
      id: number;
      host: string;
      ts: number;
      data: Buffer;
    }>) {
      const state = this.host(row.host);
      state.walIds.push(row.id);
      state.walRows++;
      const decoded = decodeRow(state.wal, row.data, (id) => {
        const spec = this.dictionary.byId[id]?.spec;
        return spec ? factorOf(spec) : 0;
      });
      // Every row postdates its host's checkpoint (older ones went with it).
      if (this.replay(row.host, row.ts, decoded, true)) frames++;
    }
    if (frames > 0) this.warn(`history: replayed ${frames} frames from the write-ahead table`);
    if (legacy) {
      // Rows of the first format are now in open chunks: checkpoint every host, and they can go.
      for (const state of this.hosts.values()) state.checkpointDue = true;
      this.flush();
      this.db.exec('DROP TABLE wal_v1');
    }
    // Chunks the replay closed are written now, so that queries see them at once.
    this.flush();
  }

  /** Applies a write-ahead row (its processes too if `takeFrame`); true if it was a frame. */
  private replay(host: string, ts: number, row: WalRow, takeFrame: boolean): boolean {
    const state = this.host(host);
    for (let i = 0; i < row.ids.length; i++) {
      const series = this.dictionary.byId[row.ids[i] as number];
      // Samples already in a closed chunk or the restored head are skipped (appendSample checks lastTs).
      if (series) this.appendSample(series, state, ts, row.values[i] as number);
    }
    if (row.custom || !takeFrame) return false;
    this.takeProcesses(state, ts, row.processes);
    if (ts > state.lastTs) state.lastTs = ts;
    return true;
  }

  private appendSample(series: Series, state: HostState, ts: number, value: number): void {
    if (ts <= series.lastTs) return; // stored already (a resent frame): never reopens or closes a chunk
    let head = series.head;
    if (head && (head.count >= series.headLimit || ts - head.firstTs >= this.chunkSpanMs || !head.accepts(ts))) {
      this.closeHead(series);
      head = null;
    }
    if (!head) {
      head = new ChunkEncoder([series.spec]);
      series.head = head;
      series.headLimit = this.chunkSamples;
      if (!series.staggered) {
        // The first chunk of each series after a start is shortened, differently per series and host, so that
        // a host's series (and hosts) do not all close their chunks in the same second.
        series.staggered = true;
        const half = Math.max(1, Math.floor(this.chunkSamples / 2));
        series.headLimit = Math.max(1, this.chunkSamples - ((state.offsetMs / 1000 + series.id * 7919) % half));
      }
    }
    head.appendOne(ts, value);
    series.lastTs = ts;
    this.samplesAppended++;
  }

  private closeHead(series: Series): void {
    const head = series.head;
    if (!head) return;
    series.head = null;
    if (head.count === 0) return;
    this.pendingChunks.push({ series: series.id, start: head.firstTs, end: head.lastTs, count: head.count, data: head.finish() });
    series.persistedEnd = head.lastTs;
    this.scheduleFlush();
  }

  /** Adds a frame's processes to the host's open block, closing the block (and checkpointing) at its end. */
  private takeProcesses(state: HostState, ts: number, processes: ProcessSample[]): void {
    if (state.blockStart < 0 || ts >= state.blockStart + BLOCK_MS) {
      if (this.closeBlock(state)) state.checkpointDue = true;
      state.blockStart = Math.floor((ts - state.offsetMs) / BLOCK_MS) * BLOCK_MS + state.offsetMs;
      if (!state.blockLoaded) {
        // After a clean shutdown, the block it wrote for this period continues.
        state.blockLoaded = true;
        state.block = OpenBlock.from(this.blocks.at(state.id, state.blockStart).filter((f) => f.ts < ts));
      }
    }
    state.block.push(ts, processes);
  }

  /** Queues the open process block for writing, if it has frames, and starts an empty one. */
  private closeBlock(state: HostState): boolean {
    const block = state.block;
    state.block = new OpenBlock();
    if (block.empty) return false;
    this.pendingBlocks.push({ host: state.id, start: state.blockStart, end: block.lastTs, data: Buffer.from(block.encode()) });
    return true;
  }

  append(host: string, frame: Frame, durable?: () => void): void {
    const state = this.host(host);
    if (frame.ts <= state.lastTs) {
      // A frame resent after a lost acknowledgement: it is stored already.
      this.afterCommit(durable);
      return;
    }
    state.tracker ??= new ShapeTracker();
    const buffer = this.valueBuffer;
    buffer.length = 0;
    this.appendRecord(host, state.tracker.extract(frame, buffer), buffer.values, durable);
  }

  /**
   * Takes a frame as ShapeTracker.extract gave it (in this thread, or in the hub's main thread when the store runs in
   * the history thread): its values are `values[record.offset ..]`, in the shape of the host's previous record
   * unless this one carries a shape.
   */
  appendRecord(host: string, record: FrameRecord, values: ArrayLike<number>, durable?: () => void): void {
    const state = this.host(host);
    // The shape and the processes' strings first: a duplicate still describes the frames after it.
    if (record.shape) this.reshape(state, record.shape);
    const processes = state.decoder.decode(record, values);
    const ts = record.ts;
    if (ts <= state.lastTs) {
      this.afterCommit(durable);
      return;
    }
    const shape = state.shape;
    const n = record.count;
    if (shape.length !== n) throw new RangeError(`a frame of ${host} has ${n} values for ${shape.length} series`);
    const ids = this.frameIds;
    const frameValues = this.frameValues;
    for (let i = 0; i < n; i++) {
      const series = shape[i] as Series;
      const value = values[record.offset + i] as number;
      this.appendSample(series, state, ts, value);
      ids[i] = series.id;
      frameValues[i] = value;
    }
    this.takeProcesses(state, ts, processes);
    state.lastTs = ts;
    this.pushWal(state, ts, encodeFrameRow(state.wal, ids, frameValues, state.factors, n, processes));
    if (record.custom) {
      const customIds: number[] = [];
      const customValues: number[] = [];
      for (const custom of record.custom) {
        const result = this.customSeries(host, custom);
        if (typeof result === 'string') continue;
        this.appendSample(result, state, ts, custom.value);
        customIds.push(result.id);
        customValues.push(custom.value);
      }
      if (customIds.length > 0) this.pushWal(state, ts, encodeCustomRow(customIds, customValues));
    }
    if (durable) this.callbacks.push(durable);
    this.scheduleFlush();
  }

  /** Calls `durable` after the next commit, with the frames taken before it (a duplicate, a frame left out). */
  afterCommit(durable: (() => void) | undefined): void {
    if (durable) this.callbacks.push(durable);
    this.scheduleFlush();
  }

  /** Forgets a host's record shape and processes (its next record must carry them: the sender starts afresh). */
  forgetRecords(host: string): void {
    const state = this.host(host);
    state.shape = [];
    state.factors = [];
    state.decoder = new ProcessDecoder();
  }

  /** The series of each position of a host's frames, from a shape (created on first sight). */
  private reshape(state: HostState, shape: SeriesShape): void {
    const series: Series[] = [];
    const factors: number[] = [];
    for (let i = 0; i < shape.metrics.length; i++) {
      const name = shape.metrics[i] as string;
      const metric = METRICS.get(name);
      if (!metric) throw new RangeError(`a frame's shape names "${name}", which is not in the catalogue`);
      const labelValues = shape.labels[i] ?? undefined;
      const key = labelValues ? seriesKey(metric, labelValues) : metric.name;
      const s = this.dictionary.get(state.id, key) ?? this.dictionary.getOrCreate(state.id, key, metric.name, specOf(metric));
      series.push(s);
      factors.push(factorOf(s.spec));
    }
    state.shape = series;
    state.factors = factors;
  }

  private pushWal(state: HostState, ts: number, data: Buffer): void {
    this.pendingWal.push({ state, ts, data });
    if (++state.walRows >= CHECKPOINT_ROWS) state.checkpointDue = true;
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
    let accepted = 0;
    // Each custom sample is kept with its own timestamp, in a write-ahead row of its own.
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
      this.pushWal(state, ts, encodeCustomRow([series.id], [sample.value]));
      accepted++;
    });
    this.scheduleFlush();
    return { accepted, rejected };
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  /**
   * Writes pending WAL rows, closed chunks and process blocks, and the checkpoints that are due (which replace
   * their host's rows), in one transaction; then acknowledges.
   */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const due: HostState[] = [];
    for (const state of this.hosts.values()) if (state.checkpointDue) due.push(state);
    for (const state of due) this.closeIdleHeads(state);
    const wal = this.pendingWal;
    const chunks = this.pendingChunks;
    const blocks = this.pendingBlocks;
    const callbacks = this.callbacks;
    this.pendingWal = [];
    this.pendingChunks = [];
    this.pendingBlocks = [];
    this.callbacks = [];
    if (wal.length + chunks.length + blocks.length + due.length > 0 || this.dictionary.hasPending()) {
      this.db.transaction(() => {
        this.dictionary.writePending();
        const insert = this.statements.wal;
        // Rows of a host that checkpoints now are not written: the checkpoint holds what they hold.
        for (const row of wal)
          if (!row.state.checkpointDue) row.state.walIds.push(Number(insert.run(row.state.id, row.ts, row.data).lastInsertRowid));
        for (const c of chunks) this.statements.chunk.run(c.series, TIER.raw, c.start, c.end, c.count, c.data);
        for (const b of blocks) this.blocks.write(b);
        for (const state of due) this.checkpoint(state);
      })();
    }
    for (const callback of callbacks) callback();
  }

  /** Closes the open chunks of a host's series that have sent nothing for a while (gone or intermittent). */
  private closeIdleHeads(state: HostState): void {
    for (const series of this.dictionary.hostSeries(state.id))
      if (series.head && series.lastTs < state.lastTs - IDLE_CLOSE_MS) this.closeHead(series);
  }

  /** Writes a host's checkpoint and deletes its write-ahead rows (inside flush's transaction). */
  private checkpoint(state: HostState): void {
    const heads: { series: number; chunk: Uint8Array }[] = [];
    for (const series of this.dictionary.hostSeries(state.id))
      if (series.head && series.head.count > 0) heads.push({ series: series.id, chunk: series.head.snapshot() });
    const data = encodeCheckpoint({
      lastTs: state.lastTs,
      blockStart: state.blockStart,
      block: state.block.empty ? new Uint8Array(0) : state.block.encode(),
      heads,
    });
    this.statements.checkpoint.run(state.id, state.lastTs, data);
    for (const id of state.walIds) this.statements.walDelete.run(id);
    state.walIds = [];
    state.walRows = 0;
    state.wal.reset();
    state.checkpointDue = false;
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

  processesAt(host: string, ts: number): ProcessFrame | null {
    // The frames of the latest minute at or before the moment's that has any; in it, the last frame at or
    // before the moment, else the first after it.
    const limit = Math.floor(ts / 60_000) * 60_000 + 59_999;
    let latest = this.processFrames(host, limit - BLOCK_MS, limit).at(-1);
    if (!latest) {
      const state = this.hosts.get(host);
      const candidates = [...this.blocks.lastBlockBefore(host, limit), ...(state ? state.block.frames() : [])].filter((f) => f.ts <= limit);
      for (const f of candidates) if (!latest || f.ts > latest.ts) latest = f;
    }
    if (!latest) return null;
    const minute = Math.floor(latest.ts / 60_000) * 60_000;
    const frames = this.processFrames(host, minute, minute + 59_999);
    let best: ProcessFrame | null = null;
    for (const f of frames) if (f.ts <= ts && (!best || f.ts > best.ts)) best = f;
    return best ?? frames.find((f) => f.ts > ts) ?? null;
  }

  topProcesses(host: string, from: number, to: number, by: 'cpu' | 'memory' | 'io', limit = 20): TopConsumer[] {
    return topConsumers(this.processFrames(host, from, to), by, limit);
  }

  processFrames(host: string, from: number, to: number): ProcessFrame[] {
    const frames = this.blocks.frames(host, from, to);
    const state = this.hosts.get(host);
    const inRange = frames.filter((f) => f.ts >= from && f.ts <= to);
    if (state) inRange.push(...state.block.frames(from, to));
    return inRange;
  }

  /** Rollups and retention, a bounded slice of work at a time so ingest and queries never stall. */
  private background(): void {
    try {
      this.rollups.step(this.now(), BACKGROUND_SLICE_MS);
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

  /** Closes every open chunk and process block (a clean shutdown), flushes, and closes the database. */
  close(): void {
    if (this.backgroundTimer) clearInterval(this.backgroundTimer);
    for (const state of this.hosts.values()) {
      for (const series of this.dictionary.hostSeries(state.id)) this.closeHead(series);
      this.closeBlock(state);
      state.checkpointDue = true;
    }
    this.flush();
    this.db.exec('DELETE FROM wal; DELETE FROM checkpoints');
    this.db.close();
  }

  /** Encoder specs by series id (query.ts decodes with them). */
  specOf(id: number): ColumnSpec | undefined {
    return this.dictionary.byId[id]?.spec;
  }
}
