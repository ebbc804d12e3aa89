import { DISKSTATS_SECTOR_BYTES, type DiskStats } from '@vigil/procfs';
import type { DiskIoReading } from '@vigil/schema';
import type { Collector } from './collector.ts';
import { CounterRates } from './rates.ts';

/** Devices that are never interesting on their own: RAM disks, loop devices, floppies. */
const PSEUDO_DEVICE = /^(ram|loop|fd|zram)\d+$/;
/** Partitions by their usual names, for when /sys/block cannot tell whole disks apart. */
const PARTITION = /^((h|s|v|xv)d[a-z]+\d+|nvme\d+n\d+p\d+|mmcblk\d+p\d+)$/;

/** Whole block devices only: partitions would count the same I/O twice. */
export function isWholeDisk(device: string, wholeDisks: Set<string> | null): boolean {
  if (PSEUDO_DEVICE.test(device)) return false;
  return wholeDisks ? wholeDisks.has(device) : !PARTITION.test(device);
}

/** I/O per whole disk from /proc/diskstats: bytes and operations per second, and utilisation (iostat's %util). */
export function disksCollector(): Collector {
  const rates = new CounterRates();
  return {
    name: 'disks',
    collect(ctx, out) {
      const whole = ctx.sys.blockDevices();
      const at = ctx.monotonicMs;
      const disks: DiskIoReading[] = [];
      for (const d of ctx.proc.diskstats()) {
        if (!isWholeDisk(d.device, whole)) continue;
        const r = (field: keyof DiskStats) => rates.rate(`${d.device}:${field}`, d[field] as number, at);
        const sectorsRead = r('sectorsRead');
        const sectorsWritten = r('sectorsWritten');
        const ioTime = r('ioTimeMs');
        disks.push({
          device: d.device,
          readBytesPerSecond: sectorsRead === null ? null : sectorsRead * DISKSTATS_SECTOR_BYTES,
          writeBytesPerSecond: sectorsWritten === null ? null : sectorsWritten * DISKSTATS_SECTOR_BYTES,
          readsPerSecond: r('readsCompleted'),
          writesPerSecond: r('writesCompleted'),
          // ms of busy time per second of wall time, as a percentage (at most 100).
          utilPercent: ioTime === null ? null : Math.min(100, ioTime / 10),
          readBytesTotal: d.sectorsRead * DISKSTATS_SECTOR_BYTES,
          writeBytesTotal: d.sectorsWritten * DISKSTATS_SECTOR_BYTES,
          readsTotal: d.readsCompleted,
          writesTotal: d.writesCompleted,
          inProgress: d.ioInProgress,
        });
      }
      rates.sweep();
      out.system.disks = disks;
    },
  };
}
