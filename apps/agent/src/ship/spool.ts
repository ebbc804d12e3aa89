import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Frame } from '@vigil/schema';

export interface SpoolLimits {
  /** Bytes on disk at most; the oldest frames go first beyond it. */
  maxBytes: number;
  /** Frames older than this are dropped. */
  maxAgeMs: number;
}

export const DEFAULT_SPOOL_LIMITS: SpoolLimits = { maxBytes: 256 * 1024 * 1024, maxAgeMs: 24 * 3600 * 1000 };

/** Frames per segment file before it is closed and compressed (five minutes at 1 Hz). */
const SEGMENT_FRAMES = 300;

interface Segment {
  firstSeq: number;
  lastSeq: number;
  /** Timestamp of its newest frame, for the age limit. */
  lastTs: number;
  bytes: number;
  path: string;
  compressed: boolean;
}

/** What the spool remembers across restarts: the numbering of frames. */
export interface SpoolState {
  runId: string;
  nextSeq: number;
}

/**
 * A bounded on-disk queue of frames the hub has not acknowledged, oldest first. Frames are appended as JSON
 * lines to the open segment; a full segment is gzipped (JSON frames compress about tenfold), so a day of
 * frames fits in the default 256 MiB. The state file keeps the run id and sequence counter, so that an
 * agent restarted with its spool numbers on where it stopped and the hub can tell what it already has.
 * A corrupt line (a crash mid-write) is skipped with a warning, never replayed as garbage.
 */
export class Spool {
  private segments: Segment[] = [];
  private dropped = 0;

  constructor(
    readonly dir: string,
    private readonly limits: SpoolLimits = DEFAULT_SPOOL_LIMITS,
    private readonly warn: (message: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      // Closed segments carry their range in the name; the open one is scanned (at most SEGMENT_FRAMES lines).
      const closed = /^seg-(\d+)-(\d+)-(\d+)\.jsonl\.gz$/.exec(name);
      if (closed) {
        this.segments.push({
          firstSeq: Number(closed[1]),
          lastSeq: Number(closed[2]),
          lastTs: Number(closed[3]),
          bytes: statSync(path).size,
          path,
          compressed: true,
        });
        continue;
      }
      const open = /^seg-(\d+)\.jsonl$/.exec(name);
      if (!open) continue;
      let lastSeq = Number(open[1]) - 1;
      let lastTs = 0;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const m = /^\{"v":\d+,"type":"frame","seq":(\d+),"ts":(\d+)/.exec(line);
        if (m) {
          lastSeq = Number(m[1]);
          lastTs = Number(m[2]);
        }
      }
      if (lastSeq < Number(open[1])) rmSync(path);
      else this.segments.push({ firstSeq: Number(open[1]), lastSeq, lastTs, bytes: statSync(path).size, path, compressed: false });
    }
    this.segments.sort((a, b) => a.firstSeq - b.firstSeq);
  }

  /** The saved numbering, or a fresh run starting at 0. */
  loadState(): SpoolState {
    try {
      const state = JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as SpoolState;
      if (typeof state.runId === 'string' && Number.isInteger(state.nextSeq)) return state;
    } catch {}
    return { runId: randomUUID(), nextSeq: 0 };
  }

  saveState(state: SpoolState): void {
    const tmp = join(this.dir, 'state.json.tmp');
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, join(this.dir, 'state.json'));
  }

  get isEmpty(): boolean {
    return this.segments.length === 0;
  }

  /** Frames dropped so far to keep within the limits. */
  get droppedFrames(): number {
    return this.dropped;
  }

  get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  append(frame: Frame): void {
    let open = this.segments.at(-1);
    if (!open || open.compressed || open.lastSeq - open.firstSeq + 1 >= SEGMENT_FRAMES || frame.seq <= open.lastSeq) {
      if (open && !open.compressed) this.compress(open);
      open = {
        firstSeq: frame.seq,
        lastSeq: frame.seq - 1,
        lastTs: frame.ts,
        bytes: 0,
        path: join(this.dir, `seg-${pad(frame.seq)}.jsonl`),
        compressed: false,
      };
      this.segments.push(open);
    }
    // Frame's fields come in schema order, so every line starts with v, type, seq and ts (scanned above).
    const line = `${JSON.stringify(frame)}\n`;
    open.lastSeq = frame.seq;
    open.lastTs = frame.ts;
    appendFileSync(open.path, line);
    open.bytes += Buffer.byteLength(line);
    this.enforceLimits(frame.ts);
  }

  /** The highest sequence number held, or -1. */
  get lastSeq(): number {
    return this.segments.at(-1)?.lastSeq ?? -1;
  }

  /** Up to `limit` frames with a sequence number above `seq`, oldest first. */
  after(seq: number, limit: number): Frame[] {
    const frames: Frame[] = [];
    for (const segment of this.segments) {
      if (segment.lastSeq <= seq) continue;
      for (const frame of this.read(segment)) {
        if (frame.seq > seq) frames.push(frame);
        if (frames.length >= limit) return frames;
      }
    }
    return frames;
  }

  // One segment is read at a time during a replay; keep it until it changes.
  private cached: { path: string; bytes: number; frames: Frame[] } | null = null;

  private read(segment: Segment): Frame[] {
    if (this.cached?.path === segment.path && this.cached.bytes === segment.bytes) return this.cached.frames;
    const text = segment.compressed ? gunzipSync(readFileSync(segment.path)).toString('utf8') : readFileSync(segment.path, 'utf8');
    const frames: Frame[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        frames.push(Frame.parse(JSON.parse(line)));
      } catch {
        this.warn(`spool: skipped a corrupt frame in ${segment.path}`);
      }
    }
    this.cached = { path: segment.path, bytes: segment.bytes, frames };
    return frames;
  }

  /** Forgets every frame with a sequence number up to `seq` (acknowledged by the hub). */
  dropThrough(seq: number): void {
    while (this.segments[0] && this.segments[0].lastSeq <= seq) {
      rmSync((this.segments.shift() as Segment).path, { force: true });
    }
  }

  private compress(segment: Segment): void {
    const gz = join(this.dir, `seg-${pad(segment.firstSeq)}-${pad(segment.lastSeq)}-${segment.lastTs}.jsonl.gz`);
    writeFileSync(gz, gzipSync(readFileSync(segment.path)));
    rmSync(segment.path);
    segment.path = gz;
    segment.bytes = statSync(gz).size;
    segment.compressed = true;
  }

  private enforceLimits(now: number): void {
    // The open segment (last) is never dropped here, so the newest data always survives.
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      if (this.bytes <= this.limits.maxBytes && now - oldest.lastTs <= this.limits.maxAgeMs) break;
      this.dropped += oldest.lastSeq - oldest.firstSeq + 1;
      this.warn(`spool: dropped frames ${oldest.firstSeq}-${oldest.lastSeq} to stay within its limits`);
      rmSync(oldest.path, { force: true });
      this.segments.shift();
    }
  }

  /** Whether a directory holds a spool. */
  static exists(dir: string): boolean {
    return existsSync(join(dir, 'state.json'));
  }
}

const pad = (n: number) => String(n).padStart(12, '0');
