import { join, resolve } from 'node:path';
import { AuthService, configFile, loadConfig, openStores, type Stores, VigilError } from '@vigil/hub';
import { Problem, type Role, type TokenCreate, TokenCreated, TokenInfo, UserInfo } from '@vigil/schema';
import * as z from 'zod';
import { UsageError } from './usage.ts';

/** User and token administration, against a data folder or a running hub's API. */
export interface AdminBackend {
  listUsers(): Promise<UserInfo[]>;
  addUser(name: string, password: string, role: Role): Promise<UserInfo>;
  setPassword(name: string, password: string): Promise<void>;
  setRole(name: string, role: Role): Promise<void>;
  removeUser(name: string): Promise<void>;
  createToken(request: TokenCreate, owner?: string): Promise<TokenCreated>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(id: string): Promise<void>;
  close(): void;
}

/** Works on the hub's database directly (the hub may be running: SQLite in WAL mode allows it). */
class LocalBackend implements AdminBackend {
  private stores: Stores;
  private auth: AuthService;
  constructor(dbPath: string) {
    this.stores = openStores(dbPath);
    this.auth = new AuthService(this.stores, 24 * 3600 * 1000);
  }
  private user(name: string) {
    const user = this.stores.users.byName(name);
    if (!user) throw new UsageError(`no user named "${name}"`);
    return user;
  }
  async listUsers() {
    return this.stores.users.list();
  }
  async addUser(name: string, password: string, role: Role) {
    try {
      return await this.auth.createUser(name, password, role);
    } catch (error) {
      if (error instanceof VigilError) throw new UsageError(error.message);
      throw error;
    }
  }
  async setPassword(name: string, password: string) {
    await this.auth.setPassword(this.user(name).id, password);
  }
  async setRole(name: string, role: Role) {
    const user = this.user(name);
    if (user.role === 'admin' && role !== 'admin' && this.stores.users.countAdmins() === 1)
      throw new UsageError(`${name} is the last admin`);
    this.stores.users.update(user.id, { role });
  }
  async removeUser(name: string) {
    const user = this.user(name);
    if (user.role === 'admin' && this.stores.users.countAdmins() === 1) throw new UsageError(`${name} is the last admin`);
    this.stores.users.remove(user.id);
  }
  async createToken(request: TokenCreate, owner = 'admin') {
    if (request.kind === 'agent') return this.auth.createToken({ userId: null, role: 'admin' }, request);
    const user = this.user(owner);
    return this.auth.createToken({ userId: user.id, role: user.role }, request);
  }
  async listTokens() {
    return this.stores.tokens.list();
  }
  async revokeToken(id: string) {
    if (!this.stores.tokens.revoke(id)) throw new UsageError(`no active token "${id}"`);
  }
  close() {
    this.stores.db.close();
  }
}

/** Calls a running hub's REST API with an admin's token. */
export class RemoteBackend implements AdminBackend {
  constructor(
    private readonly hub: string,
    private readonly token: string,
  ) {}

  /** One API call: JSON in, JSON out validated by `schema`; a problem document becomes an error naming it. */
  async call<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.hub), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new UsageError(
        `cannot reach the hub at ${this.hub}: ${(error as Error).cause ? String((error as { cause: Error }).cause.message) : (error as Error).message}`,
      );
    }
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const problem = Problem.safeParse(json);
      throw new UsageError(
        problem.success
          ? `${problem.data.detail} (${problem.data.code}, HTTP ${response.status})`
          : `the hub answered HTTP ${response.status}`,
      );
    }
    return schema.parse(json);
  }

  private async userId(name: string): Promise<number> {
    const user = (await this.listUsers()).find((u) => u.name.toLowerCase() === name.toLowerCase());
    if (!user) throw new UsageError(`no user named "${name}"`);
    return user.id;
  }
  listUsers() {
    return this.call('GET', '/api/v1/users', z.array(UserInfo));
  }
  addUser(name: string, password: string, role: Role) {
    return this.call('POST', '/api/v1/users', UserInfo, { name, password, role });
  }
  async setPassword(name: string, password: string) {
    await this.call('PATCH', `/api/v1/users/${await this.userId(name)}`, UserInfo, { password });
  }
  async setRole(name: string, role: Role) {
    await this.call('PATCH', `/api/v1/users/${await this.userId(name)}`, UserInfo, { role });
  }
  async removeUser(name: string) {
    await this.call('DELETE', `/api/v1/users/${await this.userId(name)}`, z.null());
  }
  createToken(request: TokenCreate) {
    return this.call('POST', '/api/v1/tokens', TokenCreated, request);
  }
  listTokens() {
    return this.call('GET', '/api/v1/tokens', z.array(TokenInfo));
  }
  async revokeToken(id: string) {
    await this.call('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`, z.null());
  }
  close() {}
}

export interface BackendOptions {
  hub?: string;
  token?: string;
  data?: string;
  config?: string;
}

/** A running hub when --hub is given (with --token), else the data folder of --data, the config, or ./data. */
export function openBackend(options: BackendOptions): AdminBackend {
  if (options.hub) {
    if (!options.token) throw new UsageError('--token (or VIGIL_TOKEN) is required with --hub');
    return new RemoteBackend(options.hub, options.token);
  }
  const dir = options.data ?? loadConfig({ file: configFile(options.config) }).data.dir;
  return new LocalBackend(join(resolve(dir), 'vigil.db'));
}
