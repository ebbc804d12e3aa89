import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { ProcessDetail } from '@vigil/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * Process control end to end on real child processes: the API (REST and seed 002) → the hub → the agent
 * (in this process) → signals, checked in /proc; refusals; and the audit log.
 */

const HOST = 'pc-host';
let t: TestHub;
let viewer: string;
let operator: string;
const children: ChildProcess[] = [];

/** What each attempt should have left in the audit log. */
interface Attempt {
  pid: number;
  action: string;
  ok: boolean;
  name?: string;
  actor: string;
}
const attempts: Attempt[] = [];

/** The state letter of /proc/PID/stat (R, S, T, Z...), or null once the process is gone. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

function sleeper(): ChildProcess & { pid: number } {
  const c = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(c);
  return c as ChildProcess & { pid: number };
}

/** A node child that prints "ready" once its code ran (e.g. a SIGTERM handler is installed). */
async function nodeChild(code: string): Promise<ChildProcess & { pid: number }> {
  const c = spawn(process.execPath, ['-e', `${code}; console.log('ready')`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    c.stdout?.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('ready')) resolve();
    });
    c.once('exit', () => reject(new Error('the child exited before it was ready')));
  });
  return Object.assign(c, { output: () => out }) as ChildProcess & { pid: number };
}

const exited = (c: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve({ code: c.exitCode, signal: c.signalCode });
    else c.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** Sends an action through the REST API (the default) or seed 002's route, and notes the attempt for the audit check. */
async function act(
  pid: number,
  action: string,
  options: { via?: 'rest' | 'seed'; token?: string; expect?: { ok: boolean; name?: string } } = {},
) {
  const token = options.token ?? operator;
  const response =
    options.via === 'seed'
      ? await t.api('POST', `/monitoring/${HOST}/process/${pid}/${action}`, { token })
      : await t.api('POST', `/api/v1/hosts/${HOST}/processes/${pid}/signal`, { token, body: { action } });
  if (options.expect) attempts.push({ pid, action, ok: options.expect.ok, name: options.expect.name, actor: 'operator-user' });
  return response;
}

/** The state the API's full process table gives a PID (after a fresh frame). */
async function apiState(pid: number): Promise<string | undefined> {
  const { body } = await t.api('GET', `/api/v1/hosts/${HOST}/processes?sort=pid&limit=100000`, { token: viewer });
  return body.processes.find((p: { pid: number }) => p.pid === pid)?.state;
}

function expectProblem(response: { status: number; body: { code?: string }; headers: Headers }, status: number, code: string) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe(code);
  expect(response.status, JSON.stringify(response.body)).toBe(status);
}

/** Statuses of the protected-process refusals, checked together in one test below. */
const protectedStatuses: { what: string; status: number }[] = [];
function expectProtected(response: { status: number; body: { code?: string; detail?: string }; headers: Headers }, what: string) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe('VIGIL_ERR_PROTECTED_PROCESS');
  expect([403, 409]).toContain(response.status);
  protectedStatuses.push({ what, status: response.status });
}

beforeAll(async () => {
  t = await startTestHub();
  await t.startAgent(HOST);
  viewer = await t.tokenFor('viewer');
  operator = await t.tokenFor('operator');
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await t?.stop();
});

describe.each(['rest', 'seed'] as const)('through the %s route', (via) => {
  it('suspends a process (state T, "stopped" in the API) and resumes it (S or R)', async () => {
    const child = sleeper();
    await waitFor('the child to sleep', () => procState(child.pid) === 'S');
    const suspended = await act(child.pid, 'suspend', { via, expect: { ok: true, name: 'sleep' } });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    if (via === 'rest') expect(suspended.body).toEqual({ ok: true, pid: child.pid, name: 'sleep', action: 'suspend', signal: 'SIGSTOP' });
    else expect(suspended.body).toEqual({ status: 'success', message: `Process ${child.pid} suspended` });
    await waitFor('state T in /proc', () => procState(child.pid) === 'T', 5000);
    await waitFor('"stopped" in the API', async () => (await apiState(child.pid)) === 'stopped', 5000, 250);

    const resumed = await act(child.pid, 'resume', { via, expect: { ok: true, name: 'sleep' } });
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    await waitFor('state S or R in /proc', () => ['S', 'R'].includes(procState(child.pid) ?? ''), 5000);
    await waitFor('"sleeping" in the API', async () => ['sleeping', 'running'].includes((await apiState(child.pid)) ?? ''), 5000, 250);
    expect(child.exitCode).toBeNull();
  });

  it('terminates a process (SIGTERM)', async () => {
    const child = sleeper();
    const response = await act(child.pid, 'terminate', { via, expect: { ok: true, name: 'sleep' } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('kills a process that ignores SIGTERM', async () => {
    const child = await nodeChild("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)");
    const terminated = await act(child.pid, 'terminate', { via, expect: { ok: true, name: 'node' } });
    expect(terminated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(child.exitCode).toBeNull();
    expect(procState(child.pid)).not.toBeNull();
    const killed = await act(child.pid, 'kill', { via, expect: { ok: true, name: 'node' } });
    expect(killed.status).toBe(200);
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  // Refusals use "resume" (SIGCONT): harmless should a guard ever fail, and PID 1 here is the sandbox's init.
  it('refuses PID 1 (VIGIL_ERR_PROTECTED_PROCESS)', async () => {
    const response = await act(1, 'resume', { via, expect: { ok: false } });
    expectProtected(response, `PID 1 via ${via}`);
  });

  it('refuses the agent itself (this test process)', async () => {
    const response = await act(process.pid, 'resume', { via, expect: { ok: false } });
    expectProtected(response, `the agent via ${via}`);
  });

  it.runIf(existsSync('/proc/2/stat') && readFileSync('/proc/2/stat', 'utf8').includes('(kthreadd)'))(
    'refuses a kernel thread',
    async () => {
      const response = await act(2, 'resume', { via, expect: { ok: false, name: 'kthreadd' } });
      expectProtected(response, `kthreadd via ${via}`);
    },
  );

  it('answers 404 VIGIL_ERR_PROCESS_NOT_FOUND for a PID that does not exist', async () => {
    const gone = spawn('true');
    await exited(gone);
    const pid = gone.pid as number;
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const response = await act(pid, 'terminate', { via, expect: { ok: false } });
    expectProblem(response, 404, 'VIGIL_ERR_PROCESS_NOT_FOUND');
  });

  it('gives a viewer 403 and leaves the process alone', async () => {
    const child = sleeper();
    const response = await act(child.pid, 'kill', { via, token: viewer });
    expectProblem(response, 403, 'VIGIL_ERR_FORBIDDEN');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(procState(child.pid)).toBe('S');
  });
});

// The brief (and seed 002's "access denied") make a refusal 403; the error catalogue has 409 for it.
it('answers every protected-process refusal with 403', () => {
  expect(protectedStatuses.length).toBeGreaterThanOrEqual(4);
  expect(protectedStatuses.filter((r) => r.status !== 403)).toEqual([]);
});

describe('the audit log', () => {
  it('has every attempt with actor, pid, process name, action, signal and result', async () => {
    const { status, body } = await t.api('GET', `/api/v1/audit?host=${HOST}&limit=10000`, { token: t.admin });
    expect(status).toBe(200);
    const SIGNALS: Record<string, string> = { terminate: 'SIGTERM', kill: 'SIGKILL', suspend: 'SIGSTOP', resume: 'SIGCONT' };
    const entries = [...body].reverse().filter((e: { actor: string }) => e.actor === 'operator-user');
    expect(entries).toHaveLength(attempts.length);
    for (const [i, attempt] of attempts.entries()) {
      const entry = entries[i];
      expect(entry, `attempt ${i}: ${JSON.stringify(attempt)}`).toMatchObject({
        actor: attempt.actor,
        actorRole: 'operator',
        hostId: HOST,
        pid: attempt.pid,
        action: attempt.action,
        signal: SIGNALS[attempt.action],
        ok: attempt.ok,
      });
      if (attempt.name) expect(entry.processName).toBe(attempt.name);
      if (attempt.ok) expect(entry.result).toBe('done');
      else expect(entry.result.length).toBeGreaterThan(0);
    }
    // Newest first, with times.
    expect(body.map((e: { at: number }) => e.at)).toEqual([...body.map((e: { at: number }) => e.at)].sort((a, b) => b - a));
  });

  it('names the process of a refused attempt on a live process (PID 1, the agent)', async () => {
    const { body } = await t.api('GET', `/api/v1/audit?host=${HOST}&limit=10000`, { token: t.admin });
    const init = body.find((e: { pid: number }) => e.pid === 1);
    const self = body.find((e: { pid: number }) => e.pid === process.pid);
    expect.soft(init?.processName).toBe(readFileSync('/proc/1/comm', 'utf8').trim());
    expect.soft(self?.processName).toBe(readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim());
  });

  it('has the attempts refused for the role too', async () => {
    const { body } = await t.api('GET', `/api/v1/audit?host=${HOST}&limit=10000`, { token: t.admin });
    const byViewer = body.filter((e: { actor: string }) => e.actor === 'viewer-user');
    expect(
      byViewer.map((e: { actorRole: string; ok: boolean }) => [e.actorRole, e.ok]),
      'the viewer tried twice: REST and seed 002',
    ).toEqual([
      ['viewer', false],
      ['viewer', false],
    ]);
  });
});

describe('GET /api/v1/hosts/:id/processes/:pid', () => {
  it('gives threads, children, open files, command line, executable and cwd of a process', async () => {
    const parent = await nodeChild(
      "const { spawn } = require('node:child_process'); globalThis.kids = [spawn('sleep', ['601'], { stdio: 'ignore' }).pid, spawn('sleep', ['602'], { stdio: 'ignore' }).pid]; console.log('kids ' + globalThis.kids.join(' ')); setInterval(() => {}, 1000)",
    );
    const kids = ((parent as unknown as { output: () => string }).output().match(/kids (\d+) (\d+)/) ?? []).slice(1).map(Number);
    expect(kids).toHaveLength(2);
    const killKid = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    };
    for (const pid of kids) children.push({ kill: () => killKid(pid) } as unknown as ChildProcess);

    const detail = await waitFor(
      'both children in the detail',
      async () => {
        const { status, body } = await t.api('GET', `/api/v1/hosts/${HOST}/processes/${parent.pid}`, { token: viewer });
        expect(status, JSON.stringify(body)).toBe(200);
        return kids.every((k) => body.children.includes(k)) ? body : null;
      },
      10_000,
      250,
    );
    const parsed = ProcessDetail.parse(detail);
    expect(parsed.process.pid).toBe(parent.pid);
    expect(parsed.process.name).toBe('node');
    expect(parsed.process.cmdline).toContain("spawn('sleep', ['601']");
    expect(parsed.process.ppid).toBe(process.pid);
    expect([...parsed.children].sort()).toEqual([...kids].sort());
    // Node runs V8's and libuv's threads beside the main one.
    const tids = readdirSync(`/proc/${parent.pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
    expect(parsed.threads.length).toBeGreaterThan(1);
    expect(parsed.threads.map((th) => th.tid)).toEqual(tids);
    expect(parsed.threads[0]).toMatchObject({ tid: parent.pid, name: 'node' });
    expect(parsed.process.threads).toBe(tids.length);
    const fds = readdirSync(`/proc/${parent.pid}/fd`).length;
    expect(Math.abs((parsed.openFiles ?? -100) - fds)).toBeLessThanOrEqual(2);
    expect(parsed.executable).toBe(realpathSync(process.execPath));
    expect(parsed.cwd).toBe(process.cwd());
  });

  it('answers 404 for a PID that does not exist, and a viewer may look', async () => {
    const gone = spawn('true');
    await exited(gone);
    const { status, body } = await t.api('GET', `/api/v1/hosts/${HOST}/processes/${gone.pid}`, { token: viewer });
    expect(status).toBe(404);
    expect(body.code).toBe('VIGIL_ERR_PROCESS_NOT_FOUND');
  });
});
