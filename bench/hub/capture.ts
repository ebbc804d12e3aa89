/** Captures real frames of this machine with `vigil snapshot --watch`, on a process table filled to ~300 entries. */
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Frame, HostSnapshot } from '@vigil/schema';
import { spawnTracked, stopTracked } from '../lib/child-processes.ts';
import { ProcessTableFiller } from '../lib/process-load.ts';
import { waitFor } from '../lib/timing.ts';

export interface CaptureOptions {
  repoRoot: string;
  /** The vigil command (bin/vigil.mjs). */
  vigil: string;
  /** Frames to keep (the first reading is dropped: its rates and process CPU are null on first sight). */
  frames: number;
  /** Processes to have in /proc while capturing, so every frame can carry ~100 distinct ones. */
  processes: number;
  log: (line: string) => void;
}

export interface Capture {
  host: HostSnapshot['host'];
  frames: Frame[];
}

/**
 * Reads the host identity with one `vigil snapshot --compact`, then runs `vigil snapshot --watch --compact
 * --no-connections` for `frames + 1` readings. The frames carry every process (processesComplete); the agent's top-N
 * selection is applied later, per frame.
 */
export async function captureFrames(opts: CaptureOptions): Promise<Capture> {
  const filler = new ProcessTableFiller({ ttlSeconds: 120 });
  try {
    const t = await filler.topUp(opts.processes);
    opts.log(`capture: process table ${t.before} -> ${t.after} (+${t.added} idle fillers)`);
    const one = execFileSync(process.execPath, [opts.vigil, 'snapshot', '--compact', '--no-connections'], {
      cwd: opts.repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const { host } = HostSnapshot.parse(JSON.parse(one));
    const child = spawnTracked(process.execPath, [opts.vigil, 'snapshot', '--watch', '--interval', '1', '--compact', '--no-connections'], {
      cwd: opts.repoRoot,
      stdout: 'pipe',
      description: 'vigil snapshot --watch',
    });
    const frames: Frame[] = [];
    const lines = createInterface({ input: child.child.stdout as NodeJS.ReadableStream });
    let problem: string | undefined;
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
    return { host, frames: frames.slice(1) };
  } finally {
    await filler.release();
  }
}
