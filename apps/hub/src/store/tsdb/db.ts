import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type HistoryDb = Database.Database;

/** Tier numbers of the chunks table. */
export const TIER = { raw: 0, minute: 1, hour: 2 } as const;
export type Tier = (typeof TIER)[keyof typeof TIER];

/** Page size of a new history database. */
export const PAGE_SIZE = 65536;

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
  `
  -- Format 2 (issue 4). Chunks move to an ordinary rowid table: rows are appended in the order they are
  -- written, so pages fill up, and chunks of a few KB stay on their page (a WITHOUT ROWID row keeps at most
  -- ~1,000 bytes on a 4 KB page and spills the rest onto mostly empty overflow pages). Chunks keep their own
  -- format byte: those of format 1 are read as they are.
  CREATE TABLE chunks_v2 (
    id INTEGER PRIMARY KEY,
    series INTEGER NOT NULL,
    tier INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  INSERT INTO chunks_v2 (series, tier, start, end, count, data) SELECT series, tier, start, end, count, data FROM chunks ORDER BY tier, end;
  DROP TABLE chunks;
  ALTER TABLE chunks_v2 RENAME TO chunks;
  CREATE UNIQUE INDEX chunks_key ON chunks(series, tier, start);
  CREATE INDEX chunks_age ON chunks(tier, end);
  -- Write-ahead rows of format 2 (wal.ts), deleted at each host's checkpoint. Rows of format 1 wait in
  -- wal_v1 until the store has replayed them once.
  ALTER TABLE wal RENAME TO wal_v1;
  CREATE TABLE wal (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    ts INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  -- Per host: its open chunks and open process block when its write-ahead rows were last deleted.
  CREATE TABLE checkpoints (
    host TEXT PRIMARY KEY,
    ts INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  -- Process history in blocks of minutes (format 2, process-block.ts); format 1 rows are the minutes of
  -- before, moved here as they were.
  CREATE TABLE process_blocks (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    format INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  INSERT INTO process_blocks (host, start, end, format, data) SELECT host, minute, minute + 59999, 1, data FROM process_history ORDER BY minute;
  DROP TABLE process_history;
  CREATE UNIQUE INDEX process_blocks_key ON process_blocks(host, start);
  CREATE INDEX process_blocks_age ON process_blocks(end);
  `,
];

/** Opens the history database (data/history.db), separate from the hub's relational tables. */
export function openHistoryDb(path: string): HistoryDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // Both are set before the first table exists. Pages of 64 KB hold whole chunks of a few KB with little left
  // over (on 4 KB pages, a 3 KB chunk leaves a quarter of its page empty); incremental auto-vacuum lets
  // retention give space back. A database created with other settings keeps them.
  if ((db.pragma('user_version', { simple: true }) as number) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`${path} was written by a newer Vigil (history schema ${version})`);
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  // Tables a migration copied leave their old pages free: give them back.
  if (version > 0 && version < MIGRATIONS.length) db.pragma('incremental_vacuum');
  return db;
}
