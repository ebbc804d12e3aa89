import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/** `vigil login`, `logout`, `status` and `monitor` against a real hub, as a user runs them (seed 001's CLI). */
const VIGIL = fileURLToPath(new URL('../apps/cli/bin/vigil.mjs', import.meta.url));

let t: TestHub;
let config: string;
let apiToken: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with its own config folder (no saved login unless a test logs in), optionally with stdin. */
function vigil(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [VIGIL, ...args],
      { env: { ...process.env, XDG_CONFIG_HOME: config, NO_COLOR: '1', VIGIL_HUB: '', VIGIL_TOKEN: '', ...options.env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** A port where nothing listens (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  config = mkdtempSync(join(tmpdir(), 'vigil-cli-config-'));
  // No default rules: the status starts OK, and the tests decide what fires.
  t = await startTestHub({ alerts: { defaults: false } });
  await t.startAgent('cli-a');
  const created = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'api', name: 'cli-hub', role: 'viewer' } });
  apiToken = created.body.token;
  await waitFor('the host to report', async () => (await t.api('GET', '/api/v1/hosts/cli-a', { token: t.admin })).body.cpuPercent != null);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  rmSync(config, { recursive: true, force: true });
});

describe('vigil login and logout', () => {
  it('refuses a wrong password without saving anything', async () => {
    const r = await vigil(['login', '--hub', t.url, '--user', 'admin'], { input: 'not-the-password\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`wrong user name or password for ${t.url}`);
    expect(() => statSync(join(config, 'vigil', 'credentials.json'))).toThrow();
  });

  it('saves the session with mode 0600, and later commands use it', async () => {
    const r = await vigil(['login', '--hub', t.url, '--user', 'admin', '--password-stdin'], { input: 'admin-password\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`logged in to ${t.url} as admin (admin)`);
    const path = join(config, 'vigil', 'credentials.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, 'vigil')).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved).toMatchObject({ hub: t.url, user: 'admin', role: 'admin' });
    expect((await t.api('GET', '/api/v1/auth/me', { token: saved.token })).body).toMatchObject({ name: 'admin', via: 'session' });

    const status = await vigil(['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).hub).toBe(t.url);
  });

  it('logs out: the session ends on the hub and the file is gone', async () => {
    const path = join(config, 'vigil', 'credentials.json');
    const { token } = JSON.parse(readFileSync(path, 'utf8'));
    const r = await vigil(['logout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`logged out of ${t.url}`);
    expect(() => statSync(path)).toThrow();
    expect((await t.api('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    const after = await vigil(['status']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('which hub?');
  });
});

describe('vigil status', () => {
  it('is OK with exit 0 when every host is online and nothing fires', async () => {
    const r = await vigil(['status', '--hub', t.url, '--token', apiToken]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK {2}/);
    expect(r.stdout).toMatch(/hosts: \d+ online, 0 offline · alerts: 0 critical, 0 warning firing/);
    expect(r.stdout).toMatch(/ {2}cli-a\s+online\s+cpu\s+\d+%/);
  });

  it('exits 1 and names the alert when a critical alert fires', async () => {
    const rule = await t.api('POST', '/api/v1/alert-rules', {
      token: t.admin,
      body: { name: 'memory present', metric: 'memory_total_bytes', op: '>', critical: 0, scope: { host: 'cli-a' } },
    });
    await waitFor('the alert to fire', async () => {
      const active = await t.api('GET', '/api/v1/alerts?state=firing', { token: t.admin });
      return active.body.some((a: { ruleName: string }) => a.ruleName === 'memory present');
    });
    const r = await vigil(['status', '--hub', t.url, '--token', apiToken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^CRITICAL/);
    expect(r.stdout).toContain('critical  memory_total_bytes on cli-a is');
    const json = await vigil(['status', '--json', '--hub', t.url, '--token', apiToken]);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout);
    expect(body.status).toBe('critical');
    expect(body.alerts.map((a: { ruleName: string }) => a.ruleName)).toContain('memory present');
    expect((await t.api('DELETE', `/api/v1/alert-rules/${rule.body.id}`, { token: t.admin })).status).toBe(204);
  });

  it('says why when the hub is down or the token is wrong (exit 2)', async () => {
    const port = await deadPort();
    const down = await vigil(['status', '--hub', `http://127.0.0.1:${port}`, '--token', apiToken]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach the hub at http://127.0.0.1:${port}`);
    const wrong = await vigil(['status', '--hub', t.url, '--token', 'vgl_api_wrong']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('the hub refused the token');
  });
});

describe('vigil monitor', () => {
  it('prints a line per host per interval, then stops after --count', async () => {
    const r = await vigil(['monitor', '--interval', '1', '--count', '2', '--host', 'cli-a'], {
      env: { VIGIL_HUB: t.url, VIGIL_TOKEN: apiToken },
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d {2}cli-a {2}cpu +\d+\.\d% {2}mem +\d+\.\d% {2}disk +\d+\.\d% {2}load /);
  });

  it('gives one JSON summary per line with --json', async () => {
    const r = await vigil(['monitor', '--json', '--count', '1', '--hub', t.url, '--token', apiToken]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.find((h) => h.id === 'cli-a')).toMatchObject({ status: 'online', hostname: 'cli-a' });
  });

  it('names a host that does not exist, and a bad interval', async () => {
    const unknown = await vigil(['monitor', '--host', 'nope', '--count', '1', '--hub', t.url, '--token', apiToken]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no host "nope"');
    const bad = await vigil(['monitor', '--interval', '0', '--hub', t.url, '--token', apiToken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--interval: must be at least 1 second');
  });
});

describe('vigil export', () => {
  it('streams history to a file, with the series of the host', async () => {
    const out = join(config, 'export.csv');
    const r = await vigil(['export', '--format', 'csv', '--hours', '1', '--host', 'cli-a', '--metric', 'memory_total_bytes', '-o', out], {
      env: { VIGIL_HUB: t.url, VIGIL_TOKEN: apiToken },
    });
    expect(r.stderr).not.toMatch(/vigil: /);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('time,host,metric,labels,value');
    const host = (await t.api('GET', '/api/v1/hosts/cli-a', { token: t.admin })).body;
    const rows = lines.slice(1).filter((l) => l.includes('memory_total_bytes'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => /^\d{4}-\d\d-\d\dT[^,]+,cli-a,memory_total_bytes,/.test(l) && l.endsWith(`,${host.memoryTotalBytes}`))).toBe(
      true,
    );
  });

  it('names the problem when the hub is down, and a bad format', async () => {
    const port = await deadPort();
    const down = await vigil(['export', '--hub', `http://127.0.0.1:${port}`, '--token', apiToken]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach the hub at http://127.0.0.1:${port}`);
    const bad = await vigil(['export', '--format', 'xml', '--hub', t.url, '--token', apiToken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format: .*"json"/);
  });
});
