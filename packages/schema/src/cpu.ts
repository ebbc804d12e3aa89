import * as z from 'zod';

/**
 * Share of CPU time spent in each mode over the last interval, in percent (0-100).
 * The modes are the columns of /proc/stat (Documentation/filesystems/proc.rst, "1.7 Miscellaneous kernel
 * statistics"); `usagePercent` is everything but idle and iowait, as top(1) and psutil report it.
 */
export const CpuTimesPercent = z.object({
  usagePercent: z.number(),
  userPercent: z.number(),
  nicePercent: z.number(),
  systemPercent: z.number(),
  idlePercent: z.number(),
  iowaitPercent: z.number(),
  irqPercent: z.number(),
  softirqPercent: z.number(),
  stealPercent: z.number(),
  guestPercent: z.number(),
});
export type CpuTimesPercent = z.infer<typeof CpuTimesPercent>;

/** One logical CPU. An offline CPU is listed with `online: false` and no times. */
export const CpuCore = z.object({
  cpu: z.number().int().nonnegative(),
  online: z.boolean(),
  times: CpuTimesPercent.nullable(),
  frequencyMhz: z.number().nullable(),
});
export type CpuCore = z.infer<typeof CpuCore>;

/** Clock frequency in MHz: current is the average over online CPUs; min/max are the hardware limits. */
export const CpuFrequency = z.object({
  currentMhz: z.number().nullable(),
  minMhz: z.number().nullable(),
  maxMhz: z.number().nullable(),
});
export type CpuFrequency = z.infer<typeof CpuFrequency>;

export const CpuReading = z.object({
  /** Logical CPUs present (online or not), as psutil.cpu_count() and getconf _NPROCESSORS_CONF count them. */
  logicalCount: z.number().int().nonnegative(),
  /** Logical CPUs online, as nproc(1) counts them. */
  onlineCount: z.number().int().nonnegative(),
  /** Physical cores (distinct core ids per package), null when /proc/cpuinfo does not say. */
  physicalCount: z.number().int().nonnegative().nullable(),
  /** Null on the first reading, before there is an interval to compare with. */
  total: CpuTimesPercent.nullable(),
  cores: z.array(CpuCore),
  frequency: CpuFrequency,
});
export type CpuReading = z.infer<typeof CpuReading>;

/** Load averages from /proc/loadavg. */
export const LoadReading = z.object({
  load1: z.number(),
  load5: z.number(),
  load15: z.number(),
});
export type LoadReading = z.infer<typeof LoadReading>;
