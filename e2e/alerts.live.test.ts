import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * Alerting end to end on real parts: a hub and an agent, a busy-loop process that trips a process CPU rule,
 * and receivers started here: a webhook (bodies signed with a secret), an SMTP server, and a webhook that
 * answers 500 until the test lets it recover. Rules and channels are made through the REST API as an admin.
 */

const HOST = 'alerts-host';
const SECRET = 'a-webhook-secret';
/** The hog runs node through a symlink of this name, which /proc/PID/comm shows from exec on (15 characters at most). */
const HOG = `vhog-${process.pid}`.slice(0, 15);
const RULE = 'hog on the CPU';

interface Request {
  headers: IncomingHttpHeaders;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: the webhook payload is inspected field by field
  json: any;
}

/** A webhook receiver on loopback: records what it accepts; while not `healthy` it answers 500 and counts. */
interface Receiver {
  url: string;
  received: Request[];
  refused: number;
  healthy: boolean;
  server: Server;
}

async function startReceiver(healthy: boolean): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], refused: 0, healthy, server: createServer() };
  receiver.server.on('request', (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (!receiver.healthy) {
        receiver.refused++;
        response.writeHead(500).end('not now');
        return;
      }
      receiver.received.push({ headers: request.headers, body, json: JSON.parse(body) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
  return receiver;
}

interface Mail {
  to: string[];
  subject: string;
  text: string;
}

/** Subject and text of a single-part message, undoing quoted-printable and base64 (no mail parser installed). */
function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  let text = raw.slice(split + 4);
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'quoted-printable')
    text = Buffer.from(
      text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  else if (encoding === 'base64') text = Buffer.from(text, 'base64').toString('utf8');
  return { subject: header('Subject'), text: text.replace(/\r\n/g, '\n') };
}

const signature = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

let t: TestHub;
let hook: Receiver;
let flaky: Receiver;
let smtp: SMTPServer;
const mails: Mail[] = [];
const channelIds: Record<string, number> = {};
let hogDir: string;
let hog: ChildProcess | null = null;
let alertId: number;

/** A busy loop named HOG: a whole core for as long as it runs. */
function startHog(): ChildProcess {
  const path = join(hogDir, HOG);
  symlinkSync(process.execPath, path);
  return spawn(path, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

beforeAll(async () => {
  hook = await startReceiver(true);
  flaky = await startReceiver(false);
  smtp = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered, no login asked.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), ...parseMail(Buffer.concat(chunks).toString('utf8')) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  hogDir = mkdtempSync(join(tmpdir(), 'vigil-hog-'));

  // A short group wait, and no group interval so the resolution is told as soon as the firing was.
  t = await startTestHub({ alerts: { groupWaitSeconds: 1, groupIntervalMinutes: 0, defaults: false } });
  await t.startAgent(HOST);
  const channels = [
    { type: 'webhook', name: 'hook', url: hook.url, secret: SECRET },
    { type: 'webhook', name: 'flaky', url: flaky.url },
    {
      type: 'email',
      name: 'mail',
      host: '127.0.0.1',
      port: (smtp.server.address() as AddressInfo).port,
      secure: false,
      from: 'vigil@example.test',
      to: ['ops@example.test'],
    },
  ];
  for (const channel of channels) {
    const { status, body } = await t.api('POST', '/api/v1/channels', { token: t.admin, body: channel });
    expect(status, JSON.stringify(body)).toBe(201);
    channelIds[channel.name] = body.id;
  }
  // A low level, and a lower one to clear at: on a busy machine (other test runs beside this one) a busy loop
  // may get well under a core, yet it must fire within seconds and not flap while it runs.
  const rule = { name: RULE, kind: 'process', process: HOG, check: 'cpu', op: '>', warning: 10, clear: 2, for: '2s' };
  const created = await t.api('POST', '/api/v1/alert-rules', { token: t.admin, body: rule });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});

afterAll(async () => {
  hog?.kill('SIGKILL');
  await t?.stop();
  await Promise.all([
    ...[hook, flaky].map((r) => new Promise((resolve) => r?.server.close(resolve))),
    new Promise<void>((resolve) => (smtp ? smtp.close(resolve) : resolve())),
  ]);
  if (hogDir) rmSync(hogDir, { recursive: true, force: true });
});

/** The channels as the API lists them. */
async function channel(name: string) {
  const { body } = await t.api('GET', '/api/v1/channels', { token: t.admin });
  return body.find((c: { config: { name: string } }) => c.config.name === name);
}

describe('a process over its CPU level', () => {
  it('fires, and the webhook gets a JSON body naming host, rule, severity and value, signed with the secret', async () => {
    hog = startHog();
    const alert = await waitFor(
      'the alert to fire',
      async () => {
        const { body } = await t.api('GET', '/api/v1/alerts?state=active', { token: t.admin });
        return body.find((a: { ruleName: string; state: string }) => a.ruleName === RULE && a.state === 'firing');
      },
      20_000,
    );
    alertId = alert.id;
    expect(alert).toMatchObject({ hostId: HOST, subject: `process ${HOG}`, severity: 'warning', threshold: 10 });

    const notice = await waitFor('the firing webhook', () => hook.received.find((r) => r.json.status === 'firing'));
    expect(notice.headers['content-type']).toBe('application/json');
    expect(notice.headers['user-agent']).toBe('vigil-hub');
    expect(notice.headers['x-vigil-signature']).toBe(signature(notice.body));
    expect(notice.json).toMatchObject({
      version: 1,
      source: 'vigil',
      hub: t.hub.publicUrl,
      title: `[Vigil] 1 firing: ${RULE} on ${HOST}`,
      alerts: [
        {
          id: alertId,
          kind: 'firing',
          state: 'firing',
          severity: 'warning',
          rule: RULE,
          host: HOST,
          subject: `process ${HOG}`,
          threshold: 10,
          url: `${t.hub.publicUrl}/alerts/${alertId}`,
        },
      ],
    });
    expect(notice.json.alerts[0].value).toBeGreaterThan(10);
    expect(notice.json.alerts[0].message).toMatch(new RegExp(`^process ${HOG} on ${HOST} is \\d+(\\.\\d+)? \\(warning: > 10\\)$`));
  });

  it('arrives by mail, the subject and the text naming the alert', async () => {
    const mail = await waitFor('the firing mail', () => mails.find((m) => m.subject.includes('firing')));
    expect(mail.to).toEqual(['ops@example.test']);
    expect(mail.subject).toBe(`[Vigil] 1 firing: ${RULE} on ${HOST}`);
    expect(mail.text).toContain(`[FIRING] WARNING ${RULE}: process ${HOG} on ${HOST} is `);
    expect(mail.text).toContain(`Open ${t.hub.publicUrl}/alerts`);
  });

  it('is retried on a channel that answers 500, whose error shows in the channel list until it answers', async () => {
    const failing = await waitFor('the error on the channel', async () => {
      const c = await channel('flaky');
      return c.lastError ? c : null;
    });
    expect(failing.lastError).toBe(`${flaky.url} answered HTTP 500`);
    expect(flaky.refused).toBeGreaterThanOrEqual(1);
    flaky.healthy = true;
    // The retries come 2 s, then 10 s after the previous attempt.
    const notice = await waitFor('the retried webhook', () => flaky.received.find((r) => r.json.status === 'firing'), 15_000);
    expect(notice.json.alerts).toMatchObject([{ id: alertId, kind: 'firing', rule: RULE, host: HOST }]);
    expect(notice.headers['x-vigil-signature']).toBeUndefined();
    const recovered = await waitFor('the error to clear', async () => {
      const c = await channel('flaky');
      return c.lastError === null ? c : null;
    });
    expect(recovered.lastSentAt).toBeGreaterThan(0);
  });

  it('is listed by seed 001 GET /api/alerts', async () => {
    const { status, body } = await t.api('GET', '/api/alerts?hours=1', { token: t.admin });
    expect(status).toBe(200);
    const row = body.find((a: { id: number }) => a.id === alertId);
    expect(row).toMatchObject({
      host_id: HOST,
      alert_type: RULE,
      severity: 'warning',
      threshold: 10,
      acknowledged: false,
      resolved: false,
    });
    expect(row.metric_value).toBeGreaterThan(10);
  });

  it('is acknowledged with a comment, by whom and when recorded', async () => {
    const acked = await t.api('POST', `/api/v1/alerts/${alertId}/ack`, { token: t.admin, body: { comment: 'looking into it' } });
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    expect(acked.body).toMatchObject({ id: alertId, state: 'firing', acknowledgedBy: 'admin', comment: 'looking into it' });
    const { body } = await t.api('GET', `/api/v1/alerts/${alertId}`, { token: t.admin });
    expect(body).toMatchObject({ acknowledgedBy: 'admin', comment: 'looking into it' });
    expect(body.acknowledgedAt).toBeGreaterThan(0);
    expect(body.transitions.map((tr: { to: string }) => tr.to)).toContain('acknowledged');
    const seed = await t.api('GET', '/api/alerts?hours=1', { token: t.admin });
    expect(seed.body.find((a: { id: number }) => a.id === alertId)).toMatchObject({ acknowledged: true, resolved: false });
  });

  it('resolves once the process is gone, and the resolution is told on the webhook and by mail', async () => {
    const exited = new Promise((resolve) => hog?.once('exit', resolve));
    hog?.kill('SIGKILL');
    await exited;
    hog = null;
    await waitFor('the alert to resolve', async () => {
      const { body } = await t.api('GET', `/api/v1/alerts/${alertId}`, { token: t.admin });
      return body.state === 'resolved';
    });
    const notice = await waitFor('the resolved webhook', () => hook.received.find((r) => r.json.status === 'resolved'));
    expect(notice.headers['x-vigil-signature']).toBe(signature(notice.body));
    expect(notice.json).toMatchObject({
      title: `[Vigil] 1 resolved: ${RULE} on ${HOST}`,
      alerts: [{ id: alertId, kind: 'resolved', state: 'resolved', rule: RULE, host: HOST, acknowledgedBy: 'admin' }],
    });
    expect(notice.json.alerts[0].resolvedAt).toEqual(expect.any(String));
    const mail = await waitFor('the resolved mail', () => mails.find((m) => m.subject.includes('resolved')));
    expect(mail.subject).toBe(`[Vigil] 1 resolved: ${RULE} on ${HOST}`);
    expect(mail.text).toContain(`[RESOLVED] WARNING ${RULE}: `);
    const active = await t.api('GET', '/api/v1/alerts?state=active', { token: t.admin });
    expect(active.body.map((a: { id: number }) => a.id)).not.toContain(alertId);
  });
});

describe('channels', () => {
  it('are listed with their secrets masked, and a masked secret sent back is kept', async () => {
    const listed = await channel('hook');
    expect(listed.config.secret).toMatch(/^•{8,}$/);
    const replaced = await t.api('PUT', `/api/v1/channels/${channelIds.hook}`, { token: t.admin, body: listed.config });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.config.secret).toBe(listed.config.secret);
    // Still signed with the real secret (checked by the test send below).
  });

  it('have a test send that reaches the webhook (signed) and the mailbox at once, and reports a channel that fails', async () => {
    const before = hook.received.length;
    const sent = await t.api('POST', `/api/v1/channels/${channelIds.hook}/test`, { token: t.admin });
    expect(sent.body).toEqual({ ok: true, error: null });
    // Sent before the answer: no waiting.
    const notice = hook.received[before] as Request;
    expect(notice.headers['x-vigil-signature']).toBe(signature(notice.body));
    expect(notice.json.alerts).toMatchObject([{ rule: 'test notification', host: 'vigil', severity: 'info' }]);

    const mailed = await t.api('POST', `/api/v1/channels/${channelIds.mail}/test`, { token: t.admin });
    expect(mailed.body).toEqual({ ok: true, error: null });
    expect(mails.at(-1)?.subject).toBe('[Vigil] 1 firing: test notification on vigil');

    flaky.healthy = false;
    const failed = await t.api('POST', `/api/v1/channels/${channelIds.flaky}/test`, { token: t.admin });
    expect(failed.body).toEqual({ ok: false, error: `${flaky.url} answered HTTP 500` });
    expect((await channel('flaky')).lastError).toBe(`${flaky.url} answered HTTP 500`);
  });
});
