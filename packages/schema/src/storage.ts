import * as z from 'zod';

/** A mounted block-device filesystem, sized by statfs(2). */
export const FilesystemReading = z.object({
  device: z.string(),
  mountpoint: z.string(),
  fstype: z.string(),
  readOnly: z.boolean(),
  sizeBytes: z.number().nonnegative(),
  usedBytes: z.number().nonnegative(),
  /** Space available to unprivileged users (f_bavail), as df(1) shows it. */
  freeBytes: z.number().nonnegative(),
  /** used / (used + available), as df(1) computes "Use%". */
  usedPercent: z.number(),
  inodesTotal: z.number().nonnegative(),
  inodesUsed: z.number().nonnegative(),
  inodesFree: z.number().nonnegative(),
  inodesUsedPercent: z.number(),
});
export type FilesystemReading = z.infer<typeof FilesystemReading>;

/** Block device I/O from /proc/diskstats (Documentation/admin-guide/iostats.rst). Rates are null on the first reading. */
export const DiskIoReading = z.object({
  device: z.string(),
  readBytesPerSecond: z.number().nullable(),
  writeBytesPerSecond: z.number().nullable(),
  readsPerSecond: z.number().nullable(),
  writesPerSecond: z.number().nullable(),
  /** Share of the interval the device had I/O in flight (iostat's %util). */
  utilPercent: z.number().nullable(),
  readBytesTotal: z.number().nonnegative(),
  writeBytesTotal: z.number().nonnegative(),
  readsTotal: z.number().nonnegative(),
  writesTotal: z.number().nonnegative(),
  inProgress: z.number().nonnegative(),
});
export type DiskIoReading = z.infer<typeof DiskIoReading>;
