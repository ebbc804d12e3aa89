/**
 * Records real frames of this machine with `vigil snapshot --watch --compact --interval 1` while it puts real
 * activity on the machine (CPU burners, fsynced disk writes, a loopback TCP stream, memory growth, process churn),
 * and caches them under bench/storage/data/ for the synthesis of a fleet's day (synth.ts).
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Frame } from '@vigil/schema';
import { selectProcesses, TOP_PROCESSES } from '../../apps/agent/src/collect/processes.ts';
import { spawnTracked, stopTracked, type TrackedChild } from '../lib/child-processes.ts';
import { waitFor } from '../lib/timing.ts';

export interface RecordingMeta {
  recordedAt: string;
  seconds: number;
  frames: number;
  hostname: string;
  kernel: string;
  command: string;
  /** What ran when, in seconds from the first kept frame. */
  activity: { kind: string; args: string[]; from: number; to: number }[];
}

export interface Recording {
  meta: RecordingMeta;
  frames: Frame[];
}

/** Activity phases, as fractions of the recording: overlapping, with quiet stretches at both ends. */
const PHASES: { kind: string; from: number; to: number; args: (dir: string) => string[] }[] = [
  { kind: 'cpu', from: 0.07, to: 0.27, args: () => ['1'] },
  { kind: 'cpu', from: 0.17, to: 0.37, args: () => ['0.5'] },
  { kind: 'disk', from: 0.33, to: 0.53, args: (dir) => ['30', dir] },
  { kind: 'net', from: 0.47, to: 0.73, args: () => ['80'] },
  { kind: 'mem', from: 0.6, to: 0.8, args: () => ['1024'] },
  { kind: 'fork', from: 0.67, to: 0.87, args: () => ['30'] },
  { kind: 'cpu', from: 0.8, to: 0.9, args: () => ['0.3'] },
];

export const RECORDING_FILE = 'recording.jsonl';
export const META_FILE = 'recording.json';

/** The cached recording, or null when there is none (or it is unreadable). */
export function loadRecording(dataDir: string): Recording | null {
  const framesPath = join(dataDir, RECORDING_FILE);
  const metaPath = join(dataDir, META_FILE);
  if (!existsSync(framesPath) || !existsSync(metaPath)) return null;
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RecordingMeta;
  const frames = readFileSync(framesPath, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Frame.parse(JSON.parse(line)));
  return frames.length >= 10 ? { meta, frames } : null;
}

export interface RecordOptions {
  repoRoot: string;
  dataDir: string;
  seconds: number;
  log: (line: string) => void;
}

/**
 * Runs the watch for `seconds + 1` frames (the first has no rates and is dropped), starting each activity at its
 * moment. Each frame keeps the processes an agent would send (top 50 by CPU ∪ top 50 by memory).
 */
export async function recordFrames(opts: RecordOptions): Promise<Recording> {
  mkdirSync(opts.dataDir, { recursive: true });
  const args = ['apps/cli/bin/vigil.mjs', 'snapshot', '--watch', '--compact', '--interval', '1'];
  const watch = spawnTracked(process.execPath, args, { cwd: opts.repoRoot, stdout: 'pipe', description: 'vigil snapshot --watch' });
  const frames: Frame[] = [];
  let problem: string | undefined;
  const lines = createInterface({ input: watch.child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    const parsed = Frame.safeParse(JSON.parse(line));
    if (!parsed.success) {
      problem = `a frame does not match Frame: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
      return;
    }
    const frame = parsed.data;
    frames.push({ ...frame, processes: selectProcesses(frame.processes, TOP_PROCESSES, new Set()), processesComplete: false });
    if (frames.length % 30 === 0) opts.log(`record: ${frames.length}/${opts.seconds + 1} frames`);
  });
  const workers: TrackedChild[] = [];
  const timers: NodeJS.Timeout[] = [];
  const activity: RecordingMeta['activity'] = [];
  const worker = join(opts.repoRoot, 'bench/storage/load-worker.mjs');
  try {
    await waitFor(
      () => {
        if (watch.exitInfo) throw new Error(`vigil snapshot --watch did not start: ${watch.stderrTail() || 'no output'}`);
        return frames.length >= 1;
      },
      { what: 'the first frame of vigil snapshot --watch', timeoutMs: 30_000 },
    );
    const t0 = Date.now();
    for (const phase of PHASES) {
      const from = Math.round(phase.from * opts.seconds);
      const duration = Math.max(1, Math.round((phase.to - phase.from) * opts.seconds));
      const phaseArgs = phase.args(opts.dataDir);
      activity.push({ kind: phase.kind, args: phaseArgs, from, to: from + duration });
      timers.push(
        setTimeout(
          () => {
            opts.log(`record: ${phase.kind} ${phaseArgs.join(' ')} for ${duration} s`);
            workers.push(
              spawnTracked(process.execPath, [worker, phase.kind, String(duration), ...phaseArgs], {
                description: `load ${phase.kind}`,
              }),
            );
          },
          Math.max(0, t0 + from * 1000 - Date.now()),
        ),
      );
    }
    await waitFor(
      () => {
        if (problem) throw new Error(problem);
        if (watch.exitInfo) throw new Error(`vigil snapshot --watch stopped early: ${watch.stderrTail() || 'no output'}`);
        return frames.length >= opts.seconds + 1;
      },
      { what: `${opts.seconds + 1} frames`, timeoutMs: (opts.seconds + 60) * 1000, intervalMs: 250 },
    );
  } finally {
    for (const t of timers) clearTimeout(t);
    lines.close();
    await Promise.all([stopTracked(watch, 2000), ...workers.map((w) => stopTracked(w, 2000))]);
  }
  const kept = frames.slice(1, opts.seconds + 1);
  const out = createWriteStream(join(opts.dataDir, RECORDING_FILE));
  for (const f of kept) out.write(`${JSON.stringify(f)}\n`);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const meta: RecordingMeta = {
    recordedAt: new Date(kept[0]?.ts ?? Date.now()).toISOString(),
    seconds: kept.length,
    frames: kept.length,
    hostname: readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(),
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    command: `node ${args.join(' ')}`,
    activity,
  };
  writeFileSync(join(opts.dataDir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  return { meta, frames: kept };
}
