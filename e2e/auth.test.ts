import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Hub, parseConfig } from '@vigil/hub';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';
import { upgradeStatus, wsUrl } from './helpers/ws.ts';

/**
 * Every route of the hub against the security model (DESIGN.md): who may call it, and what everyone else gets.
 * The REST routes come from the OpenAPI document, which must list exactly the routes of this table, so a
 * route added without an entry here fails the first test instead of going unchecked.
 */
type Access = 'public' | 'viewer' | 'operator' | 'admin';
const REST_ACCESS: Record<string, Access> = {
  'GET /api/health': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/link': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/auth/me': 'viewer',
  'GET /api/v1/hosts': 'viewer',
  'GET /api/v1/hosts/{id}': 'viewer',
  'DELETE /api/v1/hosts/{id}': 'admin',
  'PUT /api/v1/hosts/{id}/tags': 'admin',
  'GET /api/v1/hosts/{id}/cpu': 'viewer',
  'GET /api/v1/hosts/{id}/gpus': 'viewer',
  'GET /api/v1/hosts/{id}/network': 'viewer',
  'GET /api/v1/hosts/{id}/processes': 'viewer',
  'GET /api/v1/hosts/{id}/processes/{pid}': 'viewer',
  'POST /api/v1/hosts/{id}/processes/{pid}/signal': 'operator',
  'GET /api/v1/hosts/{id}/connections': 'viewer',
  'GET /api/v1/hosts/{id}/ports': 'viewer',
  'POST /api/v1/tokens': 'admin',
  'GET /api/v1/tokens': 'admin',
  'DELETE /api/v1/tokens/{id}': 'admin',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PATCH /api/v1/users/{id}': 'admin',
  'DELETE /api/v1/users/{id}': 'admin',
  'PUT /api/v1/users/me/password': 'viewer',
  'GET /api/v1/audit': 'admin',
  // History.
  'GET /api/v1/metrics': 'viewer',
  'GET /api/v1/query': 'viewer',
  'GET /api/v1/hosts/{id}/processes/at': 'viewer',
  'GET /api/v1/hosts/{id}/processes/top': 'viewer',
  'POST /api/v1/metrics/custom': 'operator',
  'GET /api/v1/export': 'viewer',
  'GET /api/v1/reports': 'viewer',
  // Alerts.
  'GET /api/v1/alert-rules': 'viewer',
  'POST /api/v1/alert-rules': 'admin',
  'GET /api/v1/alert-rules/{id}': 'viewer',
  'PUT /api/v1/alert-rules/{id}': 'admin',
  'DELETE /api/v1/alert-rules/{id}': 'admin',
  'GET /api/v1/alerts': 'viewer',
  'GET /api/v1/alerts/statistics': 'viewer',
  'GET /api/v1/alerts/{id}': 'viewer',
  'POST /api/v1/alerts/{id}/ack': 'operator',
  'POST /api/v1/alerts/{id}/resolve': 'operator',
  'GET /api/v1/channels': 'admin',
  'POST /api/v1/channels': 'admin',
  'PUT /api/v1/channels/{id}': 'admin',
  'DELETE /api/v1/channels/{id}': 'admin',
  'POST /api/v1/channels/{id}/test': 'admin',
  'GET /api/v1/silences': 'viewer',
  'POST /api/v1/silences': 'operator',
  'DELETE /api/v1/silences/{id}': 'operator',
  // Seeds 000, 001 and 002.
  'GET /api/alerts': 'viewer',
  'GET /api/export/report': 'viewer',
  'GET /api/metrics': 'viewer',
  'GET /api/metrics/current': 'viewer',
  'GET /api/metrics/history/system': 'viewer',
  'POST /api/monitoring/start': 'operator',
  'POST /api/monitoring/stop': 'operator',
  'GET /monitoring/{server_id}/snapshot': 'viewer',
  'POST /monitoring/{server_id}/process/{pid}/{action}': 'operator',
};
/** Query strings a route needs to answer 2xx (for the check that its own role gets through). */
const QUERY: Record<string, string> = {
  'GET /api/v1/query': '?metric=cpu_usage_percent&from=-1m',
  'GET /api/v1/hosts/{id}/processes/at': '?ts=now',
  'GET /api/v1/export': '?hours=0.01',
};
const PUBLIC_AUTH_ROUTES = ['POST /api/v1/auth/login', 'POST /api/v1/auth/link', 'POST /api/v1/auth/logout'];
/** The WebSocket routes, which the OpenAPI document leaves out. */
const WS_ACCESS: Record<string, 'viewer' | 'agent'> = {
  '/api/v1/live': 'viewer',
  '/ws/monitoring/{server_id}': 'viewer',
  '/api/v1/agent/connect': 'agent',
};

const entries = Object.entries(REST_ACCESS).map(([route, access]) => {
  const [method, path] = route.split(' ') as [string, string];
  return { route, method, path, access };
});
const guarded = entries.filter((e) => e.access !== 'public');
const aboveViewer = entries.filter((e) => e.access === 'operator' || e.access === 'admin');
const adminOnly = entries.filter((e) => e.access === 'admin');
const wsRoutes = Object.entries(WS_ACCESS).map(([path, access]) => ({ path, access }));

let t: TestHub;
let sleeper: ChildProcess;
const ids = { host: 'auth-host', pid: 0, token: '', user: 0, rule: 0, alert: 0, channel: 0, silence: 0 };
const tokens = { viewer: '', operator: '', agent: '', revoked: '', expired: '' };

/** A route's path with real ids in place of its parameters. */
function concrete(path: string): string {
  return path
    .replace('/api/v1/tokens/{id}', `/api/v1/tokens/${ids.token}`)
    .replace('/api/v1/users/{id}', `/api/v1/users/${ids.user}`)
    .replace('/api/v1/alert-rules/{id}', `/api/v1/alert-rules/${ids.rule}`)
    .replace('/api/v1/alerts/{id}', `/api/v1/alerts/${ids.alert}`)
    .replace('/api/v1/channels/{id}', `/api/v1/channels/${ids.channel}`)
    .replace('/api/v1/silences/{id}', `/api/v1/silences/${ids.silence}`)
    .replaceAll('{id}', ids.host)
    .replaceAll('{server_id}', ids.host)
    .replaceAll('{pid}', String(ids.pid))
    .replaceAll('{action}', 'resume');
}

/** Calls a route with a token (or none); bodies are empty objects, since authentication comes before validation. */
function call(method: string, path: string, token: string | null) {
  return t.api(method, concrete(path), { token, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
}

function expectProblem(response: { status: number; body: { code?: string }; headers: Headers }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe(code);
}

beforeAll(async () => {
  // Logins of this file's tests stay under the limit; the limit itself is tested on a hub of its own.
  t = await startTestHub({ auth: { loginAttemptsPerMinute: 1000 } });
  await t.startAgent(ids.host);
  sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  ids.pid = sleeper.pid as number;
  tokens.viewer = await t.tokenFor('viewer');
  tokens.operator = await t.tokenFor('operator');
  const agent = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'agent', name: 'auth-test-agent' } });
  tokens.agent = agent.body.token;
  ids.token = agent.body.id;
  const users = await t.api('GET', '/api/v1/users', { token: t.admin });
  ids.user = users.body.find((u: { name: string }) => u.name === 'viewer-user').id;

  // A rule that holds on every host at once, so that there is an alert to ask about; a channel and a silence.
  const rule = await t.api('POST', '/api/v1/alert-rules', {
    token: t.admin,
    body: { name: 'always', metric: 'cpu_usage_percent', op: '>=', warning: 0 },
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  ids.rule = rule.body.id;
  ids.alert = await waitFor('an alert of the rule that always holds', async () => {
    const alerts = await t.api('GET', `/api/v1/alerts?rule=${ids.rule}`, { token: t.admin });
    return alerts.body[0]?.id;
  });
  const channel = await t.api('POST', '/api/v1/channels', { token: t.admin, body: { type: 'log', name: 'auth-test-log' } });
  ids.channel = channel.body.id;
  const silence = await t.api('POST', '/api/v1/silences', { token: t.admin, body: { for: '1h', comment: 'auth test' } });
  ids.silence = silence.body.id;

  const revoked = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'api', name: 'revoked', role: 'admin' } });
  tokens.revoked = revoked.body.token;
  expect((await t.api('GET', '/api/v1/auth/me', { token: tokens.revoked })).status).toBe(200);
  expect((await t.api('DELETE', `/api/v1/tokens/${revoked.body.id}`, { token: t.admin })).status).toBe(204);

  // An API token that lives one second.
  const expired = await t.api('POST', '/api/v1/tokens', {
    token: t.admin,
    body: { kind: 'api', name: 'short-lived', role: 'admin', expiresInDays: 1 / 86_400 },
  });
  tokens.expired = expired.body.token;
  await waitFor(
    'the short-lived token to expire',
    async () => (await t.api('GET', '/api/v1/auth/me', { token: tokens.expired })).status === 401,
  );
});
afterAll(async () => {
  sleeper?.kill('SIGKILL');
  await t?.stop();
});

describe('the route table', () => {
  it('covers exactly the routes of the OpenAPI document, which is public', async () => {
    const { status, body } = await t.api('GET', '/api/v1/openapi.json');
    expect(status).toBe(200);
    const documented = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(Object.keys(REST_ACCESS).sort());
  });
});

describe('REST without a token', () => {
  it.each(guarded)('$route is 401', async ({ method, path }) => {
    expectProblem(await call(method, path, null), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  it('lets /api/health through', async () => {
    const { status, body } = await t.api('GET', '/api/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
  });

  it.each(PUBLIC_AUTH_ROUTES)('lets %s through to its own checks', async (route) => {
    const [method, path] = route.split(' ') as [string, string];
    const { status } = await call(method, path, null);
    // Login and link answer 400 for an empty body (validation, after authentication was skipped); logout 204.
    expect([204, 400]).toContain(status);
  });

  it.each(['/', '/login'])('serves the login page %s', async (path) => {
    const response = await fetch(`${t.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('does not take a token from the query string of a plain request', async () => {
    expectProblem(await t.api('GET', `/api/v1/hosts?token=${t.admin}`), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  it('gives 401 for a token that was never issued', async () => {
    expectProblem(await call('GET', '/api/v1/hosts', 'vgl_session_not-a-real-token'), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });
});

describe('REST with a role too low', () => {
  it.each(aboveViewer)('$route is 403 for a viewer session', async ({ method, path }) => {
    expectProblem(await call(method, path, tokens.viewer), 403, 'VIGIL_ERR_FORBIDDEN');
  });

  it.each(adminOnly)('$route is 403 for an operator session', async ({ method, path }) => {
    expectProblem(await call(method, path, tokens.operator), 403, 'VIGIL_ERR_FORBIDDEN');
  });

  it('is 403 for an API token whose role is below the route, whoever created it', async () => {
    const created = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'api', name: 'read-only', role: 'viewer' } });
    expect(created.status).toBe(201);
    expect((await t.api('GET', '/api/v1/hosts', { token: created.body.token })).status).toBe(200);
    expectProblem(await t.api('GET', '/api/v1/tokens', { token: created.body.token }), 403, 'VIGIL_ERR_FORBIDDEN');
    expectProblem(await t.api('POST', '/api/monitoring/start', { token: created.body.token }), 403, 'VIGIL_ERR_FORBIDDEN');
  });

  it.each(entries.filter((e) => e.method === 'GET' && e.access !== 'public'))(
    '$route lets its own role through',
    async ({ route, method, path, access }) => {
      const token = access === 'admin' ? t.admin : access === 'operator' ? tokens.operator : tokens.viewer;
      const { status, body } = await call(method, path + (QUERY[route] ?? ''), token);
      expect(status, JSON.stringify(body)).toBeLessThan(300);
    },
  );
});

describe('REST with a token that no longer works', () => {
  it.each(guarded)('$route is 401 with a revoked API token', async ({ method, path }) => {
    expectProblem(await call(method, path, tokens.revoked), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  it.each(guarded)('$route is 401 with an expired API token', async ({ method, path }) => {
    expectProblem(await call(method, path, tokens.expired), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });
});

describe('REST with an agent token', () => {
  it.each(guarded)('$route is 403', async ({ method, path }) => {
    expectProblem(await call(method, path, tokens.agent), 403, 'VIGIL_ERR_FORBIDDEN');
  });
});

describe('WebSocket upgrades', () => {
  const url = (path: string, query = '') => wsUrl(t.url, concrete(path) + query);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it.each(wsRoutes)('$path is refused with 401 without a token', async ({ path }) => {
    expect(await upgradeStatus(url(path))).toBe(401);
  });

  it.each(wsRoutes)('$path is refused with 401 with a revoked token, an expired token or a made-up one', async ({ path }) => {
    expect(await upgradeStatus(url(path), bearer(tokens.revoked))).toBe(401);
    expect(await upgradeStatus(url(path), bearer(tokens.expired))).toBe(401);
    expect(await upgradeStatus(url(path), bearer('vgl_agent_made-up'))).toBe(401);
    expect(await upgradeStatus(url(path, `?token=${tokens.revoked}`))).toBe(401);
  });

  it.each(wsRoutes.filter((r) => r.access === 'viewer'))('$path is refused with 403 for an agent token', async ({ path }) => {
    expect(await upgradeStatus(url(path), bearer(tokens.agent))).toBe(403);
    expect(await upgradeStatus(url(path, `?token=${tokens.agent}`))).toBe(403);
  });

  it.each(wsRoutes.filter((r) => r.access === 'viewer'))('$path opens for a viewer, by header or by ?token=', async ({ path }) => {
    expect(await upgradeStatus(url(path), bearer(tokens.viewer))).toBe(101);
    expect(await upgradeStatus(url(path, `?token=${tokens.viewer}`))).toBe(101);
  });

  it('refuses user tokens on the agent socket with 403, and takes agent tokens', async () => {
    expect(await upgradeStatus(url('/api/v1/agent/connect'), bearer(t.admin))).toBe(403);
    expect(await upgradeStatus(url('/api/v1/agent/connect'), bearer(tokens.viewer))).toBe(403);
    expect(await upgradeStatus(url('/api/v1/agent/connect'), bearer(tokens.agent))).toBe(101);
  });
});

describe('logins', () => {
  it('answers a wrong password and an unknown user alike', async () => {
    const wrongPassword = await t.api('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'not-the-password' } });
    const unknownUser = await t.api('POST', '/api/v1/auth/login', { body: { username: 'nobody-here', password: 'not-the-password' } });
    expectProblem(wrongPassword, 401, 'VIGIL_ERR_BAD_CREDENTIALS');
    expect(unknownUser.status).toBe(wrongPassword.status);
    expect(unknownUser.body).toEqual(wrongPassword.body);
    expect(unknownUser.headers.get('set-cookie')).toBeNull();
  });

  it('sets an HttpOnly, SameSite=Strict session cookie that authenticates on its own', async () => {
    const response = await fetch(`${t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'viewer-user', password: 'viewer-password' }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('vigil_session='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    const value = (cookie as string).split(';')[0] as string;
    const me = await t.api('GET', '/api/v1/auth/me', { headers: { cookie: value } });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ name: 'viewer-user', role: 'viewer', via: 'session' });
    // Beside it, a cookie the page can read that says someone signed in (the page opens its live socket early), and
    // that grants nothing on its own.
    const signedIn = response.headers.getSetCookie().find((c) => c.startsWith('vigil_signed_in='));
    expect(signedIn).toMatch(/^vigil_signed_in=1;/);
    expect(signedIn).not.toMatch(/;\s*HttpOnly/i);
    expect(signedIn).toMatch(/;\s*SameSite=Strict/i);
    expectProblem(await t.api('GET', '/api/v1/auth/me', { headers: { cookie: 'vigil_signed_in=1' } }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  it('rate-limits wrong logins from one address with 429 problem+json', async () => {
    const limited = await startTestHub({ auth: { loginAttemptsPerMinute: 5 } });
    try {
      // The helper's own admin login counted as one attempt.
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await limited.api('POST', '/api/v1/auth/login', { body: { username: 'admin', password: `wrong-${i}` } });
        statuses.push(r.status);
        if (r.status === 429) {
          expectProblem(r, 429, 'VIGIL_ERR_RATE_LIMITED');
          break;
        }
      }
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
      expect(statuses.length).toBeLessThanOrEqual(5);
      // The right password is refused too until the minute is over: the limit is per address, not per guess.
      const right = await limited.api('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'admin-password' } });
      expect(right.status).toBe(429);
      // Other routes are not affected.
      expect((await limited.api('GET', '/api/v1/hosts', { token: limited.admin })).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('takes the first-start login link once', async () => {
    const link = t.hub.firstStart?.loginLink as string;
    const secret = new URL(link).searchParams.get('once') as string;
    const first = await t.api('POST', '/api/v1/auth/link', { body: { token: secret } });
    expect(first.status).toBe(200);
    expect(first.body.user).toEqual({ name: 'admin', role: 'admin' });
    expect((await t.api('GET', '/api/v1/auth/me', { token: first.body.token })).status).toBe(200);
    expectProblem(await t.api('POST', '/api/v1/auth/link', { body: { token: secret } }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
    // A link is not a bearer token.
    expectProblem(await t.api('GET', '/api/v1/auth/me', { token: secret }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  it('ends a session at logout', async () => {
    const { body } = await t.api('POST', '/api/v1/auth/login', { body: { username: 'viewer-user', password: 'viewer-password' } });
    expect((await t.api('GET', '/api/v1/auth/me', { token: body.token })).status).toBe(200);
    const logout = await fetch(`${t.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${body.token}` } });
    expect(logout.status).toBe(204);
    // Both cookies are cleared: the page no longer opens a live socket before its code loads.
    const cleared = logout.headers.getSetCookie();
    for (const name of ['vigil_session', 'vigil_signed_in'])
      expect(
        cleared.find((c) => c.startsWith(`${name}=;`)),
        name,
      ).toBeDefined();
    expectProblem(await t.api('GET', '/api/v1/auth/me', { token: body.token }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  it('refuses an expired session (REST and WebSocket)', async () => {
    const short = await startTestHub({ auth: { sessionTtlHours: 1.5 / 3600 } });
    try {
      expect((await short.api('GET', '/api/v1/auth/me', { token: short.admin })).status).toBe(200);
      await waitFor(
        'the session to expire',
        async () => (await short.api('GET', '/api/v1/auth/me', { token: short.admin })).status === 401,
      );
      expectProblem(await short.api('GET', '/api/v1/hosts', { token: short.admin }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
      expect(await upgradeStatus(wsUrl(short.url, '/api/v1/live'), { authorization: `Bearer ${short.admin}` })).toBe(401);
    } finally {
      await short.stop();
    }
  });
});

describe('the API rate limit', () => {
  let limited: TestHub;
  const LIMIT = 5;
  beforeAll(async () => {
    limited = await startTestHub({ auth: { apiRequestsPerMinute: LIMIT } });
  });
  afterAll(() => limited?.stop());

  it('answers 429 problem+json past the limit for a token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const r = await limited.api('GET', '/api/v1/hosts', { token: limited.admin });
      statuses.push(r.status);
      if (r.status === 429) expectProblem(r, 429, 'VIGIL_ERR_RATE_LIMITED');
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429]);
  });

  it('leaves /api/health out', async () => {
    for (let i = 0; i < LIMIT + 2; i++) expect((await limited.api('GET', '/api/health')).status).toBe(200);
  });

  // @fastify/rate-limit hooks each route's onRequest, which runs after the app-level onRequest hook of
  // installAuth: a request that fails authentication is answered 401 before it is ever counted.
  it('counts requests without a valid token as well', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await limited.api('GET', '/api/v1/hosts')).status);
    for (let i = 0; i < LIMIT + 2; i++)
      statuses.push((await limited.api('GET', '/api/v1/hosts', { token: `vgl_session_guess-${i}` })).status);
    expect(statuses).toContain(429);
  });
});

describe('sessions follow their user', () => {
  async function newUser(name: string, role: 'viewer' | 'operator') {
    const created = await t.api('POST', '/api/v1/users', { token: t.admin, body: { name, password: `${name}-password`, role } });
    expect(created.status).toBe(201);
    const login = async (password = `${name}-password`) =>
      t.api('POST', '/api/v1/auth/login', { body: { username: name, password } }).then((r) => ({ status: r.status, token: r.body?.token }));
    return { id: created.body.id as number, login };
  }

  it('takes a lowered role at once', async () => {
    const user = await newUser('demoted', 'operator');
    const { token } = await user.login();
    expect((await t.api('POST', '/api/monitoring/start', { token })).status).toBe(200);
    expect((await t.api('PATCH', `/api/v1/users/${user.id}`, { token: t.admin, body: { role: 'viewer' } })).status).toBe(200);
    expectProblem(await t.api('POST', '/api/monitoring/start', { token }), 403, 'VIGIL_ERR_FORBIDDEN');
  });

  it('ends when an admin sets a new password', async () => {
    const user = await newUser('reset-by-admin', 'viewer');
    const { token } = await user.login();
    expect((await t.api('PATCH', `/api/v1/users/${user.id}`, { token: t.admin, body: { password: 'a-new-password' } })).status).toBe(200);
    expectProblem(await t.api('GET', '/api/v1/auth/me', { token }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
    expect((await user.login()).status).toBe(401);
    expect((await user.login('a-new-password')).status).toBe(200);
  });

  it('ends when the user is removed', async () => {
    const user = await newUser('removed', 'viewer');
    const { token } = await user.login();
    expect((await t.api('DELETE', `/api/v1/users/${user.id}`, { token: t.admin })).status).toBe(204);
    expectProblem(await t.api('GET', '/api/v1/auth/me', { token }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });

  // The route's own summary: "Change your own password (ends your other sessions)".
  it('ends the other sessions when users change their own password', async () => {
    const user = await newUser('changes-own', 'viewer');
    const here = await user.login();
    const elsewhere = await user.login();
    const changed = await t.api('PUT', '/api/v1/users/me/password', { token: here.token, body: { password: 'changed-password' } });
    expect(changed.status).toBe(204);
    expect((await user.login()).status).toBe(401);
    expect((await user.login('changed-password')).status).toBe(200);
    expectProblem(await t.api('GET', '/api/v1/auth/me', { token: elsewhere.token }), 401, 'VIGIL_ERR_UNAUTHENTICATED');
  });
});

describe('browser protections', () => {
  let cookie = '';
  beforeAll(async () => {
    const { body } = await t.api('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'admin-password' } });
    cookie = `vigil_session=${body.token}`;
  });

  it.each(['/api/health', '/api/v1/hosts', '/api/v1/openapi.json'])('sends the security headers on %s', async (path) => {
    const { headers } = await t.api('GET', path, { token: tokens.viewer });
    expect(headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends the security headers on errors too', async () => {
    const { status, headers } = await t.api('GET', '/api/v1/hosts');
    expect(status).toBe(401);
    expect(headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses a cookie-authenticated change from a foreign Origin', async () => {
    const body = { kind: 'api', name: 'csrf' };
    const foreign = await t.api('POST', '/api/v1/tokens', { body, headers: { cookie, origin: 'http://evil.example' } });
    expectProblem(foreign, 403, 'VIGIL_ERR_FORBIDDEN');
    const sameOrigin = await t.api('POST', '/api/v1/tokens', { body, headers: { cookie, origin: t.url } });
    expect(sameOrigin.status).toBe(201);
    // A bearer token is not sent by browsers on their own, so the Origin does not matter for it.
    const bearer = await t.api('POST', '/api/v1/tokens', { token: t.admin, body, headers: { origin: 'http://evil.example' } });
    expect(bearer.status).toBe(201);
  });

  // SameSite=Strict still sends the cookie from another port or subdomain of the same site, and a WebSocket
  // upgrade is a GET, which the Origin check skips: another page could read the live stream.
  it.each(['/api/v1/live', '/ws/monitoring/{server_id}'])(
    'refuses a cookie-authenticated WebSocket from a foreign Origin on %s',
    async (path) => {
      const url = wsUrl(t.url, concrete(path));
      expect(await upgradeStatus(url, { cookie, origin: t.url })).toBe(101);
      expect(await upgradeStatus(url, { cookie, origin: 'http://localhost:3000' })).toBe(403);
    },
  );
});

describe('bad input', () => {
  it('names the field of a short password (400 problem+json)', async () => {
    const r = await t.api('POST', '/api/v1/users', { token: t.admin, body: { name: 'shorty', password: 'short', role: 'viewer' } });
    expectProblem(r, 400, 'VIGIL_ERR_VALIDATION');
    expect(r.body.field).toBe('body.password');
    expect(r.body.detail).toContain('password');
  });

  it('names a query parameter that is not a number', async () => {
    const r = await t.api('GET', `/api/v1/hosts/${ids.host}/processes?limit=abc`, { token: tokens.viewer });
    expectProblem(r, 400, 'VIGIL_ERR_VALIDATION');
    expect(r.body.field).toBe('querystring.limit');
  });

  it('names a path parameter that is not a PID', async () => {
    const r = await t.api('GET', `/api/v1/hosts/${ids.host}/processes/abc`, { token: tokens.viewer });
    expectProblem(r, 400, 'VIGIL_ERR_VALIDATION');
    expect(r.body.field).toBe('params.pid');
  });

  it('names an unknown process action and an unknown role', async () => {
    const action = await t.api('POST', `/api/v1/hosts/${ids.host}/processes/${ids.pid}/signal`, {
      token: tokens.operator,
      body: { action: 'explode' },
    });
    expectProblem(action, 400, 'VIGIL_ERR_VALIDATION');
    expect(action.body.field).toBe('body.action');
    const role = await t.api('POST', '/api/v1/users', { token: t.admin, body: { name: 'king', password: 'long-enough', role: 'king' } });
    expectProblem(role, 400, 'VIGIL_ERR_VALIDATION');
    expect(role.body.field).toBe('body.role');
  });

  it('answers a body that is not JSON with 400 problem+json', async () => {
    const response = await fetch(`${t.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await response.json()) as { code: string }).code).toBe('VIGIL_ERR_BAD_REQUEST');
  });
});

describe('logs', () => {
  it('never contain a token sent in a query string', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-hub-logs-'));
    const config = parseConfig({ server: { host: '127.0.0.1', port: 0 }, data: { dir: dataDir }, log: { level: 'trace' } });
    const hub = await Hub.start({ config, adminPassword: 'admin-password', logger: pino({ level: 'trace' }, sink) });
    try {
      const login = await fetch(`${hub.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
      });
      const secret = ((await login.json()) as { token: string }).token;
      const made = 'vgl_session_made-up-secret-value';
      await fetch(`${hub.url}/api/v1/hosts?token=${secret}`);
      await fetch(`${hub.url}/nowhere?token=${secret}&once=${made}`);
      expect(await upgradeStatus(wsUrl(hub.url, `/api/v1/live?token=${secret}`))).toBe(101);
      expect(await upgradeStatus(wsUrl(hub.url, `/api/v1/live?token=${made}`))).toBe(401);
      expect(await upgradeStatus(wsUrl(hub.url, `/ws/monitoring/no-such-host?token=${secret}`))).toBe(101);
      expect(await upgradeStatus(wsUrl(hub.url, `/api/v1/agent/connect?token=${made}`))).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(lines.length).toBeGreaterThan(0);
      const log = lines.join('');
      expect(log).not.toContain(secret);
      expect(log).not.toContain(secret.slice(12));
      expect(log).not.toContain(made);
      expect(log).not.toContain('admin-password');
    } finally {
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
