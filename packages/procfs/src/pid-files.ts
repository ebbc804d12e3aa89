import { closeSync, openSync, readSync } from 'node:fs';
import { isGone } from './read.ts';

/** Open files kept at most; beyond it, files are opened and closed per read. Far below any fd limit Node runs with. */
const MAX_KEPT = 4096;

/**
 * Per-process files read every cycle (stat, io), with their descriptors kept open between cycles: a /proc
 * file read again from offset 0 regenerates its content, so each cycle costs one pread(2) instead of
 * open+read+close. A kept descriptor stays bound to the process it was opened for: once that process has
 * exited it fails with ESRCH, even if the PID was reused, so a new process is never read through an old fd.
 */
export class PidFiles {
  private fds = new Map<string, { fd: number; seen: number }>();
  private generation = 0;
  private buffer = Buffer.allocUnsafe(16 * 1024);

  constructor(readonly root = '/proc') {}

  /** The file's content, or null when the process is gone. EACCES is thrown to the caller. */
  read(pid: number, name: string): string | null {
    return this.readPath(`${pid}/${name}`);
  }

  /**
   * Any file under the root through a kept descriptor (the whole-system files of /proc are read every
   * cycle too), or null when it does not exist.
   */
  readPath(key: string): string | null {
    let entry = this.fds.get(key);
    if (!entry) {
      let fd: number;
      try {
        fd = openSync(`${this.root}/${key}`, 'r');
      } catch (error) {
        if (isGone(error)) return null;
        throw error;
      }
      entry = { fd, seen: this.generation };
      if (this.fds.size < MAX_KEPT) this.fds.set(key, entry);
      else {
        try {
          return this.readOnce(fd, true);
        } catch (error) {
          if (isGone(error)) return null;
          throw error;
        }
      }
    }
    entry.seen = this.generation;
    try {
      return this.readOnce(entry.fd, false);
    } catch (error) {
      this.fds.delete(key);
      closeSync(entry.fd);
      if (isGone(error)) return null;
      throw error;
    }
  }

  private readOnce(fd: number, close: boolean): string {
    try {
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger, 0, 0, length);
          this.buffer = bigger;
        }
        // Position 0 on the first read makes the kernel regenerate the file for this cycle.
        const n = readSync(fd, this.buffer, length, this.buffer.length - length, length);
        if (n === 0) break;
        length += n;
      }
      return this.buffer.toString('latin1', 0, length);
    } finally {
      if (close) closeSync(fd);
    }
  }

  /** Closes the descriptors not read since the previous sweep (processes that exited). Call once per cycle. */
  sweep(): void {
    for (const [key, entry] of this.fds) {
      if (entry.seen !== this.generation) {
        closeSync(entry.fd);
        this.fds.delete(key);
      }
    }
    this.generation++;
  }

  /** Closes every kept descriptor. */
  close(): void {
    for (const entry of this.fds.values()) closeSync(entry.fd);
    this.fds.clear();
  }

  get openCount(): number {
    return this.fds.size;
  }
}
