import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

let t: TestHub;
let viewer: string;
let operator: string;

beforeAll(async () => {
  t = await startTestHub();
  await t.startAgent('hist-1');
  viewer = await t.tokenFor('viewer');
  operator = await t.tokenFor('operator');
  // A few frames of history.
  await waitFor('three stored frames', async () => {
    const { body } = await t.api('GET', '/api/v1/query?metric=uptime_seconds&host=hist-1&from=-5m', { token: viewer });
    return body.series?.[0]?.points.length >= 3;
  });
});
afterAll(() => t.stop());

describe('GET /api/v1/query', () => {
  it('returns raw samples per series with units, and avg/min/max per step when asked', async () => {
    const raw = await t.api('GET', '/api/v1/query?metric=cpu_usage_percent&metric=memory_used_bytes&host=hist-1&from=-5m&to=now', {
      token: viewer,
    });
    expect(raw.status).toBe(200);
    expect(raw.body.tier).toBe('raw');
    expect(raw.body.columns).toEqual(['ts', 'value']);
    const memory = raw.body.series.find((s: { metric: string }) => s.metric === 'memory_used_bytes');
    expect(memory.unit).toBe('bytes');
    expect(memory.points[0]).toHaveLength(2);
    // Timestamps sit on the one-second grid: the agent stamps frames with their slot.
    expect(memory.points.every((p: number[]) => (p[0] as number) % 1000 === 0)).toBe(true);
    const cores = raw.body.series.filter(
      (s: { metric: string; labels: { cpu?: string } }) => s.metric === 'cpu_usage_percent' && s.labels.cpu !== undefined,
    );
    expect(cores.length).toBeGreaterThanOrEqual(1);

    const stepped = await t.api('GET', '/api/v1/query?metric=memory_used_bytes&host=hist-1&from=-5m&step=1m', { token: viewer });
    expect(stepped.body.columns).toEqual(['ts', 'avg', 'min', 'max']);
    for (const [, avg, min, max] of stepped.body.series[0].points) {
      expect(min).toBeLessThanOrEqual(avg);
      expect(avg).toBeLessThanOrEqual(max);
    }
  });

  it('filters by label', async () => {
    const { body } = await t.api('GET', '/api/v1/query?metric=cpu_usage_percent&host=hist-1&label=cpu=0&from=-5m', { token: viewer });
    expect(body.series).toHaveLength(1);
    expect(body.series[0].labels).toEqual({ cpu: '0' });
  });

  it.each([
    ['an unknown metric', '/api/v1/query?metric=no_such_metric', /unknown metric "no_such_metric"/],
    ['a bad time', '/api/v1/query?metric=load1&from=yesterday-ish', /querystring\/from|from/],
    ['a bad step', '/api/v1/query?metric=load1&step=often', /step/],
    ['a step under a second', '/api/v1/query?metric=load1&step=100', /at least 1s/],
    ['from after to', '/api/v1/query?metric=load1&from=now&to=-1h', /must not be after to/],
    ['a label without a value', '/api/v1/query?metric=load1&label=cpu', /is not name=value/],
  ])('refuses %s with a 400 naming the parameter', async (_, path, detail) => {
    const { status, body, headers } = await t.api('GET', path, { token: viewer });
    expect(status).toBe(400);
    expect(headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(`${body.detail} ${body.field ?? ''}`).toMatch(detail);
  });
});

describe('process history', () => {
  it('answers what was running at a moment, and the top consumers of a window', async () => {
    const at = await t.api('GET', '/api/v1/hosts/hist-1/processes/at?ts=now', { token: viewer });
    expect(at.status).toBe(200);
    expect(at.body.ts).toBeLessThanOrEqual(Date.now());
    // The test process itself runs the in-process agent and is among the top consumers.
    expect(at.body.processes.some((p: { pid: number }) => p.pid === process.pid)).toBe(true);
    const top = await t.api('GET', '/api/v1/hosts/hist-1/processes/top?from=-10m&by=memory&limit=3', { token: viewer });
    expect(top.body.processes).toHaveLength(3);
    expect(top.body.processes[0].memoryRssBytesAvg).toBeGreaterThanOrEqual(top.body.processes[1].memoryRssBytesAvg);
  });
});

describe('custom metrics', () => {
  it('stores batches from an API token, queryable like built-in metrics, and says which samples it refused', async () => {
    const now = Date.now();
    const r = await t.api('POST', '/api/v1/metrics/custom', {
      token: operator,
      body: [
        { host: 'hist-1', name: 'orders_pending', value: 7, labels: { shop: 'eu' }, ts: now - 2000 },
        { host: 'hist-1', name: 'orders_pending', value: 9, labels: { shop: 'eu' }, ts: now - 1000 },
        { host: 'hist-1', name: 'load1', value: 1 },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 2, rejected: [{ index: 2, reason: '"load1" is a built-in metric' }] });
    const q = await t.api('GET', `/api/v1/query?metric=orders_pending&host=hist-1&label=shop=eu&from=${now - 10_000}`, { token: viewer });
    expect(q.body.series[0].points.map((p: number[]) => p[1])).toEqual([7, 9]);
    const catalogue = await t.api('GET', '/api/v1/metrics', { token: viewer });
    expect(catalogue.body.find((m: { name: string }) => m.name === 'orders_pending')).toMatchObject({ custom: true, series: 1 });
  });

  it('refuses a bad name, and a viewer', async () => {
    expect((await t.api('POST', '/api/v1/metrics/custom', { token: operator, body: [{ name: '9lives', value: 1 }] })).status).toBe(400);
    expect((await t.api('POST', '/api/v1/metrics/custom', { token: viewer, body: [{ name: 'x', value: 1 }] })).status).toBe(403);
  });
});

describe('GET /api/v1/export', () => {
  it('streams CSV and JSON with the series count in a header', async () => {
    const csv = await fetch(`${t.url}/api/v1/export?format=csv&hours=1&host=hist-1&metric=uptime_seconds`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(csv.headers.get('x-vigil-series')).toBe('1');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('time,host,metric,labels,value');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,hist-1,uptime_seconds,,\d+$/);
    const json = await t.api('GET', '/api/v1/export?format=json&hours=1&host=hist-1', { token: viewer });
    expect(json.body.series.length).toBeGreaterThan(50);
    expect(json.body.series[0]).toMatchObject({ host: 'hist-1', metric: expect.any(String), labels: expect.any(Object) });
  });
});

describe('seed 001 history', () => {
  it('GET /api/metrics/history/system?hours=1 gives rows of the system_metrics columns', async () => {
    const { status, body } = await t.api('GET', '/api/metrics/history/system?hours=1&host=hist-1', { token: viewer });
    expect(status).toBe(200);
    expect(body.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(body[0])).toEqual([
      'timestamp',
      'cpu_percent',
      'cpu_freq',
      'load_avg',
      'memory_percent',
      'memory_used',
      'memory_total',
      'disk_usage',
      'network_bytes_recv_per_sec',
      'network_bytes_sent_per_sec',
    ]);
    expect(body[0].memory_total).toBeGreaterThan(0);
  });
});
