import * as z from 'zod';

/** A yes/no setting: a YAML boolean, or "true"/"false"/"1"/"0"/"yes"/"no" from the environment. */
const flag = () => z.union([z.boolean(), z.stringbool()]);

/**
 * The S3 archive in seed 003's layout (`list.json`, `<hostname>.json`, `history/<hostname>/<YYYYMMDD_HHMMSS>.json`),
 * for AWS S3 or an S3-compatible store (MinIO, Ceph, R2...). Credentials are not settings: they come from the
 * AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, an instance or task role).
 * See docs/s3-archive.md.
 */
export const S3ArchiveConfig = z.strictObject({
  /** S3 bucket names are 3 to 63 characters (seed 003's S3_BUCKET_NAME). */
  bucket: z.string().min(3).max(63),
  /** Else AWS_REGION, AWS_DEFAULT_REGION, the AWS profile's region, then us-east-1 as the seed does. */
  region: z.string().min(1).optional(),
  /** An S3-compatible store, e.g. http://minio:9000. */
  endpoint: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
  /** Bucket in the path (http://host/bucket/key) rather than the host name; most S3-compatible stores want it. */
  forcePathStyle: flag().default(false),
  /** A folder inside the bucket for the whole layout, e.g. "vigil/"; none by default, as the seed writes at the root. */
  prefix: z.string().optional(),
  /** Seconds between uploads (seed 003's UPLOAD_FREQUENCY_SECONDS). */
  uploadFrequencySeconds: z.coerce.number().min(1).max(86_400).default(60),
  /** The name in the archive instead of the host's (seed 003's HOSTNAME_OVERRIDE); in the hub, for its own host. */
  hostnameOverride: z.string().min(1).max(253).optional(),
  /** Add Vigil's whole frame under a `vigil` key of each document (tens of KB instead of 1-2 KB). */
  includeFrame: flag().default(false),
});
export type S3ArchiveConfig = z.infer<typeof S3ArchiveConfig>;
export type S3ArchiveInput = z.input<typeof S3ArchiveConfig>;

/** The `archive:` section of vigil.yaml and of an agent's own file. */
export const ArchiveConfig = z.strictObject({
  s3: S3ArchiveConfig.optional(),
});
export type ArchiveConfig = z.infer<typeof ArchiveConfig>;

/** Seed 003's environment names and the `archive.s3` keys they set (AWS_* are read by the SDK, see the docs). */
export const SEED003_ENV_NAMES = {
  S3_BUCKET_NAME: 'bucket',
  UPLOAD_FREQUENCY_SECONDS: 'uploadFrequencySeconds',
  HOSTNAME_OVERRIDE: 'hostnameOverride',
} as const;

/**
 * Seed 003's environment names as a layer of settings `{ archive: { s3: {...} } }`, for a loader to merge
 * under its own names (VIGIL_ARCHIVE_S3_*, flags). The archive is on when S3_BUCKET_NAME is set or another
 * layer configures `archive.s3`; otherwise this is empty, so that a HOSTNAME_OVERRIDE meant for something else
 * does not turn on an archive without a bucket. Empty values count as unset.
 * @example merge(fileSettings, seedArchiveEnv(process.env, fileSettings), vigilEnvSettings)
 */
export function seedArchiveEnv(
  env: Record<string, string | undefined>,
  ...layers: unknown[]
): { archive?: { s3: Record<string, string> } } {
  const s3: Record<string, string> = {};
  for (const [name, key] of Object.entries(SEED003_ENV_NAMES)) {
    const value = env[name];
    if (value) s3[key] = value;
  }
  const configured = layers.some((layer) => {
    const archive = (layer as { archive?: { s3?: unknown } } | undefined)?.archive;
    return archive !== null && typeof archive === 'object' && archive.s3 !== undefined;
  });
  return s3.bucket || (configured && Object.keys(s3).length > 0) ? { archive: { s3 } } : {};
}
