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
