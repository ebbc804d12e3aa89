import { gunzipSync } from 'node:zlib';
import { HostDetail, HostSummary } from '@vigil/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  await t.startAgent('edge-1');
});
afterAll(() => t.stop());

describe('a hub with one agent', () => {
  it('lists the host with live figures', async () => {
    const { status, body } = await t.api('GET', '/api/v1/hosts', { token: t.admin });
    expect(status).toBe(200);
    const hosts = body.map((h: unknown) => HostSummary.parse(h));
    expect(hosts.map((h: HostSummary) => h.id)).toEqual(['edge-1']);
    expect(hosts[0].status).toBe('online');
  });

  it('gives the host detail with its identity', async () => {
    const { body } = await t.api('GET', '/api/v1/hosts/edge-1', { token: t.admin });
    expect(HostDetail.parse(body).identity.hostname).toBe('edge-1');
  });

  it('asks the agent for the whole process table when someone lists processes', async () => {
    const { status, body } = await t.api('GET', '/api/v1/hosts/edge-1/processes?sort=pid&limit=5000', { token: t.admin });
    expect(status).toBe(200);
    expect(body.complete).toBe(true);
    expect(body.processes.length).toBe(body.total);
    expect(body.processes.some((p: { pid: number }) => p.pid === process.pid)).toBe(true);
  });

  it('acknowledges frames once they are stored, and answers history queries from them', async () => {
    const host = t.hub.live.get('edge-1');
    const seq = host?.latest?.seq ?? -1;
    await waitFor('a newer frame to be acknowledged', () => (t.hub.live.get('edge-1')?.lastAckedSeq ?? -1) > seq);
    const { status, body } = await t.api('GET', '/api/v1/query?metric=cpu_usage_percent&host=edge-1&from=-5m', { token: t.admin });
    expect(status).toBe(200);
    const total = body.series.find((s: { labels: object }) => Object.keys(s.labels).length === 0);
    expect(total.points.length).toBeGreaterThanOrEqual(1);
    expect(total.points.at(-1)[0]).toBeLessThanOrEqual(Date.now());
  });

  it('serves the dashboard with its assets compressed for browsers that accept it, and whole for others', async () => {
    const html = await (await fetch(`${t.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const plain = await fetch(`${t.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const body = Buffer.from(await plain.arrayBuffer());
    // fetch would decode the body itself: read the raw bytes over node:http instead.
    const { request } = await import('node:http');
    const gz = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      request(`${t.url}${script}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(parts) }));
      })
        .on('error', reject)
        .end();
    });
    expect(gz.encoding).toBe('gzip');
    expect(gz.bytes.length).toBeLessThan(body.length / 2);
    expect(gunzipSync(gz.bytes).equals(body)).toBe(true);
    const br = await fetch(`${t.url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers.get('content-encoding')).toBe('br');
  });
});
