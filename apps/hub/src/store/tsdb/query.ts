import type { Statement } from 'better-sqlite3';
import { type Aggregate, aggregateRaw, mergeAggregates } from './aggregate.ts';
import { CorruptChunk, type DecodedChunk, decodeChunk } from './codec.ts';
import { type HistoryDb, TIER } from './db.ts';
import type { Series } from './series.ts';
import type { SqliteStorage } from './storage.ts';

export interface Query {
  /** Metric names (catalogue or custom). */
  metrics: readonly string[];
  /** Host ids; all hosts when absent. */
  hosts?: readonly string[];
  /** Label values a series must have (besides host). */
  labels?: Readonly<Record<string, string>>;
  /** Unix milliseconds, inclusive. */
  from: number;
  to: number;
  /** Bucket size in ms: absent for every raw sample; otherwise min/avg/max per bucket, from the tier that fits. */
  step?: number;
}

export type TierName = 'raw' | 'minute' | 'hour';

export interface QuerySeries {
  host: string;
  metric: string;
  labels: Record<string, string>;
  /** Raw: [ts, value]; aggregated: [ts, avg, min, max] with ts the bucket start. */
  points: number[][];
}

export interface QueryResult {
  from: number;
  to: number;
  step: number | null;
  tier: TierName;
  series: QuerySeries[];
  /** Problems that did not stop the query, e.g. a corrupt chunk whose samples are left out. */
  warnings: string[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The tier a query reads: from its step, and from how far back it reaches (older data lives in coarser tiers). */
export function chooseTier(step: number | undefined, from: number, now: number, retention: { rawMs: number; minuteMs: number }): TierName {
  let tier: TierName = step === undefined || step < MINUTE ? 'raw' : step < HOUR ? 'minute' : 'hour';
  if (tier === 'raw' && from < now - retention.rawMs) tier = 'minute';
  if (tier === 'minute' && from < now - retention.minuteMs) tier = 'hour';
  return tier;
}

interface ChunkRow {
  start: number;
  end: number;
  data: Buffer;
}

const chunkStatements = new WeakMap<HistoryDb, Statement>();

/** Chunks of a series and tier overlapping [from, to], oldest first (the statement is prepared once per database). */
function chunkRows(storage: SqliteStorage, series: number, tier: number, from: number, to: number): ChunkRow[] {
  let statement = chunkStatements.get(storage.db);
  if (!statement) {
    statement = storage.db.prepare(
      'SELECT start, end, data FROM chunks WHERE series = ? AND tier = ? AND start <= ? AND end >= ? ORDER BY start',
    );
    chunkStatements.set(storage.db, statement);
  }
  return statement.all(series, tier, to, from) as ChunkRow[];
}

/** Raw samples of a series in [from, to]: closed chunks, then the open one. */
export function rawPoints(
  storage: SqliteStorage,
  series: Series,
  from: number,
  to: number,
  warnings: string[],
): { ts: number[]; values: number[] } {
  const ts: number[] = [];
  const values: number[] = [];
  const take = (decoded: DecodedChunk) => {
    const column = decoded.columns[0] as Float64Array;
    for (let i = 0; i < decoded.timestamps.length; i++) {
      const t = decoded.timestamps[i] as number;
      if (t >= from && t <= to) {
        ts.push(t);
        values.push(column[i] as number);
      }
    }
  };
  for (const row of chunkRows(storage, series.id, TIER.raw, from, to)) {
    try {
      take(decodeChunk(row.data));
    } catch (error) {
      if (!(error instanceof CorruptChunk)) throw error;
      warnings.push(
        `${series.host} ${series.key}: the chunk ${new Date(row.start).toISOString()} to ${new Date(row.end).toISOString()} is corrupt (${error.message}); its samples are left out`,
      );
    }
  }
  if (series.head && series.head.count > 0 && series.head.lastTs >= from && series.head.firstTs <= to) take(series.head.samples());
  return { ts, values };
}

/** Aggregates of a tier's chunks in [from, to]. */
function tierAggregates(storage: SqliteStorage, series: Series, tier: number, from: number, to: number, warnings: string[]): Aggregate[] {
  const out: Aggregate[] = [];
  for (const row of chunkRows(storage, series.id, tier, from, to)) {
    try {
      const d = decodeChunk(row.data);
      const [min, max, sum, count] = d.columns as [Float64Array, Float64Array, Float64Array, Float64Array];
      for (let i = 0; i < d.timestamps.length; i++) {
        const t = d.timestamps[i] as number;
        if (t >= from && t <= to)
          out.push({ ts: t, min: min[i] as number, max: max[i] as number, sum: sum[i] as number, count: count[i] as number });
      }
    } catch (error) {
      if (!(error instanceof CorruptChunk)) throw error;
      warnings.push(
        `${series.host} ${series.key}: a ${tier === TIER.minute ? 'minute' : 'hour'} chunk from ${new Date(row.start).toISOString()} is corrupt (${error.message}); left out`,
      );
    }
  }
  return out;
}

/**
 * Per-minute aggregates of a series in [from, to]: the rolled-up minute tier where it exists, computed from
 * raw samples for the recent part not rolled up yet.
 */
export function minuteAggregates(storage: SqliteStorage, series: Series, from: number, to: number, warnings: string[]): Aggregate[] {
  const until = storage.rollups.until(series.id, TIER.minute);
  const rolled = until > from ? tierAggregates(storage, series, TIER.minute, from, Math.min(to, until - 1), warnings) : [];
  if (to >= until) {
    const raw = rawPoints(storage, series, Math.max(from, until), to, warnings);
    aggregateRaw(raw.ts, raw.values, MINUTE, rolled);
  }
  return rolled;
}

/** Per-hour aggregates of a series in [from, to]: the hour tier, completed from the minute tier for the recent part. */
export function hourAggregates(storage: SqliteStorage, series: Series, from: number, to: number, warnings: string[]): Aggregate[] {
  const until = storage.rollups.until(series.id, TIER.hour);
  const rolled = until > from ? tierAggregates(storage, series, TIER.hour, from, Math.min(to, until - 1), warnings) : [];
  if (to >= until) rolled.push(...mergeAggregates(minuteAggregates(storage, series, Math.max(from, until), to, warnings), HOUR));
  return rolled;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Runs a query against the store. */
export function runQuery(storage: SqliteStorage, query: Query): QueryResult {
  const warnings: string[] = [];
  const tier = chooseTier(query.step, query.from, storage.now(), storage.retention);
  const matching = [...storage.dictionary.all()].filter(
    (s) =>
      query.metrics.includes(s.metric) &&
      (!query.hosts || query.hosts.includes(s.host)) &&
      Object.entries(query.labels ?? {}).every(([k, v]) => s.labels[k] === v),
  );
  matching.sort((a, b) => a.host.localeCompare(b.host) || a.key.localeCompare(b.key));
  const out: QuerySeries[] = [];
  for (const series of matching) {
    let points: number[][];
    if (tier === 'raw' && !query.step) {
      const raw = rawPoints(storage, series, query.from, query.to, warnings);
      points = raw.ts.map((t, i) => [t, raw.values[i] as number]);
    } else {
      const step = query.step ?? MINUTE;
      let aggregates: Aggregate[];
      if (tier === 'raw') {
        const raw = rawPoints(storage, series, query.from, query.to, warnings);
        aggregates = aggregateRaw(raw.ts, raw.values, step);
      } else if (tier === 'minute') aggregates = mergeAggregates(minuteAggregates(storage, series, query.from, query.to, warnings), step);
      else aggregates = mergeAggregates(hourAggregates(storage, series, query.from, query.to, warnings), step);
      points = aggregates.map((a) => [a.ts, round(a.sum / a.count), a.min, a.max]);
    }
    if (points.length > 0) out.push({ host: series.host, metric: series.metric, labels: series.labels, points });
  }
  return { from: query.from, to: query.to, step: query.step ?? null, tier, series: out, warnings };
}
