import { execFileSync } from 'node:child_process';
import { endianness } from 'node:os';
import type { SystemConstants } from './collector.ts';

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000 }).trim());
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/**
 * USER_HZ and the page size of this kernel. Node has no sysconf(3), so getconf(1) answers, once at start;
 * without it, Linux's values on every mainstream architecture (100 and 4096) are assumed.
 */
export function detectConstants(): SystemConstants {
  return {
    clockTicks: getconf('CLK_TCK', 100),
    pageSize: getconf('PAGESIZE', 4096),
    littleEndian: endianness() === 'LE',
  };
}
