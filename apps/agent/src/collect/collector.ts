import type { ProcFs, SysFs } from '@vigil/procfs';
import type { Connection, CustomMetricSample, ProcessInfo, SystemReading } from '@vigil/schema';

/** Where the host's files are: the real ones, a fixture tree, or /host/* inside a container. */
export interface Roots {
  proc: string;
  sys: string;
  /** The host's root filesystem, for /etc (machine-id, os-release, passwd) and /run (utmp). */
  rootfs: string;
}

export const HOST_ROOTS: Roots = { proc: '/proc', sys: '/sys', rootfs: '/' };

/** Kernel constants user space reads through sysconf(3); measured once per agent. */
export interface SystemConstants {
  /** USER_HZ, the unit of /proc times (sysconf(_SC_CLK_TCK)). */
  clockTicks: number;
  pageSize: number;
  littleEndian: boolean;
}

/** statfs(2) in the shape Node's fs.statfs returns. */
export interface StatFs {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** What a collection cycle may be asked for beyond the always-on readings. */
export interface CollectOptions {
  /** Send every process, not only the top consumers. */
  allProcesses: boolean;
  /** Read the socket table and its owners. */
  connections: boolean;
  /** PIDs to include whatever their rank (the hub follows them). */
  followPids: ReadonlySet<number>;
  /** Process names (exact or /regex/) to include whatever their rank (process alert rules). */
  followNames?: readonly string[];
}

/** A process as the processes collector keeps it during a cycle (what other collectors may look at). */
export interface ProcessRecord {
  info: ProcessInfo;
  /** Container id from its cgroup, null for host processes. */
  container: string | null;
}

/** Everything a collector may use. One context per cycle; `proc` and `sys` cache whole-system files for it. */
export interface CollectContext {
  proc: ProcFs;
  sys: SysFs;
  roots: Roots;
  constants: SystemConstants;
  statfs: (path: string) => Promise<StatFs>;
  /** The synchronous statfs, for local filesystems (absent in tests that answer from fixtures). */
  statfsSync?: (path: string) => StatFs;
  /** Monotonic milliseconds, for rates (a wall clock may jump). */
  monotonicMs: number;
  /** Wall clock at the start of the cycle, Unix milliseconds. */
  wallMs: number;
  options: CollectOptions;
  /** Filled by the processes collector for the ones after it. */
  processTable: ProcessRecord[];
}

/** What collectors write: the parts of a frame that come from the host. */
export interface FrameDraft {
  system: SystemReading;
  processes: ProcessInfo[];
  processesComplete: boolean;
  connections?: Connection[];
  custom?: CustomMetricSample[];
}

/**
 * One source of readings. `collect` writes its section of the draft; throwing records the error for this
 * collector only, and the frame goes out without that section. Having nothing to report (no GPU, no hwmon)
 * is not an error: write an empty list or nothing.
 */
export interface Collector {
  readonly name: string;
  collect(ctx: CollectContext, out: FrameDraft): void | Promise<void>;
  /** Releases what the collector holds (child processes, timers). */
  close?(): void;
}
