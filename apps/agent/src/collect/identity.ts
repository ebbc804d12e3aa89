import { machine, hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { type ProcFs, parseOsRelease, readTextOrNull, type SysFs } from '@vigil/procfs';
import type { HostIdentity } from '@vigil/schema';
import { VIGIL_VERSION } from '@vigil/schema';
import type { Roots } from './collector.ts';

export const AGENT_VERSION = VIGIL_VERSION;

/** Reads the host's identity: names, OS, kernel, CPU and memory. GPUs are filled in from the first reading. */
export function readIdentity(proc: ProcFs, sys: SysFs, roots: Roots, overrides: { hostname?: string } = {}): HostIdentity {
  const etc = (path: string) => readTextOrNull(join(roots.rootfs, path), 'utf8');
  const osRelease = parseOsRelease(etc('etc/os-release') ?? etc('usr/lib/os-release') ?? '');
  const machineId = (etc('etc/machine-id') ?? etc('var/lib/dbus/machine-id'))?.trim() || null;
  const kernelHostname = proc.textOrNull('sys/kernel/hostname')?.trim();
  const cpuinfo = proc.cpuinfo();
  return {
    hostname: overrides.hostname || kernelHostname || osHostname(),
    machineId,
    os: osRelease,
    kernel: proc.textOrNull('sys/kernel/osrelease')?.trim() ?? 'unknown',
    arch: proc.textOrNull('sys/kernel/arch')?.trim() || machine(),
    cpuModel: cpuinfo.modelName,
    cpuCores: Math.max(1, sys.cpuList('present')?.length ?? proc.stat().cpus.length),
    cpuPhysicalCores: cpuinfo.physicalCores,
    memoryTotalBytes: proc.meminfo().get('MemTotal') ?? 0,
    gpus: [],
    bootTime: proc.stat().bootTime * 1000,
    agentVersion: AGENT_VERSION,
    capabilities: ['processes', 'connections', 'gpu'],
  };
}
