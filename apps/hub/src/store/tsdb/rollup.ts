import { type Aggregate, aggregateRaw, mergeAggregates } from './aggregate.ts';
import { ChunkEncoder, type ColumnSpec } from './codec.ts';
import { TIER } from './db.ts';
import { minuteAggregates, rawPoints } from './query.ts';
import type { Series } from './series.ts';
import type { SqliteStorage } from './storage.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** A minute-tier chunk holds 2 hours (120 points); an hour-tier chunk 5 days (120 points). */
export const WINDOW = { [TIER.minute]: 2 * HOUR, [TIER.hour]: 5 * 24 * HOUR } as const;
/** A series with no sample for this long has nothing more to wait for: its last window can roll up. */
const IDLE_MS = 15 * MINUTE;
/** Retention runs at most this often. */
const RETENTION_EVERY_MS = 60_000;

/**
 * Min and max keep the series' precision; the sum is a float (kept exactly: near a decimal of the series'
 * precision, which the closed chunk uses); count is an integer.
 */
function aggregateSpecs(spec: ColumnSpec): ColumnSpec[] {
  const value: ColumnSpec = spec.codec === 'xor' ? spec : { codec: 'delta', decimals: spec.decimals };
  return [value, value, { codec: 'xor', decimals: spec.decimals }, { codec: 'delta', decimals: 0 }];
}

function encodeAggregates(spec: ColumnSpec, points: readonly Aggregate[]): ChunkEncoder {
  const encoder = new ChunkEncoder(aggregateSpecs(spec));
  for (const p of points) encoder.append(p.ts, [p.min, p.max, p.sum, p.count]);
  return encoder;
}

/**
 * Rolls closed raw chunks up into the minute tier (min, max, sum, count per minute, one chunk per 2 hours)
 * and minute chunks into the hour tier (one chunk per 5 days), as windows become complete, and applies
 * retention. Work is done in slices of a few milliseconds (`step`), so ingest and queries never wait.
 */
export class Rollups {
  private readonly untils = new Map<string, number>();
  private cursor = 0;
  private lastRetention = 0;
  private readonly save;
  private readonly statements;

  constructor(private readonly storage: SqliteStorage) {
    for (const row of storage.db.prepare('SELECT series, tier, until FROM rollups').iterate() as Iterable<{
      series: number;
      tier: number;
      until: number;
    }>) {
      this.untils.set(`${row.series}:${row.tier}`, row.until);
    }
    this.save = storage.db.prepare('INSERT OR REPLACE INTO rollups (series, tier, until) VALUES (?, ?, ?)');
    this.statements = {
      firstStart: storage.db.prepare('SELECT start FROM chunks WHERE series = ? AND tier = ? ORDER BY start LIMIT 1').pluck(),
      chunk: storage.db.prepare('INSERT OR REPLACE INTO chunks (series, tier, start, end, count, data) VALUES (?, ?, ?, ?, ?, ?)'),
    };
  }

  /** Everything of a series before this time is in the tier's chunks (0 when nothing is). */
  until(seriesId: number, tier: number): number {
    return this.untils.get(`${seriesId}:${tier}`) ?? 0;
  }

  /** Where the raw data of a series is complete up to (all later samples may still arrive). */
  private settled(series: Series, now: number): number {
    if (series.head && series.head.count > 0) return series.head.firstTs;
    if (now - series.lastTs > IDLE_MS) return Number.POSITIVE_INFINITY;
    return series.persistedEnd + 1;
  }

  private firstWindow(series: Series, tier: number): number | null {
    const source = tier === TIER.minute ? TIER.raw : TIER.minute;
    const start = this.statements.firstStart.get(series.id, source) as number | undefined;
    if (start === undefined) return null;
    const window = WINDOW[tier as 1 | 2];
    return Math.floor(start / window) * window;
  }

  /** Rolls up at most one window of one tier of a series; true if it did some work. */
  private rollOne(series: Series, tier: 1 | 2, now: number): boolean {
    const window = WINDOW[tier];
    const limit = tier === TIER.minute ? this.settled(series, now) : this.until(series.id, TIER.minute);
    let start = this.until(series.id, tier);
    if (start === 0) {
      // Nothing to start from yet (no raw chunk ever closed, no minute rolled up): no need to ask the database, which
      // for a fleet's first hour was a query per series per visit, a few % of a core (issue 3).
      if (tier === TIER.minute ? series.persistedEnd < 0 : limit === 0) return false;
      const first = this.firstWindow(series, tier);
      if (first === null) return false;
      start = first;
    }
    if (start + window > limit) return false;
    // Past the series' last sample there is nothing to roll up (yet): a series that has gone quiet stops here.
    if (tier === TIER.minute && start > series.lastTs) return false;
    const warnings: string[] = [];
    const points =
      tier === TIER.minute
        ? (() => {
            const raw = rawPoints(this.storage, series, start, start + window - 1, warnings);
            return aggregateRaw(raw.ts, raw.values, MINUTE);
          })()
        : mergeAggregates(minuteAggregates(this.storage, series, start, start + window - 1, warnings), HOUR);
    // step() holds the transaction.
    if (points.length > 0) {
      const encoder = encodeAggregates(series.spec, points);
      this.statements.chunk.run(series.id, tier, encoder.firstTs, encoder.lastTs, encoder.count, encoder.finish());
    }
    this.save.run(series.id, tier, start + window);
    this.untils.set(`${series.id}:${tier}`, start + window);
    return true;
  }

  /**
   * Does rollup work for about `budgetMs`, or, once a minute, retention instead: retention takes a slice of its own,
   * since with many series the rollup scan always spends its whole budget (a pass over a thousand hosts' series
   * takes seconds) and retention would never get what is left.
   */
  step(now: number, budgetMs: number): void {
    if (now - this.lastRetention >= RETENTION_EVERY_MS) {
      this.lastRetention = now;
      this.retain(now);
      return;
    }
    const deadline = performance.now() + budgetMs;
    const series = this.storage.dictionary.byId;
    const n = series.length;
    // One transaction for the whole slice of work: a commit per window cost more than the window.
    this.storage.db.transaction(() => {
      for (let visited = 0; visited < n && performance.now() < deadline; visited++) {
        this.cursor = (this.cursor + 1) % Math.max(1, n);
        const s = series[this.cursor];
        if (!s) continue;
        // Catch up a few windows per visit; long backlogs (a restored backup) drain over several steps.
        for (let i = 0; i < 4 && this.rollOne(s, TIER.minute, now); i++);
        for (let i = 0; i < 2 && this.rollOne(s, TIER.hour, now); i++);
      }
    })();
  }

  /**
   * Deletes what is past its age in each tier (raw only once rolled up), then, while the database is over
   * its size limit, the oldest raw chunks, then the oldest minute chunks. Space goes back to the file
   * system with incremental_vacuum.
   */
  retain(now: number): { deleted: number } {
    const { db, retention } = this.storage;
    let deleted = 0;
    const del = (sql: string, ...args: number[]) => {
      deleted += db.prepare(sql).run(...args).changes;
    };
    db.transaction(() => {
      del(
        `DELETE FROM chunks WHERE id IN (
           SELECT c.id FROM chunks c LEFT JOIN rollups r ON r.series = c.series AND r.tier = 1
           WHERE c.tier = 0 AND c.end < ? AND c.end < COALESCE(r.until, 0) LIMIT 5000)`,
        now - retention.rawMs,
      );
      del('DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE tier = 1 AND end < ? LIMIT 5000)', now - retention.minuteMs);
      del('DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE tier = 2 AND end < ? LIMIT 5000)', now - retention.hourMs);
      del('DELETE FROM process_blocks WHERE id IN (SELECT id FROM process_blocks WHERE end < ? LIMIT 5000)', now - retention.rawMs);
    })();
    for (let round = 0; round < 20 && this.storage.sizeBytes() > retention.maxBytes; round++) {
      const tier = (db.prepare('SELECT MIN(tier) AS t FROM chunks').get() as { t: number | null }).t;
      if (tier === null) break;
      del('DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE tier = ? ORDER BY end LIMIT 2000)', tier);
      if (tier === 0) del('DELETE FROM process_blocks WHERE id IN (SELECT id FROM process_blocks ORDER BY end LIMIT 200)');
    }
    if (deleted > 0) db.pragma('incremental_vacuum(4000)');
    return { deleted };
  }
}
