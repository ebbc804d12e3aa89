import { crc32 } from 'node:zlib';
import { BitReader, BitWriter } from './bits.ts';

/**
 * The chunk codec of Vigil's time-series store, after Facebook's Gorilla paper (Pelkonen et al., VLDB 2015)
 * as Prometheus uses it: timestamps as delta-of-delta in variable-length buckets (one bit per sample when
 * frames come on time), values either as Gorilla XOR of float64s, or, for metrics the catalogue gives a
 * decimal precision, as integers of that precision with delta (gauges) or delta-of-delta (counters)
 * encoding, like VictoriaMetrics does: a CPU percentage at 0.01 % takes ~10 bits instead of ~50.
 * Non-finite values (NaN, ±Inf) and values too big for the precision are escaped as raw float64s.
 *
 * A chunk: header (version, codec, decimals, columns, count, first and last timestamp), the bit stream,
 * and a CRC-32 of all that, so a corrupt chunk is detected and reported instead of decoded into garbage.
 */

export const CHUNK_VERSION = 1;

export type ValueCodec = 'xor' | 'delta' | 'dod';
const CODEC_IDS: Record<ValueCodec, number> = { xor: 0, delta: 1, dod: 2 };
const CODEC_NAMES: ValueCodec[] = ['xor', 'delta', 'dod'];

export interface ColumnSpec {
  codec: ValueCodec;
  /** Decimal digits kept by delta/dod (0 = integers, 2 = hundredths); ignored by xor. */
  decimals: number;
}

const HEADER_BYTES = 1 + 1 + 1 + 4 + 8 + 8; // version, columns, reserved, count, first ts, last ts
const COLUMN_BYTES = 2; // codec, decimals

/** A sample that cannot go into a chunk: out of order or a duplicate timestamp. */
export class OutOfOrderSample extends Error {}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts keep the low word first (every platform Node supports in practice).
const LO = 0;
const HI = 1;

function clz32(x: number): number {
  return Math.clz32(x);
}
function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

/** Zigzag: 0, -1, 1, -2, 2 … → 0, 1, 2, 3, 4 … for safe integers. */
const zig = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzig = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Streaming encoder of one value column. */
class ColumnEncoder {
  // xor state
  private prevHi = 0;
  private prevLo = 0;
  private leading = -1;
  private trailing = 0;
  // decimal state
  private prevInt = 0;
  private prevDelta = 0;
  private readonly scale: number;
  private first = true;

  constructor(readonly spec: ColumnSpec) {
    this.scale = 10 ** spec.decimals;
  }

  encode(w: BitWriter, value: number): void {
    if (this.spec.codec === 'xor') this.xor(w, value);
    else this.decimal(w, value);
  }

  private xor(w: BitWriter, value: number): void {
    f64[0] = value;
    const hi = u32[HI] as number;
    const lo = u32[LO] as number;
    if (this.first) {
      this.first = false;
      w.write(hi, 32);
      w.write(lo, 32);
    } else {
      const xh = (hi ^ this.prevHi) >>> 0;
      const xl = (lo ^ this.prevLo) >>> 0;
      if (xh === 0 && xl === 0) w.writeBit(0);
      else {
        w.writeBit(1);
        const leading = xh !== 0 ? clz32(xh) : 32 + clz32(xl);
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
    this.prevHi = hi;
    this.prevLo = lo;
  }

  private decimal(w: BitWriter, value: number): void {
    const scaled = Math.round(value * this.scale);
    if (!Number.isFinite(value) || !Number.isSafeInteger(scaled)) {
      // Escape: '11111' then the raw float64. The integer chain continues from the last regular value.
      w.write(0b11111, 5);
      f64[0] = value;
      w.write(u32[HI] as number, 32);
      w.write(u32[LO] as number, 32);
      return;
    }
    let residual: number;
    if (this.first) {
      residual = scaled;
      this.first = false;
    } else if (this.spec.codec === 'delta') residual = scaled - this.prevInt;
    else {
      const delta = scaled - this.prevInt;
      residual = delta - this.prevDelta;
      this.prevDelta = delta;
    }
    this.prevInt = scaled;
    writeVarZig(w, zig(residual));
  }
}

/** Writes bits [lead, lead + count) of the 64-bit word (xh, xl), counted from the most significant. */
function writeMeaningful(w: BitWriter, xh: number, xl: number, lead: number, count: number): void {
  const shift = 64 - lead - count; // trailing bits dropped
  // Shift the 64-bit value right by `shift`, then write `count` bits.
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

function readMeaningful(r: BitReader, lead: number, count: number): [number, number] {
  let hi = 0;
  let lo: number;
  if (count > 32) {
    hi = r.read(count - 32);
    lo = r.read(32);
  } else lo = r.read(count);
  const shift = 64 - lead - count;
  if (shift >= 32) {
    hi = (lo << (shift - 32)) >>> 0;
    lo = 0;
  } else if (shift > 0) {
    hi = ((hi << shift) | (lo >>> (32 - shift))) >>> 0;
    lo = (lo << shift) >>> 0;
  }
  return [hi, lo];
}

/**
 * Variable-length zigzag integers: 0 → '0'; < 2^6 → '10'+6 bits; < 2^13 → '110'+13; < 2^20 → '1110'+20;
 * else '11110' + 6-bit length + that many bits (safe integers). '11111' is the escape of decimal columns.
 */
function writeVarZig(w: BitWriter, z: number): void {
  if (z === 0) w.writeBit(0);
  else if (z < 64) {
    w.write(0b10, 2);
    w.write(z, 6);
  } else if (z < 8192) {
    w.write(0b110, 3);
    w.write(z, 13);
  } else if (z < 1048576) {
    w.write(0b1110, 4);
    w.write(z, 20);
  } else {
    const bits = Math.floor(Math.log2(z)) + 1;
    w.write(0b11110, 5);
    w.write(bits, 6);
    w.writeBig(z, bits);
  }
}

/** Reads a bucket prefix: the number of leading 1 bits, at most 5. */
function readPrefix(r: BitReader): number {
  let ones = 0;
  while (ones < 5 && r.readBit() === 1) ones++;
  return ones;
}

class ColumnDecoder {
  private prevHi = 0;
  private prevLo = 0;
  private leading = 0;
  private meaningful = 0;
  private prevInt = 0;
  private prevDelta = 0;
  private first = true;
  private readonly scale: number;

  constructor(readonly spec: ColumnSpec) {
    this.scale = 10 ** spec.decimals;
  }

  decode(r: BitReader): number {
    return this.spec.codec === 'xor' ? this.xor(r) : this.decimal(r);
  }

  private xor(r: BitReader): number {
    if (this.first) {
      this.first = false;
      this.prevHi = r.read(32);
      this.prevLo = r.read(32);
    } else if (r.readBit() === 1) {
      if (r.readBit() === 1) {
        this.leading = r.read(5);
        this.meaningful = r.read(6) + 1;
      }
      const [xh, xl] = readMeaningful(r, this.leading, this.meaningful);
      this.prevHi = (this.prevHi ^ xh) >>> 0;
      this.prevLo = (this.prevLo ^ xl) >>> 0;
    }
    u32[HI] = this.prevHi;
    u32[LO] = this.prevLo;
    return f64[0] as number;
  }

  private decimal(r: BitReader): number {
    const prefix = readPrefix(r);
    if (prefix === 5) {
      u32[HI] = r.read(32);
      u32[LO] = r.read(32);
      return f64[0] as number;
    }
    const z = prefix === 0 ? 0 : prefix === 1 ? r.read(6) : prefix === 2 ? r.read(13) : prefix === 3 ? r.read(20) : r.readBig(r.read(6));
    const residual = unzig(z);
    let scaled: number;
    if (this.first) {
      scaled = residual;
      this.first = false;
    } else if (this.spec.codec === 'delta') scaled = this.prevInt + residual;
    else {
      const delta = this.prevDelta + residual;
      scaled = this.prevInt + delta;
      this.prevDelta = delta;
    }
    this.prevInt = scaled;
    return scaled / this.scale;
  }
}

/**
 * Builds one chunk sample by sample. `append` refuses a timestamp not after the previous one (out of order
 * or duplicate): the caller drops or redirects it, and the chunk stays valid.
 */
export class ChunkEncoder {
  private readonly w = new BitWriter(256);
  private readonly columns: ColumnEncoder[];
  count = 0;
  firstTs = 0;
  lastTs = 0;
  private prevDelta = 0;

  constructor(readonly specs: readonly ColumnSpec[]) {
    this.columns = specs.map((s) => new ColumnEncoder(s));
  }

  /** Whether a sample at `ts` would fit (in order, and its delta-of-delta within 32 bits). */
  accepts(ts: number): boolean {
    if (this.count === 0) return true;
    if (ts <= this.lastTs) return false;
    const dod = ts - this.lastTs - this.prevDelta;
    return Math.abs(dod) < 2 ** 31 && (this.count > 1 || ts - this.firstTs < 2 ** 31);
  }

  /** Appends one sample (one value per column). Throws OutOfOrderSample for a timestamp not after the last. */
  append(ts: number, values: readonly number[]): void {
    if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`timestamp ${ts} is not a non-negative integer of milliseconds`);
    if (!this.accepts(ts)) throw new OutOfOrderSample(`sample at ${ts} is not after ${this.lastTs}`);
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
      else if (dod >= -63 && dod <= 64) {
        w.write(0b10, 2);
        w.write(dod + 63, 7);
      } else if (dod >= -255 && dod <= 256) {
        w.write(0b110, 3);
        w.write(dod + 255, 9);
      } else if (dod >= -2047 && dod <= 2048) {
        w.write(0b1110, 4);
        w.write(dod + 2047, 12);
      } else {
        w.write(0b1111, 4);
        w.write(dod >>> 0, 32);
      }
    }
    for (let i = 0; i < this.columns.length; i++) (this.columns[i] as ColumnEncoder).encode(w, values[i] as number);
    this.lastTs = ts;
    this.count++;
  }

  /** Approximate bytes held (for memory accounting of open chunks). */
  get byteLength(): number {
    return this.w.byteLength + HEADER_BYTES + this.specs.length * COLUMN_BYTES + 4;
  }

  /** The finished chunk: header, bit stream, CRC-32. */
  finish(): Uint8Array {
    const body = this.w.finish();
    const headerBytes = HEADER_BYTES + this.specs.length * COLUMN_BYTES;
    const out = new Uint8Array(headerBytes + 4 + body.length + 4);
    const view = new DataView(out.buffer);
    out[0] = CHUNK_VERSION;
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

/** A chunk whose checksum or structure is wrong. */
export class CorruptChunk extends Error {}

export interface DecodedChunk {
  timestamps: Float64Array;
  /** One array per column. */
  columns: Float64Array[];
}

/** Reads a chunk's header without decoding it. */
export function chunkInfo(chunk: Uint8Array): { count: number; firstTs: number; lastTs: number; columns: ColumnSpec[] } {
  if (chunk.length < HEADER_BYTES + 8 || chunk[0] !== CHUNK_VERSION) throw new CorruptChunk('not a chunk of a known version');
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

/** Decodes a chunk, after checking its CRC-32. Throws CorruptChunk when it does not check out. */
export function decodeChunk(chunk: Uint8Array): DecodedChunk {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk.length < HEADER_BYTES + 8) throw new CorruptChunk('chunk too short');
  if (crc32(chunk.subarray(0, chunk.length - 4)) !== view.getUint32(chunk.length - 4)) throw new CorruptChunk('checksum mismatch');
  const info = chunkInfo(chunk);
  const headerBytes = HEADER_BYTES + info.columns.length * COLUMN_BYTES;
  const bitLength = view.getUint32(headerBytes);
  const r = new BitReader(chunk.subarray(headerBytes + 4, chunk.length - 4), bitLength);
  const timestamps = new Float64Array(info.count);
  const columns = info.columns.map(() => new Float64Array(info.count));
  const decoders = info.columns.map((s) => new ColumnDecoder(s));
  let ts = info.firstTs;
  let delta = 0;
  try {
    for (let i = 0; i < info.count; i++) {
      if (i === 1) {
        delta = r.read(32);
        ts += delta;
      } else if (i > 1) {
        const prefix = readTimestampPrefix(r);
        let dod = 0;
        if (prefix === 1) dod = r.read(7) - 63;
        else if (prefix === 2) dod = r.read(9) - 255;
        else if (prefix === 3) dod = r.read(12) - 2047;
        else if (prefix === 4) dod = r.read(32) | 0;
        delta += dod;
        ts += delta;
      }
      timestamps[i] = ts;
      for (let c = 0; c < decoders.length; c++) (columns[c] as Float64Array)[i] = (decoders[c] as ColumnDecoder).decode(r);
    }
  } catch (error) {
    throw new CorruptChunk(`bit stream ends early: ${(error as Error).message}`);
  }
  if (ts !== info.lastTs) throw new CorruptChunk('last timestamp does not match the header');
  return { timestamps, columns };
}

/** Timestamp bucket prefix: 0, 10, 110, 1110, 1111 → 0..4. */
function readTimestampPrefix(r: BitReader): number {
  let ones = 0;
  while (ones < 4 && r.readBit() === 1) ones++;
  return ones;
}
