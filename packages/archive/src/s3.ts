import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3ArchiveConfig } from '@vigil/schema';
import { Archiver, type ArchiverOptions } from './archiver.ts';
import { ArchiveLayout } from './layout.ts';
import {
  ConditionFailedError,
  ConditionsUnsupportedError,
  type ObjectStore,
  type PutOptions,
  ReadDeniedError,
  type StoredObject,
} from './store.ts';

/** Seed 003's region when none is configured anywhere ("AWS_DEFAULT_REGION ... default us-east-1"). */
export const DEFAULT_REGION = 'us-east-1';

type Env = Record<string, string | undefined>;

/**
 * The S3 client's settings. Region: the config's, else AWS_REGION (the SDK's name), else AWS_DEFAULT_REGION
 * (seed 003's, boto3's), else the AWS profile's, else us-east-1. Credentials: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) of `env` when set, else the SDK's default chain (shared
 * files, SSO, web identity, container and instance roles). With an `endpoint` (an S3-compatible store),
 * checksums are sent and checked only where the S3 API requires them: since 2025 the SDK adds CRC32 checksum
 * headers and trailers to every request by default, which several S3-compatible stores refuse.
 */
export function s3ClientConfig(config: S3ArchiveConfig, env: Env = process.env): S3ClientConfig {
  const region = config.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || profileRegion;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return {
    region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint
      ? { endpoint: config.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    // A bucket that does not answer must not hold an upload for minutes; the archiver retries with backoff.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000 },
  };
}

/** The AWS profile's region (~/.aws/config, AWS_PROFILE), as the SDK resolves it, or us-east-1. */
async function profileRegion(): Promise<string> {
  const probe = new S3Client({});
  try {
    return await probe.config.region();
  } catch {
    return DEFAULT_REGION;
  } finally {
    probe.destroy();
  }
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** A bucket (and its prefix, kept by the archiver's layout) through the AWS SDK. */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async get(key: string, signal?: AbortSignal): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      return { body: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? null };
    } catch (error) {
      // NoSuchKey only: NoSuchBucket is a 404 too, and must not read as an empty list.
      if ((error as Error).name === 'NoSuchKey') return null;
      if (statusOf(error) === 403) throw new ReadDeniedError(`${key}: ${(error as Error).name}: ${(error as Error).message}`);
      throw error;
    }
  }

  async put(key: string, body: string, options: PutOptions = {}): Promise<void> {
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfMatch: options.ifMatch,
          IfNoneMatch: options.ifNoneMatch,
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      const status = statusOf(error);
      // 412 PreconditionFailed; 409 ConditionalRequestConflict when two conditional writes race (AWS S3 docs,
      // "Conditional writes"). Either way: read again and merge again.
      if (conditional && (status === 412 || status === 409)) throw new ConditionFailedError((error as Error).message);
      if (conditional && status === 501) throw new ConditionsUnsupportedError((error as Error).message);
      throw error;
    }
  }
}

export type S3ArchiveTuning = Pick<ArchiverOptions, 'clock' | 'backoff' | 'limits' | 'random'>;

/**
 * The archiver on an S3 bucket: seed 003's layout from `config`, through `client`.
 * @example new S3Archive(config, new S3Client(s3ClientConfig(config)), { source, log }).start()
 */
export class S3Archive extends Archiver {
  constructor(
    config: S3ArchiveConfig,
    readonly client: S3Client,
    options: Pick<ArchiverOptions, 'source' | 'log'> & S3ArchiveTuning & { ownsClient?: boolean },
  ) {
    super({
      ...options,
      store: new S3ObjectStore(client, config.bucket),
      where: `s3://${config.bucket}/${new ArchiveLayout(config.prefix).prefix}`,
      prefix: config.prefix,
      uploadFrequencyMs: config.uploadFrequencySeconds * 1000,
      includeFrame: config.includeFrame,
    });
    this.ownsClient = options.ownsClient ?? false;
  }

  private readonly ownsClient: boolean;

  override async stop(): Promise<void> {
    await super.stop();
    if (this.ownsClient) this.client.destroy();
  }
}

/** An S3 client for `config`, with credentials and region as s3ClientConfig resolves them. */
export function createS3Client(config: S3ArchiveConfig, env: Env = process.env): S3Client {
  return new S3Client(s3ClientConfig(config, env));
}
