/**
 * The hub the browser talks to: `vigil serve` as a child WITH its local agent (so a live host exists from the start),
 * an agent token for simulated agents, and an admin session cookie for the browser. bench/hub/hub-process.ts starts
 * the hub without its local agent, which the first-value measurement needs, hence this starter.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { DEPLOYED_HUB_NODE_FLAGS, serveArgs, VIGIL_BIN } from '../hub/hub-process.ts';
import { spawnTracked, stopTracked, type TrackedChild } from '../lib/child-processes.ts';
import { httpStatus } from '../lib/http-probe.ts';
import { waitFor } from '../lib/timing.ts';

const run = promisify(execFile);

/** apps/hub/src/serve/auth-hooks.ts SESSION_COOKIE. */
export const SESSION_COOKIE = 'vigil_session';

export interface WebHub {
  tracked: TrackedChild;
  url: string;
  dataDir: string;
  agentToken: string;
  /** The admin's session token, the value of the vigil_session cookie. */
  session: string;
  /** The cookies the login set (the session's, and the page-readable one that says someone is signed in). */
  cookies: { name: string; value: string; httpOnly: boolean }[];
  /** Log lines at warn and above (pino level >= 40), counted by message. */
  warnings: Map<string, number>;
}

export interface WebHubOptions {
  /** Folder with apps/cli/bin/vigil.mjs (the build snapshot). */
  root: string;
  workDir: string;
  port: number;
}

/** Starts `vigil serve` on loopback with a fresh data folder, waits for /api/health, creates a token and logs in. */
export async function startWebHub(opts: WebHubOptions): Promise<WebHub> {
  const dataDir = mkdtempSync(join(opts.workDir, 'hub-data-'));
  const adminPassword = `bench-${Math.random().toString(36).slice(2)}-pw`;
  // With the node flags npm start and the deployed units give it.
  const args = serveArgs(DEPLOYED_HUB_NODE_FLAGS.split(' '), VIGIL_BIN, opts.port, dataDir);
  const tracked = spawnTracked(process.execPath, args, {
    cwd: opts.root,
    env: { ...process.env, VIGIL_ADMIN_PASSWORD: adminPassword },
    stdout: 'pipe',
    group: true,
    description: 'vigil serve (with its local agent)',
  });
  const warnings = new Map<string, number>();
  createInterface({ input: tracked.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40) warnings.set(entry.msg ?? '?', (warnings.get(entry.msg ?? '?') ?? 0) + 1);
    } catch {
      // Not a log line.
    }
  });
  const url = `http://127.0.0.1:${opts.port}`;
  await waitFor(
    async () => {
      if (tracked.exitInfo) throw new Error(`vigil serve exited: ${tracked.stderrTail() || 'no output'}`);
      return (await httpStatus(`${url}/api/health`)) === 200;
    },
    { what: 'the hub to answer /api/health', timeoutMs: 30_000, intervalMs: 200 },
  );
  const token = await run(process.execPath, [VIGIL_BIN, 'token', 'create', '--kind', 'agent', '--name', 'bench', '--data', dataDir], {
    cwd: opts.root,
  });
  const agentToken = token.stdout.split('\n')[0]?.trim() ?? '';
  if (!agentToken) throw new Error('vigil token create printed no token');
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  const body = (await login.json()) as { token?: string };
  if (!login.ok || !body.token) throw new Error(`login failed: HTTP ${login.status} ${JSON.stringify(body).slice(0, 200)}`);
  // The browser gets what a login through the page would give it.
  const cookies = login.headers.getSetCookie().map((line) => {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), httpOnly: attributes.some((a) => a.toLowerCase() === 'httponly') };
  });
  if (!cookies.some((c) => c.name === SESSION_COOKIE)) throw new Error(`the login set no ${SESSION_COOKIE} cookie`);
  return { tracked, url, dataDir, agentToken, session: body.token, cookies, warnings };
}

/** The hub's hosts (GET /api/v1/hosts) that are online and have a CPU figure, i.e. that a page can show live. */
export async function liveHostCount(hub: WebHub): Promise<number> {
  const res = await fetch(`${hub.url}/api/v1/hosts`, { headers: { cookie: `${SESSION_COOKIE}=${hub.session}` } });
  if (!res.ok) throw new Error(`GET /api/v1/hosts: HTTP ${res.status}`);
  const hosts = (await res.json()) as { status: string; cpuPercent: number | null }[];
  return hosts.filter((h) => h.status === 'online' && h.cpuPercent !== null).length;
}

/** Waits until at least `count` hosts are live (the local agent's first frame has no CPU rate yet: it takes two). */
export async function waitForLiveHosts(hub: WebHub, count: number, timeoutMs: number): Promise<number> {
  return waitFor(
    async () => {
      if (hub.tracked.exitInfo) throw new Error(`the hub exited: ${hub.tracked.stderrTail().slice(-300)}`);
      const n = await liveHostCount(hub);
      return n >= count ? n : undefined;
    },
    { what: `${count} live hosts on the hub`, timeoutMs, intervalMs: 500 },
  );
}

/** Stops the hub and removes its data folder. */
export async function stopWebHub(hub: WebHub): Promise<string> {
  const exit = await stopTracked(hub.tracked, 15_000);
  rmSync(hub.dataDir, { recursive: true, force: true });
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
