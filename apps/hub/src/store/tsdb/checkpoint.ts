import { crc32 } from 'node:zlib';
import { ByteReader, ByteWriter } from './bytes.ts';

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

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const w = new ByteWriter(4096);
  w.u8(VERSION);
  w.varint(c.lastTs + 1);
  w.varint(c.blockStart + 1);
  w.varint(c.heads.length);
  for (const h of c.heads) {
    w.varint(h.series);
    w.varint(h.chunk.length);
    w.bytes(h.chunk);
  }
  w.varint(c.block.length);
  w.bytes(c.block);
  const body = w.view();
  const out = Buffer.allocUnsafe(body.length + 4);
  body.copy(out);
  out.writeUInt32BE(crc32(body), body.length);
  return out;
}

/** Decodes a checkpoint; throws on a checksum mismatch or a malformed one. */
export function decodeCheckpoint(data: Uint8Array): Checkpoint {
  if (data.length < 8) throw new RangeError('checkpoint too short');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (crc32(data.subarray(0, data.length - 4)) !== view.getUint32(data.length - 4)) throw new RangeError('checkpoint checksum mismatch');
  const r = new ByteReader(data.subarray(0, data.length - 4), 'checkpoint');
  if (r.u8() !== VERSION) throw new RangeError('not a checkpoint of a known version');
  const lastTs = r.varint() - 1;
  const blockStart = r.varint() - 1;
  const n = r.varint();
  const heads: Checkpoint['heads'] = [];
  for (let i = 0; i < n; i++) {
    const series = r.varint();
    heads.push({ series, chunk: r.bytes(r.varint()) });
  }
  const block = r.bytes(r.varint());
  return { lastTs, blockStart, block, heads };
}
