import * as z from 'zod';
import type { Frame } from './frame.ts';

/** One row of seed 000's `top_processes`. */
export const Seed000Process = z.object({
  pid: z.number().int(),
  name: z.string(),
  cpu: z.number(),
  memory: z.number(),
});
export type Seed000Process = z.infer<typeof Seed000Process>;

/** One row of seed 000's `nodes` (the cluster view). */
export const Seed000Node = z.object({
  name: z.string(),
  cpu: z.number(),
  memory: z.number(),
  vms: z.number().int(),
  gpus: z.number().int(),
});
export type Seed000Node = z.infer<typeof Seed000Node>;

/** The body of seed 000's `GET /api/metrics`, also written by `vigil snapshot --export`. */
export const Seed000Metrics = z.object({
  /** Local time without offset, microseconds, as Python's datetime.now().isoformat() writes it. */
  timestamp: z.string(),
  cpu: z.number(),
  cpu_cores: z.number().int(),
  memory: z.number(),
  memory_total_gb: z.number(),
  memory_used_gb: z.number(),
  disk: z.number(),
  processes: z.number().int(),
  top_processes: z.array(Seed000Process),
  nodes: z.array(Seed000Node).optional(),
});
export type Seed000Metrics = z.infer<typeof Seed000Metrics>;

const GIB = 1024 ** 3;
const round1 = (value: number) => Math.round(value * 10) / 10;

/** Formats Unix milliseconds as seed 000 does: local time, no offset, six fractional digits. */
export function seed000Timestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`
  );
}

/** The root filesystem's use, or the fullest filesystem when "/" is not among them (seed 000's `disk`). */
export function rootDiskPercent(frame: Frame): number {
  const filesystems = frame.system.filesystems ?? [];
  const root = filesystems.find((fs) => fs.mountpoint === '/');
  if (root) return root.usedPercent;
  return filesystems.reduce((max, fs) => Math.max(max, fs.usedPercent), 0);
}

/** The cluster-view row of one host: real CPU, memory, VM/container and GPU counts. */
export function toSeed000Node(name: string, frame: Pick<Frame, 'system'>): Seed000Node {
  const virt = frame.system.virtualization;
  return {
    name,
    cpu: round1(frame.system.cpu?.total?.usagePercent ?? 0),
    memory: round1(frame.system.memory?.usedPercent ?? 0),
    vms: virt ? virt.vms + virt.containers : 0,
    gpus: frame.system.gpus?.length ?? 0,
  };
}

/**
 * Seed 000's `/api/metrics` view of one frame: the top 10 processes by CPU (memory breaks ties).
 * @example toSeed000Metrics(frame, [toSeed000Node('web-1', frame)])
 */
export function toSeed000Metrics(frame: Frame, nodes?: Seed000Node[]): Seed000Metrics {
  const memory = frame.system.memory;
  const top = [...frame.processes]
    .filter((p) => !p.kernelThread)
    .sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0) || b.memoryPercent - a.memoryPercent)
    .slice(0, 10)
    .map((p) => ({ pid: p.pid, name: p.name, cpu: round1(p.cpuPercent ?? 0), memory: round1(p.memoryPercent) }));
  const metrics: Seed000Metrics = {
    timestamp: seed000Timestamp(frame.ts),
    cpu: round1(frame.system.cpu?.total?.usagePercent ?? 0),
    cpu_cores: frame.system.cpu?.logicalCount ?? 0,
    memory: round1(memory?.usedPercent ?? 0),
    memory_total_gb: round1((memory?.totalBytes ?? 0) / GIB),
    memory_used_gb: round1((memory?.usedBytes ?? 0) / GIB),
    disk: round1(rootDiskPercent(frame)),
    processes: frame.system.processes?.total ?? frame.processes.length,
    top_processes: top,
  };
  if (nodes) metrics.nodes = nodes;
  return metrics;
}
