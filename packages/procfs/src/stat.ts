import { fields, ProcfsParseError, toNumber } from './errors.ts';

/** CPU time per mode in clock ticks (USER_HZ), the columns of a "cpu" line of /proc/stat. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStat {
  total: CpuTimes;
  /** Online CPUs only: the kernel omits offline CPUs from /proc/stat. */
  cpus: { cpu: number; times: CpuTimes }[];
  contextSwitches: number;
  /** Boot time, Unix seconds. */
  bootTime: number;
  forks: number;
  procsRunning: number;
  procsBlocked: number;
  /** Total interrupts serviced (first column of "intr"). */
  interrupts: number;
}

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;

function cpuTimes(parts: string[]): CpuTimes {
  // Columns after "system"/"idle" arrived over the years (iowait 2.5.41, steal 2.6.11, guest 2.6.24,
  // guest_nice 2.6.33); an older kernel simply has fewer, which count as zero.
  if (parts.length < 5) throw new ProcfsParseError('/proc/stat', `"${parts[0]}" has ${parts.length - 1} columns, expected at least 4`);
  const times = {} as CpuTimes;
  MODES.forEach((mode, i) => {
    const text = parts[i + 1];
    times[mode] = text === undefined ? 0 : toNumber('/proc/stat', `${parts[0]}.${mode}`, text);
  });
  return times;
}

/** The first number after the key of a /proc/stat line ("intr 12345 0 0 ..." has thousands on big hosts). */
function firstValue(line: string, key: string): number {
  if (line.length <= key.length) return toNumber('/proc/stat', key, undefined);
  const start = key.length + 1;
  const end = line.indexOf(' ', start);
  return toNumber('/proc/stat', key, line.slice(start, end < 0 ? undefined : end).trim());
}

/**
 * Parses /proc/stat (proc(5)). Unknown lines are ignored; a missing "cpu" line is an error. Only the cpu lines
 * are split into fields: "intr" and "softirq" carry one number per interrupt, thousands on big servers.
 */
export function parseStat(text: string): ProcStat {
  const stat: Partial<ProcStat> & { cpus: ProcStat['cpus'] } = { cpus: [] };
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    const key = space < 0 ? line.trim() : line.slice(0, space);
    if (key === '') continue;
    if (key === 'cpu') stat.total = cpuTimes(fields(line));
    else if (key.startsWith('cpu'))
      stat.cpus.push({ cpu: toNumber('/proc/stat', 'cpu index', key.slice(3)), times: cpuTimes(fields(line)) });
    else if (key === 'ctxt') stat.contextSwitches = firstValue(line, key);
    else if (key === 'btime') stat.bootTime = firstValue(line, key);
    else if (key === 'processes') stat.forks = firstValue(line, key);
    else if (key === 'procs_running') stat.procsRunning = firstValue(line, key);
    else if (key === 'procs_blocked') stat.procsBlocked = firstValue(line, key);
    else if (key === 'intr') stat.interrupts = firstValue(line, key);
  }
  if (!stat.total) throw new ProcfsParseError('/proc/stat', 'no "cpu" line');
  return {
    total: stat.total,
    cpus: stat.cpus,
    contextSwitches: stat.contextSwitches ?? 0,
    bootTime: stat.bootTime ?? 0,
    forks: stat.forks ?? 0,
    procsRunning: stat.procsRunning ?? 0,
    procsBlocked: stat.procsBlocked ?? 0,
    interrupts: stat.interrupts ?? 0,
  };
}
