import type { ReportBasisKind } from '@vigil/schema';
import type { ProcessFrame, Series } from '../store/tsdb/index.ts';
import { hourAggregates, minuteAggregates, rawPoints } from '../store/tsdb/query.ts';
import type { SqliteStorage } from '../store/tsdb/storage.ts';
import type { Points } from './stats.ts';

/** What a report reads of the history: series, their points on a basis, and process-history frames. */
export interface ReportSource {
  now(): number;
  /** How long raw samples and per-minute aggregates are kept. */
  retention: { rawMs: number; minuteMs: number };
  /** The series of a host and metric (every label combination). */
  series(host: string, metric: string): Series[];
  /** A series' points in [from, to]: raw samples, or per-minute / per-hour averages. */
  points(series: Series, from: number, to: number, basis: ReportBasisKind): Points;
  processFrames(host: string, from: number, to: number): ProcessFrame[];
  /** Problems met while reading (e.g. a corrupt chunk left out). */
  warnings: string[];
}

/**
 * The report's view of the embedded store. It reads series by series object (so the total CPU never drags its
 * per-core siblings along) and keeps sums and counts of aggregates, so averages stay the mean of every sample.
 */
export function storageSource(storage: SqliteStorage): ReportSource {
  const warnings: string[] = [];
  return {
    now: () => storage.now(),
    retention: storage.retention,
    series: (host, metric) => storage.series({ host, metric }),
    points(series, from, to, basis) {
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
    },
    processFrames: (host, from, to) => storage.processFrames(host, from, to),
    warnings,
  };
}
