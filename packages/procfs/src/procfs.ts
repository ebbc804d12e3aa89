import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type Cpuinfo, parseCpuinfo } from './cpuinfo.ts';
import { type DiskStats, parseDiskstats } from './diskstats.ts';
import { type Loadavg, parseLoadavg, parseUptime } from './loadavg.ts';
import { type Meminfo, parseMeminfo, parseVmstat } from './meminfo.ts';
import { parsePressure } from './misc.ts';
import { type Mount, parseMounts, parseNodevFilesystems } from './mounts.ts';
import { type NetDev, parseNetDev } from './net-dev.ts';
import { type NetSocket, parseNetSockets } from './net-sockets.ts';
import { type PidIo, type PidStat, type PidStatus, parseCmdline, parsePidIo, parsePidStat, parsePidStatus } from './pid.ts';
import { PidFiles } from './pid-files.ts';
import { isGone, readTextOrNull } from './read.ts';
import { type ProcStat, parseStat } from './stat.ts';

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';
export type PressureResourceName = 'cpu' | 'memory' | 'io';

/**
 * Reads /proc under a root given by the caller (a fixture tree in tests, /host/proc in a container).
 * Whole-system files are read at most once per cycle: `beginCycle()` forgets what was read before, so two
 * collectors asking for /proc/stat in one cycle share one read. Per-process files are never cached here.
 */
export class ProcFs {
  private cache = new Map<string, unknown>();
  /** stat and io of every process are read each cycle: through kept descriptors. */
  private readonly pidFiles: PidFiles;

  constructor(readonly root = '/proc') {
    this.pidFiles = new PidFiles(root);
  }

  /** Closes kept descriptors of processes not read since the last call; call once per cycle after the process table. */
  sweepPidFiles(): void {
    this.pidFiles.sweep();
  }

  /** Releases every kept descriptor. */
  close(): void {
    this.pidFiles.close();
  }

  /** Starts a new collection cycle: the next reads go to the files again. */
  beginCycle(): void {
    this.cache.clear();
  }

  private once<T>(key: string, read: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = read();
    this.cache.set(key, value);
    return value;
  }

  /** The text of a file relative to the root, read once per cycle (through a kept descriptor). */
  text(relative: string): string {
    const text = this.textOrNull(relative);
    if (text === null)
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${join(this.root, relative)}'`), { code: 'ENOENT' });
    return text;
  }

  /** Like `text`, but null when the file does not exist. */
  textOrNull(relative: string): string | null {
    return this.once(`text:${relative}`, () => this.pidFiles.readPath(relative));
  }

  stat(): ProcStat {
    return this.once('stat', () => parseStat(this.text('stat')));
  }
  cpuinfo(): Cpuinfo {
    return this.once('cpuinfo', () => parseCpuinfo(this.text('cpuinfo')));
  }
  loadavg(): Loadavg {
    return this.once('loadavg', () => parseLoadavg(this.text('loadavg')));
  }
  uptime(): { uptimeSeconds: number; idleSeconds: number } {
    return this.once('uptime', () => parseUptime(this.text('uptime')));
  }
  meminfo(): Meminfo {
    return this.once('meminfo', () => parseMeminfo(this.text('meminfo')));
  }
  vmstat(): Map<string, number> {
    return this.once('vmstat', () => parseVmstat(this.text('vmstat')));
  }
  mounts(): Mount[] {
    return this.once('mounts', () => parseMounts(this.text('mounts')));
  }
  /** Filesystem types with no block device behind them (tmpfs, proc, cgroup, ...). */
  nodevFilesystems(): Set<string> {
    return this.once('filesystems', () => parseNodevFilesystems(this.text('filesystems')));
  }
  diskstats(): DiskStats[] {
    return this.once('diskstats', () => parseDiskstats(this.text('diskstats')));
  }
  netDev(): NetDev[] {
    return this.once('net/dev', () => parseNetDev(this.text('net/dev')));
  }
  /** The raw socket table text; null when the protocol is absent (IPv6 disabled). */
  netSocketsText(protocol: SocketProtocol): string | null {
    return this.textOrNull(`net/${protocol}`);
  }
  netSockets(protocol: SocketProtocol, littleEndian = true): NetSocket[] {
    const text = this.netSocketsText(protocol);
    return text === null ? [] : parseNetSockets(text, littleEndian);
  }
  /** PSI for one resource; null when the kernel has no PSI (file absent, or EOPNOTSUPP with psi=0). */
  pressure(resource: PressureResourceName): ReturnType<typeof parsePressure> | null {
    return this.once(`pressure/${resource}`, () => {
      try {
        const text = this.textOrNull(`pressure/${resource}`);
        return text === null ? null : parsePressure(text);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EOPNOTSUPP') return null;
        throw error;
      }
    });
  }

  /** The numeric directories of the root: the process ids, unsorted. */
  pids(): number[] {
    const pids: number[] = [];
    for (const name of readdirSync(this.root)) {
      const first = name.charCodeAt(0);
      if (first >= 48 && first <= 57) pids.push(Number(name));
    }
    return pids;
  }

  /**
   * The process's time on a CPU in nanoseconds, the first field of /proc/[pid]/schedstat; null when the process is
   * gone or the kernel has no such file (built without CONFIG_SCHED_INFO). The kernel writes this file in about half
   * the time it takes for stat, so it tells cheaply whether a process has run since it was last read.
   */
  pidRunTimeNs(pid: number): number | null {
    const text = this.pidFiles.read(pid, 'schedstat');
    if (text === null) return null;
    const space = text.indexOf(' ');
    const ns = Number(space < 0 ? text.trim() : text.slice(0, space));
    return Number.isFinite(ns) && ns >= 0 ? ns : null;
  }

  /** Null when the process is gone. */
  pidStat(pid: number): PidStat | null {
    const text = this.pidFiles.read(pid, 'stat');
    return text === null ? null : parsePidStat(text);
  }
  pidStatus(pid: number): PidStatus | null {
    const text = readTextOrNull(`${this.root}/${pid}/status`);
    return text === null ? null : parsePidStatus(text);
  }
  pidCmdline(pid: number): string[] | null {
    const text = readTextOrNull(`${this.root}/${pid}/cmdline`, 'utf8');
    return text === null ? null : parseCmdline(text);
  }
  /** Null when the process is gone or its io file may not be read (another user's process without privileges). */
  pidIo(pid: number): PidIo | null {
    try {
      const text = this.pidFiles.read(pid, 'io');
      return text === null ? null : parsePidIo(text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') return null;
      throw error;
    }
  }
  pidCgroup(pid: number): string | null {
    return readTextOrNull(`${this.root}/${pid}/cgroup`);
  }

  /**
   * Socket inodes a process holds, from the "socket:[inode]" targets of /proc/[pid]/fd/* (proc(5)).
   * Empty when the process is gone or its fds may not be listed.
   */
  pidSocketInodes(pid: number): number[] {
    const dir = `${this.root}/${pid}/fd`;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return [];
    }
    const inodes: number[] = [];
    for (const fd of entries) {
      let target: string;
      try {
        target = readlinkSync(`${dir}/${fd}`);
      } catch (error) {
        if (isGone(error) || (error as NodeJS.ErrnoException).code === 'EACCES') continue;
        throw error;
      }
      if (target.startsWith('socket:[')) inodes.push(Number(target.slice(8, -1)));
    }
    return inodes;
  }

  /** Number of open file descriptors; null when not permitted or gone. */
  pidFdCount(pid: number): number | null {
    try {
      return readdirSync(`${this.root}/${pid}/fd`).length;
    } catch {
      return null;
    }
  }
}
