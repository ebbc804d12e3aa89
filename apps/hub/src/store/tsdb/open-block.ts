import { decodeBlock, encodeBlock } from './process-block.ts';
import type { ProcessFrame, ProcessSample } from './process-history.ts';

/**
 * Frames kept as objects before they are encoded into a segment: ten seconds at one frame a second. Objects that live
 * longer are promoted to V8's old space and die there, to be marked by every major GC: at 500 hosts, 60 frames gave a
 * 294 MB old space and 76-78 % of a core in bench:hub, 10 frames 213 MB and 67-73 %.
 */
export const SEGMENT_FRAMES = 10;

interface Segment {
  first: number;
  last: number;
  /** The frames in the block format (process-block.ts), which is lossless. */
  data: Uint8Array;
}

/**
 * A host's open process block: the top processes of every frame since the block started (up to BLOCK_MS).
 *
 * Held as objects, a block grows to some 36,000 process samples per host (30 minutes x 20 processes), each with its own
 * copies of the name, user and command line strings: gigabytes of heap for a thousand hosts, all of it for the garbage
 * collector to mark again and again. So only the latest SEGMENT_FRAMES frames are kept as objects; earlier ones are
 * encoded in the block's own compact format and decoded again only when a query or the block's close needs them.
 */
export class OpenBlock {
  private segments: Segment[] = [];
  private recent: ProcessFrame[] = [];
  /** The latest frame's samples by pid, whose strings the next frame's samples share when they are equal. */
  private previous = new Map<number, ProcessSample>();

  /** A block continuing from frames stored before: an encoded block (a checkpoint's) or decoded frames, oldest first. */
  static from(stored: Uint8Array | readonly ProcessFrame[]): OpenBlock {
    const block = new OpenBlock();
    const frames = stored instanceof Uint8Array ? (stored.length > 0 ? decodeBlock(stored) : []) : stored;
    const first = frames[0];
    const last = frames[frames.length - 1];
    if (first && last) {
      const data = stored instanceof Uint8Array ? stored : encodeBlock(frames);
      block.segments.push({ first: first.ts, last: last.ts, data });
    }
    return block;
  }

  get empty(): boolean {
    return this.segments.length === 0 && this.recent.length === 0;
  }

  /** Timestamp of the latest frame, or -1. */
  get lastTs(): number {
    const recent = this.recent[this.recent.length - 1];
    if (recent) return recent.ts;
    return this.segments[this.segments.length - 1]?.last ?? -1;
  }

  push(ts: number, processes: ProcessSample[]): void {
    // Each frame comes with its own copies of every name, user and command line. Pointing equal ones at the copies
    // already kept lets the new ones die young with their frame, instead of a copy per frame staying in the heap.
    const byPid = new Map<number, ProcessSample>();
    for (const p of processes) {
      const before = this.previous.get(p.pid);
      if (before) {
        if (p.cmdline === before.cmdline) p.cmdline = before.cmdline;
        if (p.name === before.name) p.name = before.name;
        if (p.user === before.user) p.user = before.user;
      }
      byPid.set(p.pid, p);
    }
    this.previous = byPid;
    this.recent.push({ ts, processes });
    if (this.recent.length >= SEGMENT_FRAMES) this.seal();
  }

  /** Encodes the frames kept as objects into a segment. */
  private seal(): void {
    const first = this.recent[0];
    const last = this.recent[this.recent.length - 1];
    if (!first || !last) return;
    this.segments.push({ first: first.ts, last: last.ts, data: encodeBlock(this.recent) });
    this.recent = [];
  }

  /** The frames in [from, to] (all by default), oldest first. */
  frames(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): ProcessFrame[] {
    const out: ProcessFrame[] = [];
    for (const s of this.segments) {
      if (s.last < from || s.first > to) continue;
      for (const f of decodeBlock(s.data)) if (f.ts >= from && f.ts <= to) out.push(f);
    }
    for (const f of this.recent) if (f.ts >= from && f.ts <= to) out.push(f);
    return out;
  }

  /** The whole block in the block format. */
  encode(): Uint8Array {
    if (this.recent.length === 0 && this.segments.length === 1) return (this.segments[0] as Segment).data;
    return encodeBlock(this.frames());
  }
}
