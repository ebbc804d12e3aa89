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
 *
 * Work that a message starts but that nobody waits for, storing a frame, goes to a background queue (`later`) that
 * runs when no message is waiting. In a burst, the live views then get every host's new values first: at 1000 agents
 * on the second, storing took a sixth of the main thread's share of each frame (bench:hub --profile, issue 3). When a
 * backlog has been worked through, `onBacklogDone` listeners run, so the fleet's live update goes out at once rather
 * than at its next tick.
 */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/** A first-in, first-out list of jobs that does not shift its array on every take. */
class JobQueue {
  private items: (() => void)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(run: () => void): void {
    this.items.push(run);
  }

  take(): () => void {
    const run = this.items[this.head] as () => void;
    this.items[this.head++] = undefined as unknown as () => void;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return run;
  }
}

export class Turns {
  /** Messages, in arrival order. */
  private readonly queue = new JobQueue();
  /** Work that may wait until the messages are handled (`later`). */
  private readonly background = new JobQueue();
  private scheduled = false;
  private pausedReads = false;
  /** Turns in a row that ended with messages still queued: a backlog (a burst of frames) is being worked through. */
  private backlogTurns = 0;
  private readonly sources = new Set<Pausable>();
  private readonly backlogListeners = new Set<() => void>();
  private runningBackground = false;

  /**
   * `turnMs` bounds a turn of messages, `backgroundMs` a turn of background work: the event loop's I/O callbacks run
   * between turns, and some chains of them (compressing a live client's messages on the thread pool) take several
   * in a row, so long background turns would hold up the live views they are meant to let through.
   */
  constructor(
    private readonly turnMs = 8,
    private readonly highWater = 4000,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly backgroundMs = turnMs,
  ) {}

  /** Whether reads are paused for a backlog. */
  get paused(): boolean {
    return this.pausedReads;
  }

  /** Whether the job running now is background work (`later`): what it starts can run now rather than be queued again. */
  get inBackground(): boolean {
    return this.runningBackground;
  }

  /** Jobs waiting: messages and background work. */
  get pending(): number {
    return this.queue.length + this.background.length;
  }

  /** A socket to pause while the queue is over its high-water mark. */
  register(source: Pausable): void {
    this.sources.add(source);
    if (this.pausedReads) source.pause();
  }

  unregister(source: Pausable): void {
    this.sources.delete(source);
  }

  /**
   * Called when a backlog of messages (more than one turn's worth, such as a fleet's burst on the second) has just been
   * worked through: what batches the results of messages (the fleet's live updates) can send them now rather than at
   * its next tick.
   */
  onBacklogDone(listener: () => void): () => void {
    this.backlogListeners.add(listener);
    return () => this.backlogListeners.delete(listener);
  }

  /** Queues a message's handling. */
  push(run: () => void): void {
    this.queue.push(run);
    this.queued();
  }

  /**
   * Queues work that can wait until the messages queued before and during it are handled: storing a frame waits for
   * the live views' share of the frames that came with it. Background jobs run in their own order, and count towards
   * the high-water mark.
   */
  later(run: () => void): void {
    this.background.push(run);
    this.queued();
  }

  private queued(): void {
    if (!this.pausedReads && this.pending > this.highWater) {
      this.pausedReads = true;
      for (const s of this.sources) s.pause();
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  private run(job: () => void): void {
    try {
      job();
    } catch (error) {
      this.onError(error);
    }
  }

  /**
   * Handles queued messages for up to `turnMs`, then background work if the messages are all handled and the turn is
   * not `backgroundMs` old yet; what is left waits for the next turn, after the event loop's poll. Each turn does at
   * least one job.
   */
  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.pending === 0) return;
    const start = performance.now();
    // The first job runs whatever the limits; the clock is read after each.
    for (let now = Number.NEGATIVE_INFINITY; this.pending > 0; now = performance.now()) {
      if (this.queue.length > 0) {
        if (now >= start + this.turnMs) break;
        this.run(this.queue.take());
        if (this.queue.length === 0 && this.backlogTurns > 0) {
          // The backlog is worked through: its listeners come before the background work it left.
          this.backlogTurns = 0;
          for (const listener of this.backlogListeners) this.run(listener);
        }
      } else {
        if (now >= start + this.backgroundMs) break;
        this.runningBackground = true;
        this.run(this.background.take());
        this.runningBackground = false;
      }
    }
    if (this.queue.length > 0) this.backlogTurns++;
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
