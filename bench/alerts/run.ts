/**
 * Alert benchmark (issue 6): the cost of evaluating alert rules on every arriving frame, for a fleet of simulated
 * hosts built from real frames of this machine. Run from the repo root: `npm run bench:alerts [-- --hosts N]`.
 * See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Frame } from '@vigil/schema';
import { installCleanupHandlers, onCleanup } from '../lib/child-processes.ts';
import { median } from '../lib/percentile.ts';
import { clockTicksPerSecond, readMachineCpu } from '../lib/proc-tree.ts';
import { captureFrames } from './capture.ts';
import { buildFleet } from './fleet.ts';
import { type EngineProfile, startProfile } from './profile.ts';
import { type Memory, type RunInfo, results, summary, table } from './report.ts';
import { benchRules, followNames, rulesByKind } from './rules.ts';
import { Simulation } from './simulation.ts';
import { Subject } from './subject.ts';

const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string' },
    rules: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    frames: { type: 'string' },
    processes: { type: 'string' },
    seed: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-sqlite': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`Usage: npm run bench:alerts -- [options]
  --hosts N        simulated hosts, one frame each per simulated second (default 1000)
  --rules N        rules: the 5 defaults then the fleet's rules, copies beyond 50 (default 50)
  --seconds S      measured simulated seconds (default 60)
  --warmup S       simulated seconds before measuring (default 10)
  --frames N       real frames of this machine to capture as templates (default 5)
  --processes N    processes in /proc while capturing (default 300), so frames carry ~100
  --seed N         fleet seed (default 1)
  --profile        sample the measured seconds with V8's profiler and report where the engine's time goes
  --no-sqlite      measure only the engine with in-memory records (not the hub's AlertStore on SQLite)
`);
  process.exit(0);
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function positive(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isInteger(n)) throw new Error(`${flag} needs a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

const hostCount = positive(opts.hosts, 1000, '--hosts');
const ruleCount = positive(opts.rules, 50, '--rules');
const seconds = positive(opts.seconds, 60, '--seconds');
const warmupSeconds = opts.warmup === '0' ? 0 : positive(opts.warmup, 10, '--warmup');
const capturedFrames = positive(opts.frames, 5, '--frames');
const targetProcesses = positive(opts.processes, 300, '--processes');
const seed = positive(opts.seed, 1, '--seed');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Frames reach the hub this long after the agent's `ts` (collection and network). */
const ARRIVAL_LAG_MS = 20;

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  installCleanupHandlers();
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-alerts-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  if (!gc)
    log(
      'note: without node --expose-gc (npm run bench:alerts sets it) the heap figures are rough, and what the engines retain is left out',
    );

  const rules = benchRules(ruleCount);
  log(`capturing ${capturedFrames} frames of this machine (vigil snapshot --watch) ...`);
  const templates = await captureFrames({
    repoRoot,
    frames: capturedFrames,
    processes: targetProcesses,
    followNames: followNames(rules),
    log,
  });
  const totalSeconds = warmupSeconds + seconds;
  const hosts = buildFleet(hostCount, totalSeconds, templates[0] as Frame, seed);
  const incidents: Record<string, number> = {};
  for (const h of hosts) if (h.incident) incidents[h.incident.kind] = (incidents[h.incident.kind] ?? 0) + 1;

  const subjects = [new Subject('memory', rules)];
  if (!opts['no-sqlite']) subjects.push(new Subject('sqlite', rules, join(workDir, 'alerts.db')));
  onCleanup(() => {
    for (const s of subjects) s.close();
  });
  const sim = new Simulation(hosts, templates, ARRIVAL_LAG_MS);
  let profiler: { stop(): Promise<EngineProfile> } | null = null;
  let machineAtStart = readMachineCpu();
  let cpuAtStart = process.cpuUsage();
  let wallAtStart = performance.now();

  log(`fleet: ${hostCount} hosts, ${rules.length} rules, ${warmupSeconds} + ${seconds} simulated seconds`);
  for (let second = 0; second < totalSeconds; second++) {
    const measure = second >= warmupSeconds;
    if (second === warmupSeconds) {
      for (const s of subjects) s.startMeasuring();
      if (opts.profile) profiler = await startProfile(repoRoot);
      machineAtStart = readMachineCpu();
      cpuAtStart = process.cpuUsage();
      wallAtStart = performance.now();
    }
    sim.runSecond(second, subjects, measure);
    if ((second + 1) % 10 === 0 || second === totalSeconds - 1) log(progress(subjects, second, measure));
  }
  const profile = profiler ? await profiler.stop() : null;
  const machine = readMachineCpu();
  const ownCpu = process.cpuUsage(cpuAtStart);
  const wallSeconds = (performance.now() - wallAtStart) / 1000;
  const otherCpuPercent =
    (((machine.busyTicks - machineAtStart.busyTicks) / clockTicksPerSecond() - (ownCpu.user + ownCpu.system) / 1e6) / wallSeconds) * 100;

  const info: RunInfo = {
    hosts: hostCount,
    rules: rules.length,
    rulesByKind: rulesByKind(rules),
    seconds,
    warmupSeconds,
    seed,
    capturedFrames: templates.length,
    processesPerFrame: median(sim.processesPerFrame),
    frameBytesMedian: median(sim.frameBytes),
    framesMeasured: sim.framesMeasured,
    incidents,
    otherCpuPercent,
    gcExposed: Boolean(gc),
    profiled: Boolean(profile),
  };
  const r = results(info, subjects, sim.baseline, profile);
  sim.baseline.frameMicros = [];
  r.memory = await heapFigures(subjects);
  // The profiler's session keeps the engines reachable: their retained heap cannot be told then.
  if (profile) r.memory.engineRetainedMb = null;
  process.stdout.write(`${table(r)}\n`);
  process.stdout.write(`${JSON.stringify(summary(r))}\n`);
}

/** Heap used after a full collection, once the event loop has turned (objects of the finished job are let go). */
async function heapUsedMb(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    await sleep(20);
    gc?.();
  }
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Heap used at the end, and what the engines retain (open alerts, counters' previous readings, indexes): with, then without them. */
async function heapFigures(subjects: Subject[]): Promise<Memory> {
  for (const s of subjects) s.dropTimings();
  const withEngines = await heapUsedMb();
  if (!gc) return { heapUsedMb: withEngines, engineRetainedMb: null };
  for (const s of subjects.splice(0)) s.close();
  return { heapUsedMb: withEngines, engineRetainedMb: withEngines - (await heapUsedMb()) };
}

/** One progress line: alerts so far and the engines' CPU so far. */
function progress(subjects: readonly Subject[], second: number, measure: boolean): string {
  const c = (subjects[subjects.length - 1] as Subject).counts();
  const measured = Math.max(1, second + 1 - warmupSeconds);
  const cpu = subjects.map((s) => `${s.kind} ${((s.timings.cpuMicros / 1e6 / measured) * 100).toFixed(2)} %`).join(', ');
  return `  ${second + 1}/${warmupSeconds + seconds} s${measure ? '' : ' (warm-up)'}: ${c.pendingAtEnd} pending, ${c.firingAtEnd} firing on ${c.hostsFiringAtEnd} hosts; engine CPU so far: ${cpu}`;
}

main().catch((error: unknown) => {
  log(`bench:alerts failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
