/** CPU time and resident memory of a whole process tree, read straight from /proc (independent of the code under test). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat that the benchmarks need; times are in clock ticks. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Process group: a daemon started in its own group keeps its plugins there. */
  pgrp: number;
  utime: number;
  stime: number;
  /** CPU of children that exited and were waited for: keeps a tree's total whole when helpers come and go. */
  cutime: number;
  cstime: number;
  numThreads: number;
}

/** Whole-machine CPU from the first line of /proc/stat, in clock ticks summed over all cores. */
export interface MachineCpu {
  /** Everything but idle and iowait. */
  busyTicks: number;
  totalTicks: number;
}

/** Reads /proc/stat's "cpu" line; shows how busy the rest of the machine was while a subject was measured. */
export function readMachineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busyTicks: total - (f[3] ?? 0) - (f[4] ?? 0), totalTicks: total };
}

/** One reading of a process tree. */
export interface TreeSample {
  /** performance.now() when the reading was taken. */
  atMs: number;
  rootAlive: boolean;
  pids: number[];
  /** Sum of utime+stime+cutime+cstime over the tree, in clock ticks. */
  cpuTicks: number;
  /** Sum of VmRSS over the tree, in kB (shared pages count once per process, as `ps` does). */
  rssKb: number;
  threads: number;
  /** Processes in the whole of /proc at that moment, to show the load the subject faced. */
  processTotal: number;
}

let clockTicks: number | undefined;

/** CLK_TCK from `getconf`, the unit of the times in /proc/<pid>/stat (cached: it cannot change while we run). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const n = Number(out);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK printed ${JSON.stringify(out)}`);
    clockTicks = n;
  }
  return clockTicks;
}

/** Parses /proc/<pid>/stat; comm is cut at the LAST ')' because a process may put spaces and parentheses in its name. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // After ')': field 3 (state) is index 0, so field N is index N - 3.
  const rest = text.slice(close + 2).split(' ');
  const num = (field: number): number => Number(rest[field - 3]);
  const stat: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: num(4),
    pgrp: num(5),
    utime: num(14),
    stime: num(15),
    cutime: num(16),
    cstime: num(17),
    numThreads: num(20),
  };
  return Number.isFinite(stat.utime) && Number.isFinite(stat.ppid) ? stat : undefined;
}

/** Reads one process's stat; undefined when it has already gone (a normal race while walking /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process id currently in /proc (thread groups, not threads). */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}

/** Stats of every process now; the parent links are needed to find a tree's descendants. */
export function readAllStats(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const pid of listPids()) {
    const s = readProcStat(pid);
    if (s) all.set(pid, s);
  }
  return all;
}

/** Pids of the processes in process group `pgrp` (e.g. what is left of a stopped daemon's tree). */
export function groupPids(pgrp: number): number[] {
  return [...readAllStats().values()].filter((s) => s.pgrp === pgrp).map((s) => s.pid);
}

/** The root and all its descendants among `stats`, root first; empty when the root is gone. */
export function treePids(rootPid: number, stats: ReadonlyMap<number, ProcStat>): number[] {
  if (!stats.has(rootPid)) return [];
  const children = new Map<number, number[]>();
  for (const s of stats.values()) {
    const list = children.get(s.ppid);
    if (list) list.push(s.pid);
    else children.set(s.ppid, [s.pid]);
  }
  const out = [rootPid];
  for (let i = 0; i < out.length; i++) {
    for (const child of children.get(out[i] as number) ?? []) out.push(child);
  }
  return out;
}

/** VmRSS of one process in kB; 0 for kernel threads, zombies and processes that vanished meanwhile. */
export function readVmRssKb(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const at = text.indexOf('\nVmRSS:');
  if (at < 0) return 0;
  const kb = Number.parseInt(text.slice(at + 7).trimStart(), 10);
  return Number.isFinite(kb) ? kb : 0;
}

/**
 * Reads the tree rooted at `rootPid`. CPU sums utime+stime+cutime+cstime of every live member: a helper that exits
 * and is reaped inside the tree moves its time into its parent's cutime/cstime, so the total only grows.
 */
export function sampleTree(rootPid: number): TreeSample {
  const all = readAllStats();
  const pids = treePids(rootPid, all);
  let cpuTicks = 0;
  let rssKb = 0;
  let threads = 0;
  for (const pid of pids) {
    const s = all.get(pid) as ProcStat;
    cpuTicks += s.utime + s.stime + s.cutime + s.cstime;
    threads += s.numThreads;
    rssKb += readVmRssKb(pid);
  }
  // A zombie root has finished its work; only its parent's wait() is missing.
  const rootAlive = pids.length > 0 && all.get(rootPid)?.state !== 'Z';
  return { atMs: performance.now(), rootAlive, pids, cpuTicks, rssKb, threads, processTotal: all.size };
}
