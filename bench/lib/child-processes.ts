/** Child processes that are always cleaned up: at the normal end, on an error, and on SIGINT/SIGTERM/SIGHUP. */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: string;
}

export interface TrackedChild {
  readonly child: ChildProcess;
  /** -1 when the process never started. */
  readonly pid: number;
  readonly description: string;
  /** Signals go to the whole process group, so helpers the child started are stopped with it. */
  readonly group: boolean;
  /** Set once the process has exited or failed to start. */
  exitInfo: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  /** The last few kB of stderr, to say why a subject failed. */
  stderrTail(): string;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** 'pipe' to read the child's output (e.g. frames); default 'ignore'. */
  stdout?: 'pipe' | 'ignore';
  /** Keep a tail of stderr (default true); off for the hundreds of idle fillers. */
  captureStderr?: boolean;
  /** Start the child in its own process group (detached) so a stop reaches its whole tree. */
  group?: boolean;
  description?: string;
}

const live = new Set<TrackedChild>();
const syncCleanups: Array<() => void> = [];
const STDERR_TAIL_BYTES = 4096;

/** Describes how a process ended, for reports. */
export function describeExit(info: ExitInfo): string {
  if (info.error) return `failed to start: ${info.error}`;
  return info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
}

/** Spawns a child and tracks it until it exits, so every cleanup path can find it. */
export function spawnTracked(command: string, args: readonly string[], opts: SpawnOptions = {}): TrackedChild {
  const captureStderr = opts.captureStderr ?? true;
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: opts.group ?? false,
    stdio: ['ignore', opts.stdout ?? 'ignore', captureStderr ? 'pipe' : 'ignore'],
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });

  let resolveExit: (info: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((resolve) => {
    resolveExit = resolve;
  });
  const tracked: TrackedChild = {
    child,
    pid: child.pid ?? -1,
    description: opts.description ?? [command, ...args].join(' '),
    group: opts.group ?? false,
    exitInfo: undefined,
    exited,
    stderrTail: () => tail.trim(),
  };
  const finish = (info: ExitInfo): void => {
    if (tracked.exitInfo) return;
    tracked.exitInfo = info;
    live.delete(tracked);
    resolveExit(info);
  };
  child.once('exit', (code, signal) => finish({ code, signal }));
  // 'error' also fires when a kill fails on a live child; only a child without a pid never started.
  child.on('error', (err) => {
    if (child.pid === undefined) finish({ code: null, signal: null, error: err.message });
  });
  if (child.pid !== undefined) live.add(tracked);
  return tracked;
}

/** Sends a signal to the child (or its group), ignoring "no such process": it may have just gone. */
function signalQuietly(t: TrackedChild, signal: NodeJS.Signals, wholeGroup = t.group): void {
  if (t.pid <= 0) return;
  try {
    process.kill(wholeGroup ? -t.pid : t.pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * Stops a child: SIGTERM so it can shut down its helpers, SIGKILL after `graceMs`, then SIGKILL to what is left of
 * its process group so no plugin outlives its daemon and disturbs the next measurement.
 */
export async function stopTracked(t: TrackedChild, graceMs = 5000): Promise<ExitInfo> {
  if (!t.exitInfo) {
    signalQuietly(t, 'SIGTERM');
    const first = await Promise.race([t.exited, sleep(graceMs).then(() => undefined)]);
    if (!first) {
      signalQuietly(t, 'SIGKILL');
      await Promise.race([t.exited, sleep(2000)]);
    }
  }
  if (t.group) signalQuietly(t, 'SIGKILL', true);
  return t.exitInfo ?? { code: null, signal: 'SIGKILL' };
}

/** Stops every tracked child at once. */
export async function stopAll(graceMs = 5000): Promise<void> {
  await Promise.all([...live].map((t) => stopTracked(t, graceMs)));
}

/** Registers a synchronous cleanup (e.g. removing a temp dir) run on every way out of the process. */
export function onCleanup(fn: () => void): void {
  syncCleanups.push(fn);
}

function runSyncCleanups(): void {
  for (const fn of syncCleanups.splice(0)) {
    try {
      fn();
    } catch {
      // Best effort: one failing cleanup must not skip the others.
    }
  }
}

let installed = false;

/**
 * Makes sure no child outlives the harness: a signal stops them all (gracefully, bounded) before exiting with
 * 128+signal, and any exit (including an uncaught error) SIGKILLs whatever is still tracked.
 */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  const codes: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  for (const [signal, num] of Object.entries(codes)) {
    // once: a second Ctrl-C falls through to the default action, and the 'exit' hook below still SIGKILLs.
    process.once(signal as NodeJS.Signals, () => {
      process.stderr.write(`\n${signal}: stopping ${live.size} child processes...\n`);
      void stopAll(2000).finally(() => {
        runSyncCleanups();
        process.exit(128 + num);
      });
    });
  }
  process.on('exit', () => {
    for (const t of live) signalQuietly(t, 'SIGKILL');
    runSyncCleanups();
  });
}

/** Number of children still running, for sanity checks. */
export function liveChildren(): number {
  return live.size;
}
