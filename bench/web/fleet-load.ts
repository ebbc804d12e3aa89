/**
 * N simulated hosts at 1 Hz, from bench/hub: real frames of this machine (capture.ts, frames.ts) sent by simulator
 * worker processes over real WebSockets (simulator.ts, simulator-pool.ts), in raw client mode (frames compressed once
 * in advance), which costs the 2-core machine a few percent instead of a core.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@vigil/schema';
import { captureFrames } from '../hub/capture.ts';
import { agentFrameOf } from '../hub/frames.ts';
import { VIGIL_BIN } from '../hub/hub-process.ts';
import type { SendMode, WorkerConfig } from '../hub/simulator.ts';
import { startWorker, type WorkerState } from '../hub/simulator-pool.ts';
import { stopTracked } from '../lib/child-processes.ts';
import { percentile } from '../lib/percentile.ts';
import { waitFor } from '../lib/timing.ts';

/** The processes an agent sends per frame (bench/hub's default: its top 50 by CPU ∪ top 50 by memory, topped up). */
const PROCESSES_PER_FRAME = 100;

/** Captures a few frames of this machine (through the snapshot's vigil) and writes the simulator's templates file. */
export async function prepareTemplates(snapshotRoot: string, workDir: string, log: (line: string) => void): Promise<string> {
  const capture = await captureFrames({ repoRoot: snapshotRoot, vigil: join(snapshotRoot, VIGIL_BIN), frames: 5, processes: 300, log });
  const file = join(workDir, 'templates.json');
  writeFileSync(file, JSON.stringify({ host: capture.host, frames: capture.frames.map((f) => agentFrameOf(f, PROCESSES_PER_FRAME)) }));
  return file;
}

export interface SimulatedFleet {
  workers: WorkerState[];
  connected: number;
  errors: string[];
}

export interface FleetOptions {
  repoRoot: string;
  hubUrl: string;
  agentToken: string;
  templatesFile: string;
  hosts: number;
  /**
   * aligned: every agent sends just after the second boundary, as real agents do (apps/agent aligns its collection to
   * whole seconds), so the hub's 100 ms fleet batching makes about one big fleet message a second; spread: evenly over
   * the second, about ten smaller ones.
   */
  mode: SendMode;
  workers: number;
  /** New connections per second over all workers (a fresh hub creates each new host's series). */
  connectPerSecond: number;
  log: (line: string) => void;
}

/** Starts the simulator workers and waits until every agent has connected (or failed to). */
export async function startSimulatedFleet(opts: FleetOptions): Promise<SimulatedFleet> {
  const base: Omit<WorkerConfig, 'worker'> = {
    url: `${opts.hubUrl.replace(/^http/, 'ws')}/api/v1/agent/connect`,
    token: opts.agentToken,
    workers: opts.workers,
    totalAgents: opts.hosts,
    mode: opts.mode,
    templatesFile: opts.templatesFile,
    // As the agent sends frames: processes as rows.
    protocol: PROTOCOL_VERSION as 5,
    poolSize: 64,
    alignedDelayMs: 3,
    window: 64,
    connectConcurrency: 25,
    connectPerSecond: opts.connectPerSecond / opts.workers,
    client: 'raw',
  };
  const workers: WorkerState[] = [];
  for (let w = 0; w < opts.workers; w++) workers.push(startWorker(opts.repoRoot, base, w, opts.log));
  await waitFor(
    () => {
      const dead = workers.find((w) => w.tracked.exitInfo);
      if (dead) throw new Error(`a simulator worker exited: ${dead.tracked.stderrTail() || 'no output'}`);
      return workers.every((w) => w.ready);
    },
    { what: 'the simulated agents to connect', timeoutMs: 60_000 + (opts.hosts / opts.connectPerSecond) * 1000, intervalMs: 200 },
  );
  return {
    workers,
    connected: workers.reduce((n, w) => n + (w.ready?.connected ?? 0), 0),
    errors: workers.flatMap((w) => w.ready?.errors ?? []),
  };
}

/** Agents connected now, skipped frames and hub-closed connections so far: is the load what it should be. */
export function fleetHealth(fleet: SimulatedFleet): { open: number; skipped: number; closes: number; reconnects: number } {
  return {
    open: fleet.workers.reduce((n, w) => n + w.open, 0),
    skipped: fleet.workers.reduce((n, w) => n + w.skipped, 0),
    closes: fleet.workers.reduce((n, w) => n + [...w.closes.values()].reduce((a, b) => a + b, 0), 0),
    reconnects: fleet.workers.reduce((n, w) => n + w.reconnects, 0),
  };
}

/**
 * What the hub got through between two moments (Date.now()): frames acknowledged per second, and the lag from a
 * frame's ts to its ack. Fewer acks than hosts per second means the hub is not keeping up, and the page cannot get
 * more updates than the hub takes in.
 */
export function ackStats(
  fleet: SimulatedFleet,
  fromEpochMs: number,
  toEpochMs: number,
): { acksPerSecond: number; ackLagMsP50: number; ackLagMsP99: number } {
  const lags = fleet.workers.flatMap((w) => w.acked.filter((a) => a.at >= fromEpochMs && a.at < toEpochMs).map((a) => a.at - a.ts));
  return {
    acksPerSecond: lags.length / ((toEpochMs - fromEpochMs) / 1000),
    ackLagMsP50: percentile(lags, 50),
    ackLagMsP99: percentile(lags, 99),
  };
}

/** Stops the simulator workers. */
export async function stopSimulatedFleet(fleet: SimulatedFleet): Promise<void> {
  await Promise.all(fleet.workers.map((w) => stopTracked(w.tracked, 5000)));
}
