import type { ReportBasisKind } from '@vigil/schema';
import type { ProcessFrame, Series } from '../store/tsdb/index.ts';
import { hourAggregates, minuteAggregates, rawPoints } from '../store/tsdb/query.ts';
import type { SqliteStorage } from '../store/tsdb/storage.ts';
import type { Points } from './stats.ts';

/** A series as a report (or the API) sees it: its identity, not its encoder. */
export interface SeriesInfo {
  id: number;
  host: string;
  key: string;
  metric: string;
  labels: Record<string, string>;
}

/** What a report reads of the history: series, their points on a basis, and process-history frames. */
export interface ReportSource {
  now(): number;
  /** How long raw samples and per-minute aggregates are kept. */
  retention: { rawMs: number; minuteMs: number };
  /** The series of a host and metric (every label combination). */
  series(host: string, metric: string): Promise<SeriesInfo[]>;
  /** A series' points in [from, to]: raw samples, or per-minute / per-hour averages. */
  points(series: SeriesInfo, from: number, to: number, basis: ReportBasisKind): Promise<Points>;
  processFrames(host: string, from: number, to: number): Promise<ProcessFrame[]>;
  /** Problems met while reading (e.g. a corrupt chunk left out). */
  warnings: string[];
}

/**
 * A series' points on a basis, read from the embedded store. It keeps sums and counts of aggregates, so averages
 * stay the mean of every sample.
 */
export function pointsOf(
  storage: SqliteStorage,
  series: Series,
  from: number,
  to: number,
  basis: ReportBasisKind,
  warnings: string[],
): Points {
  if (basis === 'raw samples') {
    const raw = rawPoints(storage, series, from, to, warnings);
    let sum = 0;
    for (const v of raw.values) sum += v;
    return { ts: raw.ts, values: raw.values, mean: raw.values.length > 0 ? sum / raw.values.length : null, stepMs: null };
  }
  const stepMs = basis === 'per-minute averages' ? 60_000 : 3_600_000;
  const aggregates =
    basis === 'per-minute averages'
      ? minuteAggregates(storage, series, from, to, warnings)
      : hourAggregates(storage, series, from, to, warnings);
  let sum = 0;
  let count = 0;
  const ts: number[] = [];
  const values: number[] = [];
  for (const a of aggregates) {
    if (a.count === 0) continue;
    ts.push(a.ts);
    values.push(a.sum / a.count);
    sum += a.sum;
    count += a.count;
  }
  return { ts, values, mean: count > 0 ? sum / count : null, stepMs };
}

/**
 * The report's view of the embedded store in this thread. It reads series by series object, so the total CPU never
 * drags its per-core siblings along.
 */
export function storageSource(storage: SqliteStorage): ReportSource {
  const warnings: string[] = [];
  return {
    now: () => storage.now(),
    retention: storage.retention,
    series: async (host, metric) => storage.series({ host, metric }),
    async points(series, from, to, basis) {
      const s = storage.dictionary.byId[series.id];
      return s ? pointsOf(storage, s, from, to, basis, warnings) : { ts: [], values: [], mean: null, stepMs: null };
    },
    processFrames: async (host, from, to) => storage.processFrames(host, from, to),
    warnings,
  };
}
