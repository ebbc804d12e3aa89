/**
 * One measured scenario: a fresh hub, N simulated agents (aligned or spread sends), a live client, a warm-up, then a
 * window during which the hub's CPU and RSS, the frames acknowledged and the live latencies are recorded.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeExit, stopTracked } from '../lib/child-processes.ts';
import { max, percentile } from '../lib/percentile.ts';
import { waitForQuietMachine } from '../lib/quiet-machine.ts';
import { measureTreeWindow, type WindowResult } from '../lib/resource-window.ts';
import { sleepUntil, waitFor } from '../lib/timing.ts';
import type { SimulatedProtocol } from './frames.ts';
import { startHub, stopHub } from './hub-process.ts';
import { type Arrival, LiveClient } from './live-client.ts';
import { type CpuProfileSummary, summarizeCpuProfile } from './profile.ts';
import type { SendMode, WorkerConfig } from './simulator.ts';
import { startWorker, type WorkerState } from './simulator-pool.ts';
import { startWindowProfile } from './window-profile.ts';

export interface ScenarioOptions {
  repoRoot: string;
  workDir: string;
  port: number;
  agents: number;
  mode: SendMode;
  workers: number;
  warmupMs: number;
  windowMs: number;
  templatesFile: string;
  poolSize: number;
  /** Protocol version of the simulated agents (2: processes as rows). */
  protocol: SimulatedProtocol;
  /** Hosts the live client subscribes to one by one (full frames), besides the fleet. */
  watchHosts: number;
  client: 'raw' | 'ws';
  deflateLevel?: number;
  /**
   * window: profile the hub's main thread during the measurement window (inspector protocol); life: the whole life of
   * the hub (node --cpu-prof, written at exit). Either is summarised; the .cpuprofile files are kept in `keepDir`.
   */
  profile: 'window' | 'life' | null;
  /** Node/V8 flags for the hub process (--hub-node-flags; by default those it is deployed with). */
  hubNodeFlags?: string[];
  /** Where .cpuprofile files are copied (they can be opened in Chrome DevTools or speedscope). */
  keepDir: string;
  /** New agent connections per second, over all workers. */
  connectPerSecond: number;
  /** Absolute path of the vigil command (apps/cli/bin/vigil.mjs, or a patched build). */
  vigil: string;
  /** Wait up to this long for other work on the machine to calm down before starting (0: do not wait). */
  quietTimeoutMs: number;
  log: (line: string) => void;
}

/** Percentiles of a latency sample, in ms. */
export interface LatencyFigures {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A scenario that could not be measured (the hub died, agents could not connect...). */
export interface FailedScenario {
  agents: number;
  mode: SendMode;
  error: string;
}

export interface ScenarioResult {
  agents: number;
  mode: SendMode;
  connected: number;
  framesPerSecondSent: number;
  framesPerSecondAccepted: number;
  /** Acks received during the window per second, whatever their frame's ts: what the hub got through, backlog included. */
  framesPerSecondProcessed: number;
  framesSkipped: number;
  /** Connections the hub closed during the run, by "code reason". */
  closes: Record<string, number>;
  hubCpuPercent: number;
  hubRssMbMedian: number;
  hubRssMbPeak: number;
  hubThreads: number;
  /** Frame ts → arrival at the live client of the fleet update carrying it. */
  fleetLatencyMs: LatencyFigures;
  /**
   * The second (by frame ts) whose fleet updates came latest: its second of the minute and latencies. Shows periodic
   * stalls (e.g. work the hub does for every host when a minute starts).
   */
  worstSecond: { secondOfMinute: number; p50: number; p99: number; max: number } | null;
  /** Fleet p99 of each second of the window, by frame ts, in order: shows whether slow seconds are periodic. */
  perSecondP99: number[];
  /** Frame ts → arrival of the full frame to a client subscribed to that host. */
  hostLatencyMs: LatencyFigures;
  /** Frame ts → the simulator finished writing it to the socket (compression and queueing in the simulator). */
  sendLagMs: LatencyFigures;
  /** Written to the socket → fleet update at the live client: the hub's part of fleetLatencyMs. */
  fleetHubPartMs: LatencyFigures;
  /** Frame ts → its ack back at the simulator. */
  ackLagMs: LatencyFigures;
  simulatorCpuPercent: number;
  simulatorRssMb: number;
  harnessCpuPercent: number;
  machineCpuPercent: number;
  /** Machine busy time (percent of one core) just before the scenario started: other work on a shared machine. */
  busyBeforePercent: number | null;
  /** Machine CPU not used by the hub, the simulator or the harness (kernel softirq work included): other load. */
  otherCpuPercent: number;
  hubWarnings: Record<string, number>;
  liveErrors: string[];
  /** Fleet messages received during the run, and how many were complete lists (the hub found the client slow). */
  fleetMessages: number;
  fleetFullMessages: number;
  hubExit: string;
  profile?: CpuProfileSummary & { kind: 'window' | 'life' };
  /** Agents still connected at the end of the window. */
  connectedAtEnd: number;
  /** Over the whole run: connections re-opened after the hub closed them, and frames lost with those connections. */
  reconnects: number;
  framesLost: number;
}

function latencyFigures(values: number[]): LatencyFigures {
  return { count: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: max(values) };
}

/** The machine counts as quiet when everything running uses less than this (percent of one core). */
const QUIET_BUSY_PERCENT = 25;

/** Acks may trail the window's last frames by this much and still count. */
const ACK_GRACE_MS = 3000;

/** The latencies of updates by the second (Unix) of their frame's ts. */
function latenciesBySecond(arrivals: readonly Arrival[]): Map<number, number[]> {
  const bySecond = new Map<number, number[]>();
  for (const a of arrivals) {
    const second = Math.floor(a.ts / 1000);
    const list = bySecond.get(second);
    if (list) list.push(a.latencyMs);
    else bySecond.set(second, [a.latencyMs]);
  }
  return bySecond;
}

/** Groups updates by the second of their ts and returns the one with the highest p99. */
function worstSecond(arrivals: readonly Arrival[]): ScenarioResult['worstSecond'] {
  let worst: ScenarioResult['worstSecond'] = null;
  for (const [second, values] of latenciesBySecond(arrivals)) {
    const p99 = percentile(values, 99);
    if (!worst || p99 > worst.p99) worst = { secondOfMinute: second % 60, p50: percentile(values, 50), p99, max: max(values) };
  }
  return worst;
}

/** The p99 of every second, in order of the seconds. */
function perSecondP99(arrivals: readonly Arrival[]): number[] {
  return [...latenciesBySecond(arrivals)].sort(([a], [b]) => a - b).map(([, values]) => Math.round(percentile(values, 99)));
}

const agentOf = (hostId: string): number => Number(hostId.slice(hostId.lastIndexOf('-') + 1));

/** Runs one scenario end to end and always stops what it started. */
export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const label = `[${opts.agents} agents, ${opts.mode}]`;
  let busyBeforePercent: number | null = null;
  if (opts.quietTimeoutMs > 0) {
    const quiet = await waitForQuietMachine({ maxBusyPercent: QUIET_BUSY_PERCENT, timeoutMs: opts.quietTimeoutMs });
    busyBeforePercent = quiet.busyPercent;
    if (!quiet.quiet)
      opts.log(`${label} warning: the machine is busy (${Math.round(quiet.busyPercent)}% of a core used by others); figures will be noisy`);
    else if (quiet.waitedMs > 3000) opts.log(`${label} waited ${Math.round(quiet.waitedMs / 1000)} s for the machine to calm down`);
  }
  const adminPassword = `bench-${Math.random().toString(36).slice(2)}-pw`;
  const profileDir = join(opts.workDir, `profile-${opts.agents}-${opts.mode}`);
  if (opts.profile) mkdirSync(profileDir, { recursive: true });
  const inspectPort = opts.port + 1;
  const hub = await startHub({
    repoRoot: opts.repoRoot,
    workDir: opts.workDir,
    port: opts.port,
    adminPassword,
    vigil: opts.vigil,
    nodeFlags: [
      ...(opts.hubNodeFlags ?? []),
      ...(opts.profile === 'life'
        ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
        : opts.profile === 'window'
          ? [`--inspect=127.0.0.1:${inspectPort}`]
          : []),
    ],
  });
  opts.log(`${label} hub pid ${hub.tracked.pid} on ${hub.url}`);
  const workers: WorkerState[] = [];
  const live = new LiveClient(hub.url);
  let result!: ScenarioResult;
  try {
    const base: Omit<WorkerConfig, 'worker'> = {
      url: `${hub.url.replace(/^http/, 'ws')}/api/v1/agent/connect`,
      token: hub.agentToken,
      workers: opts.workers,
      totalAgents: opts.agents,
      mode: opts.mode,
      templatesFile: opts.templatesFile,
      poolSize: opts.poolSize,
      protocol: opts.protocol,
      alignedDelayMs: 3,
      window: 64,
      connectConcurrency: 25,
      connectPerSecond: opts.connectPerSecond / opts.workers,
      client: opts.client,
      deflateLevel: opts.deflateLevel,
    };
    for (let w = 0; w < opts.workers; w++) workers.push(startWorker(opts.repoRoot, base, w, opts.log));
    await waitFor(
      () => {
        const dead = workers.find((w) => w.tracked.exitInfo);
        if (dead) throw new Error(`a simulator worker exited: ${dead.tracked.stderrTail() || 'no output'}`);
        if (hub.tracked.exitInfo) throw new Error(`the hub exited: ${hub.tracked.stderrTail()}`);
        return workers.every((w) => w.ready);
      },
      { what: 'the simulated agents to connect', timeoutMs: 60_000 + (opts.agents / opts.connectPerSecond) * 1000, intervalMs: 200 },
    );
    const connected = workers.reduce((n, w) => n + (w.ready?.connected ?? 0), 0);
    const failed = workers.flatMap((w) => w.ready?.errors ?? []);
    opts.log(`${label} ${connected}/${opts.agents} agents connected${failed.length ? `; failures: ${failed.join('; ')}` : ''}`);

    await live.open(adminPassword);
    live.subscribeFleet();
    const step = Math.max(1, Math.floor(opts.agents / Math.max(1, opts.watchHosts)));
    for (let k = 0; k < opts.watchHosts && k * step < opts.agents; k++) {
      live.subscribeHost(`bench-agent-${String(k * step).padStart(4, '0')}`);
    }

    await sleepUntil(performance.now() + opts.warmupMs);
    opts.log(`${label} measuring ${opts.windowMs / 1000} s`);
    const profiler = opts.profile === 'window' ? await startWindowProfile(inspectPort) : null;
    const [hubWindow, ...simWindows] = await Promise.all([
      measureTreeWindow(hub.tracked.pid, { windowMs: opts.windowMs }),
      ...workers.map((w) => measureTreeWindow(w.tracked.pid, { windowMs: opts.windowMs })),
    ]);
    const window = hubWindow as WindowResult;
    const connectedAtEnd = workers.reduce((n, w) => n + w.open, 0);
    if (profiler) await profiler.stop(join(profileDir, 'window.cpuprofile'));
    if (window.rootExited) {
      await hub.tracked.exited;
      const how = hub.tracked.exitInfo ? describeExit(hub.tracked.exitInfo) : 'gone';
      throw new Error(`the hub ${how} during the window; its stderr: ${hub.tracked.stderrTail().slice(-300)}`);
    }
    // Frames accepted on time are counted by their ts over the whole seconds inside the window, so a second's burst
    // is never cut in two; their acks may come a little after the window. Latencies are taken from what arrived
    // during the window (by arrival time), so a hub with a backlog shows its real delay instead of nothing.
    const firstSecond = Math.ceil((performance.timeOrigin + window.startMs) / 1000) * 1000;
    const endSecond = Math.floor((performance.timeOrigin + window.endMs) / 1000) * 1000;
    const seconds = (endSecond - firstSecond) / 1000;
    const windowStartEpoch = performance.timeOrigin + window.startMs;
    const windowEndEpoch = performance.timeOrigin + window.endMs;
    await sleepUntil(performance.now() + ACK_GRACE_MS);
    const tsIn = (x: { ts: number }) => x.ts >= firstSecond && x.ts < endSecond;
    const arrivedIn = (x: { at: number }) => x.at >= windowStartEpoch && x.at < windowEndEpoch;
    const fleet = live.stats.fleet.filter(arrivedIn);
    const host = live.stats.host.filter(arrivedIn);
    const written = new Map<string, number>();
    for (const w of workers) for (const [k, v] of w.written) written.set(k, v);
    const hubPart = fleet.flatMap((a) => {
      const at = written.get(`${agentOf(a.hostId)}:${a.ts}`);
      return at === undefined ? [] : [a.at - at];
    });
    const writtenIn = workers.flatMap((w) => w.writtenList.filter(tsIn));
    const ackedIn = workers.flatMap((w) => w.acked.filter(tsIn));
    const ackedDuring = workers.flatMap((w) => w.acked.filter(arrivedIn));
    const closes: Record<string, number> = {};
    for (const w of workers) for (const [k, n] of w.closes) closes[k] = (closes[k] ?? 0) + n;
    const simCpu = simWindows.reduce((sum, s) => sum + s.cpuPercent, 0);

    result = {
      agents: opts.agents,
      mode: opts.mode,
      connected,
      connectedAtEnd,
      reconnects: workers.reduce((n, w) => n + w.reconnects, 0),
      framesLost: workers.reduce((n, w) => n + w.lost, 0),
      framesPerSecondSent: writtenIn.length / seconds,
      framesPerSecondAccepted: ackedIn.length / seconds,
      framesPerSecondProcessed: ackedDuring.length / ((windowEndEpoch - windowStartEpoch) / 1000),
      framesSkipped: workers.reduce((sum, w) => sum + w.skipped, 0),
      closes,
      hubCpuPercent: window.cpuPercent,
      hubRssMbMedian: window.rssMbMedian,
      hubRssMbPeak: window.rssMbPeak,
      hubThreads: window.threadsMedian,
      fleetLatencyMs: latencyFigures(fleet.map((a) => a.latencyMs)),
      worstSecond: worstSecond(fleet),
      perSecondP99: perSecondP99(fleet),
      hostLatencyMs: latencyFigures(host.map((a) => a.latencyMs)),
      sendLagMs: latencyFigures(writtenIn.map((x) => x.at - x.ts)),
      fleetHubPartMs: latencyFigures(hubPart),
      ackLagMs: latencyFigures(ackedDuring.map((x) => x.at - x.ts)),
      simulatorCpuPercent: simCpu,
      simulatorRssMb: simWindows.reduce((sum, s) => sum + s.rssMbMedian, 0),
      harnessCpuPercent: window.selfCpuPercent,
      machineCpuPercent: window.machineCpuPercent,
      busyBeforePercent,
      otherCpuPercent: window.machineCpuPercent - window.cpuPercent - simCpu - window.selfCpuPercent,
      hubWarnings: Object.fromEntries(hub.warnings),
      liveErrors: live.stats.errors,
      fleetMessages: live.stats.fleetMessages,
      fleetFullMessages: live.stats.fullMessages,
      hubExit: 'running',
    };
  } finally {
    live.close();
    await Promise.all(workers.map((w) => stopTracked(w.tracked, 5000)));
    const hubExit = await stopHub(hub);
    if (result) result.hubExit = hubExit;
    opts.log(`${label} hub ${hubExit}`);
    if (hub.warnings.size > 0) opts.log(`${label} hub warnings: ${JSON.stringify(Object.fromEntries(hub.warnings)).slice(0, 600)}`);
  }
  if (opts.profile) {
    const summary = profileOf(profileDir, 25, join(opts.keepDir, `hub-${opts.agents}-${opts.mode}-${opts.profile}.cpuprofile`));
    if (summary) result.profile = { kind: opts.profile, ...summary };
    else opts.log(`${label} no profile was written`);
  }
  return result;
}

/**
 * Summarises the hub's profiles in `dir` (written by the hub at exit, one per thread, or by the window profiler) and
 * keeps copies. The main thread's is the summary; the history thread's (and any other worker's) is summarised
 * beside it, as `threads`.
 */
export function profileOf(dir: string, top: number, keepAs: string): CpuProfileSummary | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  // node --cpu-prof names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; the main thread is thread 0.
  const threadOf = (f: string) => Number(f.split('.').at(-3));
  const main = files.find((f) => threadOf(f) === 0) ?? files.sort().at(-1);
  if (!main) return undefined;
  copyFileSync(join(dir, main), keepAs);
  const threads = files
    .filter((f) => f !== main)
    .map((f) => {
      const keep = keepAs.replace(/\.cpuprofile$/, `-thread${threadOf(f)}.cpuprofile`);
      copyFileSync(join(dir, f), keep);
      return { ...summarizeCpuProfile(join(dir, f), top), file: keep };
    });
  return { ...summarizeCpuProfile(join(dir, main), top), file: keepAs, ...(threads.length > 0 ? { threads } : {}) };
}
