import * as z from 'zod';
import { HostIdentity } from './host.ts';
import { Connection } from './network.ts';
import { ProcessInfo } from './process.ts';
import { SystemReading } from './system.ts';

/** How one collector fared in a cycle. `error` is null when it worked or simply had no data. */
export const CollectorStatus = z.object({
  durationMs: z.number().nonnegative(),
  error: z.string().nullable(),
});
export type CollectorStatus = z.infer<typeof CollectorStatus>;

/** Names a custom metric may have: Prometheus's rule. */
export const CustomMetricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must match [a-zA-Z_:][a-zA-Z0-9_:]* (Prometheus metric names)')
  .max(200);

/** A sample of a custom metric (a plugin's output, a textfile line, or the custom metrics API). */
export const CustomMetricSample = z.object({
  name: CustomMetricName,
  value: z.number(),
  labels: z
    .record(
      z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*')
        .max(100),
      z.string().max(500),
    )
    .optional(),
});
export type CustomMetricSample = z.infer<typeof CustomMetricSample>;

/** One collection cycle of one host. */
export const Frame = z.object({
  v: z.number().int().positive(),
  type: z.literal('frame'),
  /** Per-agent sequence number, increasing by one per frame; the hub acknowledges by it. */
  seq: z.number().int().nonnegative(),
  /** Unix milliseconds at which the cycle started (aligned to the wall-clock second by the agent). */
  ts: z.number().int().nonnegative(),
  /** Wall time the whole collection took. */
  durationMs: z.number().nonnegative(),
  system: SystemReading,
  /** The processes that matter (top by CPU ∪ top by memory ∪ followed), or all of them when `processesComplete`. */
  processes: z.array(ProcessInfo),
  processesComplete: z.boolean(),
  /** The socket table, present only while a viewer asked for it. */
  connections: z.array(Connection).optional(),
  /** Custom metrics of the agent's plugins and textfile folder, taken this cycle. */
  custom: z.array(CustomMetricSample).optional(),
  collectors: z.record(z.string(), CollectorStatus),
});
export type Frame = z.infer<typeof Frame>;

/** What `vigil snapshot` prints: the host and one complete frame. */
export const HostSnapshot = z.object({
  host: HostIdentity,
  frame: Frame,
});
export type HostSnapshot = z.infer<typeof HostSnapshot>;

/**
 * The fields of a process row, in order: ProcessInfo's, as its schema declares them. A field added to ProcessInfo goes
 * last, so rows only grow.
 */
export const PROCESS_ROW_FIELDS = Object.keys(ProcessInfo.shape) as (keyof ProcessInfo)[];

/**
 * A process as a row of values in PROCESS_ROW_FIELDS order. Trailing values beyond those fields are allowed (and
 * ignored): a newer agent's extra fields do not make an older hub refuse its frames.
 */
export const ProcessRow = z
  .tuple(PROCESS_ROW_FIELDS.map((field) => ProcessInfo.shape[field]) as unknown as [z.ZodType, ...z.ZodType[]])
  .rest(z.unknown());
export type ProcessRow = unknown[];

/**
 * A frame as agents of protocols 2 and 3 sent it: the processes as rows instead of objects. A frame's processes are most of
 * its bytes, and most of those were their field names, repeated for every process: rows halve the JSON the hub inflates
 * and parses for every frame of every agent (issue 3). The hub turns it back into a Frame (`unpackFrame`) first thing.
 */
export const PackedFrame = Frame.omit({ processes: true }).extend({ processRows: z.array(ProcessRow) });
export type PackedFrame = z.infer<typeof PackedFrame>;

/**
 * A frame as agents of protocols 2 and 3 sent it: the same frame, processes as rows, keys in the frame's order. Agents
 * of protocol 4 send less (frame-delta.ts); the hub still takes these.
 */
export function packFrame(frame: Frame): PackedFrame {
  const { v: _v, type, seq, ts, durationMs, system, processes, ...rest } = frame;
  const processRows = processes.map((p) => PROCESS_ROW_FIELDS.map((field) => p[field]));
  return { v: 3, type, seq, ts, durationMs, system, processRows, ...rest };
}

/** The frame a PackedFrame (already checked against its schema) stands for. */
export function unpackFrame(packed: PackedFrame): Frame {
  const { processRows, ...rest } = packed;
  return { ...rest, processes: processRows.map(processFromRow) };
}

/**
 * One literal shape for every process object (V8 builds them all with one hidden class), in PROCESS_ROW_FIELDS order;
 * compiled.test.ts round-trips real frames through packFrame and unpackFrame, so a field added to ProcessInfo but not
 * here fails there.
 */
function processFromRow(r: ProcessRow): ProcessInfo {
  return {
    pid: r[0],
    ppid: r[1],
    name: r[2],
    cmdline: r[3],
    user: r[4],
    uid: r[5],
    state: r[6],
    kernelThread: r[7],
    threads: r[8],
    nice: r[9],
    cpuPercent: r[10],
    cpuSecondsTotal: r[11],
    memoryRssBytes: r[12],
    memoryVirtualBytes: r[13],
    memoryPercent: r[14],
    ioReadBytesPerSecond: r[15],
    ioWriteBytesPerSecond: r[16],
    startTime: r[17],
  } as ProcessInfo;
}
