/**
 * Web dashboard benchmark (issue 5): the initial download, the time to the first live value, and the fleet view's
 * long tasks with a simulated fleet at 1 Hz, in Debian's Chromium (headless, playwright-core). Run from the repo root:
 * `npm run bench:web [-- --quick]`. See bench/README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import type { SendMode } from '../hub/simulator.ts';
import { installCleanupHandlers, onCleanup, stopAll } from '../lib/child-processes.ts';
import { isPortFree } from '../lib/http-probe.ts';
import { chromiumPid, launchChromium, VIEWPORT } from './browser.ts';
import { snapshotBuild } from './build-snapshot.ts';
import { checkCompression, measureBundle } from './bundle.ts';
import { measureFirstValue } from './first-value.ts';
import { ackStats, fleetHealth, prepareTemplates, type SimulatedFleet, startSimulatedFleet, stopSimulatedFleet } from './fleet-load.ts';
import { type FleetViewOptions, measureFleetView } from './fleet-view.ts';
import { startWebHub, stopWebHub, type WebHub, waitForLiveHosts } from './hub.ts';
import { type QuietWait, waitForQuietOthers } from './machine.ts';
import type { Subjects } from './phase.ts';
import { buildProfilingDashboard, profileFleetView, traceFleetView } from './profile.ts';
import { type Replay, replaySource, routeLiveToReplay } from './replay.ts';
import { type Results, summary, table } from './report.ts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    hosts: { type: 'string', default: '500' },
    window: { type: 'string' },
    warmup: { type: 'string' },
    runs: { type: 'string' },
    mode: { type: 'string', default: 'aligned' },
    workers: { type: 'string', default: '2' },
    'connect-rate': { type: 'string', default: '50' },
    port: { type: 'string', default: '17180' },
    profile: { type: 'boolean', default: false },
    'trace-hub': { type: 'boolean', default: false },
    'profile-seconds': { type: 'string' },
    'quiet-timeout': { type: 'string', default: '120' },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`Usage: npm run bench:web -- [options]
  --quick               15 s window after 5 s warm-up, 3 first-value runs (default 60 s after 10 s, 7 runs)
  --hosts N             simulated hosts at 1 Hz besides the hub's local agent (default 500)
  --window S            fleet-view window, seconds: the first 2/3 watching, the last 1/3 scrolling
  --warmup S            fleet-view warm-up after the first value, seconds
  --runs N              cold navigations per first-value measurement (after one untimed warm-up navigation)
  --mode aligned|spread aligned (default): agents send just after each second, as real agents; spread: evenly
  --workers N           simulator worker processes (default 2)
  --connect-rate R      new agent connections per second (default 50)
  --port P              hub port (default 17180)
  --profile             also profile the fleet view (CDP Profiler) on a source-mapped build of apps/web/src, watching
                        and scrolling, and list the top functions; .cpuprofile files kept in $TMPDIR/vigil-bench-web-profiles
  --profile-seconds S   length of each profile (default 20, quick 10)
  --trace-hub           also trace the fleet view fed by the hub (Chromium trace: paint, layout, script...), watching
                        and scrolling, --profile-seconds each; .trace.json files kept in $TMPDIR/vigil-bench-web-profiles
  --quiet-timeout S     before each measurement, wait up to S s for others' load to drop under 25% of a core (0: don't)
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

// `npm run bench:web --quick` (without `--`) hands the flag to npm, which exports it as npm_config_quick.
const quick = opts.quick || process.env.npm_config_quick === 'true';
const hosts = Math.round(positive(opts.hosts, 500, '--hosts'));
const windowSeconds = positive(opts.window, quick ? 15 : 60, '--window');
const warmupSeconds = positive(opts.warmup, quick ? 5 : 10, '--warmup');
const runs = Math.round(positive(opts.runs, quick ? 3 : 7, '--runs'));
const workers = Math.round(positive(opts.workers, 2, '--workers'));
const connectPerSecond = positive(opts['connect-rate'], 50, '--connect-rate');
const port = Math.round(positive(opts.port, 17180, '--port'));
const profileSeconds = positive(opts['profile-seconds'], quick ? 10 : 20, '--profile-seconds');
const quietTimeoutMs = Number(opts['quiet-timeout']) * 1000;
if (!(quietTimeoutMs >= 0)) throw new Error('--quiet-timeout needs a number of seconds >= 0');
if (opts.mode !== 'aligned' && opts.mode !== 'spread') throw new Error(`--mode is aligned or spread, not ${opts.mode}`);
const mode: SendMode = opts.mode;
const idleSeconds = Math.round(((windowSeconds * 2) / 3) * 10) / 10;
const scrollSeconds = Math.round((windowSeconds - idleSeconds) * 10) / 10;
const baselineSeconds = Math.min(15, Math.max(5, windowSeconds / 4));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Others count as quiet under this much of a core (the hub benchmark's threshold). */
const QUIET_PERCENT = 25;

const errorOf = (err: unknown): { error: string } => ({ error: err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err) });

async function main(): Promise<void> {
  if (process.platform !== 'linux' || !existsSync('/proc/self/stat')) throw new Error('this benchmark reads /proc: Linux only');
  if (!existsSync(join(repoRoot, 'apps/web/dist/index.html'))) {
    throw new Error('apps/web/dist/index.html is missing: build the dashboard first with npm run build');
  }
  if (!(await isPortFree('127.0.0.1', port))) throw new Error(`port ${port} is in use; choose another with --port`);
  installCleanupHandlers();
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-web-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));

  const build = await snapshotBuild(repoRoot, workDir, log);
  const bundle = measureBundle(build.webDist);
  log(`bundle: initial ${(bundle.initialTotal.gzip9Bytes / 1000).toFixed(1)} kB gzip -9 (${bundle.initial.map((a) => a.file).join(', ')})`);
  const profileDist = opts.profile ? await buildProfilingDashboard(repoRoot, join(workDir, 'profiling-dist')) : null;
  const templatesFile = await prepareTemplates(build.root, workDir, log);

  const quiet: Record<string, QuietWait> = {};
  const waitQuiet = async (name: string, roots: number[]): Promise<void> => {
    if (quietTimeoutMs === 0) return;
    const q = await waitForQuietOthers(roots, QUIET_PERCENT, quietTimeoutMs);
    quiet[name] = q;
    log(
      `machine before ${name}: others ${q.othersPercent.toFixed(0)}% of a core${q.quiet ? '' : ' (NOT quiet: figures will be noisy)'}` +
        `${q.waitedMs > 3000 ? `, waited ${(q.waitedMs / 1000).toFixed(0)} s` : ''}`,
    );
  };

  await waitQuiet('start', []);
  let hub: WebHub | undefined;
  let browser: Browser | undefined;
  let fleet: SimulatedFleet | undefined;
  const results: Omit<Results, 'info'> = {
    bundle,
    compression: { error: 'not run' },
    firstValueOneHost: { error: 'not run' },
    firstValueFleet: { error: 'not run' },
    fleetView: { error: 'not run' },
    firstValueReplay: { error: 'not run' },
    fleetViewReplay: { error: 'not run' },
    profile: opts.profile ? { error: 'not run' } : null,
    traceViaHub: opts['trace-hub'] ? { error: 'not run' } : null,
    fleet: null,
    quiet,
    hubWarnings: {},
    hubExit: 'not started',
  };
  let chromiumVersion = 'n/a';
  try {
    hub = await startWebHub({ root: build.root, workDir, port });
    log(`hub pid ${hub.tracked.pid} on ${hub.url}; waiting for its local agent's first live value`);
    await waitForLiveHosts(hub, 1, 30_000);
    const entry = bundle.initial.filter((a) => a.kind !== 'modulepreload');
    results.compression = await Promise.all(entry.map((a) => checkCompression((hub as WebHub).url, a.file, a.rawBytes))).catch(errorOf);

    browser = await launchChromium();
    chromiumVersion = browser.version();
    const browserPid = chromiumPid();
    const subjects: Subjects = { hubPid: hub.tracked.pid, browserPid, simulatorPids: [] };
    const ours = () => [subjects.hubPid, ...(subjects.browserPid ? [subjects.browserPid] : []), ...subjects.simulatorPids];

    await waitQuiet('first value, 1 host', ours());
    log(`first value with 1 host: ${runs} cold navigations`);
    results.firstValueOneHost = await measureFirstValue(browser, hub, { runs, hosts: 1, log }).catch(errorOf);

    log(`starting ${hosts} simulated hosts (${mode}, ${workers} workers, ${connectPerSecond} connections/s)`);
    fleet = await startSimulatedFleet({
      repoRoot,
      hubUrl: hub.url,
      agentToken: hub.agentToken,
      templatesFile,
      hosts,
      mode,
      workers,
      connectPerSecond,
      log,
    });
    subjects.simulatorPids = fleet.workers.map((w) => w.tracked.pid);
    log(`${fleet.connected}/${hosts} simulated hosts connected${fleet.errors.length ? `; ${fleet.errors.join('; ')}` : ''}`);
    await waitForLiveHosts(hub, fleet.connected + 1, 30_000);

    const closesBefore = () => fleetHealth(fleet as SimulatedFleet).closes;
    const closesAtFirstValue = closesBefore();
    await waitQuiet(`first value, ${hosts + 1} hosts`, ours());
    log(`first value with ${hosts + 1} hosts: ${runs} cold navigations`);
    results.firstValueFleet = await measureFirstValue(browser, hub, { runs, hosts: hosts + 1, log }).catch(errorOf);

    const closesAtFleetView = closesBefore();
    const fleetViewStart = Date.now();
    const viewOptions: FleetViewOptions = {
      warmupMs: warmupSeconds * 1000,
      idleMs: idleSeconds * 1000,
      scrollMs: scrollSeconds * 1000,
      baselineMs: baselineSeconds * 1000,
      wheelPx: 200,
      wheelsPerSecond: 20,
      log,
    };
    await waitQuiet('fleet view', ours());
    log(
      `fleet view fed by the hub, ${hosts + 1} hosts: ${warmupSeconds} s warm-up, ${idleSeconds} s watching, ${scrollSeconds} s scrolling`,
    );
    results.fleetView = await measureFleetView(browser, hub, subjects, viewOptions).catch(errorOf);
    if (opts['trace-hub']) {
      // What the page does when the hub feeds it, which a profile of the replayed page cannot show (issue 5).
      const keepDir = join(tmpdir(), 'vigil-bench-web-profiles');
      mkdirSync(keepDir, { recursive: true });
      log(`tracing the fleet view fed by the hub: ${profileSeconds} s watching, ${profileSeconds} s scrolling`);
      results.traceViaHub = await traceFleetView(browser, hub, {
        ...viewOptions,
        seconds: profileSeconds,
        keepDir,
        prefix: 'fleet-view-via-hub',
      }).catch(errorOf);
    }
    const closesAfterFleetView = closesBefore();
    const hubThroughput = ackStats(fleet, fleetViewStart, Date.now());
    const health = fleetHealth(fleet);
    results.fleet = {
      connected: fleet.connected,
      openAtEnd: health.open,
      skipped: health.skipped,
      closes: health.closes,
      closesDuringFirstValue: closesAtFleetView - closesAtFirstValue,
      closesDuringFleetView: closesAfterFleetView - closesAtFleetView,
      reconnects: health.reconnects,
      ...hubThroughput,
      errors: fleet.errors,
    };

    // The page alone at exactly the target load: the live socket replayed by the harness, simulators stopped.
    const source = await replaySource(hub, templatesFile);
    await stopSimulatedFleet(fleet);
    fleet = undefined;
    subjects.simulatorPids = [];
    const replays: Replay[] = [];
    const replayed: FleetViewOptions = {
      ...viewOptions,
      prepareContext: async (context) => replays.push(await routeLiveToReplay(context, source, mode)),
    };
    const stopReplays = () => {
      for (const r of replays.splice(0)) r.stop();
    };
    await waitQuiet('replayed first value', ours());
    log(`first value with ${source.summaries.length} replayed hosts: ${runs} cold navigations`);
    results.firstValueReplay = await measureFirstValue(browser, hub, {
      runs,
      hosts: source.summaries.length,
      prepareContext: replayed.prepareContext,
      log,
    })
      .catch(errorOf)
      .finally(stopReplays);
    await waitQuiet('replayed fleet view', ours());
    log(`fleet view fed by the replay, ${source.summaries.length} hosts (${mode})`);
    results.fleetViewReplay = await measureFleetView(browser, hub, subjects, replayed).catch(errorOf).finally(stopReplays);

    if (profileDist) {
      const keepDir = join(tmpdir(), 'vigil-bench-web-profiles');
      mkdirSync(keepDir, { recursive: true });
      log(`profiling the replayed fleet view: ${profileSeconds} s watching, ${profileSeconds} s scrolling`);
      results.profile = await profileFleetView(browser, hub, profileDist, { ...replayed, seconds: profileSeconds, keepDir })
        .catch(errorOf)
        .finally(stopReplays);
    }
  } finally {
    await browser?.close().catch(() => {});
    if (fleet) await stopSimulatedFleet(fleet);
    if (hub) {
      results.hubWarnings = Object.fromEntries(hub.warnings);
      results.hubExit = await stopWebHub(hub);
    }
  }

  const all: Results = {
    info: {
      quick,
      hosts,
      mode,
      runs,
      warmupSeconds,
      idleSeconds,
      scrollSeconds,
      baselineSeconds,
      cores: availableParallelism(),
      chromium: chromiumVersion,
      viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
    },
    ...results,
  };
  process.stdout.write(`${table(all)}\n\n`);
  process.stdout.write(`${JSON.stringify(summary(all))}\n`);
}

main()
  .then(() => stopAll())
  .catch(async (err: unknown) => {
    log(`bench:web failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await stopAll();
    process.exitCode = 1;
  });
