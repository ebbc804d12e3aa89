import { describe, expect, it } from 'vitest';
import { LocalSource, signalError } from './local-source.ts';
import { fakeFrame } from './testing.ts';

const errno = (code: string) => Object.assign(new Error(`kill ${code}`), { code });
const TARGET = { pid: 1234, name: 'nginx', user: 'root' };

describe('LocalSource signals', () => {
  const source = (kill: (pid: number, signal: NodeJS.Signals) => void) =>
    new LocalSource({ hostLabel: 'h', intervalMs: 1000, read: async () => fakeFrame(), kill, selfPid: 999 });

  it('sends the action as its signal and says so', async () => {
    const sent: [number, string][] = [];
    const outcome = await source((pid, signal) => sent.push([pid, signal])).signal(TARGET, 'terminate');
    expect(sent).toEqual([[1234, 'SIGTERM']]);
    expect(outcome).toEqual({ ok: true, message: 'sent SIGTERM to 1234 (nginx)' });
  });

  it('names the problem: EPERM says who owns the process, ESRCH that it exited', async () => {
    const eperm = await source(() => {
      throw errno('EPERM');
    }).signal(TARGET, 'kill');
    expect(eperm).toEqual({ ok: false, message: 'not permitted: 1234 belongs to root' });
    const esrch = await source(() => {
      throw errno('ESRCH');
    }).signal(TARGET, 'suspend');
    expect(esrch).toEqual({ ok: false, message: '1234 has exited' });
    expect(signalError(errno('EINVAL'), TARGET, 'SIGSTOP')).toBe('SIGSTOP to 1234 failed: kill EINVAL');
  });

  it('refuses init and itself (a SIGSTOP to itself would freeze the terminal)', async () => {
    const sent: number[] = [];
    const s = source((pid) => sent.push(pid));
    expect((await s.signal({ ...TARGET, pid: 1 }, 'kill')).ok).toBe(false);
    expect((await s.signal({ ...TARGET, pid: 999 }, 'suspend')).message).toBe('refused: 999 is vigil top itself');
    expect(sent).toEqual([]);
  });
});

describe('LocalSource readings', () => {
  it('primes the counters, then publishes a reading each interval until stopped', async () => {
    let reads = 0;
    const source = new LocalSource({
      hostLabel: 'web-01',
      intervalMs: 20,
      primeMs: 1,
      read: async () => fakeFrame({ ts: ++reads }),
    });
    const seen: number[] = [];
    source.subscribe(() => seen.push(source.current().frame?.ts ?? 0));
    expect(source.current()).toMatchObject({ mode: 'local', hostLabel: 'web-01', frame: null, canAct: true });
    source.start();
    await new Promise((resolve) => setTimeout(resolve, 120));
    await source.stop();
    const after = reads;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reads).toBe(after);
    expect(seen[0]).toBe(2); // the first reading only primed the rates
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('a failing reading is reported and the next one tried', async () => {
    let reads = 0;
    const source = new LocalSource({
      hostLabel: 'h',
      intervalMs: 10,
      primeMs: 1,
      read: async () => {
        reads++;
        if (reads === 2) throw new Error('EMFILE');
        return fakeFrame();
      },
    });
    const details: (string | undefined)[] = [];
    source.subscribe(() => details.push(source.current().connection.detail));
    source.start();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await source.stop();
    expect(details[0]).toBe('reading failed: EMFILE');
    expect(details).toContain(undefined);
  });
});
