import { fields, toNumber } from './errors.ts';

/** One line of /proc/diskstats (Documentation/admin-guide/iostats.rst). Sectors are always 512 bytes here. */
export interface DiskStats {
  major: number;
  minor: number;
  device: string;
  readsCompleted: number;
  readsMerged: number;
  sectorsRead: number;
  readTimeMs: number;
  writesCompleted: number;
  writesMerged: number;
  sectorsWritten: number;
  writeTimeMs: number;
  ioInProgress: number;
  /** Milliseconds with I/O in flight; its rate is iostat's %util. */
  ioTimeMs: number;
  weightedIoTimeMs: number;
  /** Discard columns since Linux 4.18, flush columns since 5.5; zero when absent. */
  discardsCompleted: number;
  sectorsDiscarded: number;
  flushesCompleted: number;
}

/** Bytes per diskstats sector, whatever the device's real sector size (see iostats.rst). */
export const DISKSTATS_SECTOR_BYTES = 512;

/** Parses /proc/diskstats. Lines with fewer than the 14 classic columns are skipped. */
export function parseDiskstats(text: string): DiskStats[] {
  const disks: DiskStats[] = [];
  for (const line of text.split('\n')) {
    const p = fields(line);
    if (p.length < 14) continue;
    const n = (i: number) => (p[i] === undefined ? 0 : toNumber('/proc/diskstats', `${p[2]}[${i}]`, p[i]));
    disks.push({
      major: n(0),
      minor: n(1),
      device: p[2] as string,
      readsCompleted: n(3),
      readsMerged: n(4),
      sectorsRead: n(5),
      readTimeMs: n(6),
      writesCompleted: n(7),
      writesMerged: n(8),
      sectorsWritten: n(9),
      writeTimeMs: n(10),
      ioInProgress: n(11),
      ioTimeMs: n(12),
      weightedIoTimeMs: n(13),
      discardsCompleted: n(14),
      sectorsDiscarded: n(16),
      flushesCompleted: n(18),
    });
  }
  return disks;
}
