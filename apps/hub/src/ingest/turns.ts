/**
 * Agent messages are handled in turns of a few milliseconds, not as each socket delivers them.
 *
 * Agents collect on the wall clock's whole seconds, so a fleet's frames reach the hub in one burst a second. Handled
 * as they arrive, the burst is one long stretch of the event loop (500 frames at about 0.9 ms each: 450 ms), and an
 * HTTP request or WebSocket upgrade that comes in meanwhile waits for all of it: a dashboard opened at the wrong moment
 * took a second to show its first value (bench:web, issue 5). Here a message is only queued when it arrives; the
 * queue is worked through in turns of at most `turnMs`, and between turns the event loop takes in whatever else is
 * waiting. Messages are handled in the order they arrived, so each connection's order is kept.
 *
 * While the queue is longer than `highWater`, every registered socket is paused (no more reads), so a hub that cannot
 * keep up leaves the backlog in the agents' TCP windows and spools, not in its own memory; reads resume below half.
 */
export interface Pausable {
  pause(): void;
  resume(): void;
}

interface Job {
  run: () => void;
}

export class Turns {
  private queue: Job[] = [];
  private head = 0;
  private scheduled = false;
  private pausedReads = false;
  private readonly sources = new Set<Pausable>();

  constructor(
    private readonly turnMs = 8,
    private readonly highWater = 4000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Whether reads are paused for a backlog. */
  get paused(): boolean {
    return this.pausedReads;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  /** A socket to pause while the queue is over its high-water mark. */
  register(source: Pausable): void {
    this.sources.add(source);
    if (this.pausedReads) source.pause();
  }

  unregister(source: Pausable): void {
    this.sources.delete(source);
  }

  push(run: () => void): void {
    this.queue.push({ run });
    if (!this.pausedReads && this.pending > this.highWater) {
      this.pausedReads = true;
      for (const s of this.sources) s.pause();
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  /** Handles queued messages for up to `turnMs`; what is left waits for the next turn, after the event loop's poll. */
  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.pending === 0) return;
    const end = performance.now() + this.turnMs;
    do {
      const job = this.queue[this.head] as Job;
      this.queue[this.head++] = undefined as unknown as Job;
      try {
        job.run();
      } catch (error) {
        this.onError(error);
      }
    } while (this.head < this.queue.length && performance.now() < end);
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.pausedReads && this.pending <= this.highWater / 2) {
      this.pausedReads = false;
      for (const s of this.sources) s.resume();
    }
    if (this.pending > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  };

  /** Handles everything queued now (tests, shutdown). */
  drain(): void {
    while (this.pending > 0) this.turn();
  }
}
