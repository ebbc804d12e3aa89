import { crc32 } from 'node:zlib';
import { BitReader, BitWriter } from './bits.ts';
import { ByteReader, ByteWriter, exactInteger, MAX_STORED_INTEGER } from './bytes.ts';
import { type ColumnSpec, CorruptChunk, type DecodedChunk, decodeV1, infoV1, unzig, V1Writer, XorState, zig } from './codec-v1.ts';
import { planStream, readStream, type StreamPlan, writeStream } from './entropy.ts';

export { type ColumnSpec, CorruptChunk, type DecodedChunk, type ValueCodec } from './codec-v1.ts';

/**
 * The chunk codec of Vigil's time-series store. Open chunks are built sample by sample in format 1
 * (codec-v1.ts: Gorilla delta-of-delta timestamps, decimal deltas or XOR floats, after Pelkonen et al., VLDB
 * 2015, as Prometheus uses it). A closing chunk is rewritten in format 2, which sees all of its samples:
 * - timestamps: none at all when they are evenly spaced (a "regular" chunk: first, span and count say it all);
 *   otherwise delta-of-delta residuals, entropy coded;
 * - a column whose values never change: the value alone (a "constant" column);
 * - decimal columns (the catalogue's precision): integers divided by the greatest common divisor of their
 *   changes (memory moves in KiB, disk space in 4 KiB blocks: a "scaled" column), with delta or
 *   delta-of-delta prediction, whichever is smaller, entropy coded (entropy.ts);
 * - float columns (sums of the aggregate tiers, custom metrics): the nearest decimal plus the difference of
 *   the float64 bit patterns (a few units in the last place for a sum of decimals), when smaller than XOR.
 * Every chunk starts with its format version and ends with a CRC-32 of the rest, so a corrupt chunk is
 * detected and reported instead of decoded into garbage; chunks of both formats are read.
 *
 * Format 2: version 2, flags (bit 0: regular timestamps), varints count, first timestamp, span, then the
 * number of columns and per column its kind and parameters, then one bit stream (timestamps unless regular,
 * then each column's streams), then the CRC-32.
 */

export const CHUNK_VERSION = 2;

/** A sample that cannot go into a chunk: out of order or a duplicate timestamp. */
export class OutOfOrderSample extends Error {}

const KIND = { xor: 0, decimal: 1, constDecimal: 2, constFloat: 3, corrected: 4 } as const;
const DELTA = 1;
const DOD = 2;
const REGULAR = 1;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LO = 0;
const HI = 1;

const gcd = (a: number, b: number): number => {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
};

/** Zigzagged delta or delta-of-delta residuals of integers, or null when one is too large to code exactly. */
function residuals(ints: Float64Array, n: number, predictor: number): Float64Array | null {
  const out = new Float64Array(Math.max(0, n - 1));
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const delta = (ints[i] as number) - (ints[i - 1] as number);
    const r = predictor === DELTA ? delta : delta - prevDelta;
    prevDelta = delta;
    if (Math.abs(r) > 2 ** 51) return null;
    out[i - 1] = zig(r);
  }
  return out;
}

/** Integers divided by the GCD of their changes, and the best predictor for them. */
interface IntPlan {
  scale: number;
  base: number;
  predictor: number;
  residuals: Float64Array;
  plan: StreamPlan;
}

function planInts(ints: Float64Array, n: number): IntPlan | null {
  const base = ints[0] as number;
  let g = 0;
  for (let i = 1; i < n && g !== 1; i++) g = gcd(g, Math.abs((ints[i] as number) - base));
  const scale = Math.max(g, 1);
  const m = scale === 1 ? ints : ints.map((k) => (k - base) / scale);
  if (scale > 1) m[0] = 0;
  let best: IntPlan | null = null;
  for (const predictor of [DELTA, DOD]) {
    const res = residuals(m, n, predictor);
    if (!res) continue;
    const plan = planStream(res, n - 1);
    if (!best || plan.bits < best.plan.bits) best = { scale, base, predictor, residuals: res, plan };
  }
  return best;
}

/** How one column is written: its kind, header parameters and bit streams. */
interface ColumnPlan {
  kind: number;
  bits: number;
  header: (b: ByteWriter) => void;
  stream: (w: BitWriter) => void;
}

function decimalPlan(values: ArrayLike<number>, n: number, decimals: number): ColumnPlan | null {
  const factor = 10 ** decimals;
  const ints = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = exactInteger(values[i] as number, factor);
    if (k === null) return null;
    ints[i] = k;
  }
  const p = planInts(ints, n);
  if (!p) return null;
  return {
    kind: KIND.decimal,
    bits: p.plan.bits + 48,
    header: (b) => {
      b.u8(decimals);
      b.u8(p.predictor);
      b.varint(p.scale);
      b.varint(zig(p.base));
    },
    stream: (w) => writeStream(w, p.residuals, n - 1, p.plan),
  };
}

/** The nearest decimal of a float and the difference of their bit patterns (ulps), or null when not close. */
function correctedPlan(values: ArrayLike<number>, n: number, decimals: number): ColumnPlan | null {
  const factor = 10 ** decimals;
  const ints = new Float64Array(n);
  const corrections = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const k = Math.round(v * factor);
    if (!(Math.abs(k) <= MAX_STORED_INTEGER)) return null;
    f64[0] = v;
    const vh = u32[HI] as number;
    const vl = u32[LO] as number;
    // What the decoder starts from: the integer comes back as +0, never -0 (so -0 needs a correction).
    f64[0] = (k === 0 ? 0 : k) / factor;
    const dh = vh - (u32[HI] as number);
    if (Math.abs(dh) > 2 ** 16) return null;
    ints[i] = k;
    corrections[i] = zig(dh * 2 ** 32 + (vl - (u32[LO] as number)));
  }
  const p = planInts(ints, n);
  if (!p) return null;
  const correctionPlan = planStream(corrections, n);
  return {
    kind: KIND.corrected,
    bits: p.plan.bits + correctionPlan.bits + 48,
    header: (b) => {
      b.u8(decimals);
      b.u8(p.predictor);
      b.varint(p.scale);
      b.varint(zig(p.base));
    },
    stream: (w) => {
      writeStream(w, p.residuals, n - 1, p.plan);
      writeStream(w, corrections, n, correctionPlan);
    },
  };
}

function xorPlan(values: ArrayLike<number>, n: number, decimals: number): ColumnPlan {
  const write = (w: BitWriter) => {
    const xor = new XorState();
    for (let i = 0; i < n; i++) xor.write(w, values[i] as number);
  };
  const probe = new BitWriter(n * 4);
  write(probe);
  return { kind: KIND.xor, bits: probe.length + 8, header: (b) => b.u8(decimals), stream: write };
}

function constantPlan(value: number, spec: ColumnSpec): ColumnPlan {
  const factor = 10 ** spec.decimals;
  const k = exactInteger(value, factor);
  if (k !== null)
    return {
      kind: KIND.constDecimal,
      bits: 0,
      header: (b) => {
        b.u8(spec.decimals);
        b.varint(zig(k));
      },
      stream: () => {},
    };
  return { kind: KIND.constFloat, bits: 0, header: (b) => b.f64be(value), stream: () => {} };
}

function sameBits(values: ArrayLike<number>, n: number): boolean {
  f64[0] = values[0] as number;
  const hi = u32[HI];
  const lo = u32[LO];
  for (let i = 1; i < n; i++) {
    f64[0] = values[i] as number;
    if (u32[HI] !== hi || u32[LO] !== lo) return false;
  }
  return true;
}

function planColumn(values: ArrayLike<number>, n: number, spec: ColumnSpec): ColumnPlan {
  if (sameBits(values, n)) return constantPlan(values[0] as number, spec);
  if (spec.codec !== 'xor') {
    const decimal = decimalPlan(values, n, spec.decimals);
    if (decimal) return decimal;
  }
  const xor = xorPlan(values, n, spec.decimals);
  const corrected = correctedPlan(values, n, spec.decimals);
  return corrected && corrected.bits < xor.bits ? corrected : xor;
}

/** Encodes samples (timestamps strictly increasing, safe non-negative integers) as a format-2 chunk. */
export function encodeChunk(
  specs: readonly ColumnSpec[],
  timestamps: ArrayLike<number>,
  columns: readonly ArrayLike<number>[],
): Uint8Array {
  const n = timestamps.length;
  if (n === 0) throw new RangeError('a chunk needs at least one sample');
  const first = timestamps[0] as number;
  const span = (timestamps[n - 1] as number) - first;
  let regular = true;
  const interval = n > 1 ? (timestamps[1] as number) - first : 0;
  for (let i = 2; i < n && regular; i++) if ((timestamps[i] as number) - (timestamps[i - 1] as number) !== interval) regular = false;
  const head = new ByteWriter(64);
  head.u8(CHUNK_VERSION);
  head.u8(regular ? REGULAR : 0);
  head.varint(n);
  head.varint(first);
  head.varint(span);
  head.u8(specs.length);
  const w = new BitWriter(64);
  if (!regular) {
    const ts = residuals(Float64Array.from(timestamps), n, DOD);
    if (!ts) throw new RangeError('timestamps too far apart');
    writeStream(w, ts, n - 1, planStream(ts, n - 1));
  }
  specs.forEach((spec, c) => {
    const plan = planColumn(columns[c] as ArrayLike<number>, n, spec);
    head.u8(plan.kind);
    plan.header(head);
    plan.stream(w);
  });
  const body = w.finish();
  const out = new Uint8Array(head.length + body.length + 4);
  out.set(head.view());
  out.set(body, head.length);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)));
  return out;
}

/** Integers back from residuals: base + scale × running sum (delta) or running sum of sums (dod). */
function intsFrom(r: BitReader, n: number, predictor: number, scale: number, base: number): Float64Array {
  const ints = new Float64Array(n);
  if (n === 0) return ints;
  const res = new Float64Array(n - 1);
  readStream(r, n - 1, res);
  let m = 0;
  let delta = 0;
  ints[0] = base;
  for (let i = 1; i < n; i++) {
    const residual = unzig(res[i - 1] as number);
    if (predictor === DELTA) m += residual;
    else {
      delta += residual;
      m += delta;
    }
    ints[i] = base + scale * m;
  }
  return ints;
}

interface V2Header {
  count: number;
  firstTs: number;
  lastTs: number;
  regular: boolean;
  columns: { kind: number; spec: ColumnSpec; decimals: number; predictor: number; scale: number; base: number; value: number }[];
  bodyStart: number;
}

function readHeaderV2(chunk: Uint8Array): V2Header {
  const b = new ByteReader(chunk.subarray(0, chunk.length - 4), 'chunk header', (message) => new CorruptChunk(message));
  if (b.u8() !== 2) throw new CorruptChunk('not a chunk of a known version');
  const flags = b.u8();
  const count = b.varint();
  const firstTs = b.varint();
  const lastTs = firstTs + b.varint();
  const ncols = b.u8();
  const columns: V2Header['columns'] = [];
  for (let c = 0; c < ncols; c++) {
    const kind = b.u8();
    const col = { kind, spec: { codec: 'xor', decimals: 0 } as ColumnSpec, decimals: 0, predictor: 0, scale: 1, base: 0, value: 0 };
    if (kind === KIND.xor) col.decimals = b.u8();
    else if (kind === KIND.decimal || kind === KIND.corrected) {
      col.decimals = b.u8();
      col.predictor = b.u8();
      col.scale = b.varint();
      col.base = unzig(b.varint());
      if ((col.predictor !== DELTA && col.predictor !== DOD) || col.scale < 1) throw new CorruptChunk('bad column parameters');
    } else if (kind === KIND.constDecimal) {
      col.decimals = b.u8();
      col.value = unzig(b.varint()) / 10 ** col.decimals;
    } else if (kind === KIND.constFloat) col.value = b.f64be();
    else throw new CorruptChunk('unknown column kind');
    col.spec = {
      codec: kind === KIND.decimal ? (col.predictor === DOD ? 'dod' : 'delta') : kind === KIND.constDecimal ? 'delta' : 'xor',
      decimals: col.decimals,
    };
    columns.push(col);
  }
  return { count, firstTs, lastTs, regular: (flags & REGULAR) !== 0, columns, bodyStart: b.pos };
}

function decodeV2(chunk: Uint8Array): DecodedChunk {
  const h = readHeaderV2(chunk);
  const n = h.count;
  const body = chunk.subarray(h.bodyStart, chunk.length - 4);
  const r = new BitReader(body);
  const timestamps = new Float64Array(n);
  const columns: Float64Array[] = [];
  try {
    if (h.regular) {
      const interval = n > 1 ? (h.lastTs - h.firstTs) / (n - 1) : 0;
      for (let i = 0; i < n; i++) timestamps[i] = h.firstTs + i * interval;
    } else {
      const ints = intsFrom(r, n, DOD, 1, h.firstTs);
      timestamps.set(ints);
    }
    for (const col of h.columns) {
      const out = new Float64Array(n);
      if (col.kind === KIND.constDecimal || col.kind === KIND.constFloat) out.fill(col.value);
      else if (col.kind === KIND.xor) {
        const xor = new XorState();
        for (let i = 0; i < n; i++) out[i] = xor.read(r);
      } else {
        const ints = intsFrom(r, n, col.predictor, col.scale, col.base);
        const factor = 10 ** col.decimals;
        for (let i = 0; i < n; i++) out[i] = (ints[i] as number) / factor;
        if (col.kind === KIND.corrected) {
          const corrections = new Float64Array(n);
          readStream(r, n, corrections);
          for (let i = 0; i < n; i++) {
            const d = unzig(corrections[i] as number);
            if (d === 0) continue;
            f64[0] = out[i] as number;
            const dh = Math.floor(d / 2 ** 32);
            let lo = (u32[LO] as number) + (d - dh * 2 ** 32);
            let hi = (u32[HI] as number) + dh;
            if (lo >= 2 ** 32) {
              lo -= 2 ** 32;
              hi += 1;
            }
            u32[HI] = hi;
            u32[LO] = lo;
            out[i] = f64[0] as number;
          }
        }
      }
      columns.push(out);
    }
  } catch (error) {
    if (error instanceof CorruptChunk) throw error;
    throw new CorruptChunk(`bit stream ends early: ${(error as Error).message}`);
  }
  if (n > 0 && timestamps[n - 1] !== h.lastTs) throw new CorruptChunk('last timestamp does not match the header');
  return { timestamps, columns };
}

/** Reads a chunk's header without decoding it. */
export function chunkInfo(chunk: Uint8Array): { count: number; firstTs: number; lastTs: number; columns: ColumnSpec[] } {
  if (chunk[0] === 1) return infoV1(chunk);
  if (chunk.length < 8 || chunk[0] !== 2) throw new CorruptChunk('not a chunk of a known version');
  const h = readHeaderV2(chunk);
  return { count: h.count, firstTs: h.firstTs, lastTs: h.lastTs, columns: h.columns.map((c) => c.spec) };
}

/** Decodes a chunk of either format, after checking its CRC-32. Throws CorruptChunk when it does not check out. */
export function decodeChunk(chunk: Uint8Array): DecodedChunk {
  if (chunk.length < 8) throw new CorruptChunk('chunk too short');
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (crc32(chunk.subarray(0, chunk.length - 4)) !== view.getUint32(chunk.length - 4)) throw new CorruptChunk('checksum mismatch');
  if (chunk[0] === 1) return decodeV1(chunk);
  if (chunk[0] === 2) return decodeV2(chunk);
  throw new CorruptChunk('not a chunk of a known version');
}

/**
 * Builds one chunk sample by sample (in format 1, which streams), and gives it in format 2 when it closes.
 * `append` refuses a timestamp not after the previous one (out of order or duplicate): the caller drops or
 * redirects it, and the chunk stays valid.
 */
export class ChunkEncoder {
  private readonly scratch: V1Writer;

  constructor(readonly specs: readonly ColumnSpec[]) {
    this.scratch = new V1Writer(specs);
  }

  /** Rebuilds an open chunk from its snapshot (or any chunk), as it was. */
  static restore(chunk: Uint8Array): ChunkEncoder {
    const info = chunkInfo(chunk);
    const decoded = decodeChunk(chunk);
    const encoder = new ChunkEncoder(info.columns);
    const values = new Array<number>(info.columns.length);
    for (let i = 0; i < decoded.timestamps.length; i++) {
      for (let c = 0; c < values.length; c++) values[c] = (decoded.columns[c] as Float64Array)[i] as number;
      encoder.append(decoded.timestamps[i] as number, values);
    }
    return encoder;
  }

  get count(): number {
    return this.scratch.count;
  }
  get firstTs(): number {
    return this.scratch.firstTs;
  }
  get lastTs(): number {
    return this.scratch.lastTs;
  }

  /** Whether a sample at `ts` would fit (in order, and its delta-of-delta within 32 bits). */
  accepts(ts: number): boolean {
    return this.scratch.accepts(ts);
  }

  /** Appends one sample (one value per column). Throws OutOfOrderSample for a timestamp not after the last. */
  append(ts: number, values: readonly number[]): void {
    if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`timestamp ${ts} is not a non-negative integer of milliseconds`);
    if (!this.scratch.accepts(ts)) throw new OutOfOrderSample(`sample at ${ts} is not after ${this.scratch.lastTs}`);
    this.scratch.append(ts, values);
  }

  /** Appends one sample to a one-column chunk (no array to allocate on the ingest path). */
  appendOne(ts: number, value: number): void {
    if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`timestamp ${ts} is not a non-negative integer of milliseconds`);
    if (!this.scratch.accepts(ts)) throw new OutOfOrderSample(`sample at ${ts} is not after ${this.scratch.lastTs}`);
    if (this.specs.length !== 1) throw new RangeError('appendOne needs a chunk of one column');
    this.scratch.appendOne(ts, value);
  }

  /** Approximate bytes held (for memory accounting of open chunks). */
  get byteLength(): number {
    return this.scratch.byteLength;
  }

  /** The open chunk as it stands, cheaply (format 1): for checkpoints, restored by `ChunkEncoder.restore`. */
  snapshot(): Uint8Array {
    return this.scratch.finish();
  }

  /** The samples so far. */
  samples(): DecodedChunk {
    return decodeV1(this.scratch.finish());
  }

  /** The finished chunk, in format 2. */
  finish(): Uint8Array {
    const d = this.samples();
    return encodeChunk(this.specs, d.timestamps, d.columns);
  }
}
