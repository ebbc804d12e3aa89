import * as z from 'zod';
import { CpuReading, LoadReading } from './cpu.ts';
import { GpuReading } from './gpu.ts';
import { KernelReading } from './kernel.ts';
import { MemoryReading, SwapReading } from './memory.ts';
import { NetworkInterfaceReading, SocketCounts } from './network.ts';
import { ProcessSummary, VirtualizationReading } from './process.ts';
import { TemperatureReading } from './sensors.ts';
import { DiskIoReading, FilesystemReading } from './storage.ts';

export const UptimeReading = z.object({
  uptimeSeconds: z.number().nonnegative(),
  /** Unix milliseconds. */
  bootTime: z.number().nonnegative(),
  /** Logged-in user sessions from utmp; null when the host keeps no utmp. */
  users: z.number().int().nonnegative().nullable(),
});
export type UptimeReading = z.infer<typeof UptimeReading>;

/**
 * The whole-host reading of one collection cycle. Each section comes from one collector and is absent when
 * that collector failed (its error is in the frame's `collectors`), so one broken sensor never loses a frame.
 */
export const SystemReading = z.object({
  uptime: UptimeReading.optional(),
  cpu: CpuReading.optional(),
  load: LoadReading.optional(),
  memory: MemoryReading.optional(),
  swap: SwapReading.optional(),
  filesystems: z.array(FilesystemReading).optional(),
  disks: z.array(DiskIoReading).optional(),
  network: z.array(NetworkInterfaceReading).optional(),
  sockets: SocketCounts.optional(),
  kernel: KernelReading.optional(),
  temperatures: z.array(TemperatureReading).optional(),
  gpus: z.array(GpuReading).optional(),
  processes: ProcessSummary.optional(),
  virtualization: VirtualizationReading.optional(),
});
export type SystemReading = z.infer<typeof SystemReading>;
