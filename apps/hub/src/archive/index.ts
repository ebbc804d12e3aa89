import type { Archiver, Logger } from '@vigil/archive';
import type { Frame, S3ArchiveConfig } from '@vigil/schema';
import type { LiveState } from '../ingest/index.ts';

/**
 * The latest frame of every online host, named as it reports itself; the hub's own host (the local agent's)
 * takes `hostnameOverride` when one is set, as seed 003's HOSTNAME_OVERRIDE names the machine it runs on.
 */
export function onlineFrames(live: LiveState, localHostId: string | null, hostnameOverride?: string): { hostname: string; frame: Frame }[] {
  const frames: { hostname: string; frame: Frame }[] = [];
  for (const host of live.hosts.values()) {
    if (host.status !== 'online' || !host.head) continue;
    const hostname = hostnameOverride && host.record.id === localHostId ? hostnameOverride : host.record.hostname;
    frames.push({ hostname, frame: host.latest as Frame });
  }
  return frames;
}

/**
 * The hub's S3 archive: each period, every online host's latest frame in seed 003's layout, with the same
 * archiver an agent uses for itself. Loaded only when `archive.s3` is configured (it brings the AWS SDK).
 */
export async function startHubArchive(
  config: S3ArchiveConfig,
  live: LiveState,
  localHostId: () => string | null,
  log: Logger,
): Promise<Archiver> {
  const { startS3Archive } = await import('@vigil/archive');
  return startS3Archive({ s3: config }, () => onlineFrames(live, localHostId(), config.hostnameOverride), log);
}
