import { type Frame, type HostStatus, type HostSummary, rootDiskPercent } from '@vigil/schema';
import type { HostRecord } from '../store/index.ts';

/** Interfaces that carry no traffic to or from the host's network. */
const LOCAL_INTERFACE = /^(lo|docker\d*|veth.*|br-.*|virbr.*|cni.*|flannel.*|cali.*)$/;

/** The fleet view of a host: identity plus the headline figures of its latest frame. */
export function summarize(record: HostRecord, status: HostStatus, lastSeen: number, frame: Frame | null): HostSummary {
  const s = frame?.system;
  const external = s?.network?.filter((n) => !LOCAL_INTERFACE.test(n.interface)) ?? [];
  const sum = (pick: (n: (typeof external)[number]) => number | null) =>
    s?.network ? external.reduce((total, n) => total + (pick(n) ?? 0), 0) : null;
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
    memoryTotalBytes: s?.memory?.totalBytes ?? record.identity.memoryTotalBytes,
    cpuPercent: s?.cpu?.total?.usagePercent ?? null,
    memoryPercent: s?.memory?.usedPercent ?? null,
    swapPercent: s?.swap?.usedPercent ?? null,
    diskPercent: frame && s?.filesystems ? rootDiskPercent(frame) : null,
    load1: s?.load?.load1 ?? null,
    uptimeSeconds: s?.uptime?.uptimeSeconds ?? null,
    networkRxBytesPerSecond: sum((n) => n.rxBytesPerSecond),
    networkTxBytesPerSecond: sum((n) => n.txBytesPerSecond),
    gpus: s?.gpus?.length ?? record.identity.gpus.length,
    vms: s?.virtualization?.vms ?? 0,
    containers: s?.virtualization?.containers ?? 0,
    processes: s?.processes?.total ?? null,
    ts: frame?.ts ?? null,
  };
}
