/**
 * Collector benchmark: vigil's per-second collection against node_exporter, glances and netdata on a ~300-process
 * host, one subject at a time. Run from the repo root: `npm run bench:collector [-- --quick]`. See bench/README.md.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanupHandlers, onCleanup, stopAll } from '../lib/child-processes.ts';
import { ensureDebPackages } from '../lib/deb-packages.ts';
import { clockTicksPerSecond, readAllStats } from '../lib/proc-tree.ts';
import { ProcessTableFiller } from '../lib/process-load.ts';
import { measureSubject, type SubjectResult } from './measure.ts';
import { type RunInfo, summary, table } from './report.ts';
import { SUBJECT_NAMES, SUBJECTS, type SubjectName } from './subjects.ts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    window: { type: 'string' },
    warmup: { type: 'string' },
    processes: { type: 'string' },
    only: { type: 'string' },
    'stand-in': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`Usage: npm run bench:collector -- [options]
  --quick            12 s windows instead of 60 s
  --window S         window length in seconds
  --warmup S         warm-up before each window (default 5)
  --processes N      processes to have in /proc (default 300)
  --only a,b         subjects to run: ${SUBJECT_NAMES.join(', ')}
  --stand-in         measure the vigil stand-in even if apps/cli/bin/vigil.mjs exists
  --no-install       do not apt-get install missing peers (they are reported unavailable)
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

// `npm run bench:collector --quick` (without `--`) hands the flag to npm, which exports it as npm_config_quick.
const quick = opts.quick || process.env.npm_config_quick === 'true';
const windowSeconds = positive(opts.window, quick ? 12 : 60, '--window');
const warmupSeconds = positive(opts.warmup, 5, '--warmup');
const targetProcesses = Math.round(positive(opts.processes, 300, '--processes'));
const only = opts.only ? opts.only.split(',').map((s) => s.trim()) : [...SUBJECT_NAMES];
for (const name of only) {
  if (!SUBJECT_NAMES.includes(name as SubjectName)) throw new Error(`unknown subject ${name}; known: ${SUBJECT_NAMES.join(', ')}`);
}
const subjects = SUBJECTS.filter((s) => only.includes(s.name));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  if (process.platform !== 'linux' || !existsSync('/proc/self/stat')) throw new Error('this benchmark reads /proc: Linux only');
  installCleanupHandlers();
  const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-collector-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  const clk = clockTicksPerSecond();

  // Installs first, so apt never runs while something is being measured.
  const results: Partial<Record<SubjectName, SubjectResult>> = {};
  const runnable = [];
  for (const s of subjects) {
    if (s.debPackages.length > 0) {
      log(`[${s.name}] checking Debian packages: ${s.debPackages.join(' ')}`);
      const ok = await ensureDebPackages(s.debPackages, { allowInstall: !opts['no-install'] });
      if (!ok.ok) {
        results[s.name] = { available: false, reason: ok.reason };
        log(`[${s.name}] unavailable: ${ok.reason}`);
        continue;
      }
      if (ok.installed.length > 0) log(`[${s.name}] installed ${ok.installed.join(' ')}`);
    }
    runnable.push(s);
  }

  // A peer left running by someone else would share the machine with the subject being measured.
  const strays = [...readAllStats().values()].filter((p) => /^(prometheus-node|node_exporter|netdata|glances)/.test(p.comm));
  if (strays.length > 0) log(`warning: already running, figures may be disturbed: ${strays.map((p) => `${p.comm}(${p.pid})`).join(', ')}`);

  // Fillers expire by themselves a while after the planned end, in case the harness is SIGKILLed.
  const filler = new ProcessTableFiller({ ttlSeconds: Math.ceil(runnable.length * (windowSeconds + warmupSeconds + 90) + 600) });
  const topUp = async (): Promise<number> => {
    const t = await filler.topUp(targetProcesses);
    if (t.added > 0) log(`process table: ${t.before} -> ${t.after} (+${t.added} fillers, ${t.threadedAdded} with 8 idle threads)`);
    return t.after;
  };
  const info: RunInfo = { processes: await topUp(), targetProcesses, windowSeconds, warmupSeconds, clockTicksPerSecond: clk, quick };

  try {
    for (const s of runnable) {
      let launch: ReturnType<typeof s.launch>;
      try {
        launch = s.launch({ repoRoot, workDir, forceStandIn: opts['stand-in'] });
      } catch (err) {
        results[s.name] = { available: false, reason: `could not prepare: ${err instanceof Error ? err.message : err}` };
        continue;
      }
      if (launch.standIn) log('[vigil] apps/cli/bin/vigil.mjs not found (or --stand-in): measuring the STAND-IN');
      // On a shared machine other processes come and go: each subject must face the target, not just the first.
      await topUp();
      results[s.name] = await measureSubject(s.name, launch, {
        warmupMs: warmupSeconds * 1000,
        windowMs: windowSeconds * 1000,
        readyTimeoutMs: 60_000,
        log,
      });
      const r = results[s.name];
      if (r && !r.available) log(`[${s.name}] unavailable: ${r.reason}`);
    }
  } finally {
    await filler.release();
  }

  // Keep the subjects' order in the report even when some were unavailable before the runs.
  const ordered: Partial<Record<SubjectName, SubjectResult>> = {};
  for (const s of subjects) if (results[s.name]) ordered[s.name] = results[s.name];
  process.stdout.write(`${table(info, ordered)}\n\n`);
  process.stdout.write(`${JSON.stringify(summary(info, ordered))}\n`);
}

main()
  .then(async () => {
    await stopAll();
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`bench:collector failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll(2000);
    process.exitCode = 1;
  });
