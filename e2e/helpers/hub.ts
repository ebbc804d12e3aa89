import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, type Logger } from '@vigil/agent';
import { Hub, parseConfig } from '@vigil/hub';
import type { Role } from '@vigil/schema';
import pino from 'pino';

export const quietLog: Logger = { info() {}, warn() {}, error() {} };

export interface TestHub {
  hub: Hub;
  url: string;
  dataDir: string;
  admin: string;
  /** Logs in a user (created on demand) and returns their session token. */
  tokenFor(role: Role): Promise<string>;
  /** Starts an in-process agent for this host under another name. */
  startAgent(hostname: string, options?: { spoolDir?: string | null }): Promise<Agent>;
  /** JSON fetch against the hub; returns status, headers and parsed body. */
  api(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: tests inspect responses of every shape
  ): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/** Polls until `check` gives a truthy value, at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A real hub on an ephemeral port with a temporary data folder, and an admin session. */
export async function startTestHub(overrides: Record<string, unknown> = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-hub-'));
  const config = parseConfig({ server: { host: '127.0.0.1', port: 0 }, data: { dir: dataDir }, log: { level: 'silent' }, ...overrides });
  const hub = await Hub.start({ config, adminPassword: 'admin-password', logger: pino({ level: 'silent' }) });
  const agents: Agent[] = [];
  const api: TestHub['api'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: response.status, body, headers: response.headers };
  };
  const login = async (username: string, password: string) => {
    const { status, body } = await api('POST', '/api/v1/auth/login', { body: { username, password } });
    if (status !== 200) throw new Error(`login of ${username} failed: ${status} ${JSON.stringify(body)}`);
    return body.token as string;
  };
  const admin = await login('admin', 'admin-password');
  const tokens = new Map<Role, string>([['admin', admin]]);
  return {
    hub,
    url: hub.url,
    dataDir,
    admin,
    async tokenFor(role) {
      const known = tokens.get(role);
      if (known) return known;
      await api('POST', '/api/v1/users', { token: admin, body: { name: `${role}-user`, password: `${role}-password`, role } });
      const token = await login(`${role}-user`, `${role}-password`);
      tokens.set(role, token);
      return token;
    },
    async startAgent(hostname, options = {}) {
      const { body } = await api('POST', '/api/v1/tokens', { token: admin, body: { kind: 'agent', name: hostname } });
      const agent = new Agent({
        hub: hub.url,
        token: body.token,
        hostname,
        spoolDir: options.spoolDir ?? null,
        intervalMs: 1000,
        log: quietLog,
      });
      agents.push(agent);
      await agent.start();
      await waitFor(`agent ${hostname} to report`, () => hub.live.get(hostname)?.latest);
      return agent;
    },
    api,
    async stop() {
      await Promise.all(agents.map((a) => a.stop()));
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
