import { Agent } from '@vigil/agent';
import { type Frame, Seed003Document, Seed003HostList, toSeed003Document } from '@vigil/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3RVER_ENV, startTestS3, type TestS3 } from '../packages/archive/src/s3-test-server.ts';
import { quietLog, startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * Seed 003's S3 archive with a real hub, real agents and a real S3-compatible server (s3rver): in agent mode
 * (each host uploads itself) and in hub mode (the hub uploads every online host).
 */
let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

/** Frames as the hub received them, by host and time, to compare the documents with. */
function recordFrames(t: TestHub): Map<string, Frame> {
  const frames = new Map<string, Frame>();
  t.hub.ingest.onFrame((host, frame) => frames.set(`${host.record.hostname}@${frame.ts}`, frame));
  return frames;
}

const historyStamps = async (prefix: string, host: string) =>
  (await s3.keys(`${prefix}/history/${host}/`)).map((key) => key.slice(key.lastIndexOf('/') + 1, -'.json'.length));
const stampMs = (stamp: string) =>
  Date.UTC(+stamp.slice(0, 4), +stamp.slice(4, 6) - 1, +stamp.slice(6, 8), +stamp.slice(9, 11), +stamp.slice(11, 13), +stamp.slice(13, 15));

describe('agent mode: the agent uploads its own frames', () => {
  let t: TestHub;
  let agent: Agent;
  let frames: Map<string, Frame>;
  beforeAll(async () => {
    t = await startTestHub();
    frames = recordFrames(t);
    const { body } = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'agent', name: 'archiving agent' } });
    agent = new Agent({
      hub: t.url,
      token: body.token,
      hostname: 'agent-host',
      spoolDir: null,
      intervalMs: 1000,
      log: quietLog,
      archive: {
        s3: s3.config({ prefix: 'agent-mode', hostnameOverride: 'server01' }),
        env: S3RVER_ENV,
        backoff: { initialMs: 100, maxMs: 500 },
      },
    });
    await agent.start();
  });
  afterAll(async () => {
    await agent?.stop();
    await t?.stop();
  });
  afterEach(async () => {
    await s3.up();
  });

  it('writes the layout under HOSTNAME_OVERRIDE, with the values of the frames the hub got', async () => {
    await waitFor('two history documents', async () => (await historyStamps('agent-mode', 'server01')).length >= 2, 15_000);
    expect(await s3.keys('agent-mode/')).toEqual(expect.arrayContaining(['agent-mode/list.json', 'agent-mode/server01.json']));
    expect(Object.keys(Seed003HostList.parse(await s3.json('agent-mode/list.json')))).toEqual(['server01']);
    for (const stamp of await historyStamps('agent-mode', 'server01')) {
      expect(stamp).toMatch(/^\d{8}_\d{6}$/);
      const document = Seed003Document.parse(await s3.json(`agent-mode/history/server01/${stamp}.json`));
      const frame = frames.get(`agent-host@${stampMs(stamp)}`);
      expect(frame, `the hub's frame of ${stamp}`).toBeDefined();
      expect(document).toEqual(toSeed003Document('server01', frame as Frame));
    }
    const latest = Seed003Document.parse(await s3.json('agent-mode/server01.json'));
    expect(latest.hostname).toBe('server01');
    expect(latest.cpu.count_logical).toBeGreaterThan(0);
    expect(latest.memory.virtual.total).toBeGreaterThan(0);
  });

  it('goes on monitoring while the bucket is down, and uploads the missed history afterwards', async () => {
    await s3.down();
    const downAt = Date.now();
    const seqAtDown = t.hub.live.get('agent-host')?.latest?.seq ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    // The hub kept getting a frame a second.
    expect((t.hub.live.get('agent-host')?.latest?.seq ?? 0) - seqAtDown).toBeGreaterThanOrEqual(3);
    await s3.up();
    const upAt = Date.now();
    // Every second of the outage is in the history once the archive has caught up (one upload a second).
    const covered = async () => {
      const times = (await historyStamps('agent-mode', 'server01')).map(stampMs);
      const during = times.filter((ts) => ts >= downAt && ts < upAt - 1000);
      return (
        during.length >= Math.floor((upAt - downAt) / 1000) - 2 && times.at(-1) !== undefined && (times.at(-1) as number) >= upAt - 1000
      );
    };
    await waitFor('the missed history', covered, 20_000);
    const times = (await historyStamps('agent-mode', 'server01')).map(stampMs);
    // No gap wider than an upload period or two (timers drift against the frames' one-second grid).
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeLessThanOrEqual(2000);
  });
});

describe('hub mode: the hub uploads every online host', () => {
  let t: TestHub;
  let frames: Map<string, Frame>;
  beforeAll(async () => {
    // The SDK's default chain, as on a server: credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    vi.stubEnv('AWS_ACCESS_KEY_ID', S3RVER_ENV.AWS_ACCESS_KEY_ID);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', S3RVER_ENV.AWS_SECRET_ACCESS_KEY);
    t = await startTestHub({ archive: { s3: { ...s3.config({ prefix: 'hub-mode' }) } } });
    frames = recordFrames(t);
    await t.startAgent('web-1');
    await t.startAgent('web-2');
  });
  afterAll(async () => {
    await t?.stop();
    vi.unstubAllEnvs();
  });

  it('writes both hosts in list.json, their latest documents and their history', async () => {
    await waitFor(
      'both hosts in the archive',
      async () => {
        const keys = await s3.keys('hub-mode/');
        return ['web-1', 'web-2'].every(
          (host) => keys.includes(`hub-mode/${host}.json`) && keys.some((k) => k.startsWith(`hub-mode/history/${host}/`)),
        );
      },
      15_000,
    );
    expect(Object.keys(Seed003HostList.parse(await s3.json('hub-mode/list.json')))).toEqual(['web-1', 'web-2']);
    for (const host of ['web-1', 'web-2']) {
      const latest = Seed003Document.parse(await s3.json(`hub-mode/${host}.json`));
      expect(latest.hostname).toBe(host);
      const [stamp] = await historyStamps('hub-mode', host);
      const document = Seed003Document.parse(await s3.json(`hub-mode/history/${host}/${stamp}.json`));
      expect(document).toEqual(toSeed003Document(host, frames.get(`${host}@${stampMs(stamp as string)}`) as Frame));
    }
  });
});
