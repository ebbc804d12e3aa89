import { ProcfsParseError } from './errors.ts';

/** /proc/meminfo as a map of field name to bytes ("kB" values are multiplied out; counts such as HugePages_Total stay counts). */
export type Meminfo = Map<string, number>;

/** Parses /proc/meminfo lines "Name:   1234 kB". Lines that are not of that shape are skipped. */
export function parseMeminfo(text: string): Meminfo {
  const info: Meminfo = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let rest = line.slice(colon + 1).trim();
    const kb = rest.endsWith(' kB');
    if (kb) rest = rest.slice(0, -3).trimEnd();
    if (!/^\d+$/.test(rest)) continue;
    const value = Number(rest);
    info.set(line.slice(0, colon), kb ? value * 1024 : value);
  }
  if (!info.has('MemTotal')) throw new ProcfsParseError('/proc/meminfo', 'no MemTotal line');
  return info;
}

/** Key/number pairs separated by a space, as /proc/vmstat writes them ("pgfault 123"). */
export function parseVmstat(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const digits = line.slice(space + 1);
    // Only "name digits" lines count: Number() alone would read "" as 0 and accept " 1".
    if (digits.length > 0 && digits.charCodeAt(0) >= 48 && digits.charCodeAt(0) <= 57) {
      const value = Number(digits);
      if (Number.isInteger(value)) values.set(line.slice(0, space), value);
    }
  }
  return values;
}
