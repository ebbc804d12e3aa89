import type { ProcessInfo } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { processName, selectProcesses } from './processes.ts';

describe('processName', () => {
  it.each([
    ['a short comm is the name', 'sshd', ['/usr/sbin/sshd', '-D'], 'sshd'],
    [
      'a comm cut at 15 characters is completed from argv[0]',
      'chromium-browse',
      ['/usr/lib/chromium/chromium-browser-stable'],
      'chromium-browser-stable',
    ],
    ['unless argv[0] does not continue it (renamed process)', 'kube-controller', ['/bin/sh', '-c'], 'kube-controller'],
    ['a kernel thread has no argv', 'kworker/0:1-eve', [], 'kworker/0:1-eve'],
  ])('%s', (_, comm, args, expected) => {
    expect(processName(comm, args)).toBe(expected);
  });
});

const proc = (pid: number, cpuPercent: number | null, memoryRssBytes: number): ProcessInfo => ({
  pid,
  ppid: 1,
  name: `p${pid}`,
  cmdline: '',
  user: 'root',
  uid: 0,
  state: 'sleeping',
  kernelThread: false,
  threads: 1,
  nice: 0,
  cpuPercent,
  cpuSecondsTotal: 0,
  memoryRssBytes,
  memoryVirtualBytes: 0,
  memoryPercent: 0,
  ioReadBytesPerSecond: null,
  ioWriteBytesPerSecond: null,
  startTime: 0,
});

describe('selectProcesses', () => {
  const all = Array.from({ length: 10 }, (_, i) => proc(i + 1, i, 1000 - i * 100));

  it('keeps the top by CPU and the top by memory, in table order', () => {
    expect(selectProcesses(all, 2, new Set()).map((p) => p.pid)).toEqual([1, 2, 9, 10]);
  });

  it('keeps followed processes whatever their rank', () => {
    expect(selectProcesses(all, 1, new Set([5])).map((p) => p.pid)).toEqual([1, 5, 10]);
  });

  it('keeps everything when the table is small', () => {
    expect(selectProcesses(all, 50, new Set())).toHaveLength(10);
  });

  it('ranks processes seen for the first time (no CPU figure yet) last by CPU', () => {
    const table = [proc(1, null, 0), proc(2, 5, 0), proc(3, null, 10)];
    expect(selectProcesses(table, 1, new Set()).map((p) => p.pid)).toEqual([2, 3]);
  });
});
