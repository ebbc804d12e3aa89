import type { LoginResponse, Role, TokenCreate, TokenCreated } from '@vigil/schema';
import { VigilError } from '../errors.ts';
import type { Stores, TokenRow } from '../store/index.ts';
import { lowerRole } from './roles.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, hashSecret, newSecret, randomPassword, verifyPassword } from './secrets.ts';

/** Who is making a request. */
export type Principal =
  | { type: 'user'; userId: number; name: string; role: Role; tokenId: string; via: 'session' | 'api' }
  | { type: 'agent'; tokenId: string; name: string };

const DAY_MS = 24 * 3600 * 1000;
/** A one-time login link works for this long. */
const LOGIN_LINK_TTL_MS = 24 * 3600 * 1000;

function principalOf(row: TokenRow): Principal | null {
  if (row.kind === 'agent') return { type: 'agent', tokenId: row.id, name: row.name };
  if ((row.kind === 'session' || row.kind === 'api') && row.user_id !== null && row.user_name && row.role) {
    return {
      type: 'user',
      userId: row.user_id,
      name: row.user_name,
      role: row.role,
      tokenId: row.id,
      via: row.kind === 'session' ? 'session' : 'api',
    };
  }
  return null;
}

/** Users, passwords, sessions and tokens. */
export class AuthService {
  constructor(
    private readonly stores: Stores,
    private readonly sessionTtlMs: number,
  ) {}

  /** Resolves a bearer secret or session cookie to its principal, or null if it is unknown, revoked or expired. */
  authenticate(secret: string): Principal | null {
    if (!secret.startsWith('vgl_')) return null;
    const row = this.stores.tokens.findActive(hashSecret(secret));
    if (!row) return null;
    const principal = principalOf(row);
    // A session's role follows the user's current role; an API token's never exceeds it.
    if (principal?.type === 'user') {
      const user = this.stores.users.byId(principal.userId);
      if (!user) return null;
      principal.role = principal.via === 'session' ? user.role : lowerRole(principal.role, user.role);
    }
    return principal;
  }

  private newSession(userId: number, name: string, role: Role): LoginResponse {
    const token = newSecret('session');
    const expiresAt = Date.now() + this.sessionTtlMs;
    this.stores.tokens.create({
      kind: 'session',
      name: `session of ${name}`,
      hash: hashSecret(token),
      prefix: token.slice(0, 16),
      userId,
      role,
      expiresAt,
    });
    return { token, user: { name, role }, expiresAt };
  }

  /** Checks a user name and password and opens a session. Both failure causes give the same answer. */
  async login(username: string, password: string): Promise<LoginResponse> {
    const user = this.stores.users.byName(username);
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) throw new VigilError('VIGIL_ERR_BAD_CREDENTIALS');
    return this.newSession(user.id, user.name, user.role);
  }

  /** Trades a one-time login link for a session; the link is used up. */
  loginWithLink(secret: string): LoginResponse {
    const hash = hashSecret(secret);
    const row = this.stores.tokens.findActive(hash);
    if (row?.kind !== 'login-link' || row.user_id === null)
      throw new VigilError('VIGIL_ERR_UNAUTHENTICATED', 'this login link is not valid (used already, or expired)');
    this.stores.tokens.revokeByHash(hash);
    const user = this.stores.users.byId(row.user_id);
    if (!user) throw new VigilError('VIGIL_ERR_UNAUTHENTICATED', 'the user of this login link no longer exists');
    return this.newSession(user.id, user.name, user.role);
  }

  logout(secret: string): void {
    this.stores.tokens.revokeByHash(hashSecret(secret));
  }

  /** Creates an agent or API token. API tokens belong to their creator and carry at most the creator's role. */
  createToken(creator: { userId: number | null; role: Role }, request: TokenCreate): TokenCreated {
    const token = newSecret(request.kind);
    const expiresAt = request.expiresInDays ? Date.now() + request.expiresInDays * DAY_MS : null;
    const role = request.kind === 'api' ? lowerRole(request.role ?? creator.role, creator.role) : null;
    const id = this.stores.tokens.create({
      kind: request.kind,
      name: request.name,
      hash: hashSecret(token),
      prefix: token.slice(0, 14),
      userId: request.kind === 'api' ? creator.userId : null,
      role,
      expiresAt,
    });
    return { id, token, kind: request.kind, name: request.name, expiresAt };
  }

  async createUser(name: string, password: string, role: Role) {
    if (this.stores.users.byName(name)) throw new VigilError('VIGIL_ERR_CONFLICT', `a user named "${name}" exists already`);
    return this.stores.users.create(name, role, await hashPassword(password));
  }

  /** Sets a password and ends the user's sessions, but for `keepTokenId` (the session that changed its own password). */
  async setPassword(userId: number, password: string, keepTokenId: string | null = null): Promise<void> {
    this.stores.users.update(userId, { passwordHash: await hashPassword(password) });
    this.stores.tokens.revokeSessionsOf(userId, keepTokenId);
  }

  /**
   * First start: with no users at all, creates "admin" with VIGIL_ADMIN_PASSWORD or a random password, and a
   * one-time login link. Returns what to print once (null when users exist already).
   */
  async bootstrap(adminPassword: string | undefined): Promise<{ password: string | null; loginLink: string } | null> {
    if (this.stores.users.count() > 0) return null;
    const password = adminPassword ?? randomPassword();
    const admin = await this.createUser('admin', password, 'admin');
    const link = newSecret('login');
    this.stores.tokens.create({
      kind: 'login-link',
      name: 'first start',
      hash: hashSecret(link),
      prefix: link.slice(0, 14),
      userId: admin.id,
      role: 'admin',
      expiresAt: Date.now() + LOGIN_LINK_TTL_MS,
    });
    return { password: adminPassword ? null : password, loginLink: link };
  }

  /**
   * A fresh agent token for the hub's own local agent. The previous one is revoked, so no secret of it is
   * kept at rest: it lives in this process's memory only.
   */
  localAgentToken(): string {
    const previous = this.stores.settings.get('local_agent_token_id');
    if (previous) this.stores.tokens.revoke(previous);
    const created = this.createToken({ userId: null, role: 'admin' }, { kind: 'agent', name: 'local agent (built into the hub)' });
    this.stores.settings.set('local_agent_token_id', created.id);
    return created.token;
  }
}
