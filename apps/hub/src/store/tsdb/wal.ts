import { ByteReader, ByteWriter, exactInteger } from './bytes.ts';
import type { ProcessSample } from './process-history.ts';

/**
 * Rows of the write-ahead table, format 2: one per frame (or per custom sample), holding what the open chunks
 * and the open process block took from it, until the host's next checkpoint makes them redundant. Compact,
 * because every frame is written once more here:
 * - the series ids only when the frame's shape (which series, in which order) changed since the host's last
 *   row, else the values go by position;
 * - values of decimal series as the change of their integer (at the catalogue precision) since the previous
 *   row, zigzag varints; any value that is not exact at that precision (and every value of a float series)
 *   escaped as its raw float64, so a replay gives back exactly what was taken;
 * - processes through a dictionary of the host's processes since its checkpoint: a process's pid, name, user
 *   and command line are written once.
 * Rows of a host depend on the earlier rows of that host since its checkpoint, and are deleted with them.
 */

const VERSION = 2;
const HAS_IDS = 1;
const CUSTOM = 2;

/** A process's identity in the dictionary. */
type ProcessKey = [number, string, string, string];

/** The per-host state rows are written against (and read back with): shape, previous values, processes. */
export class WalContext {
  /** Ids of the last shape written, and the previous integer per position. */
  ids: number[] = [];
  previous: number[] = [];
  /** Dictionary of processes, by pid then identity. */
  private readonly byPid = new Map<number, { id: number; key: ProcessKey }[]>();
  readonly processes: ProcessKey[] = [];

  /** Forgets everything (after a checkpoint: the next row starts afresh). */
  reset(): void {
    this.ids = [];
    this.previous = [];
    this.byPid.clear();
    this.processes.length = 0;
  }

  /** The dictionary id of a process, or -1 when new (then added). */
  lookup(p: ProcessSample): number {
    const list = this.byPid.get(p.pid);
    if (list) for (const e of list) if (e.key[1] === p.name && e.key[2] === p.user && e.key[3] === p.cmdline) return e.id;
    this.add([p.pid, p.name, p.user, p.cmdline]);
    return -1;
  }

  add(key: ProcessKey): void {
    const entry = { id: this.processes.length, key };
    this.processes.push(key);
    const list = this.byPid.get(key[0]);
    if (list) list.push(entry);
    else this.byPid.set(key[0], [entry]);
  }
}

/** A value as an exact integer of `factor` (even code, the change since `previous`) or as its raw float64 (code 1); returns the integer to carry. */
function writeScaled(o: ByteWriter, v: number, factor: number, previous: number): number {
  const k = factor > 0 ? exactInteger(v, factor) : null;
  if (k !== null && Math.abs(k - previous) < 2 ** 50) {
    const d = k - previous;
    o.varint((d >= 0 ? d * 2 : -d * 2 - 1) * 2);
    return k;
  }
  o.varint(1);
  o.f64le(v);
  return previous;
}

/** Reads what writeScaled wrote: [value, integer to carry]. */
function readScaled(r: ByteReader, factor: number, previous: number): [number, number] {
  const code = r.varint();
  if (code === 1) return [r.f64le(), previous];
  const z = code / 2;
  const k = previous + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
  return [k / factor, k];
}

const out = new ByteWriter(1024);

/** Process values: CPU in tenths, memory in hundredths of a percent, bytes and rates whole (as selectForHistory keeps them). */
const PROCESS_FACTORS = [10, 1, 100, 1, 1];

function writeProcesses(o: ByteWriter, ctx: WalContext, processes: readonly ProcessSample[]): void {
  o.varint(processes.length);
  for (const p of processes) {
    const known = ctx.processes.length;
    const id = ctx.lookup(p);
    if (id < 0) {
      o.varint(0);
      o.varint(p.pid);
      o.str(p.name);
      o.str(p.user);
      o.str(p.cmdline);
    } else o.varint(known - id);
    writeScaled(o, p.cpuPercent, 10, 0);
    writeScaled(o, p.memoryRssBytes, 1, 0);
    writeScaled(o, p.memoryPercent, 100, 0);
    writeScaled(o, p.ioReadBytesPerSecond, 1, 0);
    writeScaled(o, p.ioWriteBytesPerSecond, 1, 0);
  }
}

/**
 * Encodes a frame's row. `factors` gives 10^decimals per position (0 for float series); `shapeChanged` says
 * the ids must be written (also true for the first row after a checkpoint: the context was reset).
 */
export function encodeFrameRow(
  ctx: WalContext,
  ids: readonly number[],
  values: readonly number[],
  factors: readonly number[],
  n: number,
  processes: readonly ProcessSample[],
): Buffer {
  const o = out;
  o.reset();
  let sameShape = ctx.ids.length === n;
  for (let i = 0; i < n && sameShape; i++) if (ctx.ids[i] !== ids[i]) sameShape = false;
  o.u8(VERSION);
  o.u8(sameShape ? 0 : HAS_IDS);
  o.varint(n);
  if (!sameShape) {
    ctx.ids = ids.slice(0, n);
    ctx.previous = new Array<number>(n).fill(0);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const d = (ids[i] as number) - prev;
      o.varint(d >= 0 ? d * 2 : -d * 2 - 1);
      prev = ids[i] as number;
    }
  }
  const previous = ctx.previous;
  for (let i = 0; i < n; i++) previous[i] = writeScaled(o, values[i] as number, factors[i] as number, previous[i] as number);
  writeProcesses(o, ctx, processes);
  return o.take();
}

/** Encodes custom samples (one series each, raw float64), outside the frame chain. */
export function encodeCustomRow(ids: readonly number[], values: readonly number[]): Buffer {
  const o = out;
  o.reset();
  o.u8(VERSION);
  o.u8(CUSTOM | HAS_IDS);
  o.varint(ids.length);
  for (const id of ids) o.varint(id);
  for (const v of values) o.f64le(v);
  o.varint(0);
  return o.take();
}

export interface WalRow {
  custom: boolean;
  ids: number[];
  values: number[];
  processes: ProcessSample[];
}

/**
 * Decodes a row against its host's context (rows of a host must be read in order, from its checkpoint on).
 * `factorOf` gives 10^decimals of a series id (0 for float series).
 */
export function decodeRow(ctx: WalContext, data: Buffer, factorOf: (id: number) => number): WalRow {
  const r = new ByteReader(data, 'write-ahead row');
  if (r.u8() !== VERSION) throw new RangeError('not a write-ahead row of a known version');
  const flags = r.u8();
  const n = r.varint();
  const values: number[] = new Array(n);
  if (flags & CUSTOM) {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(r.varint());
    for (let i = 0; i < n; i++) values[i] = r.f64le();
    return { custom: true, ids, values, processes: [] };
  }
  if (flags & HAS_IDS) {
    const ids: number[] = [];
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const z = r.varint();
      prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      ids.push(prev);
    }
    ctx.ids = ids;
    ctx.previous = new Array<number>(n).fill(0);
  } else if (ctx.ids.length !== n) throw new RangeError('write-ahead row without its shape');
  const ids = ctx.ids;
  for (let i = 0; i < n; i++) {
    const [v, k] = readScaled(r, factorOf(ids[i] as number), ctx.previous[i] as number);
    values[i] = v;
    ctx.previous[i] = k;
  }
  const count = r.varint();
  const processes: ProcessSample[] = [];
  for (let j = 0; j < count; j++) {
    const ref = r.varint();
    let key: ProcessKey;
    if (ref === 0) {
      key = [r.varint(), r.str(), r.str(), r.str()];
      ctx.add(key);
    } else {
      const found = ctx.processes[ctx.processes.length - ref];
      if (!found) throw new RangeError('write-ahead row refers to an unknown process');
      key = found;
    }
    const v = PROCESS_FACTORS.map((f) => readScaled(r, f, 0)[0]);
    processes.push({
      pid: key[0],
      name: key[1],
      user: key[2],
      cmdline: key[3],
      cpuPercent: v[0] as number,
      memoryRssBytes: v[1] as number,
      memoryPercent: v[2] as number,
      ioReadBytesPerSecond: v[3] as number,
      ioWriteBytesPerSecond: v[4] as number,
    });
  }
  return { custom: false, ids: ids.slice(), values, processes };
}

/** Decodes a row of the first format (count, length of the process JSON, ids, float64 values, processes). */
export function decodeRowV1(data: Buffer): WalRow {
  const n = data.readUInt32LE(0);
  const procLength = data.readUInt32LE(4);
  const ids: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) ids.push(data.readInt32LE(8 + i * 4));
  const base = 8 + n * 4;
  for (let i = 0; i < n; i++) values.push(data.readDoubleLE(base + i * 8));
  const processes = JSON.parse(data.subarray(base + n * 8, base + n * 8 + procLength).toString('utf8')) as ProcessSample[];
  return { custom: false, ids, values, processes };
}
