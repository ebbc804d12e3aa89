/** Captures a few real frames of this machine with `vigil snapshot --watch`, as an agent would send them. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Frame } from '@vigil/schema';
import { selectProcesses, TOP_PROCESSES } from '../../apps/agent/src/collect/processes.ts';
import { spawnTracked, stopTracked } from '../lib/child-processes.ts';
import { ProcessTableFiller } from '../lib/process-load.ts';
import { waitFor } from '../lib/timing.ts';

export interface CaptureOptions {
  repoRoot: string;
  /** Frames to keep; the first reading is dropped (its rates and process CPU are null on first sight). */
  frames: number;
  /** Processes to have in /proc while capturing, so that the agent's top-N selection has ~100 to send. */
  processes: number;
  /** Process name patterns the rules follow: the agent sends matching processes besides its top N. */
  followNames: readonly string[];
  log: (line: string) => void;
}

/**
 * Runs `vigil snapshot --watch --compact --no-connections` for `frames + 1` readings on a process table filled to
 * `processes`, and applies the agent's selection (top 50 by CPU ∪ top 50 by memory ∪ followed names) to each frame.
 */
export async function captureFrames(opts: CaptureOptions): Promise<Frame[]> {
  const bin = join(opts.repoRoot, 'apps/cli/bin/vigil.mjs');
  if (!existsSync(join(opts.repoRoot, 'apps/cli/dist/vigil.mjs'))) throw new Error('apps/cli/dist is missing: run `npm run build` first');
  const filler = new ProcessTableFiller({ ttlSeconds: opts.frames + 60 });
  try {
    const t = await filler.topUp(opts.processes);
    opts.log(`capture: process table ${t.before} -> ${t.after} (+${t.added} idle fillers)`);
    const child = spawnTracked(process.execPath, [bin, 'snapshot', '--watch', '--interval', '1', '--compact', '--no-connections'], {
      cwd: opts.repoRoot,
      stdout: 'pipe',
      description: 'vigil snapshot --watch',
    });
    const frames: Frame[] = [];
    let problem: string | undefined;
    const lines = createInterface({ input: child.child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const parsed = Frame.safeParse(JSON.parse(line));
      if (parsed.success) frames.push(parsed.data);
      else problem = `a snapshot frame does not match Frame: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
    });
    try {
      await waitFor(
        () => {
          if (problem) throw new Error(problem);
          if (child.exitInfo) throw new Error(`vigil snapshot --watch stopped early: ${child.stderrTail() || 'no output'}`);
          return frames.length >= opts.frames + 1;
        },
        { what: `${opts.frames + 1} frames of vigil snapshot --watch`, timeoutMs: (opts.frames + 15) * 1000 },
      );
    } finally {
      lines.close();
      await stopTracked(child, 2000);
    }
    return frames.slice(1, opts.frames + 1).map((f) => {
      const processes = selectProcesses(f.processes, TOP_PROCESSES, new Set(), opts.followNames);
      return { ...f, processes, processesComplete: processes.length === f.processes.length };
    });
  } finally {
    await filler.release();
  }
}
