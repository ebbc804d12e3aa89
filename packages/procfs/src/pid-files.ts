import { closeSync, openSync, readSync } from 'node:fs';
import { isGone } from './read.ts';

/** Open files kept at most; beyond it, files are opened and closed per read. Far below any fd limit Node runs with. */
const MAX_KEPT = 4096;

/**
 * Per-process files the kernel writes in one piece (fs/proc/base.c's ONE() entries, through seq_file's
 * single_open: the whole text is generated into one buffer before any of it is copied out). A read that returns
 * less than asked for has returned the whole file, so no second read is made to see the end. That second read is
 * not free: a read at a non-zero offset makes seq_file generate the file again to skip to it, which for stat
 * costs about a third of a cycle's reading. Files of many records (maps, net/tcp) may come in page-sized parts
 * and are always read to the end.
 */
const ONE_PIECE = new Set(['stat', 'statm', 'status', 'io', 'schedstat']);

interface KeptFd {
  fd: number;
  seen: number;
}

/**
 * Per-process files read every cycle (stat, io), with their descriptors kept open between cycles: a /proc
 * file read again from offset 0 regenerates its content, so each cycle costs one pread(2) instead of
 * open+read+close. A kept descriptor stays bound to the process it was opened for: once that process has
 * exited it fails with ESRCH, even if the PID was reused, so a new process is never read through an old fd.
 */
export class PidFiles {
  /** Whole-system files, by path under the root. */
  private fds = new Map<string, KeptFd>();
  /** Per-process files: by file name, then by pid (no key string is built per read). */
  private pidFds = new Map<string, Map<number, KeptFd>>();
  private kept = 0;
  private generation = 0;
  private buffer = Buffer.allocUnsafe(16 * 1024);

  constructor(readonly root = '/proc') {}

  /** The file's content, or null when the process is gone. EACCES is thrown to the caller. */
  read(pid: number, name: string): string | null {
    let byPid = this.pidFds.get(name);
    if (!byPid) {
      byPid = new Map();
      this.pidFds.set(name, byPid);
    }
    const onePiece = ONE_PIECE.has(name);
    const entry = byPid.get(pid);
    return entry ? this.readKept(byPid, pid, entry, onePiece) : this.openAndRead(byPid, pid, `${pid}/${name}`, onePiece);
  }

  /**
   * Any file under the root through a kept descriptor (the whole-system files of /proc are read every
   * cycle too), or null when it does not exist.
   */
  readPath(key: string): string | null {
    const entry = this.fds.get(key);
    return entry ? this.readKept(this.fds, key, entry, false) : this.openAndRead(this.fds, key, key, false);
  }

  /** Opens a file not kept yet, reads it, and keeps its descriptor while fewer than MAX_KEPT are. */
  private openAndRead<K>(kept: Map<K, KeptFd>, key: K, relative: string, onePiece: boolean): string | null {
    let fd: number;
    try {
      fd = openSync(`${this.root}/${relative}`, 'r');
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
    if (this.kept >= MAX_KEPT) {
      try {
        return this.readOnce(fd, true, onePiece);
      } catch (error) {
        if (isGone(error)) return null;
        throw error;
      }
    }
    const entry = { fd, seen: this.generation };
    kept.set(key, entry);
    this.kept++;
    return this.readKept(kept, key, entry, onePiece);
  }

  /** Reads through a kept descriptor; one that fails is closed and forgotten. */
  private readKept<K>(kept: Map<K, KeptFd>, key: K, entry: KeptFd, onePiece: boolean): string | null {
    entry.seen = this.generation;
    try {
      return this.readOnce(entry.fd, false, onePiece);
    } catch (error) {
      kept.delete(key);
      this.kept--;
      closeSync(entry.fd);
      if (isGone(error)) return null;
      throw error;
    }
  }

  private readOnce(fd: number, close: boolean, onePiece: boolean): string {
    try {
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger, 0, 0, length);
          this.buffer = bigger;
        }
        // Position 0 on the first read makes the kernel regenerate the file for this cycle.
        const room = this.buffer.length - length;
        const n = readSync(fd, this.buffer, length, room, length);
        length += n;
        if (n === 0 || (onePiece && n < room)) break;
      }
      return this.buffer.toString('latin1', 0, length);
    } finally {
      if (close) closeSync(fd);
    }
  }

  /** Closes the descriptors not read since the previous sweep (processes that exited). Call once per cycle. */
  sweep(): void {
    this.sweepMap(this.fds);
    for (const byPid of this.pidFds.values()) this.sweepMap(byPid);
    this.generation++;
  }

  private sweepMap<K>(kept: Map<K, KeptFd>): void {
    for (const [key, entry] of kept) {
      if (entry.seen !== this.generation) {
        closeSync(entry.fd);
        kept.delete(key);
        this.kept--;
      }
    }
  }

  /** Closes every kept descriptor. */
  close(): void {
    for (const entry of this.fds.values()) closeSync(entry.fd);
    this.fds.clear();
    for (const byPid of this.pidFds.values()) for (const entry of byPid.values()) closeSync(entry.fd);
    this.pidFds.clear();
    this.kept = 0;
  }

  get openCount(): number {
    return this.kept;
  }
}
