import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { BitReader, BitWriter } from './bits.ts';
import { ByteReader, ByteWriter, exactInteger } from './bytes.ts';
import { unzig, XorState, zig } from './codec-v1.ts';
import { planStream, readStream, writeStream } from './entropy.ts';
import type { ProcessFrame, ProcessSample } from './process-history.ts';

/**
 * Process history, format 2: the top processes of a host's frames over a block of minutes, stored by column.
 * - the distinct processes (pid, name, user, command line) once per block, deflated;
 * - per frame, its processes in their order, each as where it stood in the previous frame's list (most stay
 *   put: a run of zeros) or as a newcomer to the dictionary;
 * - per value (CPU in tenths of a percent, RSS, memory in hundredths of a percent, I/O rates), the change
 *   since the same process's previous reading in the block, divided by the greatest common divisor of the
 *   column (RSS moves in pages); all integer streams entropy coded (entropy.ts). A column whose values are not
 *   exact at that precision is kept as Gorilla XOR floats instead, so nothing is ever rounded here.
 * Layout: version 2, flags (bit 0: frames evenly spaced), varints frames, first ts, interval or streams,
 * dictionary, column kinds, one bit stream, CRC-32.
 */

const VERSION = 2;
const REGULAR = 1;
const COLUMNS = [
  { get: (p: ProcessSample) => p.cpuPercent, decimals: 1 },
  { get: (p: ProcessSample) => p.memoryRssBytes, decimals: 0 },
  { get: (p: ProcessSample) => p.memoryPercent, decimals: 2 },
  { get: (p: ProcessSample) => p.ioReadBytesPerSecond, decimals: 0 },
  { get: (p: ProcessSample) => p.ioWriteBytesPerSecond, decimals: 0 },
] as const;
const INTS = 0;
const XOR = 1;
/** Memory %: predicted from RSS (rss x a ratio the block stores, that is 100 / the host's memory), plus a correction. */
const PREDICTED = 2;
const MEMORY_PERCENT = 2;
const RSS = 1;

/** A process block that does not check out. */
export class CorruptBlock extends Error {}

const gcd = (a: number, b: number): number => {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
};

function entropy(w: BitWriter, values: number[]): void {
  writeStream(w, values, values.length, planStream(values, values.length));
}

/** Encodes frames (oldest first) as one block. */
export function encodeBlock(frames: readonly ProcessFrame[]): Buffer {
  const head = new ByteWriter(1024);
  head.u8(VERSION);
  const n = frames.length;
  const first = n > 0 ? (frames[0] as ProcessFrame).ts : 0;
  const interval = n > 1 ? (frames[1] as ProcessFrame).ts - first : 0;
  let regular = true;
  for (let i = 2; i < n && regular; i++)
    if ((frames[i] as ProcessFrame).ts - (frames[i - 1] as ProcessFrame).ts !== interval) regular = false;
  head.u8(regular ? REGULAR : 0);
  head.varint(n);
  head.varint(first);
  const w = new BitWriter(1024);
  if (regular) head.varint(interval);
  else {
    const dods: number[] = [];
    let prevDelta = 0;
    for (let i = 1; i < n; i++) {
      const delta = (frames[i] as ProcessFrame).ts - (frames[i - 1] as ProcessFrame).ts;
      dods.push(zig(delta - prevDelta));
      prevDelta = delta;
    }
    entropy(w, dods);
  }
  // The dictionary, and per frame the list of dictionary indices.
  // Dictionary ids by pid: a pid has one entry unless it was reused or renamed within the block. Comparing the strings
  // (mostly the very same objects, frame after frame) is far cheaper than hashing a key made of them.
  const index = new Map<number, number[]>();
  const dictionary: [number, string, string, string][] = [];
  const counts: number[] = [];
  const refs: number[] = [];
  const news: number[] = [];
  const entries: ProcessSample[] = [];
  const entryIds: number[] = [];
  let previous: number[] = [];
  for (const frame of frames) {
    const positions = new Map<number, number>();
    for (const [j, id] of previous.entries()) positions.set(id, j);
    const list: number[] = [];
    counts.push(zig(frame.processes.length - previous.length));
    frame.processes.forEach((p, j) => {
      const ids = index.get(p.pid);
      let known: number | undefined;
      if (ids) {
        for (const candidate of ids) {
          const entry = dictionary[candidate] as [number, string, string, string];
          if (entry[1] === p.name && entry[2] === p.user && entry[3] === p.cmdline) {
            known = candidate;
            break;
          }
        }
      }
      const was = known === undefined ? undefined : positions.get(known);
      let id: number;
      if (known === undefined) {
        // A newcomer to the dictionary (news: 0).
        refs.push(1);
        news.push(0);
        id = dictionary.length;
        if (ids) ids.push(id);
        else index.set(p.pid, [id]);
        dictionary.push([p.pid, p.name, p.user, p.cmdline]);
      } else if (was === undefined) {
        // Back after a frame away: how far back in the dictionary it is.
        refs.push(1);
        news.push(dictionary.length - known);
        id = known;
      } else {
        // Where it stood in the previous frame, relative to where it stands now.
        refs.push(2 * zig(was - j));
        id = known;
      }
      list.push(id);
      entries.push(p);
      entryIds.push(id);
    });
    previous = list;
  }
  const dict = deflateRawSync(Buffer.from(JSON.stringify(dictionary)));
  head.varint(dict.length);
  head.bytes(dict);
  entropy(w, counts);
  entropy(w, refs);
  entropy(w, news);
  // Values: change since the same process's previous reading in the block.
  let rssInts: number[] | null = null;
  for (const [c, column] of COLUMNS.entries()) {
    const factor = 10 ** column.decimals;
    const ints: number[] = [];
    let exact = true;
    let g = 0;
    for (const p of entries) {
      const k = exactInteger(column.get(p), factor);
      if (k === null || Math.abs(k) > 2 ** 50) {
        exact = false;
        break;
      }
      ints.push(k);
      g = gcd(g, Math.abs(k));
    }
    if (!exact) {
      head.u8(XOR);
      const xor = new XorState();
      for (const p of entries) xor.write(w, column.get(p));
      continue;
    }
    const scale = Math.max(g, 1);
    const last = new Map<number, number>();
    const residuals = ints.map((k, e) => {
      const id = entryIds[e] as number;
      const r = (k - (last.get(id) ?? 0)) / scale;
      last.set(id, k);
      return zig(r);
    });
    if (c === RSS) rssInts = ints;
    if (c === MEMORY_PERCENT && rssInts) {
      const predicted = predictedResiduals(rssInts, ints);
      if (predicted && planStream(predicted.residuals, predicted.residuals.length).bits < planStream(residuals, residuals.length).bits) {
        head.u8(PREDICTED);
        head.f64le(predicted.ratio);
        entropy(w, predicted.residuals);
        continue;
      }
    }
    head.u8(INTS);
    head.varint(scale);
    entropy(w, residuals);
  }
  const body = w.finish();
  const out = Buffer.alloc(head.length + body.length + 4);
  out.set(head.view());
  out.set(body, head.length);
  out.writeUInt32BE(crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

/**
 * Memory % (in hundredths) as rss x ratio, rounded, plus a small correction: the ratio is taken from the largest
 * process (the most precise), so the corrections are mostly zero. Null when no process has any memory.
 */
function predictedResiduals(rss: readonly number[], memory: readonly number[]): { ratio: number; residuals: number[] } | null {
  let best = -1;
  for (let e = 0; e < rss.length; e++) if ((rss[e] as number) > 0 && (best < 0 || (rss[e] as number) > (rss[best] as number))) best = e;
  if (best < 0) return null;
  const ratio = (memory[best] as number) / (rss[best] as number);
  if (!Number.isFinite(ratio)) return null;
  const residuals = memory.map((k, e) => zig(k - Math.round((rss[e] as number) * ratio)));
  return residuals.every((r) => Number.isSafeInteger(r)) ? { ratio, residuals } : null;
}

/** Decodes a block written by encodeBlock, after checking its CRC-32. */
export function decodeBlock(blob: Uint8Array): ProcessFrame[] {
  if (blob.length < 8) throw new CorruptBlock('block too short');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (crc32(blob.subarray(0, blob.length - 4)) !== view.getUint32(blob.length - 4)) throw new CorruptBlock('checksum mismatch');
  const c = new ByteReader(blob.subarray(0, blob.length - 4), 'process block header', (message) => new CorruptBlock(message));
  if (c.u8() !== VERSION) throw new CorruptBlock('not a process block of a known version');
  const flags = c.u8();
  const n = c.varint();
  const first = c.varint();
  const interval = flags & REGULAR ? c.varint() : 0;
  const dictLength = c.varint();
  let dictionary: [number, string, string, string][];
  try {
    dictionary = JSON.parse(inflateRawSync(c.bytes(dictLength)).toString('utf8'));
  } catch (error) {
    throw new CorruptBlock(`bad dictionary: ${(error as Error).message}`);
  }
  // Column kinds follow the dictionary in the header; the bit stream follows them.
  const kinds: { kind: number; scale: number; ratio: number }[] = [];
  for (let i = 0; i < COLUMNS.length; i++) {
    const kind = c.u8();
    if (kind === PREDICTED) {
      if (i !== MEMORY_PERCENT || kinds[RSS]?.kind !== INTS) throw new CorruptBlock('a predicted column without its RSS');
      kinds.push({ kind, scale: 1, ratio: c.f64le() });
    } else kinds.push({ kind, scale: kind === INTS ? c.varint() : 1, ratio: 0 });
  }
  const r = new BitReader(blob.subarray(c.pos, blob.length - 4));
  try {
    const timestamps = new Float64Array(n);
    if (flags & REGULAR) for (let i = 0; i < n; i++) timestamps[i] = first + i * interval;
    else {
      const dods = new Float64Array(Math.max(0, n - 1));
      readStream(r, n - 1, dods);
      let ts = first;
      let delta = 0;
      if (n > 0) timestamps[0] = first;
      for (let i = 1; i < n; i++) {
        delta += unzig(dods[i - 1] as number);
        ts += delta;
        timestamps[i] = ts;
      }
    }
    const counts = new Float64Array(n);
    readStream(r, n, counts);
    const sizes: number[] = [];
    let size = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      size += unzig(counts[i] as number);
      if (size < 0) throw new CorruptBlock('negative process count');
      sizes.push(size);
      total += size;
    }
    const refs = new Float64Array(total);
    readStream(r, total, refs);
    let newcomers = 0;
    for (let e = 0; e < total; e++) if (refs[e] === 1) newcomers++;
    const news = new Float64Array(newcomers);
    readStream(r, newcomers, news);
    // Rebuild each frame's list of dictionary indices.
    const ids = new Int32Array(total);
    let previous: number[] = [];
    let e = 0;
    let nextNew = 0;
    let dictSize = 0;
    for (let i = 0; i < n; i++) {
      const list: number[] = [];
      for (let j = 0; j < (sizes[i] as number); j++, e++) {
        const ref = refs[e] as number;
        let id: number;
        if (ref === 1) {
          const back = news[nextNew++] as number;
          id = dictSize - back;
          if (back === 0) dictSize++;
        } else {
          if (ref % 2 !== 0) throw new CorruptBlock('bad reference');
          id = previous[j + unzig(ref / 2)] as number;
        }
        if (id === undefined || id < 0 || id >= dictionary.length) throw new CorruptBlock('reference out of range');
        list.push(id);
        ids[e] = id;
      }
      previous = list;
    }
    const values = COLUMNS.map(() => new Float64Array(total));
    kinds.forEach(({ kind, scale, ratio }, k) => {
      const out = values[k] as Float64Array;
      if (kind === XOR) {
        const xor = new XorState();
        for (let x = 0; x < total; x++) out[x] = xor.read(r);
        return;
      }
      if (kind === PREDICTED) {
        const residuals = new Float64Array(total);
        readStream(r, total, residuals);
        const rss = values[RSS] as Float64Array;
        const factor = 10 ** (COLUMNS[k] as (typeof COLUMNS)[number]).decimals;
        for (let x = 0; x < total; x++) out[x] = (Math.round((rss[x] as number) * ratio) + unzig(residuals[x] as number)) / factor;
        return;
      }
      if (kind !== INTS) throw new CorruptBlock('unknown column kind');
      const residuals = new Float64Array(total);
      readStream(r, total, residuals);
      const last = new Map<number, number>();
      const factor = 10 ** (COLUMNS[k] as (typeof COLUMNS)[number]).decimals;
      for (let x = 0; x < total; x++) {
        const id = ids[x] as number;
        const v = (last.get(id) ?? 0) + unzig(residuals[x] as number) * scale;
        last.set(id, v);
        out[x] = v / factor;
      }
    });
    const frames: ProcessFrame[] = [];
    e = 0;
    for (let i = 0; i < n; i++) {
      const processes: ProcessSample[] = [];
      for (let j = 0; j < (sizes[i] as number); j++, e++) {
        const [pid, name, user, cmdline] = dictionary[ids[e] as number] as [number, string, string, string];
        processes.push({
          pid,
          name,
          user,
          cmdline,
          cpuPercent: (values[0] as Float64Array)[e] as number,
          memoryRssBytes: (values[1] as Float64Array)[e] as number,
          memoryPercent: (values[2] as Float64Array)[e] as number,
          ioReadBytesPerSecond: (values[3] as Float64Array)[e] as number,
          ioWriteBytesPerSecond: (values[4] as Float64Array)[e] as number,
        });
      }
      frames.push({ ts: timestamps[i] as number, processes });
    }
    return frames;
  } catch (error) {
    if (error instanceof CorruptBlock) throw error;
    throw new CorruptBlock(`bit stream ends early: ${(error as Error).message}`);
  }
}
