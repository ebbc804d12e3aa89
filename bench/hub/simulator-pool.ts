/** The parent's side of the simulator: starts the worker processes and gathers what they report. */
import { createInterface } from 'node:readline';
import { spawnTracked, type TrackedChild } from '../lib/child-processes.ts';
import type { WorkerConfig, WorkerEvent } from './simulator.ts';

/** What one worker reported so far. */
export interface WorkerState {
  tracked: TrackedChild;
  ready?: Extract<WorkerEvent, { event: 'ready' }>;
  skipped: number;
  /** Agents connected at the last tick. */
  open: number;
  reconnects: number;
  lost: number;
  /** Frames written to the socket: key "agent:ts" → Date.now() when written. */
  written: Map<string, number>;
  writtenList: { ts: number; at: number }[];
  acked: { ts: number; at: number }[];
  closes: Map<string, number>;
}

/** Starts worker `worker` (bench/hub/simulator.ts under tsx) and follows its JSON lines. */
export function startWorker(
  repoRoot: string,
  base: Omit<WorkerConfig, 'worker'>,
  worker: number,
  log: (line: string) => void,
): WorkerState {
  const cfg: WorkerConfig = { ...base, worker };
  const tracked = spawnTracked(process.execPath, ['--import', 'tsx', 'bench/hub/simulator.ts', JSON.stringify(cfg)], {
    cwd: repoRoot,
    stdout: 'pipe',
    description: `simulator worker ${worker}`,
  });
  const state: WorkerState = {
    tracked,
    skipped: 0,
    open: 0,
    reconnects: 0,
    lost: 0,
    written: new Map(),
    writtenList: [],
    acked: [],
    closes: new Map(),
  };
  let logged = 0;
  createInterface({ input: tracked.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const e = JSON.parse(line) as WorkerEvent;
    if (e.event === 'ready') state.ready = e;
    else if (e.event === 'close') {
      const key = `${e.code} ${e.reason}`;
      state.closes.set(key, (state.closes.get(key) ?? 0) + 1);
      if (logged++ < 3) log(`  agent ${e.agent} closed by the hub: ${key}${logged === 3 ? ' (more are counted, not logged)' : ''}`);
    } else {
      state.skipped = e.skipped;
      state.open = e.open;
      state.reconnects = e.reconnects;
      state.lost = e.lost;
      for (const [agent, ts, at] of e.written) {
        state.written.set(`${agent}:${ts}`, at);
        state.writtenList.push({ ts, at });
      }
      for (const [ts, at] of e.acked) state.acked.push({ ts, at });
    }
  });
  return state;
}
