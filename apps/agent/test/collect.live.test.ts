import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Frame } from '@vigil/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Collection, type CollectOptions, toFrame } from '../src/collect/index.ts';

const ALL: CollectOptions = { allProcesses: true, connections: false, followPids: new Set() };
const children: ChildProcess[] = [];
let collection: Collection;

/** Polls `check` until it returns a value, at most `timeoutMs`. */
async function waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

const stateOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];

/** Two readings `windowMs` apart, the second as a frame. */
async function measure(options: CollectOptions = ALL, windowMs = 1000): Promise<Frame> {
  await collection.collect(options);
  const t0 = Date.now();
  await waitFor('the measurement window', () => Date.now() - t0 >= windowMs, windowMs + 1000);
  return toFrame(await collection.collect(options), 1);
}

beforeAll(() => {
  collection = new Collection();
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => collection.close());

// The collectors on this very machine, checked against the kernel's own tools.
describe('live collection on this host', () => {
  it('produces a frame the schema accepts, with no collector errors', async () => {
    const frame = await measure();
    expect(Frame.parse(frame)).toEqual(frame);
    const errors = Object.entries(frame.collectors).filter(([, s]) => s.error !== null);
    expect(errors).toEqual([]);
  });

  it('sees the processes ps sees', async () => {
    const frame = toFrame(await collection.collect(ALL), 0);
    const ps = new Set(execFileSync('ps', ['-e', '-o', 'pid='], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number));
    const ours = new Set(frame.processes.map((p) => p.pid));
    // Churn between the two listings (ps itself, short-lived children of other tests) is allowed, a little.
    const onlyPs = [...ps].filter((pid) => !ours.has(pid));
    const onlyOurs = [...ours].filter((pid) => !ps.has(pid));
    expect(onlyPs.length).toBeLessThanOrEqual(3);
    expect(onlyOurs.length).toBeLessThanOrEqual(3);
    expect(ours.size).toBeGreaterThan(10);
    expect(frame.system.processes?.total).toBe(frame.processes.length);
  });

  it('reports memory as /proc/meminfo has it, and the cores nproc and getconf count', async () => {
    const frame = toFrame(await collection.collect(ALL), 0);
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1]) * 1024;
    expect(frame.system.memory?.totalBytes).toBe(kb('MemTotal'));
    // MemAvailable moves a little between the two reads.
    expect(Math.abs((frame.system.memory?.availableBytes ?? 0) - kb('MemAvailable'))).toBeLessThan(64 * 1024 * 1024);
    expect(frame.system.swap?.totalBytes).toBe(kb('SwapTotal'));
    expect(frame.system.cpu?.onlineCount).toBe(Number(execFileSync('nproc', { encoding: 'utf8' })));
    expect(frame.system.cpu?.logicalCount).toBe(Number(execFileSync('getconf', ['_NPROCESSORS_CONF'], { encoding: 'utf8' })));
  });

  it('shows a busy-loop child at about 100 % of one core', async () => {
    const child = start('sh', ['-c', 'while :; do :; done']);
    const pid = child.pid as number;
    await waitFor('the busy child to run', () => stateOf(pid) === 'R');
    // The kernel's own count of the child's CPU time over the same window, read independently: on a busy
    // machine the child gets less than a core, and the reading must then match what it really got.
    const ticks = () =>
      readFileSync(`/proc/${pid}/stat`, 'latin1')
        .split(') ')[1]
        ?.split(' ')
        .slice(11, 13)
        .reduce((a, b) => a + Number(b), 0) ?? 0;
    const before = { ticks: ticks(), at: performance.now() };
    const frame = await measure();
    const truth = ((ticks() - before.ticks) / 100 / ((performance.now() - before.at) / 1000)) * 100;
    const busy = frame.processes.find((p) => p.pid === pid);
    expect(busy?.name).toBe('sh');
    const expected = truth >= 85 ? 100 : truth;
    expect(busy?.cpuPercent).toBeGreaterThanOrEqual(expected - 15);
    expect(busy?.cpuPercent).toBeLessThanOrEqual(expected + 15);
    expect(frame.system.cpu?.total?.usagePercent).toBeGreaterThan(100 / (frame.system.cpu?.onlineCount ?? 1) - 15);
  });

  it('shows a child stopped with SIGSTOP as stopped, and running again after SIGCONT', async () => {
    const child = start('sleep', ['300']);
    const pid = child.pid as number;
    child.kill('SIGSTOP');
    await waitFor('the child to stop', () => stateOf(pid) === 'T');
    let frame = toFrame(await collection.collect(ALL), 0);
    expect(frame.processes.find((p) => p.pid === pid)?.state).toBe('stopped');
    expect(frame.system.processes?.stopped).toBeGreaterThanOrEqual(1);
    child.kill('SIGCONT');
    await waitFor('the child to continue', () => stateOf(pid) === 'S');
    frame = toFrame(await collection.collect(ALL), 0);
    expect(frame.processes.find((p) => p.pid === pid)?.state).toBe('sleeping');
  });

  it.skipIf(!existsSync('/proc/self/schedstat'))('reads the stat of a process only when it has run since the last cycle', async () => {
    const idle = start('sleep', ['300']);
    const busy = start(process.execPath, ['-e', 'for (;;) {}']);
    const runTime = (pid: number) => readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[0];
    // Once sleep is in its nanosleep, its run time stops moving.
    let before = '';
    await waitFor('sleep to settle', () => {
      const now = runTime(idle.pid as number);
      const settled = now === before && stateOf(idle.pid as number) === 'S';
      before = now;
      return settled;
    });
    await collection.collect(ALL);
    const pidStat = vi.spyOn(collection.proc, 'pidStat');
    try {
      const frame = toFrame(await collection.collect(ALL), 0);
      const read = new Set(pidStat.mock.calls.map(([pid]) => pid));
      expect(read.has(busy.pid as number)).toBe(true);
      expect(read.has(idle.pid as number)).toBe(false);
      // What was read before is still reported, whole.
      const sleeping = frame.processes.find((p) => p.pid === idle.pid);
      expect(sleeping).toMatchObject({ name: 'sleep', state: 'sleeping', cpuPercent: 0 });
      expect(sleeping?.memoryRssBytes).toBeGreaterThan(0);
    } finally {
      pidStat.mockRestore();
    }
  });

  it('shows a TCP listener opened by the test with its pid and port', async () => {
    const child = start(process.execPath, [
      '-e',
      "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ]);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const port = Number(await waitFor('the listener to print its port', () => output.trim()));
    const frame = toFrame(await collection.collect({ ...ALL, connections: true }), 0);
    const listener = frame.connections?.find((c) => c.localPort === port && c.protocol === 'tcp');
    expect(listener).toMatchObject({ localAddress: '127.0.0.1', state: 'LISTEN', pid: child.pid });
    expect(frame.system.sockets?.tcp.LISTEN).toBeGreaterThanOrEqual(1);
  });

  it('counts a file written by the test in the disk write counters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-disk-'));
    try {
      const before = toFrame(await collection.collect(ALL), 0);
      const written = (f: Frame) => (f.system.disks ?? []).reduce((sum, d) => sum + d.writeBytesTotal, 0);
      const fd = openSync(join(dir, 'data'), 'w');
      const block = Buffer.alloc(1024 * 1024, 7);
      for (let i = 0; i < 32; i++) writeSync(fd, block);
      fsyncSync(fd);
      closeSync(fd);
      const after = toFrame(await collection.collect(ALL), 0);
      expect(written(after) - written(before)).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
