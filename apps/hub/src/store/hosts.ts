import type { HostIdentity } from '@vigil/schema';
import type { Db } from './db.ts';

export interface HostRecord {
  id: string;
  hostname: string;
  machineId: string | null;
  identity: HostIdentity;
  tags: string[];
  firstSeen: number;
  lastSeen: number;
  runId: string | null;
  lastAckedSeq: number | null;
}

interface HostRow {
  id: string;
  hostname: string;
  machine_id: string | null;
  identity: string;
  tags: string;
  first_seen: number;
  last_seen: number;
  run_id: string | null;
  last_acked_seq: number | null;
}

const fromRow = (r: HostRow): HostRecord => ({
  id: r.id,
  hostname: r.hostname,
  machineId: r.machine_id,
  identity: JSON.parse(r.identity) as HostIdentity,
  tags: JSON.parse(r.tags) as string[],
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  runId: r.run_id,
  lastAckedSeq: r.last_acked_seq,
});

/** The id of a host: its name, lower case, with anything but letters, digits, dot, dash and underscore as "-". */
export function hostIdOf(hostname: string): string {
  return (
    hostname
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .slice(0, 128) || 'host'
  );
}

/** Hosts that ever connected. Progress (last seen, last acknowledged frame) is written in batches by the ingest. */
export class HostStore {
  constructor(private readonly db: Db) {}

  all(): HostRecord[] {
    return (this.db.prepare('SELECT * FROM hosts ORDER BY id').all() as HostRow[]).map(fromRow);
  }

  get(id: string): HostRecord | undefined {
    const row = this.db.prepare('SELECT * FROM hosts WHERE id = ?').get(id) as HostRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Records a host's hello: creates it or refreshes its identity. */
  upsert(identity: HostIdentity, now = Date.now()): HostRecord {
    const id = hostIdOf(identity.hostname);
    this.db
      .prepare(
        `INSERT INTO hosts (id, hostname, machine_id, identity, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, machine_id = excluded.machine_id, identity = excluded.identity, last_seen = excluded.last_seen`,
      )
      .run(id, identity.hostname, identity.machineId, JSON.stringify(identity), now, now);
    return this.get(id) as HostRecord;
  }

  /** Saves delivery progress of many hosts in one transaction. */
  saveProgress(updates: { id: string; lastSeen: number; runId: string; lastAckedSeq: number }[]): void {
    const statement = this.db.prepare('UPDATE hosts SET last_seen = ?, run_id = ?, last_acked_seq = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const u of updates) statement.run(u.lastSeen, u.runId, u.lastAckedSeq, u.id);
    })();
  }

  setTags(id: string, tags: string[]): void {
    this.db.prepare('UPDATE hosts SET tags = ? WHERE id = ?').run(JSON.stringify(tags), id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM hosts WHERE id = ?').run(id).changes > 0;
  }
}
