import * as z from 'zod';
import { Frame } from './frame.ts';

/**
 * Seed 003's S3 archive (a Python monitor built on psutil and pynvml, /work/shared/seeds/003_*.txt): each
 * host writes `<hostname>.json` (latest) and `history/<hostname>/<YYYYMMDD_HHMMSS>.json` in this shape, and
 * keeps itself in `list.json`. Numbers follow psutil's conventions, because the seed's readers were written
 * against them: percentages 0-100, bytes, MHz, °C; what psutil reports as None is null.
 */
export const Seed003Temperature = z.object({
  /** "<chip>_<label>", e.g. "coretemp_Core 0". */
  sensor: z.string(),
  temperature: z.number(),
  high: z.number().nullable(),
  critical: z.number().nullable(),
});
export type Seed003Temperature = z.infer<typeof Seed003Temperature>;

export const Seed003Cpu = z.object({
  usage_percent: z.number(),
  /** Online CPUs only, as psutil.cpu_percent(percpu=True) lists them. */
  usage_per_core: z.array(z.number()),
  /** psutil.cpu_freq(): MHz, 0.0 where the kernel does not say (psutil's convention for min and max). */
  frequency: z.object({ current: z.number(), min: z.number(), max: z.number() }),
  count_logical: z.number().int().nonnegative(),
  /** Null when undeterminable, as psutil.cpu_count(logical=False) returns None. */
  count_physical: z.number().int().nonnegative().nullable(),
  temperatures: z.array(Seed003Temperature),
});
export type Seed003Cpu = z.infer<typeof Seed003Cpu>;

export const Seed003Memory = z.object({
  virtual: z.object({ total: z.number(), available: z.number(), used: z.number(), percent: z.number(), free: z.number() }),
  swap: z.object({ total: z.number(), used: z.number(), free: z.number(), percent: z.number() }),
});
export type Seed003Memory = z.infer<typeof Seed003Memory>;

/** One NVIDIA GPU as pynvml reads it; a field the driver does not support is null. */
export const Seed003Gpu = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  memory: z.object({
    total: z.number().nullable(),
    used: z.number().nullable(),
    free: z.number().nullable(),
    percent: z.number().nullable(),
  }),
  utilization: z.object({ gpu: z.number().nullable(), memory: z.number().nullable() }),
  temperature: z.number().nullable(),
  power_usage_watts: z.number().nullable(),
  fan_speed_percent: z.number().nullable(),
});
export type Seed003Gpu = z.infer<typeof Seed003Gpu>;

/**
 * `<hostname>.json` and every history file. `vigil` (Vigil's whole frame) is added only when the archive's
 * `includeFrame` is on: the seed's readers look up the keys they know, so an extra key does not disturb them,
 * but it takes a record from the seed's 1-2 KB to tens of KB (the process list), so it is off by default.
 */
export const Seed003Document = z.object({
  /** UTC, whole seconds: "2025-08-05T14:30:22Z". */
  timestamp: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  hostname: z.string().min(1),
  cpu: Seed003Cpu,
  memory: Seed003Memory,
  gpu: z.array(Seed003Gpu),
  vigil: Frame.optional(),
});
export type Seed003Document = z.infer<typeof Seed003Document>;

/** `list.json`: hostname → the last upload, in the document's timestamp format. */
export const Seed003HostList = z.record(z.string(), z.string());
export type Seed003HostList = z.infer<typeof Seed003HostList>;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Unix milliseconds as seed 003 writes timestamps: UTC, whole seconds, "Z" (2025-08-05T14:30:22Z). */
export function seed003Timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Unix milliseconds as the name of a history file: UTC YYYYMMDD_HHMMSS (20250805_143022). */
export function seed003HistoryStamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  );
}

/**
 * Seed 003's document of one frame. A section whose collector failed this cycle gives zeros and empty lists
 * (the seed never leaves a key out, and its readers do arithmetic on them); the frame's `collectors` says why.
 * @example toSeed003Document('server01', frame, { includeFrame: false })
 */
export function toSeed003Document(hostname: string, frame: Frame, options: { includeFrame?: boolean } = {}): Seed003Document {
  const { cpu, memory, swap } = frame.system;
  const document: Seed003Document = {
    timestamp: seed003Timestamp(frame.ts),
    hostname,
    cpu: {
      // Null on an agent's first reading (no interval yet); psutil's first cpu_percent() gives 0.0 too.
      usage_percent: cpu?.total?.usagePercent ?? 0,
      usage_per_core: (cpu?.cores ?? []).filter((core) => core.online).map((core) => core.times?.usagePercent ?? 0),
      frequency: {
        current: cpu?.frequency.currentMhz ?? 0,
        min: cpu?.frequency.minMhz ?? 0,
        max: cpu?.frequency.maxMhz ?? 0,
      },
      count_logical: cpu?.logicalCount ?? 0,
      count_physical: cpu ? cpu.physicalCount : null,
      temperatures: (frame.system.temperatures ?? []).map((t) => ({
        sensor: t.sensor,
        temperature: t.celsius,
        high: t.highCelsius,
        critical: t.criticalCelsius,
      })),
    },
    memory: {
      virtual: {
        total: memory?.totalBytes ?? 0,
        available: memory?.availableBytes ?? 0,
        used: memory?.usedBytes ?? 0,
        percent: memory?.usedPercent ?? 0,
        free: memory?.freeBytes ?? 0,
      },
      swap: {
        total: swap?.totalBytes ?? 0,
        used: swap?.usedBytes ?? 0,
        free: swap?.freeBytes ?? 0,
        percent: swap?.usedPercent ?? 0,
      },
    },
    gpu: (frame.system.gpus ?? []).map((g) => ({
      index: g.index,
      name: g.name,
      memory: { total: g.memoryTotalBytes, used: g.memoryUsedBytes, free: g.memoryFreeBytes, percent: g.memoryUsedPercent },
      utilization: { gpu: g.utilizationGpuPercent, memory: g.utilizationMemoryPercent },
      temperature: g.temperatureCelsius,
      power_usage_watts: g.powerDrawWatts,
      fan_speed_percent: g.fanSpeedPercent,
    })),
  };
  if (options.includeFrame) document.vigil = frame;
  return document;
}
