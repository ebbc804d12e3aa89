import type { ProcessInfo } from '@vigil/schema';

/** The orders of the process table. */
export const SORT_KEYS = ['cpu', 'memory', 'time', 'pid', 'name', 'user', 'threads', 'io'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Column titles of the sort keys, as the table header and the screen header show them. */
export const SORT_TITLE: Record<SortKey, string> = {
  cpu: 'CPU%',
  memory: 'MEM%',
  time: 'TIME+',
  pid: 'PID',
  name: 'Command',
  user: 'USER',
  threads: 'THR',
  io: 'IO',
};

/** Names and numbers start in ascending order, consumption in descending order (the biggest first), as in htop. */
export const descendingByDefault = (key: SortKey): boolean => key !== 'pid' && key !== 'name' && key !== 'user';

const NUMERIC: Record<Exclude<SortKey, 'name' | 'user'>, (p: ProcessInfo) => number> = {
  cpu: (p) => p.cpuPercent ?? -1,
  memory: (p) => p.memoryRssBytes,
  time: (p) => p.cpuSecondsTotal,
  pid: (p) => p.pid,
  threads: (p) => p.threads,
  io: (p) => (p.ioReadBytesPerSecond ?? 0) + (p.ioWriteBytesPerSecond ?? 0),
};

/** A sorted copy; ties go by PID so that rows do not swap places between refreshes. */
export function sortProcesses(processes: readonly ProcessInfo[], key: SortKey, descending: boolean): ProcessInfo[] {
  const sign = descending ? -1 : 1;
  const rows = [...processes];
  if (key === 'name' || key === 'user') rows.sort((a, b) => sign * a[key].localeCompare(b[key]) || a.pid - b.pid);
  else {
    const value = NUMERIC[key];
    rows.sort((a, b) => sign * (value(a) - value(b)) || a.pid - b.pid);
  }
  return rows;
}

/**
 * Whether a process matches the `/` filter: case-insensitive text in its name or command line (as htop's
 * filter), or its PID when the filter is a number.
 */
export function matchesFilter(p: ProcessInfo, filter: string): boolean {
  if (!filter) return true;
  const needle = filter.toLowerCase();
  if (/^\d+$/.test(needle) && String(p.pid) === needle) return true;
  return p.name.toLowerCase().includes(needle) || p.cmdline.toLowerCase().includes(needle);
}

/** The rows of the table: filtered (kernel threads hidden unless asked, as htop does), then sorted. */
export function visibleProcesses(
  processes: readonly ProcessInfo[],
  view: { sort: SortKey; descending: boolean; filter: string; showKernelThreads: boolean },
): ProcessInfo[] {
  const kept = processes.filter((p) => (view.showKernelThreads || !p.kernelThread) && matchesFilter(p, view.filter));
  return sortProcesses(kept, view.sort, view.descending);
}
