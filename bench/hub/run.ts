/**
 * Hub benchmark: N simulated agents (100, 500, 1000) send realistic frames at 1 Hz over real WebSockets to a hub
 * started as a child process; a live client measures how long an update takes to reach it. Run from the repo root:
 * `npm run bench:hub [-- --quick]`. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Frame, headlineOf, PROTOCOL_VERSION, ProcessRowDecoder, splitFrameMessage } from '@vigil/schema';
import { validateAgentMessage } from '../../apps/hub/src/ingest/agent-socket.ts';
import { installCleanupHandlers, onCleanup, stopAll } from '../lib/child-processes.ts';
import { isPortFree } from '../lib/http-probe.ts';
import { captureFrames } from './capture.ts';
import { agentFrameOf, FramePool, type SimulatedProtocol } from './frames.ts';
import { DEPLOYED_HUB_NODE_FLAGS, snapshotBuild, VIGIL_BIN } from './hub-process.ts';
import { inflateBinary, inflateMessage } from './raw-socket.ts';
import { type RunInfo, summary, table } from './report.ts';
import { type FailedScenario, runScenario, type ScenarioResult } from './scenario.ts';
import type { SendMode } from './simulator.ts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    agents: { type: 'string', default: '100,500,1000' },
    modes: { type: 'string', default: 'aligned,spread' },
    window: { type: 'string' },
    warmup: { type: 'string' },
    workers: { type: 'string', default: '2' },
    'watch-hosts': { type: 'string', default: '5' },
    'processes-per-frame': { type: 'string', default: '100' },
    protocol: { type: 'string', default: String(PROTOCOL_VERSION) },
    'sim-client': { type: 'string', default: 'raw' },
    'sim-deflate-level': { type: 'string' },
    port: { type: 'string', default: '17170' },
    profile: { type: 'boolean', default: false },
    'hub-node-flags': { type: 'string', default: DEPLOYED_HUB_NODE_FLAGS },
    'cpu-prof': { type: 'boolean', default: false },
    'connect-rate': { type: 'string', default: '50' },
    vigil: { type: 'string', default: 'apps/cli/bin/vigil.mjs' },
    'quiet-timeout': { type: 'string', default: '120' },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`Usage: npm run bench:hub -- [options]
  --quick                  15 s windows after 5 s warm-up (default 60 s after 10 s)
  --agents 100,500,1000    agent counts to run
  --modes aligned,spread   aligned: every agent sends just after the second boundary; spread: evenly over the second
  --window S, --warmup S   measurement window and warm-up per scenario, seconds
  --workers N              simulator worker processes (default 2)
  --watch-hosts N          hosts the live client also subscribes to one by one (default 5)
  --processes-per-frame N  processes in each frame (default 100: top 50 by CPU and by memory, topped up)
  --protocol 1|2|3|4|5     the simulated agents' protocol: 5 (default, as the agent) sends each frame as a binary message
                           of its headline then its deflated JSON, a process's static fields once per connection; 4 the
                           same without the headline; 3 every process as a full row; 2 rows as text
                           (permessage-deflate); 1 objects as text
  --sim-client raw|ws      raw (default): frames compressed once in advance, sent by a minimal WebSocket client;
                           ws: the ws library compressing every frame, as the agent does (costs the simulator ~1 core at 1000)
  --sim-deflate-level L    with --sim-client ws: zlib level of the simulated agents (default: zlib's default, as the agent)
  --port P                 hub port (default 17170)
  --profile                profile the hub's main thread during each window (inspector) and summarise it
  --hub-node-flags="F"     node/V8 flags for the hub process, space-separated (default "${DEPLOYED_HUB_NODE_FLAGS}", as
                           npm start, the systemd unit and the Docker image run it; "" for V8's defaults)
  --cpu-prof               the same over the hub's whole life (node --cpu-prof: start-up and connections included)
  --vigil PATH             the vigil command to run the hub with (default apps/cli/bin/vigil.mjs), e.g. a patched
                           build to compare against
  --connect-rate R         new agent connections per second (default 50; a fresh hub creates each new host's series)
  --quiet-timeout S        before each scenario, wait up to S s for other load to drop under 25% of a core (0: don't)
`);
  process.exit(0);
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function positive(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${flag} needs a positive number, got ${JSON.stringify(value)}`);
  return n;
}

// `npm run bench:hub --quick` (without `--`) hands the flag to npm, which exports it as npm_config_quick.
const quick = opts.quick || process.env.npm_config_quick === 'true';
const windowSeconds = positive(opts.window, quick ? 15 : 60, '--window');
const warmupSeconds = positive(opts.warmup, quick ? 5 : 10, '--warmup');
const workers = Math.round(positive(opts.workers, 2, '--workers'));
const watchHosts = Math.round(positive(opts['watch-hosts'], 5, '--watch-hosts'));
const processesPerFrame = Math.round(positive(opts['processes-per-frame'], 100, '--processes-per-frame'));
if (!['1', '2', '3', '4', '5'].includes(opts.protocol)) throw new Error(`--protocol is 1 to 5, got ${JSON.stringify(opts.protocol)}`);
const protocol = Number(opts.protocol) as SimulatedProtocol;
const clientName = opts['sim-client'];
if (clientName !== 'raw' && clientName !== 'ws') throw new Error(`--sim-client is raw or ws, not ${clientName}`);
const client: 'raw' | 'ws' = clientName;
const deflateLevel = opts['sim-deflate-level'] === undefined ? undefined : Number(opts['sim-deflate-level']);
if (deflateLevel !== undefined && !(Number.isInteger(deflateLevel) && deflateLevel >= 0 && deflateLevel <= 9)) {
  throw new Error('--sim-deflate-level needs 0..9');
}
const agentCounts = opts.agents.split(',').map((s) => Math.round(positive(s.trim(), 0, '--agents')));
const modes = opts.modes.split(',').map((s) => s.trim()) as SendMode[];
for (const m of modes) if (m !== 'aligned' && m !== 'spread') throw new Error(`unknown mode ${m}; known: aligned, spread`);
const quietTimeoutSeconds = Number(opts['quiet-timeout']);
if (!(quietTimeoutSeconds >= 0)) throw new Error('--quiet-timeout needs a number of seconds >= 0');
const connectPerSecond = positive(opts['connect-rate'], 50, '--connect-rate');
if (opts.profile && opts['cpu-prof']) throw new Error('--profile and --cpu-prof: choose one');
const profile = opts.profile ? ('window' as const) : opts['cpu-prof'] ? ('life' as const) : null;
const port = Math.round(positive(opts.port, 17170, '--port'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The commit the measured build comes from, and whether apps/ or packages/ had uncommitted changes; null outside git. */
function gitState(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'packages'], { cwd, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

/** Numbers in a reading, counted the way a store would count its samples. */
function countNumbers(node: unknown): number {
  if (typeof node === 'number') return 1;
  if (node && typeof node === 'object') return Object.values(node).reduce((n: number, v) => n + countNumbers(v), 0);
  return 0;
}

async function main(): Promise<void> {
  if (process.platform !== 'linux' || !existsSync('/proc/self/stat')) throw new Error('this benchmark reads /proc: Linux only');
  if (opts.vigil === VIGIL_BIN && !existsSync(join(repoRoot, 'apps/cli/dist/vigil.mjs'))) {
    throw new Error(`${VIGIL_BIN} is not built: run npm run build first`);
  }
  if (!existsSync(resolve(repoRoot, opts.vigil))) throw new Error(`${opts.vigil} does not exist`);
  if (!(await isPortFree('127.0.0.1', port))) throw new Error(`port ${port} is in use; choose another with --port`);
  installCleanupHandlers();
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-hub-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  // Profiles outlive the run (the scratch folder does not): open them in Chrome DevTools or speedscope.
  const profileKeepDir = join(tmpdir(), 'vigil-bench-hub-profiles');
  if (profile) mkdirSync(profileKeepDir, { recursive: true });
  const vigilBin = snapshotBuild(resolve(repoRoot, opts.vigil), workDir);

  // Real readings of this host, on a process table of ~300 so that every frame can carry ~100 distinct processes.
  const capture = await captureFrames({ repoRoot, vigil: vigilBin, frames: 5, processes: 300, log });
  const frames = capture.frames.map((f) => agentFrameOf(f, processesPerFrame));
  const templatesFile = join(workDir, 'templates.json');
  writeFileSync(templatesFile, JSON.stringify({ host: capture.host, frames }));
  const pool = new FramePool(frames, 64, 1, protocol);
  // The hub closes a connection on the first invalid frame; better to find out here.
  // The raw client's precompressed pieces must inflate to exactly the JSON the ws client would send.
  // A connection's first frame, then the next one (protocol 4 sends less in it), through one connection's decoder.
  const decoder = new ProcessRowDecoder();
  const ts = Math.floor(Date.now() / 1000) * 1000;
  for (const [seq, at, previous] of [
    [0, ts, null],
    [1, ts + 1000, pool.variant(1, ts)],
  ] as const) {
    let headline: string | null = null;
    let inflated: string;
    if (protocol >= 5) {
      const parts = splitFrameMessage(Buffer.concat(pool.binaryMessage(1, seq, at, previous)));
      if (!parts) throw new Error('a simulated frame message has no headline');
      headline = parts.headline;
      inflated = inflateBinary(parts.compressed);
    } else if (protocol >= 3) inflated = inflateBinary(Buffer.concat(pool.binaryMessage(1, seq, at, previous)));
    else inflated = inflateMessage(Buffer.concat(pool.compressedMessage(1, seq, at, previous)));
    if (inflated !== pool.message(1, seq, at, previous)) throw new Error('a precompressed frame does not inflate to its JSON');
    // The hub's own check (static fields and values, rows or objects).
    const check = validateAgentMessage(JSON.parse(inflated), decoder);
    if (!check.success) throw new Error(`a simulated frame is not valid: ${check.path}: ${check.message}`);
    if (headline !== null && headline !== JSON.stringify(headlineOf(check.data as Frame))) {
      throw new Error(`a simulated frame's headline is not the agent's: ${headline}`);
    }
  }

  const info: RunInfo = {
    quick,
    windowSeconds,
    warmupSeconds,
    workers,
    cores: availableParallelism(),
    frameBytes: pool.meanBytes(),
    processesPerFrame,
    protocol,
    systemValues: countNumbers(frames[0]?.system),
    capturedFrames: frames.length,
    vigil: opts.vigil,
    git: opts.vigil === VIGIL_BIN ? gitState(repoRoot) : gitState(dirname(resolve(repoRoot, opts.vigil))),
    simulatorClient: client,
    connectPerSecond,
    simulatorDeflateLevel: client === 'ws' ? (deflateLevel ?? null) : null,
    profiled: profile,
    hubNodeFlags: opts['hub-node-flags'],
  };
  log(`frames: ${Math.round(info.frameBytes)} bytes of JSON, ${processesPerFrame} processes, ${info.systemValues} system values`);

  const results: (ScenarioResult | FailedScenario)[] = [];
  for (const agents of agentCounts) {
    for (const mode of modes) {
      // One scenario failing (the hub dying, say) is a result too; the others still run.
      const outcome = await runScenario({
        repoRoot,
        workDir,
        port,
        agents,
        mode,
        workers,
        warmupMs: warmupSeconds * 1000,
        windowMs: windowSeconds * 1000,
        templatesFile,
        poolSize: 64,
        protocol,
        watchHosts,
        client,
        deflateLevel,
        profile,
        hubNodeFlags: opts['hub-node-flags'].split(' ').filter((f) => f !== ''),
        keepDir: profileKeepDir,
        connectPerSecond,
        quietTimeoutMs: quietTimeoutSeconds * 1000,
        vigil: vigilBin,
        log,
      }).catch((err: unknown): FailedScenario => {
        const error = err instanceof Error ? err.message : String(err);
        log(`[${agents} agents, ${mode}] FAILED: ${error}`);
        return { agents, mode, error };
      });
      results.push(outcome);
      if (!('error' in outcome)) {
        const o = outcome;
        log(
          `[${agents} agents, ${mode}] ${o.framesPerSecondAccepted.toFixed(1)} frames/s, hub ${o.hubCpuPercent.toFixed(1)}% CPU, ` +
            `fleet p50/p99 ${o.fleetLatencyMs.p50.toFixed(0)}/${o.fleetLatencyMs.p99.toFixed(0)} ms, other load ${o.otherCpuPercent.toFixed(0)}%`,
        );
      }
    }
  }
  process.stdout.write(`${table(info, results)}\n\n`);
  process.stdout.write(`${JSON.stringify(summary(info, results))}\n`);
}

main()
  .then(async () => {
    await stopAll();
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`bench:hub failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll(2000);
    process.exitCode = 1;
  });
