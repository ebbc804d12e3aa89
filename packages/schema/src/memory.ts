import * as z from 'zod';

/**
 * Memory as free(1) from procps-ng 4 reports it, plus the page cache split.
 * `usedBytes` = total - available (procps-ng >= 4.0.1; older free(1) used total - free - buffers - cache).
 * `availableBytes` is MemAvailable (Linux >= 3.14, Documentation/filesystems/proc.rst).
 */
export const MemoryReading = z.object({
  totalBytes: z.number().nonnegative(),
  usedBytes: z.number().nonnegative(),
  freeBytes: z.number().nonnegative(),
  sharedBytes: z.number().nonnegative(),
  buffersBytes: z.number().nonnegative(),
  /** Page cache plus reclaimable slab, as free(1)'s "cache" column (Cached + SReclaimable). */
  cachedBytes: z.number().nonnegative(),
  availableBytes: z.number().nonnegative(),
  usedPercent: z.number(),
});
export type MemoryReading = z.infer<typeof MemoryReading>;

export const SwapReading = z.object({
  totalBytes: z.number().nonnegative(),
  usedBytes: z.number().nonnegative(),
  freeBytes: z.number().nonnegative(),
  /** 0 when there is no swap. */
  usedPercent: z.number(),
  /** Pages swapped in/out per second (from /proc/vmstat pswpin/pswpout), times the page size. */
  inBytesPerSecond: z.number().nullable(),
  outBytesPerSecond: z.number().nullable(),
});
export type SwapReading = z.infer<typeof SwapReading>;
