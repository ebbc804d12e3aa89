/** Runs one subject through start, readiness, warm-up and the measured window, then stops it, whatever happens. */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeExit, spawnTracked, stopTracked, type TrackedChild } from '../lib/child-processes.ts';
import { httpStatus, isPortFree, timedGet } from '../lib/http-probe.ts';
import { median, percentile } from '../lib/percentile.ts';
import { groupPids } from '../lib/proc-tree.ts';
import { measureTreeWindow } from '../lib/resource-window.ts';
import { startTicker, waitFor } from '../lib/timing.ts';
import type { Launch } from './subjects.ts';

export interface Measured {
  available: true;
  command: string;
  port?: number;
  standIn?: boolean;
  windowSeconds: number;
  cpuPercent: number;
  rssMb: number;
  rssPeakMb: number;
  /** Processes in the subject's tree (daemon + plugins), at most. */
  treeProcesses: number;
  threads: number;
  processesDuringWindow: number;
  /** CPU % (one-core units) of the harness itself in the window (sampling /proc, polling the peer). */
  harnessCpuPercent: number;
  /** CPU % (one-core units) of everything else on the machine in the window (other users). High = noisy run. */
  otherCpuPercent: number;
  collectMsMedian?: number;
  collectMsP99?: number;
  frames?: number;
  badFrames?: number;
  pollMsMedian?: number;
  pollMsP99?: number;
  polls?: number;
  pollErrors?: number;
  secondsBetweenCollections?: number;
}

export interface Unavailable {
  available: false;
  reason: string;
  command?: string;
}

export type SubjectResult = Measured | Unavailable;

export interface MeasureOptions {
  warmupMs: number;
  windowMs: number;
  readyTimeoutMs: number;
  /** Progress lines go to stderr so stdout holds only the report. */
  log: (line: string) => void;
}

interface Frame {
  atMs: number;
  durationMs: number;
}

interface Poll {
  atMs: number;
  ms: number;
  ok: boolean;
  inspected?: number;
}

function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `...${flat.slice(-max)}` : flat;
}

function failure(child: TrackedChild, what: string): Error {
  const tail = child.stderrTail();
  return new Error(`${what}: ${describeExit(child.exitInfo ?? { code: null, signal: null })}${tail ? ` (stderr: ${oneLine(tail)})` : ''}`);
}

/** Reads stdout lines as JSON frames; a line without a numeric top-level durationMs counts as bad, not as a crash. */
function collectFrames(child: TrackedChild, frames: Frame[], bad: { count: number }): void {
  if (!child.child.stdout) return;
  const lines = createInterface({ input: child.child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    const atMs = performance.now();
    if (line.trim() === '') return;
    try {
      const frame = JSON.parse(line) as { durationMs?: unknown };
      if (typeof frame.durationMs === 'number' && Number.isFinite(frame.durationMs)) {
        frames.push({ atMs, durationMs: frame.durationMs });
        return;
      }
    } catch {
      // counted below
    }
    bad.count++;
  });
}

/** Starts the subject, waits until it is ready, warms it up, measures the window, and always stops it. */
export async function measureSubject(name: string, launch: Launch, opts: MeasureOptions): Promise<SubjectResult> {
  const command = [launch.command, ...launch.args].join(' ');
  if (launch.port !== undefined && !(await isPortFree('127.0.0.1', launch.port))) {
    return { available: false, command, reason: `port 127.0.0.1:${launch.port} is already in use` };
  }
  opts.log(`[${name}] starting: ${command}`);
  const child = spawnTracked(launch.command, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    stdout: launch.frames ? 'pipe' : 'ignore',
    group: true,
    description: name,
  });
  const frames: Frame[] = [];
  const bad = { count: 0 };
  const polls: Poll[] = [];
  if (launch.frames) collectFrames(child, frames, bad);
  let poller: ReturnType<typeof startTicker> | undefined;
  try {
    await waitFor(
      async () => {
        if (child.exitInfo) throw failure(child, 'exited before it was ready');
        if (launch.readyUrl) return (await httpStatus(launch.readyUrl)) === 200;
        return frames.length > 0;
      },
      { what: `${name} to be ready`, timeoutMs: opts.readyTimeoutMs, intervalMs: 250 },
    );
    const pollUrl = launch.pollUrl;
    if (pollUrl) {
      poller = startTicker(1000, async () => {
        const atMs = performance.now();
        const r = await timedGet(pollUrl, 5000);
        const poll: Poll = { atMs, ms: r.ms, ok: r.ok };
        if (r.ok && r.body !== undefined && launch.inspectPoll) {
          try {
            poll.inspected = launch.inspectPoll(r.body);
          } catch {
            // a body we cannot read is still a completed scrape
          }
        }
        polls.push(poll);
      });
    }
    opts.log(`[${name}] ready (pid ${child.pid}); warming up ${opts.warmupMs / 1000} s, then measuring ${opts.windowMs / 1000} s`);
    // The warm-up is part of the protocol (caches, JIT, first-collection costs), not a wait for a condition.
    await sleep(opts.warmupMs);
    if (child.exitInfo) throw failure(child, 'exited during warm-up');
    const w = await measureTreeWindow(child.pid, { windowMs: opts.windowMs });
    await poller?.stop();
    poller = undefined;
    if (w.rootExited) throw failure(child, 'exited during the measured window');

    const inWindow = <T extends { atMs: number }>(xs: T[]): T[] => xs.filter((x) => x.atMs >= w.startMs && x.atMs <= w.endMs);
    const result: Measured = {
      available: true,
      command,
      windowSeconds: w.wallSeconds,
      cpuPercent: w.cpuPercent,
      rssMb: w.rssMbMedian,
      rssPeakMb: w.rssMbPeak,
      treeProcesses: w.treeProcessesMax,
      threads: w.threadsMedian,
      processesDuringWindow: w.processTotalMedian,
      harnessCpuPercent: w.selfCpuPercent,
      otherCpuPercent: Math.max(0, w.machineCpuPercent - w.cpuPercent - w.selfCpuPercent),
    };
    if (launch.port !== undefined) result.port = launch.port;
    if (launch.standIn !== undefined) result.standIn = launch.standIn;
    if (launch.frames) {
      const d = inWindow(frames).map((f) => f.durationMs);
      Object.assign(result, { collectMsMedian: median(d), collectMsP99: percentile(d, 99), frames: d.length, badFrames: bad.count });
    }
    if (launch.pollUrl) {
      const p = inWindow(polls);
      const okMs = p.filter((x) => x.ok).map((x) => x.ms);
      Object.assign(result, {
        pollMsMedian: median(okMs),
        pollMsP99: percentile(okMs, 99),
        polls: p.length,
        pollErrors: p.length - okMs.length,
      });
      const seen = p.map((x) => x.inspected).filter((x): x is number => typeof x === 'number');
      if (seen.length > 0) result.secondsBetweenCollections = median(seen);
    }
    return result;
  } catch (err) {
    return { available: false, command, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await poller?.stop();
    const exit = await stopTracked(child);
    opts.log(`[${name}] stopped (${describeExit(exit)})`);
    // The next subject must not share the machine with this one's plugins: wait (bounded) until its group is gone.
    if (child.pid > 0) {
      await waitFor(() => groupPids(child.pid).length === 0, { what: `${name}'s process group to exit`, timeoutMs: 5000 }).catch(() =>
        opts.log(`warning: ${name} left processes behind: ${groupPids(child.pid).join(' ')}`),
      );
    }
  }
}
