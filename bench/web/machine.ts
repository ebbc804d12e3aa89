/**
 * The load of everyone else on a shared machine while our own processes (hub, simulators, browser) run: the machine's
 * busy time minus our process trees and this harness. bench/lib/quiet-machine.ts waits on the machine's total, which
 * would never look quiet once our 500-host hub is running.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { clockTicksPerSecond, readMachineCpu, sampleTree } from '../lib/proc-tree.ts';

export interface LoadSample {
  /** Whole machine, percent of one core (all cores summed). */
  machinePercent: number;
  /** Our trees and this process. */
  oursPercent: number;
  othersPercent: number;
}

/** Samples the machine and our trees over `ms`. */
export async function othersLoad(ourRoots: readonly number[], ms: number): Promise<LoadSample> {
  const treeTicks = (): number => ourRoots.reduce((n, pid) => n + sampleTree(pid).cpuTicks, 0);
  const m0 = readMachineCpu();
  const o0 = treeTicks();
  const s0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const m1 = readMachineCpu();
  const o1 = treeTicks();
  const self = process.cpuUsage(s0);
  const seconds = (performance.now() - t0) / 1000;
  const tick = clockTicksPerSecond();
  const machinePercent = ((m1.busyTicks - m0.busyTicks) / tick / seconds) * 100;
  const oursPercent = ((o1 - o0) / tick / seconds) * 100 + ((self.user + self.system) / 1e6 / seconds) * 100;
  return { machinePercent, oursPercent, othersPercent: Math.max(0, machinePercent - oursPercent) };
}

export interface QuietWait extends LoadSample {
  quiet: boolean;
  waitedMs: number;
}

/** Samples every 2 s until others use at most `maxOthersPercent` of a core, or `timeoutMs` has passed. */
export async function waitForQuietOthers(ourRoots: readonly number[], maxOthersPercent: number, timeoutMs: number): Promise<QuietWait> {
  const start = performance.now();
  for (;;) {
    const load = await othersLoad(ourRoots, 2000);
    const waitedMs = performance.now() - start;
    if (load.othersPercent <= maxOthersPercent) return { ...load, quiet: true, waitedMs };
    if (waitedMs >= timeoutMs) return { ...load, quiet: false, waitedMs };
  }
}
