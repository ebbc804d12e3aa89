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

  it('acknowledges every frame it stores', async () => {
    const host = t.hub.live.get('edge-1');
    const seq = host?.latest?.seq ?? -1;
    await waitFor('a newer frame', () => (t.hub.live.get('edge-1')?.latest?.seq ?? -1) > seq);
    expect(t.hub.live.get('edge-1')?.lastAckedSeq).toBeGreaterThan(seq);
  });
});
