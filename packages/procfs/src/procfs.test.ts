import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcfsParseError } from './errors.ts';
import { ProcFs } from './procfs.ts';

const STAT_123 = '123 (nginx) S 1 123 123 0 -1 4194624 1200 0 3 0 40 12 0 0 20 0 2 0 5000 11210752 1820 18446744073709551615 1 1 0\n';
const STAT_456 = '456 (sleep) S 123 456 456 0 -1 4194304 90 0 0 0 0 0 0 0 20 0 1 0 6000 2367488 200 18446744073709551615 1 1 0\n';

/** A /proc tree in a temporary directory, as a collector would read it (values from this dev VM). */
const TREE: Record<string, string> = {
  stat: 'cpu  8000 67 2360 149947 220 0 174 12 0 0\ncpu0 4296 37 1235 74595 153 0 79 6 0 0\ncpu1 3703 29 1124 75352 67 0 95 6 0 0\nctxt 569411\nbtime 1795302329\n',
  cpuinfo:
    'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\ncore id\t\t: 0\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\ncore id\t\t: 1\n',
  loadavg: '0.10 0.13 0.07 1/424 8779\n',
  uptime: '804.83 1499.47\n',
  meminfo: 'MemTotal:       24730032 kB\nMemAvailable:   24229656 kB\n',
  vmstat: 'pgfault 3817429\npgmajfault 1523\n',
  mounts: '/dev/vda / ext4 rw,relatime 0 0\ntmpfs /dev/shm tmpfs rw,relatime 0 0\n',
  filesystems: 'nodev\ttmpfs\n\text4\n',
  diskstats: ' 254       0 vda 25576 4931 1291394 3123 5250 14028 1244216 6328 0 2520 9643 3685 20 90256 176 534 14\n',
  'net/dev':
    'Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n  eth0: 267045794    8842    0    0    0     0          0         0   544165    5403    0    0    0     0       0          0\n',
  'net/tcp':
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 105 1 0 100 0 0 10 0\n',
  'pressure/cpu': 'some avg10=1.60 avg60=0.90 avg300=0.70 total=6822290\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  '123/stat': STAT_123,
  '123/status': 'Name:\tnginx\nUid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\nVmRSS:\t    7280 kB\nThreads:\t2\n',
  '123/cmdline': 'nginx: worker process\0\0\0',
  '123/io': 'rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\nread_bytes: 4096\nwrite_bytes: 0\ncancelled_write_bytes: 0\n',
  '123/cgroup': '0::/system.slice/nginx.service\n',
  '456/stat': STAT_456,
  '456/cmdline': 'sleep\0résumé\0',
};

let root: string;
let procfs: ProcFs;

function write(relative: string, content: string): void {
  mkdirSync(dirname(join(root, relative)), { recursive: true });
  writeFileSync(join(root, relative), content);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-procfs-'));
  for (const [relative, content] of Object.entries(TREE)) write(relative, content);
  // fd links: two sockets, a file and a pipe; readlink does not care that the targets do not exist.
  mkdirSync(join(root, '123/fd'));
  symlinkSync('socket:[4242]', join(root, '123/fd/3'));
  symlinkSync('/var/log/nginx/access.log', join(root, '123/fd/4'));
  symlinkSync('pipe:[77]', join(root, '123/fd/5'));
  symlinkSync('socket:[99]', join(root, '123/fd/6'));
  mkdirSync(join(root, 'sys'));
  procfs = new ProcFs(root);
});

afterEach(() => {
  procfs.close();
  rmSync(root, { recursive: true, force: true });
});

describe('ProcFs on a fixture tree', () => {
  it.each([
    ['stat', (p: ProcFs) => p.stat().contextSwitches, 569411],
    ['cpuinfo', (p: ProcFs) => p.cpuinfo().physicalCores, 2],
    ['loadavg', (p: ProcFs) => p.loadavg().total, 424],
    ['uptime', (p: ProcFs) => p.uptime().uptimeSeconds, 804.83],
    ['meminfo', (p: ProcFs) => p.meminfo().get('MemAvailable'), 24229656 * 1024],
    ['vmstat', (p: ProcFs) => p.vmstat().get('pgmajfault'), 1523],
    ['mounts', (p: ProcFs) => p.mounts().map((m) => m.mountpoint), ['/', '/dev/shm']],
    ['filesystems', (p: ProcFs) => [...p.nodevFilesystems()], ['tmpfs']],
    ['diskstats', (p: ProcFs) => p.diskstats()[0]?.flushesCompleted, 534],
    ['net/dev', (p: ProcFs) => p.netDev()[0]?.rxBytes, 267045794],
    ['net/tcp', (p: ProcFs) => p.netSockets('tcp')[0]?.localPort, 2024],
    ['pressure/cpu', (p: ProcFs) => p.pressure('cpu')?.some.total, 6822290],
  ])('reads %s under its root', (_file, read, expected) => {
    expect(read(procfs)).toEqual(expected);
  });

  it('reads a whole-system file once per cycle', () => {
    expect(procfs.loadavg().load1).toBe(0.1);
    write('loadavg', '9.99 0.13 0.07 1/424 8779\n');
    expect(procfs.loadavg().load1).toBe(0.1);
    expect(procfs.text('loadavg')).toBe(TREE.loadavg);
    procfs.beginCycle();
    expect(procfs.loadavg().load1).toBe(9.99);
  });

  it.each([
    ['an absent socket table (IPv6 disabled)', (p: ProcFs) => p.netSockets('tcp6'), []],
    ['its raw text', (p: ProcFs) => p.netSocketsText('udp6'), null],
    ['absent PSI (kernel without CONFIG_PSI)', (p: ProcFs) => p.pressure('memory'), null],
    ['an absent file read with textOrNull', (p: ProcFs) => p.textOrNull('zoneinfo'), null],
  ])('reports "no data" for %s', (_case, read, expected) => {
    expect(read(procfs)).toEqual(expected);
  });

  it('throws for a whole-system file that is absent', () => {
    rmSync(join(root, 'stat'));
    expect(() => procfs.stat()).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('passes parse errors on rather than hiding them', () => {
    write('loadavg', '0.10 0.13\n');
    expect(() => procfs.loadavg()).toThrow(new ProcfsParseError('/proc/loadavg', 'expected 5 fields, got 2'));
    write('999/stat', 'garbage\n');
    expect(() => procfs.pidStat(999)).toThrow(new ProcfsParseError('/proc/[pid]/stat', 'no "(comm)" field'));
  });

  it('lists the numeric directories as pids', () => {
    expect(procfs.pids().sort((a, b) => a - b)).toEqual([123, 456]);
  });

  it('reads the files of a process', () => {
    expect(procfs.pidStat(123)).toMatchObject({ pid: 123, comm: 'nginx', numThreads: 2, rssPages: 1820 });
    expect(procfs.pidStatus(123)).toEqual({
      name: 'nginx',
      uids: [33, 33, 33, 33],
      gids: [33, 33, 33, 33],
      threads: 2,
      vmRssBytes: 7280 * 1024,
    });
    expect(procfs.pidCmdline(123)).toEqual(['nginx: worker process']);
    expect(procfs.pidIo(123)).toMatchObject({ readChars: 6976, readBytes: 4096 });
    expect(procfs.pidCgroup(123)).toBe('0::/system.slice/nginx.service\n');
    expect(procfs.pidSocketInodes(123).sort((a, b) => a - b)).toEqual([99, 4242]);
    expect(procfs.pidFdCount(123)).toBe(4);
  });

  it('decodes cmdline as UTF-8', () => {
    expect(procfs.pidCmdline(456)).toEqual(['sleep', 'résumé']);
  });

  it.each([
    ['pidStat', (p: ProcFs) => p.pidStat(999), null],
    ['pidStatus', (p: ProcFs) => p.pidStatus(999), null],
    ['pidCmdline', (p: ProcFs) => p.pidCmdline(999), null],
    ['pidIo', (p: ProcFs) => p.pidIo(999), null],
    ['pidCgroup', (p: ProcFs) => p.pidCgroup(999), null],
    ['pidSocketInodes', (p: ProcFs) => p.pidSocketInodes(999), []],
    ['pidFdCount', (p: ProcFs) => p.pidFdCount(999), null],
  ])('%s of a process that is not there is "gone"', (_reader, read, expected) => {
    expect(read(procfs)).toEqual(expected);
  });

  it.each([
    ['pidStatus', (p: ProcFs) => p.pidStatus(123), null],
    ['pidCmdline', (p: ProcFs) => p.pidCmdline(123), null],
    ['pidCgroup', (p: ProcFs) => p.pidCgroup(123), null],
    ['pidSocketInodes', (p: ProcFs) => p.pidSocketInodes(123), []],
    ['pidFdCount', (p: ProcFs) => p.pidFdCount(123), null],
  ])('%s of a process directory removed between two reads is "gone"', (_reader, read, expected) => {
    expect(read(procfs)).not.toEqual(expected);
    rmSync(join(root, '123'), { recursive: true });
    expect(read(procfs)).toEqual(expected);
  });

  it.each([
    ['pidStat', (p: ProcFs) => p.pidStat(123)],
    ['pidIo', (p: ProcFs) => p.pidIo(123)],
  ])('%s of a removed process directory is null once a cycle has passed without reading it', (_reader, read) => {
    expect(read(procfs)).not.toBeNull();
    rmSync(join(root, '123'), { recursive: true });
    // Kept descriptors of a fixture tree outlive its removal (real /proc fails them with ESRCH: pid-files.test.ts).
    procfs.sweepPidFiles();
    procfs.sweepPidFiles();
    expect(read(procfs)).toBeNull();
  });

  it('skips an fd that is closed while it is listed', () => {
    rmSync(join(root, '123/fd/4'));
    expect(procfs.pidSocketInodes(123).sort((a, b) => a - b)).toEqual([99, 4242]);
    expect(procfs.pidFdCount(123)).toBe(3);
  });
});

describe('ProcFs on the real /proc', () => {
  const real = new ProcFs('/proc');

  it('sees as many CPUs as Node does', () => {
    expect(real.stat().cpus).toHaveLength(cpus().length);
  });

  it('sees the memory Node sees', () => {
    expect(real.meminfo().get('MemTotal')).toBe(totalmem());
  });

  it('lists and reads its own process', () => {
    expect(real.pids()).toContain(process.pid);
    expect(real.pidStat(process.pid)).toMatchObject({ pid: process.pid, ppid: process.ppid });
    expect(real.pidStatus(process.pid)?.uids[0]).toBe(process.getuid?.());
    const cmdline = readFileSync(`/proc/${process.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    expect(real.pidCmdline(process.pid)).toEqual(cmdline);
    expect(real.pidFdCount(process.pid)).toBeGreaterThan(2);
    real.close();
  });
});
