/** The S3 archive in seed 003's layout, for the agent (its own host) and the hub (every host). */
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ArchiveConfig } from '@vigil/schema';
import type { Archiver, ArchiveSource } from './archiver.ts';
import type { Logger } from './logger.ts';
import type { S3ArchiveTuning } from './s3.ts';

export { Archiver, type ArchiverOptions, type ArchiveSource, type BackoffOptions, type Clock, DEFAULT_BACKOFF } from './archiver.ts';
export { HOST_LIST_TTL_MS, HostListWriter, mergeHostList, parseHostList } from './host-list.ts';
export { ArchiveLayout, archiveName } from './layout.ts';
export { DEFAULT_PENDING_LIMITS, type PendingDocument, type PendingLimits, PendingQueue } from './pending.ts';
export type { S3ArchiveTuning } from './s3.ts';
export {
  ConditionFailedError,
  ConditionsUnsupportedError,
  type ObjectStore,
  type PutOptions,
  ReadDeniedError,
  type StoredObject,
} from './store.ts';

/** How an agent archives: the `archive.s3` settings, and what tests change (credentials, clock, backoff). */
export interface ArchiveSetup extends S3ArchiveTuning {
  s3: S3ArchiveConfig;
  /** Where AWS_ACCESS_KEY_ID, AWS_REGION... are read; process.env by default. */
  env?: Record<string, string | undefined>;
  /** A prepared client (tests record its requests); one from `s3` and `env` by default. */
  client?: S3Client;
}

/**
 * Starts archiving `source` to S3. The AWS SDK is loaded here, only when an archive is configured: it costs
 * about 25 MB of memory and 300 ms, which an agent without one should not pay.
 * @example await startS3Archive({ s3: config }, () => [{ hostname, frame: latest }], log)
 */
export async function startS3Archive(setup: ArchiveSetup, source: ArchiveSource, log: Logger): Promise<Archiver> {
  const { createS3Client, S3Archive } = await import('./s3.ts');
  const { s3, env, client, ...tuning } = setup;
  const archive = new S3Archive(s3, client ?? createS3Client(s3, env), { ...tuning, source, log, ownsClient: !client });
  archive.start();
  return archive;
}
export type { Logger } from './logger.ts';
