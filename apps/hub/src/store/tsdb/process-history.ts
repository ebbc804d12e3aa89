import { inflateRawSync } from 'node:zlib';
import type { ProcessInfo } from '@vigil/schema';

/** One process as kept in history: enough to say what was running and what it cost. */
export interface ProcessSample {
  pid: number;
  name: string;
  user: string;
  cmdline: string;
  cpuPercent: number;
  memoryRssBytes: number;
  memoryPercent: number;
  ioReadBytesPerSecond: number;
  ioWriteBytesPerSecond: number;
}

export interface ProcessFrame {
  ts: number;
  processes: ProcessSample[];
}

/** How many processes of each frame are kept: the top by CPU, by memory and by I/O (overlapping). */
export const KEEP_TOP = { cpu: 10, memory: 10, io: 5 };
/** Command lines are cut to this length in history. */
const CMDLINE_CHARS = 200;

const cpu = (p: ProcessInfo) => p.cpuPercent ?? 0;
const rss = (p: ProcessInfo) => p.memoryRssBytes;
const io = (p: ProcessInfo) => (p.ioReadBytesPerSecond ?? 0) + (p.ioWriteBytesPerSecond ?? 0);

/**
 * The first `n` processes by `key`, largest first, ties in their original order: what a stable sort and
 * slice(0, n) give, without sorting the whole table (a frame carries up to 100 processes; n is 5 or 10).
 */
function topBy(
  processes: readonly ProcessInfo[],
  key: (p: ProcessInfo) => number,
  n: number,
  keep?: (k: number) => boolean,
): ProcessInfo[] {
  const top: ProcessInfo[] = [];
  const keys: number[] = [];
  for (const p of processes) {
    const k = key(p);
    if (keep && !keep(k)) continue;
    if (top.length === n && !(k > (keys[n - 1] as number))) continue;
    let i = top.length;
    while (i > 0 && k > (keys[i - 1] as number)) i--;
    top.splice(i, 0, p);
    keys.splice(i, 0, k);
    if (top.length > n) {
      top.pop();
      keys.pop();
    }
  }
  return top;
}

/** The processes of a frame worth remembering: the top consumers by CPU, memory and I/O. */
export function selectForHistory(processes: readonly ProcessInfo[]): ProcessSample[] {
  const chosen = new Set<ProcessInfo>(topBy(processes, cpu, KEEP_TOP.cpu));
  for (const p of topBy(processes, rss, KEEP_TOP.memory)) chosen.add(p);
  for (const p of topBy(processes, io, KEEP_TOP.io, (k) => k > 0)) chosen.add(p);
  return [...chosen].map((p) => ({
    pid: p.pid,
    name: p.name,
    user: p.user,
    cmdline: p.cmdline.slice(0, CMDLINE_CHARS),
    cpuPercent: Math.round((p.cpuPercent ?? 0) * 10) / 10,
    memoryRssBytes: p.memoryRssBytes,
    memoryPercent: Math.round(p.memoryPercent * 100) / 100,
    ioReadBytesPerSecond: Math.round(p.ioReadBytesPerSecond ?? 0),
    ioWriteBytesPerSecond: Math.round(p.ioWriteBytesPerSecond ?? 0),
  }));
}

/** Decodes a minute of process history in the first format (deflated JSON: processes once, then rows per frame). */
export function decodeMinute(blob: Uint8Array): ProcessFrame[] {
  const { procs, rows } = JSON.parse(inflateRawSync(blob).toString('utf8')) as {
    procs: [number, string, string, string][];
    rows: [number, [number, number, number, number, number, number][]][];
  };
  return rows.map(([ts, list]) => ({
    ts,
    processes: list.map(([i, cpuPercent, memoryRssBytes, memoryPercent, ioReadBytesPerSecond, ioWriteBytesPerSecond]) => {
      const [pid, name, user, cmdline] = procs[i] as [number, string, string, string];
      return { pid, name, user, cmdline, cpuPercent, memoryRssBytes, memoryPercent, ioReadBytesPerSecond, ioWriteBytesPerSecond };
    }),
  }));
}

export interface TopConsumer {
  pid: number;
  name: string;
  user: string;
  cmdline: string;
  /** Frames of the window in which it was among the top processes. */
  seen: number;
  /** Averages over the whole window (frames where it was not in the top count as zero) and peaks. */
  cpuPercentAvg: number;
  cpuPercentPeak: number;
  memoryRssBytesAvg: number;
  memoryRssBytesPeak: number;
  ioBytesPerSecondAvg: number;
  ioBytesPerSecondPeak: number;
}

/** The top consumers over frames, by cpu, memory or io (average over the window), with their peaks. */
export function topConsumers(frames: readonly ProcessFrame[], by: 'cpu' | 'memory' | 'io', limit: number): TopConsumer[] {
  const acc = new Map<string, TopConsumer & { cpuSum: number; memSum: number; ioSum: number }>();
  for (const f of frames) {
    for (const p of f.processes) {
      const key = `${p.pid}\u0000${p.name}`;
      let a = acc.get(key);
      if (!a) {
        a = {
          pid: p.pid,
          name: p.name,
          user: p.user,
          cmdline: p.cmdline,
          seen: 0,
          cpuPercentAvg: 0,
          cpuPercentPeak: 0,
          memoryRssBytesAvg: 0,
          memoryRssBytesPeak: 0,
          ioBytesPerSecondAvg: 0,
          ioBytesPerSecondPeak: 0,
          cpuSum: 0,
          memSum: 0,
          ioSum: 0,
        };
        acc.set(key, a);
      }
      const pio = p.ioReadBytesPerSecond + p.ioWriteBytesPerSecond;
      a.seen++;
      a.cpuSum += p.cpuPercent;
      a.memSum += p.memoryRssBytes;
      a.ioSum += pio;
      a.cpuPercentPeak = Math.max(a.cpuPercentPeak, p.cpuPercent);
      a.memoryRssBytesPeak = Math.max(a.memoryRssBytesPeak, p.memoryRssBytes);
      a.ioBytesPerSecondPeak = Math.max(a.ioBytesPerSecondPeak, pio);
    }
  }
  const n = Math.max(1, frames.length);
  const list = [...acc.values()].map(({ cpuSum, memSum, ioSum, ...rest }) => ({
    ...rest,
    cpuPercentAvg: Math.round((cpuSum / n) * 100) / 100,
    memoryRssBytesAvg: Math.round(memSum / n),
    ioBytesPerSecondAvg: Math.round(ioSum / n),
  }));
  const key =
    by === 'cpu'
      ? (t: TopConsumer) => t.cpuPercentAvg
      : by === 'memory'
        ? (t: TopConsumer) => t.memoryRssBytesAvg
        : (t: TopConsumer) => t.ioBytesPerSecondAvg;
  return list.sort((a, b) => key(b) - key(a)).slice(0, limit);
}
