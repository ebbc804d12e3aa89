import * as z from 'zod';

/** Pressure stall information for one line ("some" or "full") of /proc/pressure/* (Documentation/accounting/psi.rst). */
export const PressureLine = z.object({
  avg10: z.number(),
  avg60: z.number(),
  avg300: z.number(),
  totalMicroseconds: z.number().nonnegative(),
});
export type PressureLine = z.infer<typeof PressureLine>;

export const PressureResource = z.object({
  some: PressureLine,
  /** Not reported for CPU before Linux 5.13. */
  full: PressureLine.nullable(),
});
export type PressureResource = z.infer<typeof PressureResource>;

/** Null resources are absent (kernel without CONFIG_PSI, or PSI disabled with psi=0). */
export const PressureReading = z.object({
  cpu: PressureResource.nullable(),
  memory: PressureResource.nullable(),
  io: PressureResource.nullable(),
});
export type PressureReading = z.infer<typeof PressureReading>;

/** Kernel activity counters from /proc/stat and /proc/vmstat. Rates are null on the first reading. */
export const KernelReading = z.object({
  contextSwitchesPerSecond: z.number().nullable(),
  interruptsPerSecond: z.number().nullable(),
  forksPerSecond: z.number().nullable(),
  pageFaultsPerSecond: z.number().nullable(),
  majorPageFaultsPerSecond: z.number().nullable(),
  swapInPagesPerSecond: z.number().nullable(),
  swapOutPagesPerSecond: z.number().nullable(),
  procsRunning: z.number().int().nonnegative(),
  procsBlocked: z.number().int().nonnegative(),
  contextSwitchesTotal: z.number().nonnegative(),
  interruptsTotal: z.number().nonnegative(),
  forksTotal: z.number().nonnegative(),
  pageFaultsTotal: z.number().nonnegative(),
  majorPageFaultsTotal: z.number().nonnegative(),
  swapInPagesTotal: z.number().nonnegative(),
  swapOutPagesTotal: z.number().nonnegative(),
  pressure: PressureReading,
});
export type KernelReading = z.infer<typeof KernelReading>;
