import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hub, parseConfig } from '@vigil/hub';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.ts';

/**
 * `vigil top` as a user runs it: the built command in a real terminal (a detached tmux session), driven by keys
 * and read back with capture-pane. Local mode finds a busy child, filters to it, suspends and resumes it (checked
 * in /proc), follows a resize and quits back to the shell; remote mode shows a real hub's hosts and processes, sends
 * a signal through the hub, and offers a viewer no action keys.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VIGIL = join(ROOT, 'apps/cli/bin/vigil.mjs');
const SOCKET = `vigil-top-e2e-${process.pid}`;
const tmuxMissing = spawnSync('tmux', ['-V']).status !== 0;

let work: string;
const children: ChildProcess[] = [];

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A shell in a detached tmux session of the given size, with a clean environment and a plain prompt. */
class Terminal {
  constructor(readonly name: string) {}

  static open(name: string, cols: number, rows: number, env: Record<string, string> = {}): Terminal {
    const vars = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      TERM: 'xterm-256color',
      PS1: 'shell$ ',
      LANG: 'C.UTF-8',
      ...env,
    };
    const shell = `env -i ${Object.entries(vars)
      .map(([k, v]) => quote(`${k}=${v}`))
      .join(' ')} bash --norc --noprofile`;
    tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), shell);
    return new Terminal(name);
  }

  /** Types a line into the shell. */
  run(command: string): void {
    tmux('send-keys', '-t', this.name, '-l', command);
    tmux('send-keys', '-t', this.name, 'Enter');
  }

  /** Presses keys (tmux key names: "Enter", "Escape", or literal characters). */
  keys(...keys: string[]): void {
    for (const key of keys) tmux('send-keys', '-t', this.name, ...(key.length === 1 ? ['-l', key] : [key]));
  }

  /** What the screen shows; with colours as escape sequences when `escapes`. */
  screen(escapes = false): string {
    return tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name).replace(/\n$/, '');
  }

  lines(): string[] {
    return this.screen().split('\n');
  }

  /** Waits (bounded) until the screen satisfies `check`; the last screen is in the error when it never does. */
  async until(what: string, check: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        what,
        () => {
          last = this.screen();
          return check(last) ? last : null;
        },
        timeoutMs,
        100,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`);
    }
  }

  size(): string {
    return tmux('display-message', '-p', '-t', this.name, '#{pane_width}x#{pane_height}').trim();
  }

  close(): void {
    try {
      tmux('kill-session', '-t', this.name);
    } catch {}
  }
}

/** The state letter of /proc/PID/stat (R, S, T...), or null once the process is gone. */
function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/**
 * A child with a unique process name (comm): node started through a symlink of that name. `busy` spins four
 * threads, so that it leads the CPU sort even on a machine where other work takes its share of the cores.
 */
function namedChild(name: string, busy: boolean): ChildProcess & { pid: number } {
  const path = join(work, name);
  symlinkSync(process.execPath, path);
  const code = busy
    ? "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 3; i++) new Worker('for(;;){}', { eval: true }); for(;;){}"
    : 'setInterval(() => {}, 1000)';
  const child = spawn(path, ['-e', code], { stdio: 'ignore' });
  children.push(child);
  return child as ChildProcess & { pid: number };
}

/** The first row of the process table: the line after the header. */
function firstRow(screen: string): string {
  const lines = screen.split('\n');
  return lines[lines.findIndex((l) => l.includes('PID USER')) + 1] ?? '';
}

const unique = () => `${Date.now() % 100_000}${Math.floor(Math.random() * 100)}`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vigil-top-'));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  try {
    tmux('kill-server');
  } catch {}
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(tmuxMissing)('vigil top in a terminal', () => {
  it('local mode: bars and processes at 80x24, sort, filter, suspend and resume, resize, quit back to the shell', async () => {
    const name = `vtbusy${unique()}`;
    const busy = namedChild(name, true);
    const term = Terminal.open('local', 80, 24);
    try {
      term.run(`node ${VIGIL} top; echo "vigil exited $?"`);
      const first = await term.until(
        'the bars and the process table',
        (s) => /^CPU +█/m.test(s) && /Mem .*\d[KMGT]?\/[\d.]+[MGT]/.test(s) && /^ +\d+ \S+ +[RSDTZI] /m.test(firstRow(s)),
      );
      expect(first.split('\n')).toHaveLength(24);
      expect(first).toMatch(/^ \S+ .* sort CPU%▼ {2}\d\d:\d\d:\d\d/m);
      expect(first).toMatch(/q Quit/);
      // Colours: the header of the table is black on green, as htop's.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matches the terminal's escape sequences
      expect(term.screen(true)).toMatch(/\u001b\[30m\u001b\[42m {4}PID USER/);

      // Sorted by CPU, the busy child comes to the top.
      term.keys('P');
      await term.until(
        `${name} at the top by CPU`,
        (s) => firstRow(s).includes(name) && firstRow(s).startsWith(String(busy.pid).padStart(7)),
        30_000,
      );

      // "/" and its name: the table shows it alone.
      term.keys('/', ...name);
      const filtered = await term.until('the filter', (s) => s.includes(`Filter: ${name}`) && firstRow(s).includes(name));
      const rows = filtered.split('\n');
      expect(rows[rows.findIndex((l) => l.includes('PID USER')) + 2]?.trim()).toBe('');
      term.keys('Enter');

      // s, then y: stopped (T in /proc, and in the table).
      term.keys('s');
      await term.until('the confirmation', (s) => s.includes(`Send SIGSTOP to ${busy.pid} (${name})? y/n`));
      expect(procState(busy.pid)).not.toBe('T');
      term.keys('y');
      await term.until('the status line', (s) => s.includes(`sent SIGSTOP to ${busy.pid} (${name})`));
      await waitFor('state T in /proc', () => procState(busy.pid) === 'T', 5000);
      await term.until('T in the state column', (s) => / T +\S+ +0\.0 /.test(firstRow(s)));

      // r, then y: running again.
      term.keys('r');
      await term.until('the confirmation', (s) => s.includes(`Send SIGCONT to ${busy.pid} (${name})? y/n`));
      term.keys('y');
      await waitFor('state R in /proc', () => procState(busy.pid) === 'R', 5000);
      await term.until('the row running again', (s) => / R +\d/.test(firstRow(s)));

      // A bigger window: the layout follows (a CPU history line, every column, forty rows).
      tmux('resize-window', '-t', term.name, '-x', '120', '-y', '40');
      const big = await term.until(
        'the layout at 120x40',
        (s) => /^hist /m.test(s) && /PID USER +NI S +VIRT +RES +▼CPU% +MEM% +TIME\+ +THR +READ\/s +WRIT\/s Command/.test(s),
      );
      expect(term.size()).toBe('120x40');
      const bigLines = big.split('\n');
      expect(bigLines).toHaveLength(40);
      expect(bigLines[39]).toMatch(/q Quit|sent SIGCONT/); // the key line (or the status line in its place) at the bottom
      expect(Math.max(...bigLines.map((l) => l.length))).toBeGreaterThan(100);

      // q: the user's screen comes back, with the shell, and the command ended well.
      term.keys('q');
      const after = await term.until('the shell again', (s) => s.includes('vigil exited 0') && /^shell\$ ?$/m.test(s));
      expect(after).not.toContain('PID USER');
      expect(after).toContain(`top; echo "vigil exited $?"`);
    } finally {
      term.close();
      busy.kill('SIGKILL');
    }
  }, 120_000);
});

describe.skipIf(tmuxMissing)('vigil top --hub', () => {
  let t: TestHub;
  let operator: string;
  let viewer: string;
  const HOST = 'top-host';

  beforeAll(async () => {
    t = await startTestHub();
    await t.startAgent(HOST);
    const token = async (role: string) => {
      const { status, body } = await t.api('POST', '/api/v1/tokens', { token: t.admin, body: { kind: 'api', name: `top-${role}`, role } });
      expect(status).toBe(201);
      return body.token as string;
    };
    operator = await token('operator');
    viewer = await token('viewer');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('shows the host list and the process table, and signals through the hub (NO_COLOR)', async () => {
    const name = `vtsleep${unique()}`;
    const sleeper = namedChild(name, false);
    const term = Terminal.open('remote', 80, 24, { NO_COLOR: '1', VIGIL_TOKEN: operator });
    try {
      term.run(`node ${VIGIL} top --hub ${t.url}; echo "vigil exited $?"`);
      const first = await term.until(
        'the host and its processes',
        (s) => s.startsWith(` ${HOST}`) && /● live/.test(s) && /^ +\d+ /m.test(firstRow(s)),
      );
      expect(first).toMatch(/1 host/);
      expect(first).toMatch(/s r t k Signal {2}H Hosts {2}q Quit/);
      // NO_COLOR: no colour in the escapes (bold and inverse video stay).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matches the terminal's escape sequences
      const parameters = (term.screen(true).match(/\u001b\[[0-9;]*m/g) ?? []).flatMap((e) => e.slice(2, -1).split(';'));
      const colours = parameters.filter((p) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(p)); // 39 and 49 are "default"
      expect(colours).toEqual([]);
      expect(parameters).toContain('7'); // the table header and the selection in inverse video

      term.keys('H');
      const list = await term.until('the host list', (s) => /HOST +STATE +CPU% +MEM% +DISK% +LOAD1 +ALERTS/.test(s));
      expect(list).toMatch(new RegExp(` ▶ ${HOST} +online +\\d+% +\\d+%`));
      term.keys('Enter');
      await term.until('the processes again', (s) => s.includes('PID USER'));

      term.keys('/', ...name, 'Enter');
      await term.until(`${name} alone`, (s) => firstRow(s).includes(name) && firstRow(s).includes(String(sleeper.pid)));
      term.keys('s');
      await term.until('the confirmation', (s) => s.includes(`Send SIGSTOP to ${sleeper.pid} (${name})? y/n`));
      term.keys('y');
      await waitFor('state T in /proc', () => procState(sleeper.pid) === 'T', 10_000);
      await term.until('the answer of the hub', (s) => s.includes(`sent SIGSTOP to ${sleeper.pid} (${name}) on ${HOST}`));
      term.keys('r', 'y');
      await waitFor('running again', () => procState(sleeper.pid) === 'S', 10_000);

      term.keys('q');
      await term.until('the shell again', (s) => s.includes('vigil exited 0'));
    } finally {
      term.close();
      sleeper.kill('SIGKILL');
    }
  }, 120_000);

  it('gives a viewer no action keys', async () => {
    const name = `vtview${unique()}`;
    const sleeper = namedChild(name, false);
    const term = Terminal.open('viewer', 80, 24);
    try {
      term.run(`node ${VIGIL} top --hub ${t.url} --token ${viewer} --host ${HOST}; echo "vigil exited $?"`);
      const first = await term.until('the processes', (s) => s.startsWith(` ${HOST}`) && /^ +\d+ /m.test(firstRow(s)));
      const footer = first.split('\n')[23] ?? '';
      expect(footer).toMatch(/h Help {2}\/ Filter {2}P M T N Sort {2}H Hosts {2}q Quit +read-only/);
      expect(footer).not.toMatch(/Signal/);
      term.keys('/', ...name, 'Enter');
      await term.until(`${name} alone`, (s) => firstRow(s).includes(name));
      term.keys('k');
      await term.until('the refusal', (s) => s.includes('read-only: this token has the viewer role (signals need operator or admin)'));
      term.keys('y');
      expect(term.screen()).not.toMatch(/Send SIG/);
      expect(procState(sleeper.pid)).toBe('S');
      term.keys('q');
      await term.until('the shell again', (s) => s.includes('vigil exited 0'));
    } finally {
      term.close();
      sleeper.kill('SIGKILL');
    }
  }, 120_000);

  it('shows the hub going away and coming back (reconnects with backoff)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-top-hub-'));
    const start = (port: number) =>
      Hub.start({
        config: parseConfig({ server: { host: '127.0.0.1', port }, data: { dir: dataDir }, log: { level: 'silent' } }),
        adminPassword: 'admin-password',
        logger: pino({ level: 'silent' }),
      });
    let hub = await start(0);
    const term = Terminal.open('reconnect', 80, 24);
    try {
      const login = await fetch(`${hub.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
      });
      const { token } = (await login.json()) as { token: string };
      term.run(`node ${VIGIL} top --hub ${hub.url} --token ${token}; echo "vigil exited $?"`);
      await term.until('live', (s) => /● live/.test(s) && s.includes('no host has reported to this hub yet'));
      const port = Number(new URL(hub.url).port);
      await hub.stop();
      await term.until('the lost hub', (s) => /◌ reconnecting in \d+s/.test(s));
      hub = await start(port);
      await term.until('live again', (s) => /● live/.test(s), 30_000);
      term.keys('q');
      await term.until('the shell again', (s) => s.includes('vigil exited 0'));
    } finally {
      term.close();
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
