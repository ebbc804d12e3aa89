import type { MetricDef } from '@vigil/schema';
import type { ChunkEncoder, ColumnSpec } from './codec.ts';
import type { HistoryDb } from './db.ts';

/** One series in memory: its identity, encoding, open raw chunk and progress. */
export interface Series {
  id: number;
  host: string;
  /** `metric{label="value",...}` */
  key: string;
  metric: string;
  labels: Record<string, string>;
  spec: ColumnSpec;
  /** The open raw chunk (samples not yet in the chunks table, but in the WAL). */
  head: ChunkEncoder | null;
  /** How many samples the open chunk takes before it closes (staggered per host). */
  headLimit: number;
  /** Timestamp of the last sample taken (in the head or a closed chunk). */
  lastTs: number;
  /** End of the last raw chunk written to the table. */
  persistedEnd: number;
  /** Its first chunk since the store started was shortened (so that series do not all close at once). */
  staggered?: boolean;
}

/** The encoding of a catalogue metric: decimal with delta for gauges, delta-of-delta for counters. */
export function specOf(metric: MetricDef | undefined): ColumnSpec {
  if (!metric) return { codec: 'xor', decimals: 0 };
  return { codec: metric.kind === 'counter' ? 'dod' : 'delta', decimals: metric.decimals };
}

/** Parses the labels out of a series key written by seriesKey(). */
export function labelsOfKey(key: string): Record<string, string> {
  const open = key.indexOf('{');
  if (open < 0) return {};
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of key.slice(open).matchAll(re))
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** The series dictionary: ids by host and key, persisted in the series table. */
export class SeriesDictionary {
  readonly byId: Series[] = [];
  private readonly byHost = new Map<string, Map<string, Series>>();
  private readonly insert;
  private nextId: number;
  private pending: unknown[][] = [];

  constructor(db: HistoryDb) {
    this.insert = db.prepare('INSERT INTO series (id, host, key, metric, labels, codec, decimals) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.nextId = ((db.prepare('SELECT max(id) FROM series').pluck().get() as number | null) ?? 0) + 1;
    // The last raw chunk of each series, found through the key index (chunks never overlap within a series).
    const last = db.prepare('SELECT end FROM chunks WHERE series = ? AND tier = 0 ORDER BY start DESC LIMIT 1').pluck();
    type Row = { id: number; host: string; key: string; metric: string; labels: string; codec: ColumnSpec['codec']; decimals: number };
    for (const row of db.prepare('SELECT * FROM series').iterate() as Iterable<Row>) {
      const end = (last.get(row.id) as number | undefined) ?? -1;
      this.add({
        id: row.id,
        host: row.host,
        key: row.key,
        metric: row.metric,
        labels: JSON.parse(row.labels),
        spec: { codec: row.codec, decimals: row.decimals },
        head: null,
        headLimit: 0,
        lastTs: end,
        persistedEnd: end,
      });
    }
  }

  private add(series: Series): void {
    this.byId[series.id] = series;
    let perHost = this.byHost.get(series.host);
    if (!perHost) {
      perHost = new Map();
      this.byHost.set(series.host, perHost);
    }
    perHost.set(series.key, series);
  }

  get(host: string, key: string): Series | undefined {
    return this.byHost.get(host)?.get(key);
  }

  /** The series of a key on a host, created (and persisted) on first sight. */
  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Writes the series created since the last call (call inside the flush's transaction, before anything refers to them). */
  writePending(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    for (const row of rows) this.insert.run(...row);
  }

  getOrCreate(host: string, key: string, metric: string, spec: ColumnSpec): Series {
    const existing = this.byHost.get(host)?.get(key);
    if (existing) return existing;
    const labels = labelsOfKey(key);
    // Written with the next flush, in its transaction, before the write-ahead rows that refer to it: a host's first
    // frame creates a few hundred series, one transaction each would cost more than the rest of its ingest.
    const id = this.nextId++;
    this.pending.push([id, host, key, metric, JSON.stringify(labels), spec.codec, spec.decimals]);
    const series: Series = { id, host, key, metric, labels, spec, head: null, headLimit: 0, lastTs: -1, persistedEnd: -1 };
    this.add(series);
    return series;
  }

  hostSeries(host: string): Iterable<Series> {
    return this.byHost.get(host)?.values() ?? [];
  }

  hosts(): string[] {
    return [...this.byHost.keys()];
  }

  all(): Iterable<Series> {
    return this.byId.filter(Boolean);
  }
}
