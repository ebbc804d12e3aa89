import { describe, expect, it } from 'vitest';
import { parseMounts, parseNodevFilesystems, unescapeMountField } from './mounts.ts';

// Captured on the dev VM (Linux 6.18), cgroup v1 hierarchies trimmed to two.
const MOUNTS_LINUX_6_18 = `proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
devtmpfs /dev devtmpfs rw,relatime,size=12355472k,nr_inodes=3088868,mode=755 0 0
tmpfs /dev/shm tmpfs rw,relatime,size=24730032k 0 0
devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 0
/dev/vda / ext4 rw,relatime,discard,resv_strict,resuid=65534,resgid=65534 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`;

// Captured on the dev VM: /proc/filesystems, a tab between the "nodev" column and the name.
const FILESYSTEMS_LINUX_6_18 = `nodev	sysfs
nodev	tmpfs
nodev	proc
nodev	cgroup
nodev	cgroup2
nodev	devtmpfs
nodev	devpts
	ext3
	ext2
	ext4
	squashfs
nodev	autofs
	fuseblk
nodev	fuse
nodev	overlay
	xfs
	btrfs
nodev	pstore
`;

describe('parseMounts', () => {
  it('parses a capture of this machine', () => {
    const mounts = parseMounts(MOUNTS_LINUX_6_18);
    expect(mounts).toHaveLength(10);
    expect(mounts[5]).toEqual({
      device: '/dev/vda',
      mountpoint: '/',
      fstype: 'ext4',
      options: ['rw', 'relatime', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
    });
    expect(mounts.map((m) => m.fstype)).toContain('cgroup2');
  });

  it.each([
    ['a space in the mount point', '/dev/sdb1 /media/usb\\040stick vfat rw,noexec 0 0', '/dev/sdb1', '/media/usb stick'],
    ['a tab and a backslash', '/dev/sdc1 /mnt/a\\011b\\134c ext4 rw 0 0', '/dev/sdc1', '/mnt/a\tb\\c'],
    ['a newline', 'server:/x /mnt/line\\012break nfs4 rw 0 0', 'server:/x', '/mnt/line\nbreak'],
    ['a space in the device (sshfs)', 'user@host:/my\\040docs /home/u/docs fuse.sshfs rw 0 0', 'user@host:/my docs', '/home/u/docs'],
  ])('unescapes %s', (_case, line, device, mountpoint) => {
    expect(parseMounts(line)).toMatchObject([{ device, mountpoint }]);
  });

  it('parses a line without the dump and pass columns and one with extra columns', () => {
    const mounts = parseMounts('overlay /var/lib/docker/overlay2/abc/merged overlay rw\nnsfs /run/netns/x nsfs rw 0 0 extra\n');
    expect(mounts.map((m) => [m.mountpoint, m.fstype])).toEqual([
      ['/var/lib/docker/overlay2/abc/merged', 'overlay'],
      ['/run/netns/x', 'nsfs'],
    ]);
  });

  it.each([
    ['empty text', ''],
    ['blank lines', '\n   \n\t\n'],
    ['a truncated line', 'tmpfs /run tmpfs'],
    ['a single field', 'tmpfs'],
  ])('skips %s', (_case, text) => {
    expect(parseMounts(text)).toEqual([]);
  });

  it('keeps the lines around a truncated one', () => {
    expect(parseMounts('proc /proc proc rw 0 0\ntmpfs /run\nsysfs /sys sysfs rw 0 0\n').map((m) => m.device)).toEqual(['proc', 'sysfs']);
  });
});

describe('unescapeMountField', () => {
  it.each([
    ['', ''],
    ['/plain/path', '/plain/path'],
    ['\\040', ' '],
    ['a\\040b\\040c', 'a b c'],
    ['\\134040', '\\040'],
    ['\\04', '\\04'],
    ['\\089', '\\089'],
    ['\\0400', ' 0'],
    ['trailing\\', 'trailing\\'],
  ])('unescapes %j to %j', (text, expected) => {
    expect(unescapeMountField(text)).toBe(expected);
  });
});

describe('parseNodevFilesystems', () => {
  it('lists the nodev types of a capture of this machine', () => {
    const nodev = parseNodevFilesystems(FILESYSTEMS_LINUX_6_18);
    expect([...nodev].sort()).toEqual([
      'autofs',
      'cgroup',
      'cgroup2',
      'devpts',
      'devtmpfs',
      'fuse',
      'overlay',
      'proc',
      'pstore',
      'sysfs',
      'tmpfs',
    ]);
    expect(nodev.has('ext4')).toBe(false);
  });

  it.each([
    ['empty text', ''],
    ['a "nodev" without a name', 'nodev\n'],
    ['block-backed types only', '\text4\n\txfs\n'],
    ['"nodev" not in the first column', 'ext4 nodev\n'],
  ])('finds none in %s', (_case, text) => {
    expect(parseNodevFilesystems(text).size).toBe(0);
  });
});
