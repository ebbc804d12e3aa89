import * as z from 'zod';

/**
 * Process state letters from /proc/[pid]/stat (proc(5)), spelled out.
 * "idle" is the kernel's I state for idle kernel threads (Linux >= 4.14).
 */
export const ProcessState = z.enum([
  'running',
  'sleeping',
  'disk-sleep',
  'stopped',
  'tracing-stop',
  'zombie',
  'dead',
  'idle',
  'parked',
  'waking',
  'unknown',
]);
export type ProcessState = z.infer<typeof ProcessState>;

export const ProcessInfo = z.object({
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  name: z.string(),
  /** Arguments joined by spaces; empty for kernel threads and zombies. */
  cmdline: z.string(),
  user: z.string(),
  uid: z.number().int().nonnegative(),
  state: ProcessState,
  kernelThread: z.boolean(),
  threads: z.number().int().nonnegative(),
  nice: z.number().int(),
  /** Percent of one core over the last interval (can exceed 100 for multi-threaded processes); null on first sight. */
  cpuPercent: z.number().nullable(),
  cpuSecondsTotal: z.number().nonnegative(),
  memoryRssBytes: z.number().nonnegative(),
  memoryVirtualBytes: z.number().nonnegative(),
  /** RSS as a share of MemTotal. */
  memoryPercent: z.number(),
  /** Storage I/O (read_bytes/write_bytes of /proc/[pid]/io); null when not permitted or on first sight. */
  ioReadBytesPerSecond: z.number().nullable(),
  ioWriteBytesPerSecond: z.number().nullable(),
  /** Unix milliseconds. */
  startTime: z.number().nonnegative(),
});
export type ProcessInfo = z.infer<typeof ProcessInfo>;

/** Counts over the whole process table, whatever subset of processes a frame carries. */
export const ProcessSummary = z.object({
  total: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  sleeping: z.number().int().nonnegative(),
  diskSleep: z.number().int().nonnegative(),
  stopped: z.number().int().nonnegative(),
  zombie: z.number().int().nonnegative(),
  idle: z.number().int().nonnegative(),
  threads: z.number().int().nonnegative(),
  kernelThreads: z.number().int().nonnegative(),
});
export type ProcessSummary = z.infer<typeof ProcessSummary>;

/** Virtual machines and containers seen on the host, for seed 000's `vms`. */
export const VirtualizationReading = z.object({
  /** qemu/kvm/Firecracker/Cloud Hypervisor guests (one process each). */
  vms: z.number().int().nonnegative(),
  /** Distinct cgroup-based containers (docker, containerd, podman, lxc, kubepods). */
  containers: z.number().int().nonnegative(),
});
export type VirtualizationReading = z.infer<typeof VirtualizationReading>;
