import type { Mount } from '@vigil/procfs';
import type { FilesystemReading } from '@vigil/schema';
import type { Collector, StatFs } from './collector.ts';

/**
 * Filesystems whose statfs can hang when their server is away: asked asynchronously, with a timeout.
 * Local filesystems answer from memory; they are asked synchronously, which costs a fraction as much.
 */
const NETWORK_FS = /^(nfs4?|cifs|smb3|smbfs|ceph|glusterfs|9p|fuse\..*|lustre|gpfs|beegfs|afs)$/;

/** Block-device filesystems that /proc/filesystems marks "nodev" anyway. */
const REAL_NODEV = new Set(['zfs', 'btrfs', 'nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs']);
/** How long one statfs may take before the mount counts as stuck (a dead NFS server). */
const STATFS_TIMEOUT_MS = 1000;

const percent = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : 0);

/**
 * The mounts worth reporting: block-device filesystems (and network ones), each device once (bind mounts
 * and btrfs subvolumes repeat it; the shortest mountpoint wins), skipping overlay roots of containers.
 */
export function realMounts(mounts: Mount[], nodev: Set<string>): Mount[] {
  const byDevice = new Map<string, Mount>();
  for (const m of mounts) {
    if (nodev.has(m.fstype) && !REAL_NODEV.has(m.fstype)) continue;
    if (m.fstype === 'squashfs' || m.device === 'none') continue; // snap images are always 100 % full
    const seen = byDevice.get(m.device);
    if (!seen || m.mountpoint.length < seen.mountpoint.length) byDevice.set(m.device, m);
  }
  return [...byDevice.values()].sort((a, b) => a.mountpoint.localeCompare(b.mountpoint));
}

function toReading(m: Mount, s: StatFs): FilesystemReading {
  const size = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  return {
    device: m.device,
    mountpoint: m.mountpoint,
    fstype: m.fstype,
    readOnly: m.options.includes('ro'),
    sizeBytes: size,
    usedBytes: used,
    freeBytes: free,
    usedPercent: percent(used, used + free),
    inodesTotal: s.files,
    inodesUsed: s.files - s.ffree,
    inodesFree: s.ffree,
    inodesUsedPercent: percent(s.files - s.ffree, s.files),
  };
}

/** Size, use and inodes of each real filesystem, by statfs(2) on its mountpoint, as df(1) computes them. */
export function filesystemsCollector(): Collector {
  // A statfs that hangs (dead NFS server) stays pending; its mount is skipped until it returns, so one
  // stuck mount cannot block collection or pile up calls (node_exporter's stuckMounts does the same).
  const stuck = new Set<string>();
  return {
    name: 'filesystems',
    async collect(ctx, out) {
      const mounts = realMounts(ctx.proc.mounts(), ctx.proc.nodevFilesystems()).filter((m) => !stuck.has(m.mountpoint));
      const results = await Promise.all(
        mounts.map(async (m): Promise<FilesystemReading | null> => {
          if (!NETWORK_FS.test(m.fstype) && ctx.statfsSync) {
            try {
              return toReading(m, ctx.statfsSync(m.mountpoint));
            } catch {
              return null;
            }
          }
          let timer: NodeJS.Timeout | undefined;
          const call = ctx.statfs(m.mountpoint);
          const timeout = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), STATFS_TIMEOUT_MS);
          });
          let s: StatFs | 'timeout';
          try {
            s = await Promise.race([call, timeout]);
          } catch {
            return null; // unmounted between reading /proc/mounts and statfs, or not permitted
          } finally {
            clearTimeout(timer);
          }
          if (s === 'timeout') {
            stuck.add(m.mountpoint);
            call.then(
              () => stuck.delete(m.mountpoint),
              () => stuck.delete(m.mountpoint),
            );
            return null;
          }
          return toReading(m, s);
        }),
      );
      out.system.filesystems = results.filter((r): r is FilesystemReading => r !== null && r.sizeBytes > 0);
    },
  };
}
