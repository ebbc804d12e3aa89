import { describe, expect, it } from 'vitest';
import { ArchiveConfig, S3ArchiveConfig, seedArchiveEnv } from './archive.ts';

describe('S3ArchiveConfig', () => {
  it('defaults to an upload a minute, virtual-host addressing and the seed document alone', () => {
    expect(S3ArchiveConfig.parse({ bucket: 'metrics' })).toEqual({
      bucket: 'metrics',
      forcePathStyle: false,
      uploadFrequencySeconds: 60,
      includeFrame: false,
    });
  });

  it('takes strings from the environment', () => {
    expect(
      S3ArchiveConfig.parse({ bucket: 'metrics', uploadFrequencySeconds: '30', forcePathStyle: 'true', includeFrame: 'no' }),
    ).toMatchObject({
      uploadFrequencySeconds: 30,
      forcePathStyle: true,
      includeFrame: false,
    });
  });

  it.each([
    [{ bucket: 'ab' }, 'bucket'],
    [{ bucket: 'metrics', uploadFrequencySeconds: 0 }, 'uploadFrequencySeconds'],
    [{ bucket: 'metrics', endpoint: 'minio:9000' }, 'endpoint'],
  ])('rejects %j at %s', (input, key) => {
    const result = S3ArchiveConfig.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([key]);
  });

  it('is strict about keys, as the rest of vigil.yaml', () => {
    expect(ArchiveConfig.safeParse({ s3: { bucket: 'metrics', bukcet: 'x' } }).success).toBe(false);
    expect(ArchiveConfig.safeParse({ gcs: {} }).success).toBe(false);
  });
});

describe('seedArchiveEnv', () => {
  const SEED = { S3_BUCKET_NAME: 'metrics', UPLOAD_FREQUENCY_SECONDS: '1', HOSTNAME_OVERRIDE: 'server01' };

  it("maps seed 003's names when S3_BUCKET_NAME turns the archive on", () => {
    expect(seedArchiveEnv(SEED)).toEqual({
      archive: { s3: { bucket: 'metrics', uploadFrequencySeconds: '1', hostnameOverride: 'server01' } },
    });
  });

  it('applies them to an archive another layer turned on', () => {
    const file = { archive: { s3: { bucket: 'from-file' } } };
    expect(seedArchiveEnv({ UPLOAD_FREQUENCY_SECONDS: '5' }, {}, file)).toEqual({ archive: { s3: { uploadFrequencySeconds: '5' } } });
  });

  it('ignores them while no archive is configured, and empty values', () => {
    expect(seedArchiveEnv({ HOSTNAME_OVERRIDE: 'server01', UPLOAD_FREQUENCY_SECONDS: '5' })).toEqual({});
    expect(seedArchiveEnv({ S3_BUCKET_NAME: '' })).toEqual({});
    expect(seedArchiveEnv({}, { archive: { s3: { bucket: 'b' } } })).toEqual({});
  });
});
