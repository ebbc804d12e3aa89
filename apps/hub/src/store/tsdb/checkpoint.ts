import { crc32 } from 'node:zlib';

/**
 * A host's checkpoint: what its write-ahead rows added up to when they were deleted. The open chunk of each of
 * its series (format 1, as built: cheap to write), the frames of its open process block (format 2), and the
 * last frame taken. A restart restores this, then replays the rows written after it. Checksummed.
 */
export interface Checkpoint {
  lastTs: number;
  /** Start of the open process block (-1: none) and its frames so far, encoded (empty: none). */
  blockStart: number;
  block: Uint8Array;
  heads: { series: number; chunk: Uint8Array }[];
}

const VERSION = 1;

function varint(out: number[], v: number): void {
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const head: number[] = [VERSION];
  varint(head, c.lastTs + 1);
  varint(head, c.blockStart + 1);
  varint(head, c.heads.length);
  let size = head.length + 10 + c.block.length + 4;
  const lengths: number[][] = c.heads.map((h) => {
    const bytes: number[] = [];
    varint(bytes, h.series);
    varint(bytes, h.chunk.length);
    size += bytes.length + h.chunk.length;
    return bytes;
  });
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  out.set(head, pos);
  pos += head.length;
  c.heads.forEach((h, i) => {
    const prefix = lengths[i] as number[];
    out.set(prefix, pos);
    pos += prefix.length;
    out.set(h.chunk, pos);
    pos += h.chunk.length;
  });
  const blockLength: number[] = [];
  varint(blockLength, c.block.length);
  out.set(blockLength, pos);
  pos += blockLength.length;
  out.set(c.block, pos);
  pos += c.block.length;
  out.writeUInt32BE(crc32(out.subarray(0, pos)), pos);
  return out.subarray(0, pos + 4);
}

/** Decodes a checkpoint; throws on a checksum mismatch or a malformed one. */
export function decodeCheckpoint(data: Uint8Array): Checkpoint {
  if (data.length < 8) throw new RangeError('checkpoint too short');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (crc32(data.subarray(0, data.length - 4)) !== view.getUint32(data.length - 4)) throw new RangeError('checkpoint checksum mismatch');
  let pos = 0;
  const end = data.length - 4;
  const u8 = () => {
    if (pos >= end) throw new RangeError('checkpoint ends early');
    return data[pos++] as number;
  };
  const readVarint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = u8();
      value += (b & 127) * scale;
      if (b < 128) return value;
      scale *= 128;
    }
  };
  const bytes = (n: number) => {
    if (pos + n > end) throw new RangeError('checkpoint ends early');
    const out = data.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  if (u8() !== VERSION) throw new RangeError('not a checkpoint of a known version');
  const lastTs = readVarint() - 1;
  const blockStart = readVarint() - 1;
  const n = readVarint();
  const heads: Checkpoint['heads'] = [];
  for (let i = 0; i < n; i++) {
    const series = readVarint();
    heads.push({ series, chunk: bytes(readVarint()) });
  }
  const block = bytes(readVarint());
  return { lastTs, blockStart, block, heads };
}
