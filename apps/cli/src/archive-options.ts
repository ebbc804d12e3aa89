import { ArchiveConfig, type S3ArchiveConfig, seedArchiveEnv } from '@vigil/schema';
import { UsageError } from './usage.ts';

/**
 * `vigil agent`'s S3 archive: the agent file's `archive:` section, under seed 003's environment names
 * (S3_BUCKET_NAME, UPLOAD_FREQUENCY_SECONDS), under --s3-bucket; undefined when no bucket is named anywhere.
 * HOSTNAME_OVERRIDE is not read here: it is already --hostname's default, and the archive files the host
 * under the agent's name unless the file sets `archive.s3.hostnameOverride`.
 */
export function agentArchive(
  fileArchive: Record<string, unknown> | undefined,
  s3Bucket: unknown,
  env: Record<string, string | undefined>,
  source = 'configuration',
): { s3: S3ArchiveConfig } | undefined {
  const flags = typeof s3Bucket === 'string' && s3Bucket ? { s3: { bucket: s3Bucket } } : undefined;
  const seed = seedArchiveEnv(env, { archive: fileArchive }, { archive: flags }).archive?.s3;
  const { hostnameOverride: _, ...fromSeed } = seed ?? {};
  const fileS3 = fileArchive?.s3 as object | undefined;
  const raw = seed || flags ? { ...fileArchive, s3: { ...fileS3, ...fromSeed, ...flags?.s3 } } : (fileArchive ?? {});
  const result = ArchiveConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue?.code === 'unrecognized_keys')
      throw new UsageError(`${source}: unknown key ${issue.keys.map((k) => `"${['archive', ...issue.path, k].join('.')}"`).join(', ')}`);
    throw new UsageError(`${source}: ${['archive', ...(issue?.path ?? [])].join('.')}: ${issue?.message}`);
  }
  return result.data.s3 ? { s3: result.data.s3 } : undefined;
}
