import type { Role, UserInfo } from '@vigil/schema';
import type { Db } from './db.ts';

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
}

const toInfo = (row: UserRow): UserInfo => ({ id: row.id, name: row.name, role: row.role, createdAt: row.created_at });

/** Users and their password hashes. Names are case-insensitive. */
export class UserStore {
  constructor(private readonly db: Db) {}

  byName(name: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
  }
  byId(id: number): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }
  list(): UserInfo[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(toInfo);
  }
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }
  countAdmins(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
  }
  create(name: string, role: Role, passwordHash: string, now = Date.now()): UserInfo {
    const result = this.db
      .prepare('INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(name, role, passwordHash, now, now);
    return toInfo(this.byId(Number(result.lastInsertRowid)) as UserRow);
  }
  update(id: number, changes: { role?: Role; passwordHash?: string }, now = Date.now()): void {
    if (changes.role) this.db.prepare('UPDATE users SET role = ?, updated_at = ? WHERE id = ?').run(changes.role, now, id);
    if (changes.passwordHash)
      this.db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?').run(changes.passwordHash, now, id);
  }
  remove(id: number): void {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }
}

export { toInfo as userInfo };
