import * as z from 'zod';

/** A process holding GPU memory, from `nvidia-smi --query-compute-apps`. */
export const GpuProcess = z.object({
  pid: z.number().int().nonnegative(),
  name: z.string(),
  usedMemoryBytes: z.number().nonnegative().nullable(),
});
export type GpuProcess = z.infer<typeof GpuProcess>;

/** One GPU. Fields the driver reports as "[N/A]" or "[Not Supported]" are null. */
export const GpuReading = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  uuid: z.string().nullable(),
  vendor: z.literal('nvidia'),
  utilizationGpuPercent: z.number().nullable(),
  utilizationMemoryPercent: z.number().nullable(),
  memoryTotalBytes: z.number().nonnegative().nullable(),
  memoryUsedBytes: z.number().nonnegative().nullable(),
  memoryFreeBytes: z.number().nonnegative().nullable(),
  /** used / total in percent; null when either is unknown. */
  memoryUsedPercent: z.number().nullable(),
  temperatureCelsius: z.number().nullable(),
  powerDrawWatts: z.number().nullable(),
  powerLimitWatts: z.number().nullable(),
  fanSpeedPercent: z.number().nullable(),
  processes: z.array(GpuProcess),
});
export type GpuReading = z.infer<typeof GpuReading>;
