import { randomUUID } from 'node:crypto';
import type { Frame } from '@vigil/schema';
import type { SpoolState } from './spool.ts';

/** Where frames wait for the hub: the on-disk Spool, or MemoryQueue when the agent has no spool folder. */
export interface FrameQueue {
  readonly isEmpty: boolean;
  readonly lastSeq: number;
  readonly droppedFrames: number;
  append(frame: Frame): void;
  after(seq: number, limit: number): Frame[];
  dropThrough(seq: number): void;
  loadState(): SpoolState;
  saveState(state: SpoolState): void;
}

/** A bounded queue in memory, for agents run without a spool folder: survives hub outages, not restarts. */
export class MemoryQueue implements FrameQueue {
  private frames: Frame[] = [];
  private dropped = 0;

  constructor(private readonly maxFrames = 3600) {}

  get isEmpty(): boolean {
    return this.frames.length === 0;
  }
  get lastSeq(): number {
    return this.frames.at(-1)?.seq ?? -1;
  }
  get droppedFrames(): number {
    return this.dropped;
  }
  append(frame: Frame): void {
    this.frames.push(frame);
    if (this.frames.length > this.maxFrames) {
      this.frames.shift();
      this.dropped++;
    }
  }
  after(seq: number, limit: number): Frame[] {
    const start = this.frames.findIndex((f) => f.seq > seq);
    return start < 0 ? [] : this.frames.slice(start, start + limit);
  }
  dropThrough(seq: number): void {
    const keep = this.frames.findIndex((f) => f.seq > seq);
    this.frames = keep < 0 ? [] : this.frames.slice(keep);
  }
  loadState(): SpoolState {
    return { runId: randomUUID(), nextSeq: 0 };
  }
  saveState(): void {}
}
