import type { FrameHeadline, HostStatus, HostSummary } from '@vigil/schema';
import type { HostRecord } from '../store/index.ts';

/**
 * The fleet view of a host: identity plus the headline figures of its latest frame (frame-headline.ts), which agents
 * of protocol 5 send in front of each frame and the hub builds from the frames of older ones.
 */
export function summarize(record: HostRecord, status: HostStatus, lastSeen: number, headline: FrameHeadline | null): HostSummary {
  return {
    id: record.id,
    hostname: record.hostname,
    status,
    tags: record.tags,
    firstSeen: record.firstSeen,
    lastSeen,
    os: record.identity.os.prettyName,
    kernel: record.identity.kernel,
    cpuModel: record.identity.cpuModel,
    cpuCores: record.identity.cpuCores,
    memoryTotalBytes: headline?.memoryTotalBytes ?? record.identity.memoryTotalBytes,
    cpuPercent: headline?.cpuPercent ?? null,
    memoryPercent: headline?.memoryPercent ?? null,
    swapPercent: headline?.swapPercent ?? null,
    diskPercent: headline?.diskPercent ?? null,
    load1: headline?.load1 ?? null,
    uptimeSeconds: headline?.uptimeSeconds ?? null,
    networkRxBytesPerSecond: headline?.networkRxBytesPerSecond ?? null,
    networkTxBytesPerSecond: headline?.networkTxBytesPerSecond ?? null,
    gpus: headline?.gpus ?? record.identity.gpus.length,
    vms: headline?.vms ?? 0,
    containers: headline?.containers ?? 0,
    processes: headline?.processes ?? null,
    ts: headline?.ts ?? null,
  };
}
