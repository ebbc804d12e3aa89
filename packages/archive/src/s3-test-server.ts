import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3ArchiveConfig } from '@vigil/schema';
import S3rver from 's3rver';

/** s3rver's fixed credentials, given to the archive as its environment (the SDK's first source of credentials). */
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/**
 * A real S3-compatible server for tests: s3rver on 127.0.0.1 at a free port, storing in a temporary folder,
 * with one bucket made through the SDK. `down()` and `up()` stop it and start it again on the same port and
 * folder, as a bucket that becomes unreachable and comes back.
 */
export interface TestS3 {
  bucket: string;
  endpoint: string;
  /** The archive settings for this server: endpoint, path-style addressing, a fast upload frequency. */
  config(overrides?: Partial<S3ArchiveConfig>): S3ArchiveConfig;
  /** A client of this server, as the archive makes one from its settings (for recording requests). */
  client(): S3Client;
  keys(prefix?: string): Promise<string[]>;
  json(key: string): Promise<unknown>;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = 'vigil-archive'): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'vigil-s3-'));
  let server: S3rver | null = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const config = (overrides: Partial<S3ArchiveConfig> = {}) =>
    S3ArchiveConfig.parse({ bucket, endpoint, forcePathStyle: true, region: 'us-east-1', uploadFrequencySeconds: 1, ...overrides });
  const client = () =>
    new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3RVER_ENV.AWS_SECRET_ACCESS_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // While the server is down, fail at once: the archive's own backoff is under test, not the SDK's.
      maxAttempts: 1,
    });
  const reader = client();
  await reader.send(new CreateBucketCommand({ Bucket: bucket }));
  const down = async () => {
    const current = server;
    server = null;
    if (!current) return;
    // Keep-alive sockets of the clients would hold the port; a bucket going away drops them too.
    current.httpServer?.closeAllConnections();
    await current.close();
  };
  return {
    bucket,
    endpoint,
    config,
    client,
    async keys(prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await reader.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async json(key) {
      const out = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return JSON.parse((await out.Body?.transformToString('utf8')) ?? 'null');
    },
    down,
    async up() {
      if (server) return;
      server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
      await server.run();
    },
    async stop() {
      await down();
      reader.destroy();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
