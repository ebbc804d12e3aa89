import { ProcfsParseError } from './errors.ts';

export interface CpuinfoProcessor {
  processor: number;
  modelName: string | null;
  mhz: number | null;
  physicalId: number | null;
  coreId: number | null;
}

export interface Cpuinfo {
  processors: CpuinfoProcessor[];
  /** The first processor's model name ("Hardware" or "Processor" on some ARM kernels). */
  modelName: string;
  /** Distinct (physical id, core id) pairs; null when the kernel does not report them (many ARM boards). */
  physicalCores: number | null;
}

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

/** Parses /proc/cpuinfo: blocks of "key : value" lines separated by blank lines. */
export function parseCpuinfo(text: string): Cpuinfo {
  const processors: CpuinfoProcessor[] = [];
  let fallbackModel: string | null = null;
  let block = new Map<string, string>();
  const flush = () => {
    const index = block.get('processor');
    if (index !== undefined && /^\d+$/.test(index)) {
      processors.push({
        processor: Number(index),
        modelName: block.get('model name') ?? block.get('cpu model') ?? null,
        mhz: numberOrNull(block.get('cpu MHz')),
        physicalId: numberOrNull(block.get('physical id')),
        coreId: numberOrNull(block.get('core id')),
      });
    }
    fallbackModel ??= block.get('Hardware') ?? block.get('Processor') ?? block.get('model name') ?? null;
    block = new Map();
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    block.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  flush();
  if (processors.length === 0) throw new ProcfsParseError('/proc/cpuinfo', 'no "processor" entries');
  const cores = new Set<string>();
  let topologyKnown = true;
  for (const p of processors) {
    if (p.coreId === null) topologyKnown = false;
    cores.add(`${p.physicalId ?? 0}:${p.coreId}`);
  }
  return {
    processors,
    modelName: processors[0]?.modelName ?? fallbackModel ?? 'unknown',
    physicalCores: topologyKnown ? cores.size : null,
  };
}

/**
 * Just the clock of each processor from /proc/cpuinfo ("cpu MHz" lines), for hosts without cpufreq. Scans
 * for the two keys instead of parsing every line: the file is ~1.5 KB per CPU and this runs every second.
 */
export function parseCpuinfoMhz(text: string): Map<number, number> {
  const mhz = new Map<number, number>();
  let processor = -1;
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const stop = end < 0 ? text.length : end;
    const first = text.charCodeAt(at);
    if (first === 112 /* p */ && text.startsWith('processor', at)) {
      processor = Number(text.slice(text.indexOf(':', at) + 1, stop));
    } else if (first === 99 /* c */ && text.startsWith('cpu MHz', at)) {
      const value = Number(text.slice(text.indexOf(':', at) + 1, stop));
      if (processor >= 0 && Number.isFinite(value) && value > 0) mhz.set(processor, value);
    }
    at = stop + 1;
  }
  return mhz;
}
