import type { Frame } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import type { LiveHost, LiveState } from '../ingest/index.ts';
import { onlineFrames } from './index.ts';

describe('archive.s3 in the hub configuration', () => {
  it('is off by default', () => {
    expect(loadConfig({ env: {} }).archive).toEqual({});
  });

  it('takes VIGIL_ARCHIVE_S3_* like every other key', () => {
    const config = loadConfig({
      env: {
        VIGIL_ARCHIVE_S3_BUCKET: 'metrics',
        VIGIL_ARCHIVE_S3_ENDPOINT: 'http://minio:9000',
        VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
        VIGIL_ARCHIVE_S3_UPLOAD_FREQUENCY_SECONDS: '15',
        VIGIL_ARCHIVE_S3_PREFIX: 'vigil/',
      },
    });
    expect(config.archive.s3).toEqual({
      bucket: 'metrics',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      uploadFrequencySeconds: 15,
      prefix: 'vigil/',
      includeFrame: false,
    });
  });

  it("takes seed 003's S3_BUCKET_NAME, UPLOAD_FREQUENCY_SECONDS and HOSTNAME_OVERRIDE, under VIGIL_ARCHIVE_S3_*", () => {
    const seed = { S3_BUCKET_NAME: 'seed-bucket', UPLOAD_FREQUENCY_SECONDS: '1', HOSTNAME_OVERRIDE: 'server01' };
    expect(loadConfig({ env: seed }).archive.s3).toMatchObject({
      bucket: 'seed-bucket',
      uploadFrequencySeconds: 1,
      hostnameOverride: 'server01',
    });
    expect(loadConfig({ env: { ...seed, VIGIL_ARCHIVE_S3_BUCKET: 'vigil-bucket' } }).archive.s3?.bucket).toBe('vigil-bucket');
    expect(
      loadConfig({ env: { UPLOAD_FREQUENCY_SECONDS: '5', VIGIL_ARCHIVE_S3_BUCKET: 'vigil-bucket' } }).archive.s3?.uploadFrequencySeconds,
    ).toBe(5);
  });

  it('does not turn the archive on for a stray HOSTNAME_OVERRIDE', () => {
    expect(loadConfig({ env: { HOSTNAME_OVERRIDE: 'server01' } }).archive).toEqual({});
  });

  it('names a misspelt key', () => {
    expect(() => loadConfig({ overrides: { archive: { s3: { bucket: 'metrics', frequency: 5 } } } })).toThrow(ConfigError);
    expect(() => loadConfig({ overrides: { archive: { s3: { bucket: 'metrics', frequency: 5 } } } })).toThrow(/"archive\.s3\.frequency"/);
  });
});

describe('onlineFrames', () => {
  const frame = (ts: number) => ({ ts }) as Frame;
  const host = (id: string, hostname: string, status: 'online' | 'offline', latest: Frame | null) =>
    ({ record: { id, hostname }, status, latest, head: latest }) as LiveHost;
  const live = {
    hosts: new Map([
      ['h1', host('h1', 'hub-host', 'online', frame(1))],
      ['h2', host('h2', 'web-1', 'online', frame(2))],
      ['h3', host('h3', 'gone', 'offline', frame(3))],
      ['h4', host('h4', 'new', 'online', null)],
    ]),
  } as unknown as LiveState;

  it("gives every online host's latest frame under its name", () => {
    expect(onlineFrames(live, null)).toEqual([
      { hostname: 'hub-host', frame: frame(1) },
      { hostname: 'web-1', frame: frame(2) },
    ]);
  });

  it("names the hub's own host by hostnameOverride", () => {
    expect(onlineFrames(live, 'h1', 'server01').map((f) => f.hostname)).toEqual(['server01', 'web-1']);
  });
});
