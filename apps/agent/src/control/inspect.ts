import { readdirSync, readlinkSync } from 'node:fs';
import { type ProcFs, parsePidStat, readTextOrNull } from '@vigil/procfs';
import type { ProcessDetail, ProcessInfo, ThreadInfo } from '@vigil/schema';

const THREAD_STATES: Record<string, ThreadInfo['state']> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'tracing-stop',
  Z: 'zombie',
  X: 'dead',
  I: 'idle',
};
/** More threads than this are cut (a JVM can have thousands); the count in the process stays exact. */
const MAX_THREADS = 500;

function link(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/**
 * The details of one process that frames leave out: its threads (/proc/[pid]/task), open descriptors,
 * children, lifetime I/O, executable and working directory. `table` is the latest process table, for the
 * children.
 */
export function inspectProcess(proc: ProcFs, info: ProcessInfo, table: readonly ProcessInfo[], clockTicks: number): ProcessDetail {
  const base = `${proc.root}/${info.pid}`;
  const threads: ThreadInfo[] = [];
  let tids: string[] = [];
  try {
    tids = readdirSync(`${base}/task`);
  } catch {}
  for (const tid of tids.slice(0, MAX_THREADS)) {
    const text = readTextOrNull(`${base}/task/${tid}/stat`);
    if (!text) continue;
    try {
      const stat = parsePidStat(text);
      threads.push({
        tid: stat.pid,
        name: stat.comm,
        state: THREAD_STATES[stat.state] ?? 'unknown',
        cpuSecondsTotal: (stat.utime + stat.stime) / clockTicks,
      });
    } catch {}
  }
  const io = proc.pidIo(info.pid);
  return {
    process: info,
    openFiles: proc.pidFdCount(info.pid),
    threads: threads.sort((a, b) => a.tid - b.tid),
    children: table.filter((p) => p.ppid === info.pid).map((p) => p.pid),
    ioReadBytesTotal: io?.readBytes ?? null,
    ioWriteBytesTotal: io?.writeBytes ?? null,
    executable: link(`${base}/exe`),
    cwd: link(`${base}/cwd`),
  };
}
