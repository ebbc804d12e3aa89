/** Measures one process tree's CPU % of one core and RSS over a fixed window, sampling /proc once a period. */
import { max, median } from './percentile.ts';
import { clockTicksPerSecond, readMachineCpu, sampleTree, type TreeSample } from './proc-tree.ts';
import { sleepUntil } from './timing.ts';

export interface WindowOptions {
  windowMs: number;
  /** RSS and tree membership are sampled this often (default 1000 ms); CPU needs only the first and last sample. */
  sampleMs?: number;
}

export interface WindowResult {
  /** performance.now() at the first and last sample: callers keep only their own events inside this range. */
  startMs: number;
  endMs: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** CPU seconds per wall second x 100: 100 means one core fully busy. */
  cpuPercent: number;
  /** The same for the whole machine (all cores, so up to 100 x cores): subject + harness + anything else running. */
  machineCpuPercent: number;
  /** The same for this (measuring) process: its sampling, and whatever else it does meanwhile (e.g. polling). */
  selfCpuPercent: number;
  rssMbMedian: number;
  rssMbPeak: number;
  /** Largest number of processes seen in the tree (daemon plus plugins/helpers). */
  treeProcessesMax: number;
  threadsMedian: number;
  /** Median count of all processes in /proc during the window. */
  processTotalMedian: number;
  samples: number;
  /** The root exited during the window: the figures cover only part of it and should not be trusted. */
  rootExited: boolean;
}

/** Samples the tree now, then every `sampleMs` until `windowMs` has passed, and reduces the samples. */
export async function measureTreeWindow(rootPid: number, opts: WindowOptions): Promise<WindowResult> {
  const sampleMs = opts.sampleMs ?? 1000;
  const machineStart = readMachineCpu();
  const selfStart = process.cpuUsage();
  const first = sampleTree(rootPid);
  const samples: TreeSample[] = [first];
  const end = first.atMs + opts.windowMs;
  let rootExited = !first.rootAlive;
  for (let k = 1; !rootExited; k++) {
    const due = Math.min(first.atMs + k * sampleMs, end);
    await sleepUntil(due);
    const s = sampleTree(rootPid);
    if (!s.rootAlive) {
      rootExited = true;
      break;
    }
    samples.push(s);
    if (due >= end) break;
  }
  const machineEnd = readMachineCpu();
  const self = process.cpuUsage(selfStart);
  const last = samples[samples.length - 1] as TreeSample;
  const wallSeconds = (last.atMs - first.atMs) / 1000;
  const cpuSeconds = (last.cpuTicks - first.cpuTicks) / clockTicksPerSecond();
  const machineSeconds = (machineEnd.busyTicks - machineStart.busyTicks) / clockTicksPerSecond();
  const rssMb = samples.map((s) => s.rssKb / 1024);
  return {
    startMs: first.atMs,
    endMs: last.atMs,
    wallSeconds,
    cpuSeconds,
    cpuPercent: wallSeconds > 0 ? (cpuSeconds / wallSeconds) * 100 : Number.NaN,
    machineCpuPercent: wallSeconds > 0 ? (machineSeconds / wallSeconds) * 100 : Number.NaN,
    selfCpuPercent: wallSeconds > 0 ? ((self.user + self.system) / 1e6 / wallSeconds) * 100 : Number.NaN,
    rssMbMedian: median(rssMb),
    rssMbPeak: max(rssMb),
    treeProcessesMax: max(samples.map((s) => s.pids.length)),
    threadsMedian: median(samples.map((s) => s.threads)),
    processTotalMedian: median(samples.map((s) => s.processTotal)),
    samples: samples.length,
    rootExited,
  };
}
