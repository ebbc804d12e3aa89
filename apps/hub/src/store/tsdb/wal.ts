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

/** Growable byte buffer with varints and float64s. */
class Out {
  buf = Buffer.allocUnsafe(1024);
  pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  varint(v: number): void {
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  str(s: string): void {
    const length = Buffer.byteLength(s);
    this.varint(length);
    this.ensure(length);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += length;
  }
  /** A value as an exact integer of `factor` (even code) or escaped as raw float64 (code 1). */
  scaled(v: number, factor: number, previous: number): number {
    const k = Math.round(v * factor);
    if (factor > 0 && Number.isSafeInteger(k) && k / factor === v && Math.abs(k - previous) < 2 ** 50) {
      const d = k - previous;
      this.varint((d >= 0 ? d * 2 : -d * 2 - 1) * 2);
      return k;
    }
    this.varint(1);
    this.f64(v);
    return previous;
  }
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

class In {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    if (this.pos >= this.buf.length) throw new RangeError('write-ahead row ends early');
    return this.buf[this.pos++] as number;
  }
  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      value += (b & 127) * scale;
      if (b < 128) return value;
      scale *= 128;
    }
  }
  f64(): number {
    if (this.pos + 8 > this.buf.length) throw new RangeError('write-ahead row ends early');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string {
    const length = this.varint();
    if (this.pos + length > this.buf.length) throw new RangeError('write-ahead row ends early');
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }
  /** Reads what Out.scaled wrote: [value, integer to carry]. */
  scaled(factor: number, previous: number): [number, number] {
    const code = this.varint();
    if (code === 1) return [this.f64(), previous];
    const z = code / 2;
    const k = previous + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    return [k / factor, k];
  }
}

const out = new Out();

/** Process values: CPU in tenths, memory in hundredths of a percent, bytes and rates whole (as selectForHistory keeps them). */
const PROCESS_FACTORS = [10, 1, 100, 1, 1];

function writeProcesses(o: Out, ctx: WalContext, processes: readonly ProcessSample[]): void {
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
    o.scaled(p.cpuPercent, 10, 0);
    o.scaled(p.memoryRssBytes, 1, 0);
    o.scaled(p.memoryPercent, 100, 0);
    o.scaled(p.ioReadBytesPerSecond, 1, 0);
    o.scaled(p.ioWriteBytesPerSecond, 1, 0);
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
  o.pos = 0;
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
  for (let i = 0; i < n; i++) previous[i] = o.scaled(values[i] as number, factors[i] as number, previous[i] as number);
  writeProcesses(o, ctx, processes);
  return o.take();
}

/** Encodes custom samples (one series each, raw float64), outside the frame chain. */
export function encodeCustomRow(ids: readonly number[], values: readonly number[]): Buffer {
  const o = out;
  o.pos = 0;
  o.u8(VERSION);
  o.u8(CUSTOM | HAS_IDS);
  o.varint(ids.length);
  for (const id of ids) o.varint(id);
  for (const v of values) o.f64(v);
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
  const r = new In(data);
  if (r.u8() !== VERSION) throw new RangeError('not a write-ahead row of a known version');
  const flags = r.u8();
  const n = r.varint();
  const values: number[] = new Array(n);
  if (flags & CUSTOM) {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(r.varint());
    for (let i = 0; i < n; i++) values[i] = r.f64();
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
    const [v, k] = r.scaled(factorOf(ids[i] as number), ctx.previous[i] as number);
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
    const v = PROCESS_FACTORS.map((f) => r.scaled(f, 0)[0]);
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
