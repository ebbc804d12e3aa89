import type { AuditEntry, Role } from '@vigil/schema';
import type { Db } from './db.ts';

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  actor_role: Role;
  host_id: string;
  pid: number;
  process_name: string | null;
  action: string;
  signal: string;
  ok: number;
  result: string;
}

/** The append-only record of process control (triggers in the schema refuse updates and deletes). */
export class AuditStore {
  constructor(private readonly db: Db) {}

  append(entry: Omit<AuditEntry, 'id'>): AuditEntry {
    const r = this.db
      .prepare(
        'INSERT INTO audit (at, actor, actor_role, host_id, pid, process_name, action, signal, ok, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.at,
        entry.actor,
        entry.actorRole,
        entry.hostId,
        entry.pid,
        entry.processName,
        entry.action,
        entry.signal,
        entry.ok ? 1 : 0,
        entry.result,
      );
    return { id: Number(r.lastInsertRowid), ...entry };
  }

  list(options: { limit: number; hostId?: string; before?: number }): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM audit WHERE (? IS NULL OR host_id = ?) AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?')
      .all(options.hostId ?? null, options.hostId ?? null, options.before ?? null, options.before ?? null, options.limit) as AuditRow[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      actorRole: r.actor_role,
      hostId: r.host_id,
      pid: r.pid,
      processName: r.process_name,
      action: r.action,
      signal: r.signal,
      ok: r.ok === 1,
      result: r.result,
    }));
  }
}
