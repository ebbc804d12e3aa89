import { describe, expect, it } from 'vitest';
import { agentArchive } from './archive-options.ts';
import { UsageError } from './usage.ts';

describe('vigil agent: the S3 archive settings', () => {
  it('is off without a bucket', () => {
    expect(agentArchive(undefined, undefined, {})).toBeUndefined();
    expect(agentArchive(undefined, undefined, { UPLOAD_FREQUENCY_SECONDS: '5', HOSTNAME_OVERRIDE: 'x' })).toBeUndefined();
  });

  it("takes seed 003's S3_BUCKET_NAME and UPLOAD_FREQUENCY_SECONDS", () => {
    expect(
      agentArchive(undefined, undefined, { S3_BUCKET_NAME: 'metrics', UPLOAD_FREQUENCY_SECONDS: '1', HOSTNAME_OVERRIDE: 'server01' }),
    ).toEqual({
      // HOSTNAME_OVERRIDE names the agent itself (--hostname's default), and so its documents.
      s3: { bucket: 'metrics', uploadFrequencySeconds: 1, forcePathStyle: false, includeFrame: false },
    });
  });

  it('puts the environment over the file and --s3-bucket over both', () => {
    const file = { s3: { bucket: 'from-file', uploadFrequencySeconds: 30, endpoint: 'http://minio:9000', forcePathStyle: true } };
    expect(agentArchive(file, undefined, {})?.s3).toMatchObject({ bucket: 'from-file', uploadFrequencySeconds: 30, forcePathStyle: true });
    expect(agentArchive(file, undefined, { UPLOAD_FREQUENCY_SECONDS: '10' })?.s3).toMatchObject({
      bucket: 'from-file',
      uploadFrequencySeconds: 10,
    });
    expect(agentArchive(file, 'from-flag', { S3_BUCKET_NAME: 'from-env' })?.s3).toMatchObject({
      bucket: 'from-flag',
      endpoint: 'http://minio:9000',
    });
  });

  it('names the key at fault', () => {
    expect(() => agentArchive({ s3: { bucket: 'metrics', region: '' } }, undefined, {}, 'agent.yaml')).toThrow(UsageError);
    expect(() => agentArchive({ s3: { bucket: 'metrics', region: '' } }, undefined, {}, 'agent.yaml')).toThrow(
      /^agent\.yaml: archive\.s3\.region: /,
    );
    expect(() => agentArchive({ s3: { bucket: 'metrics', bukcet: 'x' } }, undefined, {}, 'agent.yaml')).toThrow(
      'agent.yaml: unknown key "archive.s3.bukcet"',
    );
  });
});
