import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/** `vigil alerts` (seed 001's `alerts --hours 24`), `vigil alerts ack`, `vigil alerts resolve`, `vigil alerts rules`, run as a user would. */
const VIGIL = fileURLToPath(new URL('../apps/cli/bin/vigil.mjs', import.meta.url));
const run = promisify(execFile);

let t: TestHub;
let env: NodeJS.ProcessEnv;
let alertId = 0;

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [VIGIL, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  t = await startTestHub();
  await t.startAgent('cli-host');
  // An API token acts as the user who created it (here admin, with the role operator).
  const created = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'api', name: 'cli', role: 'operator' } });
  env = { ...process.env, VIGIL_HUB: t.url, VIGIL_TOKEN: created.body.token, NO_COLOR: '1' };
  const rule = await t.api('POST', '/api/v1/alert-rules', {
    token: t.admin,
    body: { name: 'memory exists', metric: 'memory_total_bytes', op: '>', warning: 0, scope: { host: 'cli-host' } },
  });
  expect(rule.status).toBe(201);
  alertId = await waitFor('the alert to fire', async () => {
    const alerts = await t.api('GET', '/api/v1/alerts?state=firing', { token: t.admin });
    return alerts.body.find((a: { ruleName: string }) => a.ruleName === 'memory exists')?.id;
  });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('vigil alerts', () => {
  it('lists the alerts of the last hours as a table', async () => {
    const { code, stdout } = await vigil('alerts', '--hours', '24');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\s*ID\s+SEVERITY\s+STATE\s+HOST\s+VALUE\s+WHEN\s+ALERT$/);
    const row = lines.find((l) => l.trim().startsWith(`${alertId} `));
    expect(row).toMatch(/warning\s+firing\s+cli-host\s+\d+ \/ 0\s+\d+s ago\s+memory exists: memory_total_bytes$/);
  });

  it('gives the API objects with --json, filtered by state and host', async () => {
    const { code, stdout } = await vigil('alerts', '--state', 'active', '--host', 'cli-host', '--json');
    expect(code).toBe(0);
    const alerts = JSON.parse(stdout) as { id: number; hostId: string; state: string }[];
    expect(alerts.map((a) => a.id)).toContain(alertId);
    expect(alerts.every((a) => a.hostId === 'cli-host' && a.state !== 'resolved')).toBe(true);
  });

  it('acknowledges an alert with a comment', async () => {
    const { code, stdout } = await vigil('alerts', 'ack', String(alertId), '--comment', 'disk ordered');
    expect(code).toBe(0);
    expect(stdout).toContain(`acknowledged alert ${alertId} (memory exists on cli-host)`);
    const alert = await t.api('GET', `/api/v1/alerts/${alertId}`, { token: t.admin });
    expect(alert.body).toMatchObject({ acknowledgedBy: 'admin', comment: 'disk ordered' });
    const listed = await vigil('alerts', '--state', 'firing');
    expect(listed.stdout).toMatch(new RegExp(`${alertId}\\s+warning\\s+firing \\(ack\\)`));
  });

  it('lists the rules', async () => {
    const { code, stdout } = await vigil('alerts', 'rules');
    expect(code).toBe(0);
    expect(stdout).toMatch(/memory exists: memory_total_bytes \(warn > 0\) for 0/);
    expect(stdout).toMatch(/CPU busy: cpu_usage_percent \(warn > 80, crit > 95\) for 5m/);
  });

  it('resolves an alert by hand, once', async () => {
    const first = await vigil('alerts', 'resolve', String(alertId));
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`resolved alert ${alertId}`);
    const alert = await t.api('GET', `/api/v1/alerts/${alertId}`, { token: t.admin });
    expect(alert.body).toMatchObject({ state: 'resolved', resolvedBy: 'admin (by hand)' });
    const again = await vigil('alerts', 'resolve', String(alertId));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`alert ${alertId} is not open`);
  });

  it('names the problem with bad input', async () => {
    const badId = await vigil('alerts', 'ack', 'abc');
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('an alert id is a number');
    const badHours = await vigil('alerts', '--hours', 'soon');
    expect(badHours.code).toBe(2);
    expect(badHours.stderr).toContain('--hours: must be a number of hours');
    const badState = await vigil('alerts', '--state', 'burning');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/--state: .*"active"/);
    const missing = await vigil('alerts', 'ack', '999999');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no alert 999999');
    const wrongToken = await run(process.execPath, [VIGIL, 'alerts'], { env: { ...env, VIGIL_TOKEN: 'vgl_api_wrong' } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(wrongToken).toMatchObject({ code: 2 });
    expect((wrongToken as { stderr: string }).stderr).toContain('the hub refused the token');
  });
});
