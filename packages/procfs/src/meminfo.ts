import { ProcfsParseError } from './errors.ts';

/** /proc/meminfo as a map of field name to bytes ("kB" values are multiplied out; counts such as HugePages_Total stay counts). */
export type Meminfo = Map<string, number>;

/** Parses /proc/meminfo lines "Name:   1234 kB". Lines that are not of that shape are skipped. */
export function parseMeminfo(text: string): Meminfo {
  const info: Meminfo = new Map();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    info.set(match[1] as string, match[3] ? value * 1024 : value);
  }
  if (!info.has('MemTotal')) throw new ProcfsParseError('/proc/meminfo', 'no MemTotal line');
  return info;
}

/** Key/number pairs separated by a space, as /proc/vmstat writes them ("pgfault 123"). */
export function parseVmstat(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\d+)$/.exec(line);
    if (m) values.set(m[1] as string, Number(m[2]));
  }
  return values;
}
