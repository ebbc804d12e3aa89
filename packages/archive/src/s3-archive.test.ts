import { readFileSync } from 'node:fs';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Frame, HostSnapshot, Seed003Document, Seed003HostList, seed003Timestamp, toSeed003Document } from '@vigil/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveSource } from './archiver.ts';
import { startS3Archive } from './index.ts';
import type { Logger } from './logger.ts';
import { createS3Client, S3Archive, s3ClientConfig } from './s3.ts';
import { S3RVER_ENV, startTestS3, type TestS3 } from './s3-test-server.ts';

/** A real captured host's frame (apps/agent/test/fixtures/server-4cpu), re-stamped. */
const template = HostSnapshot.parse(
  JSON.parse(readFileSync(new URL('../../../apps/agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8')),
).frame;
const frameAt = (ts: number, seq = 1): Frame => ({ ...template, ts, seq });
/** 2026-01-02T00:00:01Z, the fixture's own time. */
const T0 = template.ts;

/** Log lines by level, to check that failures are told once per change of state. */
function recordingLog(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
}

/** Keys of the PUTs the server accepted, in the order it accepted them. */
function recordPuts(client: S3Client): string[] {
  const keys: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'PutObjectCommand') keys.push((args.input as { Key: string }).Key);
      return result;
    },
    { step: 'initialize', name: 'recordPuts' },
  );
  return keys;
}

async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let s3: TestS3;
const archives: S3Archive[] = [];
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});
afterEach(async () => {
  await Promise.all(archives.splice(0).map((a) => a.stop()));
  await s3.up();
});

/** An archive driven by hand (capture, flush) with its own prefix, so that tests do not see each other's keys. */
function archive(prefix: string, source: ArchiveSource, options: { now?: () => number; log?: Logger; hostnameOverride?: string } = {}) {
  const a = new S3Archive(s3.config({ prefix }), s3.client(), {
    source,
    log: options.log ?? recordingLog(),
    // The fixture's time: history older than a day would be dropped as out of the pending limits.
    clock: { now: options.now ?? (() => T0 + 500) },
    ownsClient: true,
  });
  archives.push(a);
  return a;
}

describe('S3 archive in seed 003 layout (s3rver)', () => {
  it('writes list.json, <hostname>.json and history/<hostname>/<YYYYMMDD_HHMMSS>.json (UTC) in the seed shape', async () => {
    const now = T0 + 400;
    const a = archive('layout', () => [{ hostname: 'server01', frame: frameAt(T0) }], { now: () => now });
    expect(a.capture()).toBe(1);
    await a.flush();
    expect(await s3.keys('layout/')).toEqual(['layout/history/server01/20260102_000001.json', 'layout/list.json', 'layout/server01.json']);
    const latest = Seed003Document.parse(await s3.json('layout/server01.json'));
    expect(latest).toEqual(toSeed003Document('server01', frameAt(T0)));
    expect(latest.timestamp).toBe('2026-01-02T00:00:01Z');
    expect(latest.cpu.usage_percent).toBe(template.system.cpu?.total?.usagePercent);
    expect(latest.memory.virtual.total).toBe(template.system.memory?.totalBytes);
    expect(latest.gpu.map((g) => g.name)).toEqual(['NVIDIA GeForce RTX 4090', 'Tesla T4']);
    expect(await s3.json('layout/history/server01/20260102_000001.json')).toEqual(latest);
    expect(Seed003HostList.parse(await s3.json('layout/list.json'))).toEqual({ server01: '2026-01-02T00:00:01Z' });
  });

  it('files each new frame once per upload, and a frame that did not change not again', async () => {
    let ts = T0;
    const a = archive('periods', () => [{ hostname: 'web-1', frame: frameAt(ts) }]);
    for (const next of [T0, T0 + 1000, T0 + 1000, T0 + 61_000]) {
      ts = next;
      a.capture();
      await a.flush();
    }
    expect(await s3.keys('periods/history/')).toEqual([
      'periods/history/web-1/20260102_000001.json',
      'periods/history/web-1/20260102_000002.json',
      'periods/history/web-1/20260102_000102.json',
    ]);
    expect(Seed003Document.parse(await s3.json('periods/web-1.json')).timestamp).toBe('2026-01-02T00:01:02Z');
  });

  it('two hosts writing at the same moments share list.json', async () => {
    const a = archive('shared', () => [{ hostname: 'server01', frame: frameAt(T0) }]);
    const b = archive('shared', () => [{ hostname: 'server02', frame: frameAt(T0) }]);
    for (let round = 0; round < 5; round++) {
      a.capture();
      b.capture();
      await Promise.all([a.flush(), b.flush()]);
      expect(Object.keys(Seed003HostList.parse(await s3.json('shared/list.json')))).toEqual(['server01', 'server02']);
    }
    expect(await s3.keys('shared/')).toContain('shared/server02.json');
  });

  it('prunes list.json entries older than five minutes, and keeps the rest of the fleet', async () => {
    let now = Date.UTC(2026, 0, 2, 12, 0, 0);
    const writer = s3.client();
    const seeded = { stale: seed003Timestamp(now - 6 * 60_000), fresh: seed003Timestamp(now - 4 * 60_000) };
    await writer.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'prune/list.json', Body: JSON.stringify(seeded) }));
    writer.destroy();
    const a = archive('prune', () => [{ hostname: 'server01', frame: frameAt(now) }], { now: () => now });
    a.capture();
    await a.flush();
    expect(await s3.json('prune/list.json')).toEqual({ fresh: seeded.fresh, server01: '2026-01-02T12:00:00Z' });
    // Six minutes on, only server02 uploads: server01 and fresh have been silent for more than five.
    now += 6 * 60_000;
    const b = archive('prune', () => [{ hostname: 'server02', frame: frameAt(now) }], { now: () => now });
    b.capture();
    await b.flush();
    expect(await s3.json('prune/list.json')).toEqual({ server02: '2026-01-02T12:06:00Z' });
  });

  it('catches up after the bucket was down: every missed history document, oldest first, none twice; collection never waits', async () => {
    const log = recordingLog();
    const client = s3.client();
    const puts = recordPuts(client);
    const offered: number[] = [];
    let frozen = false;
    const source: ArchiveSource = () => {
      const ts = frozen ? (offered.at(-1) as number) : Math.floor(Date.now() / 1000) * 1000;
      if (offered.at(-1) !== ts) offered.push(ts);
      return [{ hostname: 'catchup', frame: frameAt(ts) }];
    };
    const a = new S3Archive(s3.config({ prefix: 'catchup' }), client, {
      source,
      log,
      backoff: { initialMs: 100, maxMs: 400 },
      ownsClient: true,
    });
    archives.push(a);
    a.start();
    await until('two uploads', () => puts.filter((k) => k.includes('/history/')).length >= 2);

    await s3.down();
    const offeredAtDown = offered.length;
    await until('the archive to notice', () => a.failing);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    // The uploads kept being taken (one a second) while nothing could be written.
    expect(offered.length - offeredAtDown).toBeGreaterThanOrEqual(3);
    expect(a.pending).toBeGreaterThanOrEqual(3);

    await s3.up();
    // From here on the host's frame stays the same, so that the end of the catch-up is the end of the history.
    frozen = true;
    await until('the catch-up', () => !a.failing && a.pending === 0);
    await a.stop();

    const history = puts.filter((k) => k.includes('/history/'));
    const expected = offered.map((ts) => `catchup/history/catchup/${seed003HistoryStampOf(ts)}.json`);
    expect(history).toEqual(expected);
    expect(new Set(history).size).toBe(history.length);
    expect(await s3.keys('catchup/history/')).toEqual(expected);
    // One line when uploads started failing, one when they worked again; none for each retry.
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === 'info')).toHaveLength(1);
    expect(log.lines[0]?.message).toMatch(/uploads to s3:\/\/vigil-archive\/catchup\/ failed \(ECONNREFUSED/);
    expect(log.lines[1]?.message).toMatch(/work again/);
    const latest = Seed003Document.parse(await s3.json('catchup/catchup.json'));
    expect(latest.timestamp).toBe(seed003Timestamp(offered.at(-1) as number));
  });

  it('keeps going when the source throws, and when there is no bucket at all', async () => {
    const log = recordingLog();
    const a = archive(
      'broken',
      () => {
        throw new Error('sensor exploded');
      },
      { log },
    );
    expect(a.capture()).toBe(0);
    expect(log.lines).toEqual([{ level: 'error', message: 'archive: could not build the documents: sensor exploded' }]);

    const missing = new S3Archive(s3.config({ bucket: 'no-such-bucket' }), s3.client(), {
      source: () => [{ hostname: 'x', frame: frameAt(T0) }],
      log,
      ownsClient: true,
    });
    archives.push(missing);
    missing.capture();
    await expect(missing.flush()).resolves.toBeUndefined();
    expect(missing.failing).toBe(true);
    expect(log.lines.at(-1)?.message).toMatch(/NoSuchBucket/);
  });
});

function seed003HistoryStampOf(ts: number): string {
  return new Date(ts).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

describe('the S3 client from settings and environment', () => {
  const config = (extra: Record<string, unknown> = {}) => s3.config({ region: undefined, ...extra });

  it("takes the region from the settings, then AWS_REGION, then seed 003's AWS_DEFAULT_REGION", async () => {
    expect(s3ClientConfig(config({ region: 'eu-west-3' }), { AWS_REGION: 'x', AWS_DEFAULT_REGION: 'y' }).region).toBe('eu-west-3');
    expect(s3ClientConfig(config(), { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'y' }).region).toBe('us-west-2');
    expect(s3ClientConfig(config(), { AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(typeof s3ClientConfig(config(), {}).region).toBe('function');
  });

  it('uses AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY when given, else leaves credentials to the default chain', () => {
    expect(s3ClientConfig(config(), { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }).credentials).toEqual(
      {
        accessKeyId: 'AKIA',
        secretAccessKey: 's',
        sessionToken: 't',
      },
    );
    expect(s3ClientConfig(config(), {}).credentials).toBeUndefined();
  });

  it('asks for checksums only where required with a custom endpoint, and leaves AWS S3 at the SDK defaults', () => {
    expect(s3ClientConfig(config(), {})).toMatchObject({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const aws = s3ClientConfig({ ...config(), endpoint: undefined, forcePathStyle: false }, {});
    expect(aws).not.toHaveProperty('endpoint');
    expect(aws).not.toHaveProperty('requestChecksumCalculation');
  });

  it('uploads with the seed environment names: credentials and region from the environment, name from hostnameOverride', async () => {
    const ts = Math.floor(Date.now() / 1000) * 1000;
    const source = () => [{ hostname: 'ignored-system-name', frame: frameAt(ts) }];
    const config = s3.config({ prefix: 'env', region: undefined, hostnameOverride: 'server01' });
    const env = { ...S3RVER_ENV, AWS_DEFAULT_REGION: 'us-east-1' };
    const client = createS3Client(config, env);
    expect(await client.config.region()).toBe('us-east-1');
    client.destroy();
    // The agent resolves the name (hostnameOverride over its own); here the source already gives it.
    const a = await startS3Archive(
      { s3: config, env },
      () => source().map((s) => ({ ...s, hostname: config.hostnameOverride ?? s.hostname })),
      recordingLog(),
    );
    archives.push(a as S3Archive);
    await until('the first upload', async () => (await s3.keys('env/')).length === 3);
    expect(await s3.keys('env/')).toEqual([`env/history/server01/${seed003HistoryStampOf(ts)}.json`, 'env/list.json', 'env/server01.json']);
  });
});
