import { crc32 } from 'node:zlib';
import { BitReader, BitWriter } from './bits.ts';
import { MAX_STORED_INTEGER } from './bytes.ts';

/**
 * Chunk format 1: the first format of the store, kept for two jobs. Chunks written by earlier versions are in
 * it, and open chunks (heads) are built in it, one sample at a time, because it streams: timestamps as
 * Gorilla delta-of-delta in variable-length buckets, values as Gorilla XOR of float64s or, for metrics the
 * catalogue gives a decimal precision, as integers of that precision with delta (gauges) or delta-of-delta
 * (counters) coding in variable-length buckets; non-finite and too-big values escaped as raw float64s.
 * When a chunk closes it is rewritten in format 2 (codec.ts), which needs all of its samples.
 *
 * Layout: version 1, columns, reserved, count, first and last timestamp, per column (codec, decimals), the
 * length of the bit stream in bits, the stream (timestamp then values, sample by sample), CRC-32.
 */

export type ValueCodec = 'xor' | 'delta' | 'dod';
export const CODEC_IDS: Record<ValueCodec, number> = { xor: 0, delta: 1, dod: 2 };
export const CODEC_NAMES: ValueCodec[] = ['xor', 'delta', 'dod'];

export interface ColumnSpec {
  codec: ValueCodec;
  /** Decimal digits kept by delta/dod (0 = integers, 2 = hundredths); for xor, a hint for the closed chunk. */
  decimals: number;
}

export interface DecodedChunk {
  timestamps: Float64Array;
  /** One array per column. */
  columns: Float64Array[];
}

/** A chunk whose checksum or structure is wrong. */
export class CorruptChunk extends Error {}

const HEADER_BYTES = 1 + 1 + 1 + 4 + 8 + 8; // version, columns, reserved, count, first ts, last ts
const COLUMN_BYTES = 2; // codec, decimals

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts keep the low word first (every platform Node supports in practice).
const LO = 0;
const HI = 1;

const ctz32 = (x: number) => (x === 0 ? 32 : 31 - Math.clz32(x & -x));
/** Zigzag: 0, -1, 1, -2, 2 … → 0, 1, 2, 3, 4 … for safe integers. */
export const zig = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
export const unzig = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Streaming Gorilla XOR state of one column (shared by both formats). */
export class XorState {
  hi = 0;
  lo = 0;
  leading = -1;
  trailing = 0;
  meaningful = 0;
  first = true;

  write(w: BitWriter, value: number): void {
    f64[0] = value;
    const hi = u32[HI] as number;
    const lo = u32[LO] as number;
    if (this.first) {
      this.first = false;
      w.write(hi, 32);
      w.write(lo, 32);
    } else {
      const xh = (hi ^ this.hi) >>> 0;
      const xl = (lo ^ this.lo) >>> 0;
      if (xh === 0 && xl === 0) w.writeBit(0);
      else {
        w.writeBit(1);
        const leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
        const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
        if (this.leading >= 0 && leading >= this.leading && trailing >= this.trailing) {
          w.writeBit(0);
          writeMeaningful(w, xh, xl, this.leading, 64 - this.leading - this.trailing);
        } else {
          // Leading zeros are stored in 5 bits (at most 31), as Gorilla does.
          const lead = Math.min(leading, 31);
          const meaningful = 64 - lead - trailing;
          w.writeBit(1);
          w.write(lead, 5);
          w.write(meaningful - 1, 6);
          writeMeaningful(w, xh, xl, lead, meaningful);
          this.leading = lead;
          this.trailing = trailing;
        }
      }
    }
    this.hi = hi;
    this.lo = lo;
  }

  read(r: BitReader): number {
    if (this.first) {
      this.first = false;
      this.hi = r.read(32);
      this.lo = r.read(32);
    } else if (r.readBit() === 1) {
      if (r.readBit() === 1) {
        this.leading = r.read(5);
        this.meaningful = r.read(6) + 1;
      }
      const count = this.meaningful;
      if (count === 0 || this.leading + count > 64) throw new RangeError('bad xor field');
      let xh = 0;
      let xl: number;
      if (count > 32) {
        xh = r.read(count - 32);
        xl = r.read(32);
      } else xl = r.read(count);
      const shift = 64 - this.leading - count;
      if (shift >= 32) {
        xh = (xl << (shift - 32)) >>> 0;
        xl = 0;
      } else if (shift > 0) {
        xh = ((xh << shift) | (xl >>> (32 - shift))) >>> 0;
        xl = (xl << shift) >>> 0;
      }
      this.hi = (this.hi ^ xh) >>> 0;
      this.lo = (this.lo ^ xl) >>> 0;
    }
    u32[HI] = this.hi;
    u32[LO] = this.lo;
    return f64[0] as number;
  }
}

/** Writes bits [lead, lead + count) of the 64-bit word (xh, xl), counted from the most significant. */
function writeMeaningful(w: BitWriter, xh: number, xl: number, lead: number, count: number): void {
  const shift = 64 - lead - count; // trailing bits dropped
  let hi = xh;
  let lo = xl;
  if (shift >= 32) {
    lo = hi >>> (shift - 32);
    hi = 0;
  } else if (shift > 0) {
    lo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    hi = hi >>> shift;
  }
  if (count > 32) {
    w.write(hi, count - 32);
    w.write(lo, 32);
  } else w.write(lo, count);
}

/**
 * Variable-length zigzag integers: 0 → '0'; < 2^6 → '10'+6 bits; < 2^13 → '110'+13; < 2^20 → '1110'+20;
 * else '11110' + 6-bit length + that many bits (safe integers). '11111' is the escape of decimal columns.
 */
function writeVarZig(w: BitWriter, z: number): void {
  if (z === 0) w.writeBit(0);
  else if (z < 64) w.write(0b10000000 | z, 8);
  else if (z < 8192) w.write(0b1100000000000000 | z, 16);
  else if (z < 1048576) w.write(0b111000000000000000000000 | z, 24);
  else {
    const bits = Math.floor(Math.log2(z)) + 1;
    w.write(0b11110, 5);
    w.write(bits, 6);
    w.writeBig(z, bits);
  }
}

/** One column of a format-1 chunk being written. */
class ColumnWriter {
  readonly xor = new XorState();
  private prevInt = 0;
  private prevDelta = 0;
  private first = true;
  private readonly scale: number;

  constructor(readonly spec: ColumnSpec) {
    this.scale = 10 ** spec.decimals;
  }

  write(w: BitWriter, value: number): void {
    if (this.spec.codec === 'xor') {
      this.xor.write(w, value);
      return;
    }
    const scaled = Math.round(value * this.scale);
    const delta = scaled - this.prevInt;
    const residual = this.first ? scaled : this.spec.codec === 'delta' ? delta : delta - this.prevDelta;
    // Beyond ±2^51 the zigzag of an integer (2|k| + 1) is no longer exact in a double: -(2^52 + 1) came back as
    // 2^52. Such values, and NaN and infinities, take the escape.
    if (!(Math.abs(scaled) <= MAX_STORED_INTEGER && Math.abs(residual) <= MAX_STORED_INTEGER)) {
      // Escape: '11111' then the raw float64. The integer chain continues from the last regular value.
      w.write(0b11111, 5);
      f64[0] = value;
      w.write(u32[HI] as number, 32);
      w.write(u32[LO] as number, 32);
      return;
    }
    if (!this.first && this.spec.codec === 'dod') this.prevDelta = delta;
    this.first = false;
    this.prevInt = scaled;
    writeVarZig(w, zig(residual));
  }
}

/**
 * Builds one format-1 chunk sample by sample. `append` refuses a timestamp not after the previous one (out of
 * order or duplicate): the caller drops or redirects it, and the chunk stays valid.
 */
export class V1Writer {
  private readonly w = new BitWriter(128);
  private readonly columns: ColumnWriter[];
  count = 0;
  firstTs = 0;
  lastTs = 0;
  private prevDelta = 0;

  constructor(readonly specs: readonly ColumnSpec[]) {
    this.columns = specs.map((s) => new ColumnWriter(s));
  }

  /** Whether a sample at `ts` would fit (in order, and its delta-of-delta within 32 bits). */
  accepts(ts: number): boolean {
    if (this.count === 0) return true;
    if (ts <= this.lastTs) return false;
    const dod = ts - this.lastTs - this.prevDelta;
    return Math.abs(dod) < 2 ** 31 && (this.count > 1 || ts - this.firstTs < 2 ** 31);
  }

  /** Appends one sample; the caller has checked `accepts(ts)`. */
  append(ts: number, values: readonly number[]): void {
    this.writeTs(ts);
    for (let i = 0; i < this.columns.length; i++) (this.columns[i] as ColumnWriter).write(this.w, values[i] as number);
    this.lastTs = ts;
    this.count++;
  }

  /** Appends a sample of a one-column chunk; the caller has checked `accepts(ts)`. */
  appendOne(ts: number, value: number): void {
    this.writeTs(ts);
    (this.columns[0] as ColumnWriter).write(this.w, value);
    this.lastTs = ts;
    this.count++;
  }

  private writeTs(ts: number): void {
    const w = this.w;
    if (this.count === 0) this.firstTs = ts;
    else if (this.count === 1) {
      this.prevDelta = ts - this.firstTs;
      w.write(this.prevDelta, 32);
    } else {
      const delta = ts - this.lastTs;
      const dod = delta - this.prevDelta;
      this.prevDelta = delta;
      // Gorilla's timestamp buckets, in milliseconds.
      if (dod === 0) w.writeBit(0);
      else if (dod >= -63 && dod <= 64) w.write((0b10 << 7) | (dod + 63), 9);
      else if (dod >= -255 && dod <= 256) w.write((0b110 << 9) | (dod + 255), 12);
      else if (dod >= -2047 && dod <= 2048) w.write((0b1110 << 12) | (dod + 2047), 16);
      else {
        w.write(0b1111, 4);
        w.write(dod >>> 0, 32);
      }
    }
  }

  /** Approximate bytes held (for memory accounting of open chunks). */
  get byteLength(): number {
    return this.w.byteLength + HEADER_BYTES + this.specs.length * COLUMN_BYTES + 8;
  }

  /** The chunk so far: header, bit stream, CRC-32. */
  finish(): Uint8Array {
    const body = this.w.finish();
    const headerBytes = HEADER_BYTES + this.specs.length * COLUMN_BYTES;
    const out = new Uint8Array(headerBytes + 4 + body.length + 4);
    const view = new DataView(out.buffer);
    out[0] = 1;
    out[1] = this.specs.length;
    view.setUint32(3, this.count);
    view.setFloat64(7, this.firstTs);
    view.setFloat64(15, this.lastTs);
    this.specs.forEach((s, i) => {
      out[HEADER_BYTES + i * 2] = CODEC_IDS[s.codec];
      out[HEADER_BYTES + i * 2 + 1] = s.decimals;
    });
    // The exact bit length, so the decoder knows where the stream ends.
    view.setUint32(headerBytes, this.w.length);
    out.set(body, headerBytes + 4);
    view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)));
    return out;
  }
}

/** The header of a format-1 chunk. */
export function infoV1(chunk: Uint8Array): { count: number; firstTs: number; lastTs: number; columns: ColumnSpec[] } {
  if (chunk.length < HEADER_BYTES + 8 || chunk[0] !== 1) throw new CorruptChunk('not a chunk of a known version');
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const n = chunk[1] as number;
  const columns: ColumnSpec[] = [];
  for (let i = 0; i < n; i++) {
    const codec = CODEC_NAMES[chunk[HEADER_BYTES + i * 2] as number];
    if (!codec) throw new CorruptChunk('unknown value codec');
    columns.push({ codec, decimals: chunk[HEADER_BYTES + i * 2 + 1] as number });
  }
  return { count: view.getUint32(3), firstTs: view.getFloat64(7), lastTs: view.getFloat64(15), columns };
}

/** Reads a bucket prefix: the number of leading 1 bits, at most `max`. */
function readPrefix(r: BitReader, max: number): number {
  let ones = 0;
  while (ones < max && r.readBit() === 1) ones++;
  return ones;
}

/** Decodes a format-1 chunk whose checksum was checked. */
export function decodeV1(chunk: Uint8Array): DecodedChunk {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const info = infoV1(chunk);
  const headerBytes = HEADER_BYTES + info.columns.length * COLUMN_BYTES;
  const bitLength = view.getUint32(headerBytes);
  const r = new BitReader(chunk.subarray(headerBytes + 4, chunk.length - 4), bitLength);
  const n = info.count;
  const timestamps = new Float64Array(n);
  const columns = info.columns.map(() => new Float64Array(n));
  const xors = info.columns.map(() => new XorState());
  const scales = info.columns.map((s) => 10 ** s.decimals);
  const prevInt = new Float64Array(info.columns.length);
  const prevDelta = new Float64Array(info.columns.length);
  // Each decimal column starts its integer chain at its first value that is not escaped.
  const chained = new Uint8Array(info.columns.length);
  let ts = info.firstTs;
  let delta = 0;
  try {
    for (let i = 0; i < n; i++) {
      if (i === 1) {
        delta = r.read(32);
        ts += delta;
      } else if (i > 1) {
        const prefix = readPrefix(r, 4);
        let dod = 0;
        if (prefix === 1) dod = r.read(7) - 63;
        else if (prefix === 2) dod = r.read(9) - 255;
        else if (prefix === 3) dod = r.read(12) - 2047;
        else if (prefix === 4) dod = r.read(32) | 0;
        delta += dod;
        ts += delta;
      }
      timestamps[i] = ts;
      for (let c = 0; c < columns.length; c++) {
        const spec = info.columns[c] as ColumnSpec;
        const column = columns[c] as Float64Array;
        if (spec.codec === 'xor') {
          column[i] = (xors[c] as XorState).read(r);
          continue;
        }
        const prefix = readPrefix(r, 5);
        if (prefix === 5) {
          u32[HI] = r.read(32);
          u32[LO] = r.read(32);
          column[i] = f64[0] as number;
          continue;
        }
        const z =
          prefix === 0 ? 0 : prefix === 1 ? r.read(6) : prefix === 2 ? r.read(13) : prefix === 3 ? r.read(20) : r.readBig(r.read(6));
        const residual = unzig(z);
        let scaled: number;
        if (!chained[c]) {
          scaled = residual;
          chained[c] = 1;
        } else if (spec.codec === 'delta') scaled = (prevInt[c] as number) + residual;
        else {
          const d = (prevDelta[c] as number) + residual;
          scaled = (prevInt[c] as number) + d;
          prevDelta[c] = d;
        }
        prevInt[c] = scaled;
        column[i] = scaled / (scales[c] as number);
      }
    }
  } catch (error) {
    throw new CorruptChunk(`bit stream ends early: ${(error as Error).message}`);
  }
  if (ts !== info.lastTs) throw new CorruptChunk('last timestamp does not match the header');
  return { timestamps, columns };
}
