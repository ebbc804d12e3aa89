import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * /metrics as Prometheus sees it: the exposition passes `promtool check metrics` (Debian's prometheus package,
 * installed by .ci/run), and a real Prometheus scrapes the hub with a bearer token and answers PromQL with
 * the host's value.
 */
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

let t: TestHub;
let viewer: string;
let prometheus: ChildProcess | undefined;
const dirs: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function scrape(token: string | null, url = t.url): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

/** The value of one sample in an exposition, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  for (const tool of [PROMETHEUS, PROMTOOL])
    if (!existsSync(tool))
      throw new Error(`${tool} is missing: install Debian's prometheus package (apt-get install prometheus), as .ci/run does`);
  t = await startTestHub();
  await t.startAgent('prom-1');
  viewer = await t.tokenFor('viewer');
  await waitFor('the host to report', async () => (await t.api('GET', '/api/v1/hosts/prom-1', { token: t.admin })).body.cpuPercent != null);
}, 60_000);

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  await t?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('/metrics', () => {
  it('needs a token by default, and a viewer may scrape', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('vgl_api_not-a-token')).status).toBe(401);
    const ok = await scrape(viewer);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('passes promtool check metrics', async () => {
    const { text } = await scrape(viewer);
    // promtool prints its complaints and exits non-zero when a name, type or line is wrong.
    const output = execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(output).toBe('');
  });

  it("has every host's current values with labels, and the hub's own figures", async () => {
    const host = (await t.api('GET', '/api/v1/hosts/prom-1', { token: t.admin })).body;
    const { text } = await scrape(viewer);
    expect(sample(text, 'vigil_host_up{host="prom-1",hostname="prom-1"}')).toBe(1);
    expect(sample(text, 'vigil_memory_total_bytes{host="prom-1",hostname="prom-1"}')).toBe(host.memoryTotalBytes);
    expect(sample(text, 'vigil_cpu_online{host="prom-1",hostname="prom-1"}')).toBe(host.cpuCores);
    expect(text).toMatch(/^vigil_disk_used_percent\{host="prom-1",hostname="prom-1",mountpoint="\/"\} \d/m);
    expect(text).toMatch(/^# TYPE vigil_network_receive_bytes_total counter$/m);
    expect(sample(text, 'vigil_hub_agents_connected')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'vigil_hub_frames_received_total')).toBeGreaterThan(0);
    expect(sample(text, 'vigil_hub_history_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'vigil_hub_live_clients')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^vigil_hub_alerts_firing\{severity="critical"\} \d+$/m);
    expect(text).toMatch(/^vigil_collector_errors\{host="prom-1",collector="cpu"\} 0$/m);
  });

  it('is answered by a real Prometheus that scrapes the hub with a bearer token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
    dirs.push(dir);
    const port = await freePort();
    const target = new URL(t.url).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: vigil',
        '    metrics_path: /metrics',
        '    authorization:',
        `      credentials: ${viewer}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    execFileSync(PROMTOOL, ['check', 'config', join(dir, 'prometheus.yml')], { stdio: 'pipe' });
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const query = async (promql: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`).catch(() => null);
      if (!response?.ok) return null;
      const body = (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return body.data.result;
    };
    const result = await waitFor(
      'Prometheus to have scraped the host memory',
      async () => {
        const r = await query('vigil_memory_total_bytes{host="prom-1"}');
        return r && r.length > 0 ? r : null;
      },
      30_000,
      250,
    );
    const host = (await t.api('GET', '/api/v1/hosts/prom-1', { token: t.admin })).body;
    expect(result[0]?.metric).toMatchObject({ job: 'vigil', host: 'prom-1', hostname: 'prom-1' });
    expect(Number(result[0]?.value[1])).toBe(host.memoryTotalBytes);
    const up = await query('up{job="vigil"}');
    expect(up?.[0]?.value[1]).toBe('1');
    // A rate over the scraped counter works as it would over node_exporter's.
    const received = await waitFor(
      'two scrapes of a counter',
      async () => {
        const r = await query('rate(vigil_hub_frames_received_total[5s])');
        return r && r.length > 0 ? Number(r[0]?.value[1]) : null;
      },
      30_000,
      250,
    );
    expect(received).toBeGreaterThan(0);
  }, 60_000);
});

describe('/metrics configuration', () => {
  it('is open with prometheus.public, and absent when disabled', async () => {
    const open = await startTestHub({ prometheus: { public: true }, agent: { local: false } });
    const off = await startTestHub({ prometheus: { enabled: false }, agent: { local: false } });
    try {
      expect((await scrape(null, open.url)).status).toBe(200);
      expect((await scrape(off.admin, off.url)).status).toBe(404);
    } finally {
      await open.stop();
      await off.stop();
    }
  });
});
