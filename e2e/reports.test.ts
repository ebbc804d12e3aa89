import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Report } from '@vigil/schema';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launch } from './helpers/browser.ts';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/** Reports against a real hub with an agent: GET /api/v1/reports in every format, seed 001's route, `vigil report`, and the HTML in Chromium. */
const VIGIL = fileURLToPath(new URL('../apps/cli/bin/vigil.mjs', import.meta.url));
const run = promisify(execFile);

let t: TestHub;
let viewer: string;
let env: NodeJS.ProcessEnv;
let work: string;

async function vigil(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [VIGIL, ...args], {
      env: options.env ?? env,
      cwd: options.cwd ?? work,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A raw GET with the viewer's token: status, headers and the body as bytes. */
async function get(path: string, token = viewer) {
  const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  t = await startTestHub();
  await t.startAgent('rep-1');
  viewer = await t.tokenFor('viewer');
  const created = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'api', name: 'report-cli', role: 'viewer' } });
  env = { ...process.env, VIGIL_HUB: t.url, VIGIL_TOKEN: created.body.token, NO_COLOR: '1' };
  work = mkdtempSync(join(tmpdir(), 'vigil-report-cli-'));
  // Enough frames for charts with a few points, and one minute of process history.
  await waitFor(
    'eight stored frames',
    async () => {
      const { body } = await t.api('GET', '/api/v1/query?metric=uptime_seconds&host=rep-1&from=-5m', { token: viewer });
      return body.series?.[0]?.points.length >= 8;
    },
    20_000,
  );
}, 60_000);

afterAll(async () => {
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('GET /api/v1/reports', () => {
  it('answers JSON valid by the Report schema, with the host, its figures and its charts', async () => {
    const { status, headers, body } = await get('/api/v1/reports?format=json&hours=1');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    const report = Report.parse(JSON.parse(body.toString('utf8')));
    expect(report.hours).toBe(1);
    expect(report.basis.p95Of).toBe('raw samples');
    const host = report.hosts.find((h) => h.id === 'rep-1');
    expect(host?.status).toBe('online');
    const cpu = host?.stats.find((s) => s.metric === 'cpu_usage_percent');
    expect(cpu?.count).toBeGreaterThanOrEqual(8);
    expect(cpu?.max).toBeGreaterThanOrEqual(cpu?.avg ?? 0);
    expect(host?.stats.some((s) => s.metric === 'disk_used_percent')).toBe(true);
    expect(host?.charts.series.find((s) => s.metric === 'memory_used_percent')?.values.some((v) => v !== null)).toBe(true);
    expect(host?.processes.frames).toBeGreaterThanOrEqual(8);
    expect(host?.processes.byMemory.length).toBeGreaterThan(0);
  });

  it.each([
    [
      'csv',
      'text/csv; charset=utf-8; header=present',
      'host,hostname,metric,filesystem,unit,avg,p95,max,last,count,basis,from,to\r\n',
      200,
    ],
    ['html', 'text/html; charset=utf-8', '<!doctype html>', 2000],
    ['pdf', 'application/pdf', '%PDF-1.', 5000],
  ])('answers %s with its content type and a body of that kind', async (format, type, start, minBytes) => {
    const { status, headers, body } = await get(`/api/v1/reports?format=${format}&hours=1`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe(type);
    expect(headers.get('content-disposition')).toMatch(new RegExp(`filename="vigil-report-\\d{8}_\\d{6}\\.${format}"`));
    expect(body.subarray(0, start.length).toString('latin1')).toBe(start);
    expect(body.length).toBeGreaterThan(minBytes);
    if (format === 'pdf') expect(body.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    if (format === 'csv') expect(body.toString('utf8')).toMatch(/\r\nrep-1,rep-1,cpu_usage_percent,,percent,[\d.]+,[\d.]+,[\d.]+,/);
  });

  it('gives the other CSV tables, and only one host when asked', async () => {
    const processes = await get('/api/v1/reports?format=csv&table=processes&hours=1&host=rep-1');
    expect(processes.status).toBe(200);
    expect(processes.body.toString('utf8').split('\r\n')[0]).toMatch(/^host,hostname,ranking,rank,pid,name,/);
    const one = await get('/api/v1/reports?hours=1&host=rep-1');
    expect(one.headers.get('x-vigil-hosts')).toBe('1');
  });

  it.each([
    ['an unknown format', '?format=docx', 400, /format/],
    ['hours that are not a number', '?hours=soon', 400, /hours/],
    ['hours below zero', '?hours=-1', 400, /hours/],
    ['a CSV table with another format', '?format=pdf&table=alerts', 400, /table: only with format=csv/],
    ['an unknown host', '?host=nope', 404, /no host "nope"/],
  ])('refuses %s with a problem naming it', async (_, query, status, detail) => {
    const { status: got, headers, body } = await get(`/api/v1/reports${query}`);
    expect(got).toBe(status);
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(body.toString('utf8')).detail).toMatch(detail);
  });

  it('needs a user', async () => {
    expect((await get('/api/v1/reports', 'vgl_api_wrong')).status).toBe(401);
  });
});

describe("seed 001's GET /api/export/report", () => {
  it('exports the same report, 24 hours by default, in each format', async () => {
    const pdf = await get('/api/export/report?format=pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const json = await get('/api/export/report?format=json');
    const report = Report.parse(JSON.parse(json.body.toString('utf8')));
    expect(report.hours).toBe(24);
    expect(report.hosts.map((h) => h.id)).toContain('rep-1');
    for (const format of ['html', 'csv'])
      expect((await get(`/api/export/report?format=${format}&hours=2`)).headers.get('content-type')).toMatch(
        format === 'csv' ? /^text\/csv/ : /^text\/html/,
      );
  });
});

describe('vigil report', () => {
  it('writes a PDF to -o and says where', async () => {
    const file = join(work, 'out.pdf');
    const { code, stderr } = await vigil(['report', '--format', 'pdf', '--hours', '1', '-o', file]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(new RegExp(`wrote ${file} \\(pdf, [\\d.]+ KiB, 1 host\\)`));
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('writes HTML to -o for one host', async () => {
    const file = join(work, 'out.html');
    const { code, stderr } = await vigil(['report', '--format', 'html', '--hours', '1', '--host', 'rep-1', '-o', file]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>[\s\S]*rep-1[\s\S]*<\/html>\n$/);
  });

  it('names a PDF after the time when no -o is given (never binary on standard output), and pipes JSON', async () => {
    const dir = mkdtempSync(join(work, 'default-'));
    const { code, stdout, stderr } = await vigil(['report', '--hours', '1'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^vigil-report-\d{8}_\d{6}\.pdf$/);
    expect(stderr).toContain(`wrote ${join(dir, name as string)}`);
    const json = await vigil(['report', '--format', 'json', '--hours', '1']);
    expect(json.code, json.stderr).toBe(0);
    expect(Report.parse(JSON.parse(json.stdout)).hosts.some((h) => h.id === 'rep-1')).toBe(true);
    const csv = await vigil(['report', '--format', 'csv', '--table', 'alerts', '--hours', '1']);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^host,hostname,id,rule,/);
  });

  it('names the hub when it cannot reach it, and says when the token is refused', async () => {
    const port = await closedPort();
    const down = await vigil(['report', '--format', 'json', '--hub', `http://127.0.0.1:${port}`, '--token', 'vgl_api_x']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`vigil: cannot reach the hub at http://127.0.0.1:${port}`);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
    const refused = await vigil(['report', '--format', 'json'], { env: { ...env, VIGIL_TOKEN: 'vgl_api_wrong' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the hub refused the token');
  });

  it.each([
    [['--format', 'docx'], /--format: .*"pdf"/],
    [['--hours', 'soon'], /--hours: must be a number of hours/],
    [['--hours', '0'], /--hours: must be positive/],
    [['--format', 'pdf', '--table', 'alerts'], /--table: only with --format csv/],
    [['--format', 'csv', '--table', 'cats'], /--table: .*"metrics"/],
  ])('names the bad option in %j', async (args, message) => {
    const { code, stderr } = await vigil(['report', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('the HTML report in Chromium', () => {
  let browser: Browser;
  afterAll(() => browser?.close());

  it('shows its charts: SVGs with a size, and paths through the points', async () => {
    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.setExtraHTTPHeaders({ authorization: `Bearer ${viewer}` });
    const response = await page.goto(`${t.url}/api/v1/reports?format=html&hours=0.05`);
    expect(response?.status()).toBe(200);
    await page.locator('#host-rep-1 svg.chart').first().waitFor({ timeout: 10_000 });
    // Evaluated in the page (this project's TypeScript has no DOM types): each chart's size and paths.
    const charts = (await page.evaluate(`[...document.querySelectorAll('#host-rep-1 svg.chart')].map((svg) => {
      const box = svg.getBoundingClientRect();
      const paths = [...svg.querySelectorAll('path')].map((p) => ({ d: p.getAttribute('d') || '', length: p.getTotalLength() }));
      return { title: svg.getAttribute('aria-label'), width: box.width, height: box.height, paths };
    })`)) as { title: string; width: number; height: number; paths: { d: string; length: number }[] }[];
    expect(charts.map((c) => c.title)).toEqual(['CPU usage', 'Memory used', 'Disk space used', 'Network (all interfaces but lo)']);
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(200);
      expect(c.height).toBeGreaterThan(60);
      expect(c.paths.length).toBeGreaterThan(0);
    }
    // CPU and memory: a line through several points, drawn with a length.
    for (const c of charts.slice(0, 2)) {
      expect(c.paths[0]?.d.split('L').length).toBeGreaterThanOrEqual(3);
      expect(c.paths[0]?.length).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `${ARTIFACTS}report-html.png`, fullPage: true });
  });
});
