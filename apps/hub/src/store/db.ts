import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order; PRAGMA user_version records how many ran. Never edit a migration
 * that has shipped: add one.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE hosts (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    machine_id TEXT,
    identity TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    run_id TEXT,
    last_acked_seq INTEGER
  );
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('agent', 'api', 'session', 'login-link')),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    role TEXT CHECK (role IN ('viewer', 'operator', 'admin')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER
  );
  CREATE INDEX tokens_user ON tokens(user_id);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    host_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    process_name TEXT,
    action TEXT NOT NULL,
    signal TEXT NOT NULL,
    ok INTEGER NOT NULL,
    result TEXT NOT NULL
  );
  -- The audit log is append-only: who signalled what must not be rewritten afterwards.
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  `
  CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('api', 'default', 'config')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL,
    rule_name TEXT NOT NULL,
    host_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL,
    value REAL,
    threshold REAL,
    message TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    fired_at INTEGER,
    resolved_at INTEGER,
    resolved_by TEXT,
    ack_by TEXT,
    ack_at INTEGER,
    comment TEXT,
    last_notified_at INTEGER
  );
  CREATE INDEX alerts_started ON alerts(started_at);
  CREATE INDEX alerts_open ON alerts(state) WHERE state != 'resolved';
  CREATE TABLE alert_transitions (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    severity TEXT NOT NULL,
    value REAL
  );
  CREATE INDEX alert_transitions_alert ON alert_transitions(alert_id);
  CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'api',
    created_at INTEGER NOT NULL,
    last_sent_at INTEGER,
    last_error TEXT
  );
  CREATE TABLE silences (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    rule_id INTEGER,
    until INTEGER,
    schedule TEXT,
    comment TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    alert_ids TEXT NOT NULL,
    ok INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT
  );
  CREATE INDEX notifications_at ON notifications(at);
  `,
];

/** Opens (creating if needed) the hub's database and brings its schema up to date. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL lets readers (API requests) run beside the writer; NORMAL sync is durable across process crashes.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`${path} was written by a newer Vigil (schema version ${version}, this one knows ${MIGRATIONS.length})`);
  }
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
