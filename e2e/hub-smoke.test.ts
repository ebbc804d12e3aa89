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
});
