import type { GpuProcess, GpuReading } from '@vigil/schema';

/** The --query-gpu fields Vigil asks for, in this order. */
export const GPU_QUERY_FIELDS = [
  'index',
  'name',
  'uuid',
  'utilization.gpu',
  'utilization.memory',
  'memory.total',
  'memory.used',
  'memory.free',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'fan.speed',
] as const;

/** The --query-compute-apps fields, in this order. */
export const APP_QUERY_FIELDS = ['gpu_uuid', 'pid', 'process_name', 'used_memory'] as const;

const MIB = 1024 * 1024;

/**
 * A value of nvidia-smi's CSV as a number, or null for "[N/A]", "N/A", "[Not Supported]", "[Unknown Error]"
 * and the like. Units are tolerated ("38 %", "8192 MiB", "32.70 W") so that output without `nounits` parses.
 */
export function smiNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(%|MiB|W|C|MHz)?\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

function smiText(text: string | undefined): string | null {
  const t = text?.trim();
  return !t || /^\[.*\]$/.test(t) || t === 'N/A' ? null : t;
}

export interface SmiParse<T> {
  rows: T[];
  /** Lines that were not readings, e.g. "Unable to determine the device handle for GPU ...: GPU is lost". */
  errors: string[];
}

/** Splits a CSV line of nvidia-smi (no quoting; fields are separated by ", "). */
function cells(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

/**
 * Parses `nvidia-smi --query-gpu=<GPU_QUERY_FIELDS> --format=csv[,noheader][,nounits]`. A header line
 * (starting with "index") is skipped; a line with the wrong number of fields is reported as an error and
 * the other GPUs still parse.
 */
export function parseGpuQuery(text: string): SmiParse<GpuReading> {
  const rows: GpuReading[] = [];
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^index\b/.test(line)) continue;
    const c = cells(line);
    if (c.length !== GPU_QUERY_FIELDS.length || smiNumber(c[0]) === null) {
      errors.push(line.trim());
      continue;
    }
    const total = smiNumber(c[5]);
    const used = smiNumber(c[6]);
    const free = smiNumber(c[7]);
    rows.push({
      index: smiNumber(c[0]) as number,
      name: smiText(c[1]) ?? 'NVIDIA GPU',
      uuid: smiText(c[2]),
      vendor: 'nvidia',
      utilizationGpuPercent: smiNumber(c[3]),
      utilizationMemoryPercent: smiNumber(c[4]),
      memoryTotalBytes: total === null ? null : total * MIB,
      memoryUsedBytes: used === null ? null : used * MIB,
      memoryFreeBytes: free === null ? null : free * MIB,
      memoryUsedPercent: total && used !== null ? (used / total) * 100 : null,
      temperatureCelsius: smiNumber(c[8]),
      powerDrawWatts: smiNumber(c[9]),
      powerLimitWatts: smiNumber(c[10]),
      fanSpeedPercent: smiNumber(c[11]),
      processes: [],
    });
  }
  return { rows, errors };
}

/**
 * Parses `nvidia-smi --query-compute-apps=<APP_QUERY_FIELDS> --format=csv,noheader,nounits`.
 * A process name may contain commas, so the name is everything between the pid and the last field.
 */
export function parseComputeApps(text: string): SmiParse<GpuProcess & { gpuUuid: string }> {
  const rows: (GpuProcess & { gpuUuid: string })[] = [];
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^gpu_uuid\b/.test(line) || /No running/.test(line)) continue;
    const c = cells(line);
    const pid = smiNumber(c[1]);
    if (c.length < 4 || pid === null) {
      errors.push(line.trim());
      continue;
    }
    const memory = smiNumber(c[c.length - 1]);
    // The name is the text between the second comma and the last, exactly as printed.
    const secondComma = line.indexOf(',', line.indexOf(',') + 1);
    rows.push({
      gpuUuid: c[0] as string,
      pid,
      name: line.slice(secondComma + 1, line.lastIndexOf(',')).trim(),
      usedMemoryBytes: memory === null ? null : memory * MIB,
    });
  }
  return { rows, errors };
}

/** Attaches compute processes to their GPUs by UUID. */
export function attachProcesses(gpus: GpuReading[], apps: (GpuProcess & { gpuUuid: string })[]): GpuReading[] {
  return gpus.map((gpu) => ({
    ...gpu,
    processes: apps.filter((a) => a.gpuUuid === gpu.uuid).map(({ pid, name, usedMemoryBytes }) => ({ pid, name, usedMemoryBytes })),
  }));
}
