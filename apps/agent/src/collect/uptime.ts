import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUtmp } from '@vigil/procfs';
import type { Collector } from './collector.ts';

/** Most hosts without utmp never get one; look again after this long. */
const UTMP_RECHECK_MS = 60_000;

/** Uptime and boot time from /proc/uptime and /proc/stat; logged-in sessions from utmp (null when there is none). */
export function uptimeCollector(): Collector {
  let missingSince = Number.NEGATIVE_INFINITY;
  const readUtmp = (rootfs: string, now: number): Buffer | null => {
    if (now - missingSince < UTMP_RECHECK_MS) return null;
    for (const path of ['run/utmp', 'var/run/utmp']) {
      try {
        return readFileSync(join(rootfs, path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    missingSince = now;
    return null;
  };
  return {
    name: 'uptime',
    collect(ctx, out) {
      const utmp = readUtmp(ctx.roots.rootfs, ctx.monotonicMs);
      out.system.uptime = {
        uptimeSeconds: ctx.proc.uptime().uptimeSeconds,
        bootTime: ctx.proc.stat().bootTime * 1000,
        users: utmp === null ? null : parseUtmp(utmp).sessions,
      };
    },
  };
}
