/**
 * Storage benchmark: a day of per-second data for a fleet, synthesised from frames recorded on this machine, stored
 * in Vigil's time-series store, side by side with one SQLite row per sample and with VictoriaMetrics. Run from the
 * repo root: `npm run bench:storage [-- --quick]`. See bench/README.md.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../../apps/hub/src/store/tsdb/index.ts';
import { installCleanupHandlers, onCleanup } from '../lib/child-processes.ts';
import { clockTicksPerSecond, readMachineCpu } from '../lib/proc-tree.ts';
import { machineBusyPercent } from '../lib/quiet-machine.ts';
import { measureNaive, type NaiveFigures } from './naive-sqlite.ts';
import { loadRecording, type Recording, recordFrames } from './record.ts';
import { type Results, summary, table } from './report.ts';
import { Fleet, hostProfiles } from './synth.ts';
import { measureVictoria, type VictoriaFigures } from './victoria.ts';
import { buildRollups, ingestFleet, sizeFigures, timeQuery } from './vigil-store.ts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    hosts: { type: 'string' },
    hours: { type: 'string' },
    record: { type: 'boolean', default: false },
    'record-seconds': { type: 'string', default: '300' },
    'month-step': { type: 'string' },
    'month-days': { type: 'string' },
    'naive-hosts': { type: 'string' },
    runs: { type: 'string' },
    'vm-port': { type: 'string', default: '18428' },
    'no-month': { type: 'boolean', default: false },
    'no-naive': { type: 'boolean', default: false },
    'no-victoria': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`Usage: npm run bench:storage -- [options]
  --quick              2 hosts x 2 h, 7 days at one frame per 5 min, 5 query runs (default: 6 hosts x 24 h,
                       30 days at one frame a minute, 9 query runs)
  --hosts N, --hours H fleet size and length of the per-second day
  --record             record the frames again (default: reuse bench/storage/data/recording.jsonl if present)
  --record-seconds S   length of a new recording (default 300)
  --month-step S       seconds between frames of the long single-host store (default 60; quick 300)
  --month-days D       days in that store, read back per minute (default 30; quick 7: its rollups take ~1 s a day)
  --naive-hosts N      hosts fed to the one-row-per-sample SQLite table (default 1; quick: all)
  --runs N             timed runs per query (median reported), after one untimed first run
  --vm-port P          VictoriaMetrics port on 127.0.0.1 (default 18428)
  --no-month, --no-naive, --no-victoria   skip a part
  --no-install         do not apt-get install victoria-metrics when missing
  --keep               keep the databases (printed path) instead of deleting them
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

// `npm run bench:storage --quick` (without `--`) hands the flag to npm, which exports it as npm_config_quick.
const quick = opts.quick || process.env.npm_config_quick === 'true';
// 6 hosts keep the full run within ~15 minutes on 2 cores; 10 hosts x 24 h took 20 minutes (README).
const hostCount = Math.round(positive(opts.hosts, quick ? 2 : 6, '--hosts'));
const hours = positive(opts.hours, quick ? 2 : 24, '--hours');
const monthStepSeconds = positive(opts['month-step'], quick ? 300 : 60, '--month-step');
const monthDays = Math.round(positive(opts['month-days'], quick ? 7 : 30, '--month-days'));
const naiveHosts = Math.min(hostCount, Math.round(positive(opts['naive-hosts'], quick ? hostCount : 1, '--naive-hosts')));
const runs = Math.round(positive(opts.runs, quick ? 5 : 9, '--runs'));
const recordSeconds = Math.round(positive(opts['record-seconds'], 300, '--record-seconds'));
const vmPort = Math.round(positive(opts['vm-port'], 18428, '--vm-port'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = join(repoRoot, 'bench/storage/data');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The series every latency figure reads: one core's CPU of the first host. */
const QUERY = { metric: 'cpu_usage_percent', labels: { cpu: '0' }, key: 'cpu_usage_percent{cpu="0"}' };

async function getRecording(): Promise<Recording> {
  const cached = opts.record ? null : loadRecording(dataDir);
  if (cached) {
    log(
      `recording: ${cached.frames.length} frames of ${cached.meta.hostname} from ${cached.meta.recordedAt} (cached in bench/storage/data)`,
    );
    return cached;
  }
  if (!existsSync(join(repoRoot, 'apps/cli/dist/vigil.mjs')))
    throw new Error('apps/cli/dist/vigil.mjs is missing: run npm run build first');
  log(`recording: ${recordSeconds} s of real frames with activity (CPU, disk, loopback network, memory, forks)`);
  return recordFrames({ repoRoot, dataDir, seconds: recordSeconds, log });
}

/** CPU of the rest of the machine while `fn` ran, in percent of one core. */
function withOtherCpu<T>(fn: () => T): { result: T; otherCpuPercent: number } {
  const m0 = readMachineCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const machine = (readMachineCpu().busyTicks - m0.busyTicks) / clockTicksPerSecond();
  const own = (c.user + c.system) / 1e6;
  return { result, otherCpuPercent: Math.max(0, ((machine - own) / seconds) * 100) };
}

/** Bytes of a closed database: file size, and pages in use. */
function closedSize(path: string): { fileBytes: number; usedBytes: number } {
  const db = new Database(path, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return { fileBytes: pages * pageSize, usedBytes: (pages - free) * pageSize };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  installCleanupHandlers();
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-storage-'));
  if (!opts.keep) onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  const recording = await getRecording();
  const busyBeforePercent = await machineBusyPercent(2000);

  // The day ends on a whole hour at least an hour ago, so every store (VictoriaMetrics included) takes it as history.
  const spanMs = hours * HOUR;
  const steps = Math.round(spanMs / 1000);
  const endTs = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const startTs = endTs - steps * 1000;
  const profiles = hostProfiles(hostCount, recording.frames.length);
  const queryHost = (profiles[0] as { id: string }).id;
  const from = startTs;
  const to = startTs + spanMs - 1;
  const downStep = spanMs / 1000;

  // 1. Vigil, a fleet's day at one frame per second.
  const path = join(workDir, 'vigil-day.db');
  let now = startTs;
  const storage = new SqliteStorage({ path, now: () => now, background: false });
  log(`vigil: ${hostCount} hosts x ${hours} h at 1 s (${steps * hostCount} frames)`);
  const ingest = withOtherCpu(() =>
    ingestFleet(storage, new Fleet(recording.frames, profiles, startTs), steps, {
      setNow: (ms) => {
        now = ms;
      },
      log,
      label: 'vigil',
    }),
  );
  now = startTs + spanMs;
  log(`vigil: ${ingest.result.samples} samples in ${(ingest.result.wallMs / 1000).toFixed(1)} s; building rollups`);
  const rollups = buildRollups(storage, now);
  const size = sizeFigures(storage, path);
  log('vigil: queries');
  const raw = timeQuery(storage, { metrics: [QUERY.metric], hosts: [queryHost], labels: QUERY.labels, from, to }, runs);
  const down = timeQuery(storage, { metrics: [QUERY.metric], hosts: [queryHost], labels: QUERY.labels, from, to, step: downStep }, runs);
  // The same query before any rollup exists is answered from raw chunks; the rolled-up tier is what a dashboard gets.
  storage.close();
  const afterClose = closedSize(path);

  // 2. Vigil, a month (30 days) of one host at a lower rate: the minute tier that a month's chart reads.
  let month: Results['vigilMonth'] = null;
  if (!opts['no-month']) {
    const monthPath = join(workDir, 'vigil-month.db');
    const monthSteps = Math.round((monthDays * DAY) / (monthStepSeconds * 1000));
    const monthStart = endTs - monthSteps * monthStepSeconds * 1000;
    let monthNow = monthStart;
    const monthStore = new SqliteStorage({ path: monthPath, now: () => monthNow, background: false });
    log(`vigil month: 1 host x ${monthDays} days at one frame per ${monthStepSeconds} s (${monthSteps} frames)`);
    const monthProfile = hostProfiles(1, recording.frames.length, 7);
    const monthIngest = ingestFleet(
      monthStore,
      new Fleet(recording.frames, monthProfile, monthStart, monthStepSeconds * 1000),
      monthSteps,
      {
        setNow: (ms) => {
          monthNow = ms;
        },
        log,
        label: 'vigil month',
      },
    );
    monthNow = endTs;
    log('vigil month: building rollups');
    const monthRollups = buildRollups(monthStore, monthNow);
    // retain() deletes at most 5,000 chunks per tier a call (it runs in the background); call it until it is done.
    let deleted = 0;
    for (let n = monthStore.rollups.retain(monthNow).deleted; n > 0; n = monthStore.rollups.retain(monthNow).deleted) deleted += n;
    const retained = { deleted };
    const monthSize = sizeFigures(monthStore, monthPath);
    const monthQuery = timeQuery(
      monthStore,
      {
        metrics: [QUERY.metric],
        hosts: [(monthProfile[0] as { id: string }).id],
        labels: QUERY.labels,
        from: endTs - monthDays * DAY,
        to: endTs - 1,
        step: 60_000,
      },
      runs,
    );
    monthStore.close();
    month = {
      days: monthDays,
      stepSeconds: monthStepSeconds,
      ingest: monthIngest,
      rollups: monthRollups,
      deletedByRetention: retained.deleted,
      size: monthSize,
      query: monthQuery,
    };
  }

  // 3. The naive table, same samples (the first `naiveHosts` hosts).
  let naive: NaiveFigures | null = null;
  if (!opts['no-naive']) {
    log(`naive sqlite: ${naiveHosts} host(s) x ${hours} h, one row per sample`);
    naive = measureNaive({
      path: join(workDir, 'naive.db'),
      fleet: new Fleet(recording.frames, profiles.slice(0, naiveHosts), startTs),
      steps,
      queryHost,
      queryKey: QUERY.key,
      queryFrom: from,
      queryTo: to,
      queryStep: downStep,
      runs,
      log,
    });
    rmSync(join(workDir, 'naive.db'), { force: true });
  }

  // 4. VictoriaMetrics, same samples, all hosts.
  let victoria: VictoriaFigures | null = null;
  if (!opts['no-victoria']) {
    log('victoria-metrics: import');
    victoria = await measureVictoria({
      dataDir: join(workDir, 'victoria-metrics'),
      port: vmPort,
      fleet: new Fleet(recording.frames, profiles, startTs),
      steps,
      stepsPerRequest: 600,
      queryHost,
      queryMetric: QUERY.metric,
      queryLabels: QUERY.labels,
      queryFrom: from,
      queryTo: to,
      queryStep: downStep,
      runs,
      allowInstall: !opts['no-install'],
      log,
    });
    if (!victoria.available) log(`victoria-metrics: unavailable: ${victoria.reason}`);
  }

  const results: Results = {
    quick,
    hosts: hostCount,
    hours,
    recording: { frames: recording.frames.length, recordedAt: recording.meta.recordedAt, host: recording.meta.hostname },
    seriesPerHost: size.series / hostCount,
    from,
    to,
    query: { host: queryHost, series: QUERY.key, downsampleStepMs: downStep, runs },
    vigil: { ingest: ingest.result, otherCpuPercent: ingest.otherCpuPercent, rollups, size, afterClose, raw, down },
    vigilMonth: month,
    naive,
    victoria,
    busyBeforePercent,
    workDir: opts.keep ? workDir : null,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${table(results)}\n`);
  process.stdout.write(`${JSON.stringify(summary(results))}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`bench:storage failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
