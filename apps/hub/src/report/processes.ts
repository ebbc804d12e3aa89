import type { ReportProcess } from '@vigil/schema';
import type { ProcessFrame } from '../store/tsdb/index.ts';

interface Tally {
  pid: number;
  name: string;
  user: string;
  cmdline: string;
  seen: number;
  cpuSum: number;
  cpuPeak: number;
  rssSum: number;
  rssPeak: number;
  ioSum: number;
  ioPeak: number;
  rssFirst: number;
  rssLast: number;
  firstSeen: number;
  lastSeen: number;
}

export interface ProcessSummary {
  frames: number;
  byCpu: ReportProcess[];
  byMemory: ReportProcess[];
  byIo: ReportProcess[];
  grewMost: ReportProcess | null;
}

/**
 * Top consumers of a window, fed a frame at a time so that a day of process history never sits in memory.
 * Averages are over every frame of the window (a process outside the kept top lists of a frame counts as 0
 * there), as GET /api/v1/hosts/{id}/processes/top computes them.
 */
export class ProcessTally {
  private readonly tallies = new Map<string, Tally>();
  private frames = 0;

  add(frame: ProcessFrame): void {
    this.frames++;
    for (const p of frame.processes) {
      const key = `${p.pid}\u0000${p.name}`;
      let t = this.tallies.get(key);
      if (!t) {
        t = {
          pid: p.pid,
          name: p.name,
          user: p.user,
          cmdline: p.cmdline,
          seen: 0,
          cpuSum: 0,
          cpuPeak: 0,
          rssSum: 0,
          rssPeak: 0,
          ioSum: 0,
          ioPeak: 0,
          rssFirst: p.memoryRssBytes,
          rssLast: p.memoryRssBytes,
          firstSeen: frame.ts,
          lastSeen: frame.ts,
        };
        this.tallies.set(key, t);
      }
      const io = p.ioReadBytesPerSecond + p.ioWriteBytesPerSecond;
      t.seen++;
      t.cpuSum += p.cpuPercent;
      t.cpuPeak = Math.max(t.cpuPeak, p.cpuPercent);
      t.rssSum += p.memoryRssBytes;
      t.rssPeak = Math.max(t.rssPeak, p.memoryRssBytes);
      t.ioSum += io;
      t.ioPeak = Math.max(t.ioPeak, io);
      t.rssLast = p.memoryRssBytes;
      t.lastSeen = frame.ts;
    }
  }

  private toProcess(t: Tally): ReportProcess {
    const n = Math.max(1, this.frames);
    return {
      pid: t.pid,
      name: t.name,
      user: t.user,
      cmdline: t.cmdline,
      seen: t.seen,
      cpuPercentAvg: Math.round((t.cpuSum / n) * 100) / 100,
      cpuPercentPeak: t.cpuPeak,
      memoryRssBytesAvg: Math.round(t.rssSum / n),
      memoryRssBytesPeak: t.rssPeak,
      ioBytesPerSecondAvg: Math.round(t.ioSum / n),
      ioBytesPerSecondPeak: t.ioPeak,
      memoryRssBytesFirst: t.rssFirst,
      memoryRssBytesLast: t.rssLast,
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
    };
  }

  /** The top `limit` by average CPU, memory and I/O (ties by name), and the process whose memory grew most. */
  summary(limit: number): ProcessSummary {
    const all = [...this.tallies.values()];
    const top = (key: (t: Tally) => number) =>
      all
        .filter((t) => key(t) > 0)
        .sort((a, b) => key(b) - key(a) || a.name.localeCompare(b.name) || a.pid - b.pid)
        .slice(0, limit)
        .map((t) => this.toProcess(t));
    let grew: Tally | null = null;
    for (const t of all) if (t.seen >= 2 && t.rssLast - t.rssFirst > (grew ? grew.rssLast - grew.rssFirst : 0)) grew = t;
    return {
      frames: this.frames,
      byCpu: top((t) => t.cpuSum),
      byMemory: top((t) => t.rssSum),
      byIo: top((t) => t.ioSum),
      grewMost: grew ? this.toProcess(grew) : null,
    };
  }
}
