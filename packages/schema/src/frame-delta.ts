import * as z from 'zod';
import { Frame } from './frame.ts';
import { ProcessInfo } from './process.ts';
import { PROTOCOL_VERSION } from './version.ts';

/**
 * Protocol 4: a frame's processes in two parts. What does not change while a process lives (its name, command line,
 * user, start time; its parent changes only when it is reparented) goes over a connection once, in `processStatics`,
 * the first time the process is in a frame; every frame then carries only each process's values (`processValues`).
 *
 * Why (issue 3): the names, command lines and users were half of a frame's JSON, the same every second. The hub
 * inflates and parses every frame of every agent; sending them once halves that work.
 *
 * The rule both ends follow, so that they agree without saying more: after each frame, a connection knows the static
 * fields of exactly the processes that frame carried. A process that leaves the frame (it ended, or dropped out of the
 * top) is sent in full when it comes back. A new connection knows nothing. Frames of a connection are handled in the
 * order they were sent (WebSocket messages are ordered), resends from the spool included.
 */

/** The fields of `processStatics` rows, in order. `pid` comes first in both kinds of row. */
export const PROCESS_STATIC_FIELDS = ['pid', 'ppid', 'name', 'cmdline', 'user', 'uid', 'kernelThread', 'startTime'] as const;

/** The fields of `processValues` rows, in order: every field of ProcessInfo that is not static, and the pid. */
export const PROCESS_VALUE_FIELDS = [
  'pid',
  'state',
  'threads',
  'nice',
  'cpuPercent',
  'cpuSecondsTotal',
  'memoryRssBytes',
  'memoryVirtualBytes',
  'memoryPercent',
  'ioReadBytesPerSecond',
  'ioWriteBytesPerSecond',
] as const;

const tupleOf = (fields: readonly (keyof ProcessInfo)[]) =>
  // Trailing values beyond the fields are allowed and ignored: a newer agent's extra fields do not make a hub refuse.
  z.tuple(fields.map((field) => ProcessInfo.shape[field]) as unknown as [z.ZodType, ...z.ZodType[]]).rest(z.unknown());

export const ProcessStaticRow = tupleOf(PROCESS_STATIC_FIELDS);
export const ProcessValueRow = tupleOf(PROCESS_VALUE_FIELDS);
export type ProcessStaticRow = unknown[];
export type ProcessValueRow = unknown[];

/** A frame as agents of protocol 4 send it. `processValues` has one row per process, in the frame's order. */
export const DeltaFrame = Frame.omit({ processes: true }).extend({
  processStatics: z.array(ProcessStaticRow),
  processValues: z.array(ProcessValueRow),
});
export type DeltaFrame = z.infer<typeof DeltaFrame>;

/** Whether a static row sent before still says what the process says now. */
function sameStatics(row: ProcessStaticRow, p: ProcessInfo): boolean {
  for (let i = 0; i < PROCESS_STATIC_FIELDS.length; i++) if (row[i] !== p[PROCESS_STATIC_FIELDS[i] as keyof ProcessInfo]) return false;
  return true;
}

/** The agent's end of one connection: turns frames into DeltaFrames. `reset()` when a new connection opens. */
export class ProcessRowEncoder {
  private sent = new Map<number, ProcessStaticRow>();

  reset(): void {
    this.sent = new Map();
  }

  encode(frame: Frame): DeltaFrame {
    const { v: _v, type, seq, ts, durationMs, system, processes, ...rest } = frame;
    const next = new Map<number, ProcessStaticRow>();
    const processStatics: ProcessStaticRow[] = [];
    const processValues: ProcessValueRow[] = [];
    for (const p of processes) {
      const known = this.sent.get(p.pid);
      if (known && sameStatics(known, p)) next.set(p.pid, known);
      else {
        const statics = PROCESS_STATIC_FIELDS.map((field) => p[field]);
        processStatics.push(statics);
        next.set(p.pid, statics);
      }
      processValues.push(PROCESS_VALUE_FIELDS.map((field) => p[field]));
    }
    this.sent = next;
    return { v: PROTOCOL_VERSION, type, seq, ts, durationMs, system, processStatics, processValues, ...rest };
  }
}

/** The hub's end of one connection: turns DeltaFrames (already checked against their schema) back into Frames. */
export class ProcessRowDecoder {
  private known = new Map<number, ProcessStaticRow>();

  /** The frame, or what is wrong with it: a process row whose static fields the connection was never sent. */
  decode(delta: DeltaFrame): { success: true; data: Frame } | { success: false; path: string; message: string } {
    const { processStatics, processValues, ...rest } = delta;
    const current = new Map<number, ProcessStaticRow>();
    for (const row of processStatics) current.set(row[0] as number, row);
    const next = new Map<number, ProcessStaticRow>();
    const processes: ProcessInfo[] = new Array(processValues.length);
    for (let i = 0; i < processValues.length; i++) {
      const values = processValues[i] as ProcessValueRow;
      const pid = values[0] as number;
      const statics = current.get(pid) ?? this.known.get(pid);
      if (!statics) {
        return {
          success: false,
          path: `processValues.${i}`,
          message: `process ${pid} has no static fields on this connection: its first row must come with a processStatics row`,
        };
      }
      next.set(pid, statics);
      processes[i] = processFromParts(statics, values);
    }
    this.known = next;
    return { success: true, data: { ...rest, processes } };
  }
}

/**
 * One literal shape for every process object (V8 builds them all with one hidden class), in PROCESS_ROW_FIELDS order;
 * frame-delta.test.ts round-trips real frames, so a field added to ProcessInfo but not here fails there.
 */
function processFromParts(s: ProcessStaticRow, v: ProcessValueRow): ProcessInfo {
  return {
    pid: s[0],
    ppid: s[1],
    name: s[2],
    cmdline: s[3],
    user: s[4],
    uid: s[5],
    state: v[1],
    kernelThread: s[6],
    threads: v[2],
    nice: v[3],
    cpuPercent: v[4],
    cpuSecondsTotal: v[5],
    memoryRssBytes: v[6],
    memoryVirtualBytes: v[7],
    memoryPercent: v[8],
    ioReadBytesPerSecond: v[9],
    ioWriteBytesPerSecond: v[10],
    startTime: s[7],
  } as ProcessInfo;
}
