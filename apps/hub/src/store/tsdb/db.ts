import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type HistoryDb = Database.Database;

/** Tier numbers of the chunks table. */
export const TIER = { raw: 0, minute: 1, hour: 2 } as const;
export type Tier = (typeof TIER)[keyof typeof TIER];

const MIGRATIONS = [
  `
  -- The series dictionary: a metric and its labels on one host, with the encoding its chunks use.
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    key TEXT NOT NULL,
    metric TEXT NOT NULL,
    labels TEXT NOT NULL,
    codec TEXT NOT NULL,
    decimals INTEGER NOT NULL,
    UNIQUE (host, key)
  );
  CREATE INDEX series_metric ON series(metric);
  -- Compressed chunks (codec.ts) of every tier: raw samples, and min/max/sum/count per minute and per hour.
  CREATE TABLE chunks (
    series INTEGER NOT NULL,
    tier INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (series, tier, start)
  ) WITHOUT ROWID;
  CREATE INDEX chunks_age ON chunks(tier, end);
  -- Write-ahead table: the samples of every acknowledged frame not yet in a closed chunk.
  CREATE TABLE wal (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    ts INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  -- The top processes of each frame, one compressed row per host and minute.
  CREATE TABLE process_history (
    host TEXT NOT NULL,
    minute INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (host, minute)
  ) WITHOUT ROWID;
  -- How far each series has been rolled up into the minute and hour tiers.
  CREATE TABLE rollups (
    series INTEGER NOT NULL,
    tier INTEGER NOT NULL,
    until INTEGER NOT NULL,
    PRIMARY KEY (series, tier)
  ) WITHOUT ROWID;
  `,
];

/** Opens the history database (data/history.db), separate from the hub's relational tables. */
export function openHistoryDb(path: string): HistoryDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // Set before the first table exists: lets retention give space back with incremental_vacuum.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -32000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`${path} was written by a newer Vigil (history schema ${version})`);
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
