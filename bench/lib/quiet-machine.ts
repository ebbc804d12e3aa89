/** Waits for other work on a shared machine to calm down before a measurement, so a noisy neighbour is seen, not measured. */
import { setTimeout as sleep } from 'node:timers/promises';
import { clockTicksPerSecond, readMachineCpu } from './proc-tree.ts';

export interface QuietOptions {
  /** Whole-machine busy time (percent of one core, all cores summed) under which the machine counts as quiet. */
  maxBusyPercent: number;
  /** Length of each busy-time sample. */
  sampleMs?: number;
  /** Give up waiting after this long and go on anyway (the caller reports the figure). */
  timeoutMs: number;
}

export interface QuietResult {
  quiet: boolean;
  /** Busy percent of one core over the last sample. */
  busyPercent: number;
  waitedMs: number;
}

/** Busy percent of one core of the whole machine over `ms`, from /proc/stat. */
export async function machineBusyPercent(ms: number): Promise<number> {
  const a = readMachineCpu();
  const t0 = performance.now();
  await sleep(ms);
  const b = readMachineCpu();
  const seconds = (performance.now() - t0) / 1000;
  return ((b.busyTicks - a.busyTicks) / clockTicksPerSecond() / seconds) * 100;
}

/** Samples the machine until it is quiet (or the time is up); never throws for a busy machine. */
export async function waitForQuietMachine(opts: QuietOptions): Promise<QuietResult> {
  const start = performance.now();
  for (;;) {
    const busyPercent = await machineBusyPercent(opts.sampleMs ?? 2000);
    const waitedMs = performance.now() - start;
    if (busyPercent <= opts.maxBusyPercent) return { quiet: true, busyPercent, waitedMs };
    if (waitedMs >= opts.timeoutMs) return { quiet: false, busyPercent, waitedMs };
  }
}
