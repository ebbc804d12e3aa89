import type { BitReader, BitWriter } from './bits.ts';

/**
 * Entropy coding of a stream of non-negative integers (zigzagged residuals): each value is coded as its bit
 * length with a canonical Huffman code built for the stream, followed by the bits below its leading one, as
 * JPEG codes DCT coefficients (ITU T.81, F.1.2). Runs of zeros may be coded as one symbol each (bucketed by
 * length, like the bit lengths). The code is stored with the stream as 4-bit lengths per symbol.
 */

/** Symbols 0..54: bit length of a value (< 2^54); 55 + k: a run of r zeros, 2^k ≤ r < 2^(k+1), k ≥ 1. */
const RUN_BASE = 55;
const SYMBOLS = RUN_BASE + 32;
const MAX_CODE_LENGTH = 15;

/** Bit length of a non-negative integer up to 2^54. */
export function bitLength(z: number): number {
  if (z < 2 ** 32) return 32 - Math.clz32(z);
  return 32 + (32 - Math.clz32(Math.floor(z / 2 ** 32)));
}

/** How a stream will be written, and what it costs in bits. */
export interface StreamPlan {
  bits: number;
  runs: boolean;
  /** Code length per symbol (0: absent). */
  lengths: Uint8Array;
}

function frequencies(values: ArrayLike<number>, count: number, runs: boolean): { freq: Float64Array; extra: number } {
  const freq = new Float64Array(SYMBOLS);
  let extra = 0;
  for (let i = 0; i < count; ) {
    const z = values[i] as number;
    if (z === 0 && runs && i + 1 < count && values[i + 1] === 0) {
      let j = i + 2;
      while (j < count && values[j] === 0) j++;
      const k = bitLength(j - i) - 1;
      freq[RUN_BASE + k] = (freq[RUN_BASE + k] as number) + 1;
      extra += k;
      i = j;
      continue;
    }
    const b = z < 2 ** 32 ? 32 - Math.clz32(z) : bitLength(z);
    freq[b] = (freq[b] as number) + 1;
    if (b > 1) extra += b - 1;
    i++;
  }
  return { freq, extra };
}

/** Huffman code lengths (at most MAX_CODE_LENGTH) for symbol frequencies. */
function codeLengths(freq: Float64Array): Uint8Array {
  const lengths = new Uint8Array(SYMBOLS);
  let f = freq;
  for (;;) {
    const symbols: number[] = [];
    for (let s = 0; s < SYMBOLS; s++) if ((f[s] as number) > 0) symbols.push(s);
    if (symbols.length === 0) return lengths;
    if (symbols.length === 1) {
      lengths[symbols[0] as number] = 0;
      return lengths;
    }
    // Two-queue Huffman: leaves sorted by weight, merged nodes come out in order.
    symbols.sort((a, b) => (f[a] as number) - (f[b] as number) || a - b);
    const n = symbols.length;
    const weight: number[] = symbols.map((s) => f[s] as number);
    const parent: number[] = new Array(2 * n - 1).fill(-1);
    let leaf = 0;
    let node = n;
    let next = n;
    const take = (): number => {
      if (leaf < n && (node >= next || (weight[leaf] as number) <= (weight[node] as number))) return leaf++;
      return node++;
    };
    while (next < 2 * n - 1) {
      const a = take();
      const b = take();
      weight[next] = (weight[a] as number) + (weight[b] as number);
      parent[a] = next;
      parent[b] = next;
      next++;
    }
    const depth: number[] = new Array(2 * n - 1).fill(0);
    let longest = 0;
    for (let i = 2 * n - 3; i >= 0; i--) {
      depth[i] = (depth[parent[i] as number] as number) + 1;
      if (i < n && (depth[i] as number) > longest) longest = depth[i] as number;
    }
    if (longest <= MAX_CODE_LENGTH) {
      for (let i = 0; i < n; i++) lengths[symbols[i] as number] = depth[i] as number;
      return lengths;
    }
    // Too deep (very skewed counts): flatten the distribution and try again.
    f = f.map((x) => (x > 0 ? Math.floor(x / 2) + 1 : 0));
  }
}

function tableBits(lengths: Uint8Array, freq: Float64Array): number {
  let min = -1;
  let max = -1;
  for (let s = 0; s < SYMBOLS; s++)
    if ((freq[s] as number) > 0) {
      if (min < 0) min = s;
      max = s;
    }
  if (min < 0 || min === max) return 2 + 7;
  void lengths;
  return 2 + 14 + 4 * (max - min + 1);
}

function planWith(values: ArrayLike<number>, count: number, runs: boolean): StreamPlan {
  const { freq, extra } = frequencies(values, count, runs);
  const lengths = codeLengths(freq);
  let bits = extra + tableBits(lengths, freq);
  for (let s = 0; s < SYMBOLS; s++) bits += (freq[s] as number) * (lengths[s] as number);
  return { bits, runs, lengths: markPresent(lengths, freq) };
}

/** Lengths with absent symbols at 0 and a lone symbol marked by length 0 too (told apart by the table). */
function markPresent(lengths: Uint8Array, freq: Float64Array): Uint8Array {
  const present = new Uint8Array(SYMBOLS);
  for (let s = 0; s < SYMBOLS; s++) present[s] = (freq[s] as number) > 0 ? Math.max(1, lengths[s] as number) : 0;
  // A single present symbol takes no code bits: keep its length 1 as a presence mark; writeStream knows.
  return present;
}

/** Plans a stream of `count` values: with or without zero runs, whichever is smaller. */
export function planStream(values: ArrayLike<number>, count: number): StreamPlan {
  const plain = planWith(values, count, false);
  let zeros = 0;
  for (let i = 0; i < count && zeros < 2; i++) if (values[i] === 0) zeros++;
  if (zeros < 2) return plain;
  const runs = planWith(values, count, true);
  return runs.bits < plain.bits ? runs : plain;
}

/** Canonical codes for code lengths: code per symbol, in order of (length, symbol). */
function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const codes = new Uint32Array(SYMBOLS);
  const blCount = new Uint16Array(MAX_CODE_LENGTH + 1);
  for (let s = 0; s < SYMBOLS; s++) if (lengths[s]) blCount[lengths[s] as number] = (blCount[lengths[s] as number] as number) + 1;
  const nextCode = new Uint32Array(MAX_CODE_LENGTH + 2);
  let code = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    code = (code + (blCount[len - 1] as number)) << 1;
    nextCode[len] = code;
  }
  for (let s = 0; s < SYMBOLS; s++) {
    const len = lengths[s] as number;
    if (len) codes[s] = (nextCode[len] as number)++;
  }
  return codes;
}

/** Writes `count` values as planned. */
export function writeStream(w: BitWriter, values: ArrayLike<number>, count: number, plan: StreamPlan): void {
  const lengths = plan.lengths;
  let min = -1;
  let max = -1;
  for (let s = 0; s < SYMBOLS; s++)
    if (lengths[s]) {
      if (min < 0) min = s;
      max = s;
    }
  w.writeBit(plan.runs ? 1 : 0);
  if (min < 0) {
    // An empty stream.
    w.writeBit(1);
    w.write(0, 7);
    return;
  }
  const single = min === max;
  w.writeBit(single ? 1 : 0);
  if (single) w.write(min, 7);
  else {
    w.write(min, 7);
    w.write(max, 7);
    for (let s = min; s <= max; s++) w.write(lengths[s] as number, 4);
  }
  const codes = single ? null : canonicalCodes(lengths);
  for (let i = 0; i < count; ) {
    const z = values[i] as number;
    if (z === 0 && plan.runs && i + 1 < count && values[i + 1] === 0) {
      let j = i + 2;
      while (j < count && values[j] === 0) j++;
      const run = j - i;
      const k = bitLength(run) - 1;
      if (codes) w.write(codes[RUN_BASE + k] as number, lengths[RUN_BASE + k] as number);
      w.write(run - 2 ** k, k);
      i = j;
      continue;
    }
    const b = z < 2 ** 32 ? 32 - Math.clz32(z) : bitLength(z);
    if (codes) w.write(codes[b] as number, lengths[b] as number);
    if (b > 1) w.writeBig(z - 2 ** (b - 1), b - 1);
    i++;
  }
}

/** Reads `count` values written by writeStream into `out`. Throws RangeError on a malformed stream. */
export function readStream(r: BitReader, count: number, out: { [index: number]: number }): void {
  const runs = r.readBit() === 1;
  const single = r.readBit() === 1;
  let lone = -1;
  const blCount = new Uint16Array(MAX_CODE_LENGTH + 1);
  const sorted: number[] = [];
  if (single) lone = r.read(7);
  else {
    const min = r.read(7);
    const max = r.read(7);
    if (max < min || max >= SYMBOLS) throw new RangeError('bad code table');
    const lengths = new Uint8Array(SYMBOLS);
    for (let s = min; s <= max; s++) {
      const len = r.read(4);
      lengths[s] = len;
      blCount[len] = (blCount[len] as number) + 1;
    }
    blCount[0] = 0;
    for (let len = 1; len <= MAX_CODE_LENGTH; len++) for (let s = min; s <= max; s++) if (lengths[s] === len) sorted.push(s);
    if (sorted.length < 2) throw new RangeError('bad code table');
  }
  for (let i = 0; i < count; ) {
    let symbol: number;
    if (single) symbol = lone;
    else {
      let code = 0;
      let first = 0;
      let index = 0;
      symbol = -1;
      for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
        code |= r.readBit();
        const n = blCount[len] as number;
        if (code - first < n) {
          symbol = sorted[index + code - first] as number;
          break;
        }
        index += n;
        first = (first + n) << 1;
        code <<= 1;
      }
      if (symbol < 0) throw new RangeError('bad code');
    }
    if (symbol >= RUN_BASE) {
      if (!runs) throw new RangeError('run in a stream without runs');
      const k = symbol - RUN_BASE;
      const run = 2 ** k + r.read(k);
      if (i + run > count) throw new RangeError('run past the end of the stream');
      for (let j = 0; j < run; j++) out[i++] = 0;
      continue;
    }
    out[i++] = symbol <= 1 ? symbol : 2 ** (symbol - 1) + r.readBig(symbol - 1);
  }
}
