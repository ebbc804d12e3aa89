import { randomBytes } from 'node:crypto';
import type { Role, TokenInfo } from '@vigil/schema';
import type { Db } from './db.ts';

export type StoredTokenKind = 'agent' | 'api' | 'session' | 'login-link';

export interface TokenRow {
  id: string;
  kind: StoredTokenKind;
  name: string;
  hash: string;
  prefix: string;
  user_id: number | null;
  role: Role | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  user_name?: string | null;
}

/** How often last_used_at is written for a token in use: a hot token would otherwise write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Agent tokens, API tokens, browser sessions and one-time login links: all stored as hashes only. */
export class TokenStore {
  constructor(private readonly db: Db) {}

  create(
    row: {
      kind: StoredTokenKind;
      name: string;
      hash: string;
      prefix: string;
      userId: number | null;
      role: Role | null;
      expiresAt: number | null;
    },
    now = Date.now(),
  ): string {
    const id = randomBytes(8).toString('hex');
    this.db
      .prepare(
        'INSERT INTO tokens (id, kind, name, hash, prefix, user_id, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, row.kind, row.name, row.hash, row.prefix, row.userId, row.role, now, row.expiresAt);
    return id;
  }

  /** A usable token by its hash: not revoked, not expired. */
  findActive(hash: string, now = Date.now()): TokenRow | undefined {
    const row = this.db
      .prepare(
        'SELECT tokens.*, users.name AS user_name FROM tokens LEFT JOIN users ON users.id = tokens.user_id WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
      )
      .get(hash, now) as TokenRow | undefined;
    if (row && (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS)) {
      this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(now, row.id);
    }
    return row;
  }

  byId(id: string): TokenRow | undefined {
    return this.db
      .prepare('SELECT tokens.*, users.name AS user_name FROM tokens LEFT JOIN users ON users.id = tokens.user_id WHERE tokens.id = ?')
      .get(id) as TokenRow | undefined;
  }

  /** Agent and API tokens (sessions and login links are not listed). */
  list(): TokenInfo[] {
    const rows = this.db
      .prepare(
        "SELECT tokens.*, users.name AS user_name FROM tokens LEFT JOIN users ON users.id = tokens.user_id WHERE kind IN ('agent', 'api') ORDER BY created_at",
      )
      .all() as TokenRow[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as 'agent' | 'api',
      name: r.name,
      prefix: r.prefix,
      user: r.user_name ?? null,
      role: r.role,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  revoke(id: string, now = Date.now()): boolean {
    return this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  /** Ends a session (logout) or uses up a login link. */
  revokeByHash(hash: string, now = Date.now()): void {
    this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL').run(now, hash);
  }

  /** Ends every session of a user (after a password change or removal). */
  revokeSessionsOf(userId: number, exceptId: string | null = null, now = Date.now()): void {
    this.db
      .prepare(
        "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND kind IN ('session', 'login-link') AND revoked_at IS NULL AND id IS NOT ?",
      )
      .run(now, userId, exceptId);
  }

  /** Forgets sessions and links that ended long ago, so the table does not grow forever. */
  prune(now = Date.now(), keepMs = 30 * 24 * 3600 * 1000): void {
    this.db
      .prepare(
        "DELETE FROM tokens WHERE kind IN ('session', 'login-link') AND ((revoked_at IS NOT NULL AND revoked_at < ?) OR (expires_at IS NOT NULL AND expires_at < ?))",
      )
      .run(now - keepMs, now - keepMs);
  }
}
