import { basename, join } from 'node:path';
import { containerFromCgroup, PF_KTHREAD, type PidStat, parsePasswd, readTextOrNull } from '@vigil/procfs';
import { type ProcessInfo, type ProcessState, type ProcessSummary, processNameMatches } from '@vigil/schema';
import type { CollectContext, Collector, ProcessRecord } from './collector.ts';
import { counterRate, roundTo } from './rates.ts';

/** How many of the top consumers by CPU, and by memory, a frame carries when nobody asked for all. */
export const TOP_PROCESSES = 50;
/** /proc's name field holds TASK_COMM_LEN - 1 characters. */
const COMM_LENGTH = 15;

const STATES: Record<string, ProcessState> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'tracing-stop',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  I: 'idle',
  P: 'parked',
  W: 'waking',
  K: 'waking',
};

/**
 * What does not change while a process lives, read once per (pid, start time), and the counters of its
 * previous reading, from which its rates come.
 */
interface ProcessMeta {
  /** /proc/[pid]/stat's starttime: with the pid, it tells this process from a later one given the same pid. */
  starttime: number;
  name: string;
  cmdline: string;
  uid: number;
  kernelThread: boolean;
  container: string | null;
  seen: number;
  atMs: number;
  cpuTicks: number;
  /**
   * What the collector uses of the stat last read, copied into this object rather than keeping the parsed one: kept
   * from one cycle to the next, a new object per read would be promoted to the old space and die there.
   * When it was read, and the run time (schedstat, ns) then: NaN when unknown.
   */
  stat: HeldStat;
  statAtMs: number;
  runTimeNs: number;
  /** When io was last read; NaN until it has been read (or when it may not be read). */
  ioAtMs: number;
  ioReadBytes: number;
  ioWriteBytes: number;
}

type HeldStat = Pick<PidStat, 'state' | 'ppid' | 'numThreads' | 'nice' | 'rssPages' | 'vsizeBytes' | 'utime' | 'stime' | 'starttime'>;

function holdStat(into: HeldStat, stat: PidStat): HeldStat {
  into.state = stat.state;
  into.ppid = stat.ppid;
  into.numThreads = stat.numThreads;
  into.nice = stat.nice;
  into.rssPages = stat.rssPages;
  into.vsizeBytes = stat.vsizeBytes;
  into.utime = stat.utime;
  into.stime = stat.stime;
  into.starttime = stat.starttime;
  return into;
}

/** An idle process's io file is read again after this long even if it used no CPU (see below). */
const IO_RESCAN_MS = 10_000;
/**
 * A process that has not run since its stat was read has the same stat, but for the few fields that can change while
 * it sleeps (its parent when that exits, its nice value, its RSS when memory is reclaimed): those are read again after
 * this long at the latest.
 */
const STAT_RESCAN_MS = 10_000;
/** Processes with a stat but no schedstat after which schedstat is no longer asked for (a kernel without it). */
const SCHEDSTAT_MISSING = 3;

/**
 * The name as ps and psutil show it: the kernel's 15-character comm, or the executable's base name from the
 * command line when comm was cut short and the base name continues it.
 */
export function processName(comm: string, args: string[]): string {
  if (comm.length < COMM_LENGTH || args.length === 0) return comm;
  const exe = basename(args[0] as string);
  return exe.startsWith(comm) ? exe : comm;
}

/** Picks the processes a frame carries: the top by CPU and by memory, and any followed PID. */
export function selectProcesses(
  all: ProcessInfo[],
  limit: number,
  follow: ReadonlySet<number>,
  followNames: readonly string[] = [],
): ProcessInfo[] {
  if (all.length <= limit) return all;
  const chosen = new Set<ProcessInfo>();
  const byCpu = [...all].sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0));
  const byMemory = [...all].sort((a, b) => b.memoryRssBytes - a.memoryRssBytes);
  for (let i = 0; i < limit && i < all.length; i++) {
    chosen.add(byCpu[i] as ProcessInfo);
    chosen.add(byMemory[i] as ProcessInfo);
  }
  if (follow.size > 0) for (const p of all) if (follow.has(p.pid)) chosen.add(p);
  if (followNames.length > 0) for (const p of all) if (followNames.some((pattern) => processNameMatches(pattern, p.name))) chosen.add(p);
  return all.filter((p) => chosen.has(p));
}

/**
 * The process table from /proc/[pid]/{stat,status,cmdline,io,cgroup}. Per cycle each process costs two reads
 * (stat, io); its name, command line, user and container are read once and kept by (pid, start time), so a
 * reused PID is never mistaken for the old process. A process that exits mid-read is skipped.
 */
export function processesCollector(): Collector {
  const metas = new Map<number, ProcessMeta>();
  let generation = 0;
  /** Processes whose stat could be read but not their schedstat: at SCHEDSTAT_MISSING the kernel has none. */
  let schedstatMissing = 0;
  let users = new Map<number, string>();
  let usersReadAt = Number.NEGATIVE_INFINITY;

  const userName = (ctx: CollectContext, uid: number): string => {
    // /etc/passwd is read again only when an unknown uid shows up, at most once a minute.
    if (!users.has(uid) && ctx.monotonicMs - usersReadAt > 60_000) {
      users = parsePasswd(readTextOrNull(join(ctx.roots.rootfs, 'etc/passwd'), 'utf8') ?? '');
      usersReadAt = ctx.monotonicMs;
    }
    return users.get(uid) ?? String(uid);
  };

  const readMeta = (ctx: CollectContext, stat: PidStat): ProcessMeta | null => {
    const status = ctx.proc.pidStatus(stat.pid);
    if (!status) return null;
    // PF_KTHREAD is authoritative; kthreadd (pid 2) and its children are kernel threads too on old kernels.
    const kernelThread = (stat.flags & PF_KTHREAD) !== 0 || stat.pid === 2 || stat.ppid === 2;
    const args = kernelThread ? [] : (ctx.proc.pidCmdline(stat.pid) ?? []);
    const cgroup = kernelThread ? null : ctx.proc.pidCgroup(stat.pid);
    return {
      starttime: stat.starttime,
      name: processName(stat.comm, args),
      cmdline: args.join(' '),
      uid: status.uids[0] ?? 0,
      kernelThread,
      container: cgroup ? (containerFromCgroup(cgroup)?.id ?? null) : null,
      seen: generation,
      atMs: Number.NaN,
      cpuTicks: 0,
      stat: holdStat({} as HeldStat, stat),
      statAtMs: Number.NaN,
      runTimeNs: Number.NaN,
      ioAtMs: Number.NaN,
      ioReadBytes: 0,
      ioWriteBytes: 0,
    };
  };

  return {
    name: 'processes',
    collect(ctx, out) {
      generation++;
      const at = ctx.monotonicMs;
      const { clockTicks, pageSize } = ctx.constants;
      const bootMs = ctx.proc.stat().bootTime * 1000;
      const memTotal = ctx.proc.meminfo().get('MemTotal') ?? 0;
      const summary: ProcessSummary = {
        total: 0,
        running: 0,
        sleeping: 0,
        diskSleep: 0,
        stopped: 0,
        zombie: 0,
        idle: 0,
        threads: 0,
        kernelThreads: 0,
      };
      const table: ProcessRecord[] = [];
      let failures = 0;
      let lastFailure: unknown;
      for (const pid of ctx.proc.pids()) {
        try {
          // A process that has not run since the last cycle (most of a server's processes, kernel threads included)
          // has the stat it had then: its schedstat, cheaper for the kernel to write, says so (STAT_RESCAN_MS).
          // Kept descriptors stay bound to their process (pid-files.ts), so a reused pid is read afresh.
          const runTimeNs = schedstatMissing < SCHEDSTAT_MISSING ? ctx.proc.pidRunTimeNs(pid) : null;
          let meta = metas.get(pid);
          if (!meta || runTimeNs === null || runTimeNs !== meta.runTimeNs || at - meta.statAtMs >= STAT_RESCAN_MS) {
            const read = ctx.proc.pidStat(pid);
            if (!read) continue;
            if (!meta || meta.starttime !== read.starttime) {
              const fresh = readMeta(ctx, read);
              if (!fresh) continue;
              meta = fresh;
              metas.set(pid, meta);
            }
            holdStat(meta.stat, read);
            meta.statAtMs = at;
            meta.runTimeNs = runTimeNs ?? Number.NaN;
            if (runTimeNs === null) schedstatMissing++;
          }
          meta.seen = generation;
          const stat = meta.stat;
          const cpuTicks = stat.utime + stat.stime;
          const cpuRate = counterRate(meta.cpuTicks, meta.atMs, cpuTicks, at);
          // A process does I/O only while it runs, and its io counters are cumulative: when it used no CPU
          // since the last cycle, its io file (the other half of the per-process cost) is not read, and its
          // rate is 0. Bytes it did move in a sliver of CPU time below one tick are not lost: they show in
          // the rate over the longer interval when the file is next read (at the latest after IO_RESCAN_MS).
          const ioDue = cpuTicks !== meta.cpuTicks || Number.isNaN(meta.ioAtMs) || at - meta.ioAtMs >= IO_RESCAN_MS;
          let ioRead: number | null = Number.isNaN(meta.ioAtMs) ? null : 0;
          let ioWrite = ioRead;
          if (ioDue && !meta.kernelThread && stat.state !== 'Z') {
            const io = ctx.proc.pidIo(pid);
            if (io) {
              ioRead = Number.isNaN(meta.ioAtMs) ? null : counterRate(meta.ioReadBytes, meta.ioAtMs, io.readBytes, at);
              ioWrite = Number.isNaN(meta.ioAtMs) ? null : counterRate(meta.ioWriteBytes, meta.ioAtMs, io.writeBytes, at);
              meta.ioAtMs = at;
              meta.ioReadBytes = io.readBytes;
              meta.ioWriteBytes = io.writeBytes;
            } else {
              ioRead = ioWrite = null;
              meta.ioAtMs = Number.NaN;
            }
          }
          if (meta.kernelThread || stat.state === 'Z') ioRead = ioWrite = null;
          meta.atMs = at;
          meta.cpuTicks = cpuTicks;
          const rss = stat.rssPages * pageSize;
          const state = STATES[stat.state] ?? 'unknown';
          const info: ProcessInfo = {
            pid,
            ppid: stat.ppid,
            name: meta.name,
            cmdline: meta.cmdline,
            user: userName(ctx, meta.uid),
            uid: meta.uid,
            state,
            kernelThread: meta.kernelThread,
            threads: stat.numThreads,
            nice: stat.nice,
            // CPU and memory percentages to 2 and 3 decimals, I/O rates to whole bytes (see roundTo).
            cpuPercent: cpuRate === null ? null : roundTo((cpuRate / clockTicks) * 100, 2),
            cpuSecondsTotal: cpuTicks / clockTicks,
            memoryRssBytes: rss,
            memoryVirtualBytes: stat.vsizeBytes,
            memoryPercent: memTotal > 0 ? roundTo((rss / memTotal) * 100, 3) : 0,
            ioReadBytesPerSecond: ioRead === null ? null : Math.round(ioRead),
            ioWriteBytesPerSecond: ioWrite === null ? null : Math.round(ioWrite),
            startTime: bootMs + (stat.starttime / clockTicks) * 1000,
          };
          table.push({ info, container: meta.container });
          summary.total++;
          summary.threads += stat.numThreads;
          if (meta.kernelThread) summary.kernelThreads++;
          if (state === 'running') summary.running++;
          else if (state === 'sleeping') summary.sleeping++;
          else if (state === 'disk-sleep') summary.diskSleep++;
          else if (state === 'stopped' || state === 'tracing-stop') summary.stopped++;
          else if (state === 'zombie') summary.zombie++;
          else if (state === 'idle') summary.idle++;
        } catch (error) {
          failures++;
          lastFailure = error;
        }
      }
      for (const [pid, meta] of metas) if (meta.seen !== generation) metas.delete(pid);
      ctx.proc.sweepPidFiles();
      if (table.length === 0 && failures > 0) throw lastFailure;
      ctx.processTable = table;
      const all = table.map((r) => r.info);
      out.system.processes = summary;
      out.processes = ctx.options.allProcesses ? all : selectProcesses(all, TOP_PROCESSES, ctx.options.followPids, ctx.options.followNames);
      out.processesComplete = out.processes.length === all.length;
    },
  };
}
