/** Keeps /proc at a target number of processes with idle children (some multi-threaded), so collectors walk a realistic process table. */
import { existsSync } from 'node:fs';
import { spawnTracked, stopTracked, type TrackedChild } from './child-processes.ts';
import { listPids, readProcStat } from './proc-tree.ts';
import { waitFor } from './timing.ts';

export interface FillerOptions {
  /**
   * Fillers exit by themselves after this long, so even a harness killed with SIGKILL (when no cleanup can run)
   * leaves nothing behind for long.
   */
  ttlSeconds: number;
  /** How many fillers carry extra threads in all (a real host has many multi-threaded processes). */
  threadedProcesses?: number;
  threadsPerProcess?: number;
}

export interface TopUp {
  before: number;
  added: number;
  threadedAdded: number;
  after: number;
}

/** Processes in /proc right now. */
export function countProcesses(): number {
  return listPids().length;
}

// Debian's python3 is a real binary; a pyenv shim on PATH would be a shell script that starts slower.
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));

/**
 * Tops /proc up to a target with `sleep` children and a few python processes holding idle threads. Call topUp()
 * before each measurement: on a shared machine other processes come and go, and the target is about what the
 * subject faces, not what we started.
 */
export class ProcessTableFiller {
  readonly fillers: TrackedChild[] = [];
  private threaded = 0;
  private readonly deadlineMs: number;

  constructor(private readonly opts: FillerOptions) {
    this.deadlineMs = Date.now() + opts.ttlSeconds * 1000;
  }

  private ttlLeft(): number {
    return Math.max(60, Math.ceil((this.deadlineMs - Date.now()) / 1000));
  }

  private spawnThreaded(threads: number): TrackedChild | undefined {
    if (!PYTHON) return undefined;
    const ttl = this.ttlLeft();
    const code = [
      'import threading, time',
      `for _ in range(${threads}): threading.Thread(target=time.sleep, args=(${ttl},), daemon=True).start()`,
      `time.sleep(${ttl})`,
    ].join('\n');
    return spawnTracked(PYTHON, ['-c', code], { captureStderr: false, description: 'threaded filler' });
  }

  /**
   * Adds fillers until /proc holds at least `target` processes, and waits until the new threaded ones have their
   * threads. Up to 3 passes, since other users' processes may exit while ours start.
   */
  async topUp(target: number): Promise<TopUp> {
    const before = countProcesses();
    let added = 0;
    let threadedAdded = 0;
    for (let pass = 0; pass < 3; pass++) {
      const need = target - countProcesses();
      if (need <= 0) break;
      const t = await this.add(need);
      added += t.added;
      threadedAdded += t.threaded;
    }
    return { before, added, threadedAdded, after: countProcesses() };
  }

  private async add(need: number): Promise<{ added: number; threaded: number }> {
    const threads = this.opts.threadsPerProcess ?? 8;
    const added: TrackedChild[] = [];
    const addedThreaded: TrackedChild[] = [];
    while (added.length < need && this.threaded < (this.opts.threadedProcesses ?? 10)) {
      const t = this.spawnThreaded(threads);
      if (!t) break;
      this.threaded++;
      addedThreaded.push(t);
      added.push(t);
    }
    while (added.length < need) {
      added.push(spawnTracked('sleep', [String(this.ttlLeft())], { captureStderr: false, description: 'sleep filler' }));
    }
    this.fillers.push(...added);
    const failed = added.find((f) => f.pid < 0);
    if (failed) throw new Error(`could not start a filler process (${failed.description})`);

    // Ready when every new threaded filler shows its threads (main + N) and no filler died.
    await waitFor(
      () => {
        const dead = added.find((f) => f.exitInfo);
        if (dead) throw new Error(`a filler exited early (${dead.description})`);
        return addedThreaded.every((t) => (readProcStat(t.pid)?.numThreads ?? 0) >= threads + 1);
      },
      { what: 'filler threads to start', timeoutMs: 20_000 },
    );
    return { added: added.length, threaded: addedThreaded.length };
  }

  /** Stops every filler (SIGTERM ends both sleep and python at once). */
  async release(): Promise<void> {
    await Promise.all(this.fillers.splice(0).map((f) => stopTracked(f, 2000)));
  }
}
