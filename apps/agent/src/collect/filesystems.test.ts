import type { Mount } from '@vigil/procfs';
import { describe, expect, it } from 'vitest';
import { isWholeDisk } from './disks.ts';
import { realMounts } from './filesystems.ts';

const m = (device: string, mountpoint: string, fstype: string): Mount => ({ device, mountpoint, fstype, options: ['rw'] });
const NODEV = new Set(['proc', 'sysfs', 'tmpfs', 'overlay', 'nfs4', 'cgroup2']);

describe('realMounts', () => {
  it('keeps block-device and network filesystems, each device once under its shortest mountpoint', () => {
    const mounts = [
      m('proc', '/proc', 'proc'),
      m('/dev/sda2', '/var/lib/docker', 'ext4'),
      m('/dev/sda2', '/', 'ext4'),
      m('tmpfs', '/run', 'tmpfs'),
      m('overlay', '/var/lib/docker/overlay2/x/merged', 'overlay'),
      m('/dev/loop1', '/snap/core/1', 'squashfs'),
      m('nas:/export', '/mnt/nas', 'nfs4'),
      m('/dev/sda1', '/boot', 'vfat'),
    ];
    expect(realMounts(mounts, NODEV).map((x) => `${x.device} ${x.mountpoint}`)).toEqual([
      '/dev/sda2 /',
      '/dev/sda1 /boot',
      'nas:/export /mnt/nas',
    ]);
  });

  it('has nothing to report for a host with only pseudo filesystems', () => {
    expect(realMounts([m('proc', '/proc', 'proc'), m('cgroup2', '/sys/fs/cgroup', 'cgroup2')], NODEV)).toEqual([]);
  });
});

describe('isWholeDisk', () => {
  it.each([
    ['nvme0n1', new Set(['nvme0n1']), true],
    ['nvme0n1p1', new Set(['nvme0n1']), false],
    ['loop0', new Set(['loop0']), false],
    ['zram0', new Set(['zram0']), false],
    ['dm-0', new Set(['dm-0']), true],
    ['sda', null, true],
    ['sda1', null, false],
    ['nvme0n1p2', null, false],
    ['mmcblk0p1', null, false],
    ['md0', null, true],
  ])('%s (whole disks: %o) is whole: %s', (device, whole, expected) => {
    expect(isWholeDisk(device, whole)).toBe(expected);
  });
});
