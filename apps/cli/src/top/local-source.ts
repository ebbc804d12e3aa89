import { type Frame, type ProcessAction, SIGNAL_OF_ACTION } from '@vigil/schema';
import { type SignalOutcome, SnapshotStore, type TopSnapshot, type TopSource } from './source.ts';

export interface LocalSourceOptions {
  hostLabel: string;
  intervalMs: number;
  /** One complete reading of this host (all processes); the agent's collection in `vigil top`, a fake in tests. */
  read: () => Promise<Frame>;
  /** process.kill, replaceable in tests. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** This process, which must not stop itself (a SIGSTOP would freeze the terminal). */
  selfPid?: number;
  /** How long after the first reading the second is taken: rates need two, and the first screen should not wait a whole interval. */
  primeMs?: number;
}

/** Local mode: reads this host with the agent's collectors every interval and signals processes with kill(2). */
export class LocalSource implements TopSource {
  private readonly store: SnapshotStore;
  private running = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly options: LocalSourceOptions) {
    this.store = new SnapshotStore({
      mode: 'local',
      hostId: options.hostLabel,
      hostLabel: options.hostLabel,
      frame: null,
      hosts: [],
      connection: { state: 'local' },
      canAct: true,
    });
  }

  current(): TopSnapshot {
    return this.store.current();
  }

  subscribe(listener: () => void): () => void {
    return this.store.subscribe(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, Math.max(0, ms));
    });
  }

  private async readOnce(): Promise<void> {
    try {
      const frame = await this.options.read();
      if (this.running) this.store.update({ frame, connection: { state: 'local' } });
    } catch (error) {
      this.store.update({ connection: { state: 'local', detail: `reading failed: ${(error as Error).message}` } });
    }
  }

  private async run(): Promise<void> {
    const { intervalMs } = this.options;
    try {
      await this.options.read(); // primes the counters: rates need two readings
    } catch {}
    await this.sleep(this.options.primeMs ?? 250);
    while (this.running) {
      await this.readOnce();
      // Readings start on multiples of the interval of the wall clock, as the agent's do.
      if (this.running) await this.sleep(intervalMs - (Date.now() % intervalMs));
    }
  }

  async signal(target: { pid: number; name: string; user: string }, action: ProcessAction): Promise<SignalOutcome> {
    const signal = SIGNAL_OF_ACTION[action];
    const { pid, name } = target;
    // The same refusals as the agent's control (apps/agent/src/control): init, and this process itself.
    if (pid === 1) return { ok: false, message: 'refused: PID 1 (init) is never signalled' };
    if (pid === (this.options.selfPid ?? process.pid)) return { ok: false, message: `refused: ${pid} is vigil top itself` };
    try {
      (this.options.kill ?? process.kill)(pid, signal);
      return { ok: true, message: `sent ${signal} to ${pid} (${name})` };
    } catch (error) {
      return { ok: false, message: signalError(error as NodeJS.ErrnoException, target, signal) };
    }
  }

  chooseHost(): void {}
}

/** kill(2)'s errors for people: EPERM names the owner, ESRCH says the process is gone. */
export function signalError(error: NodeJS.ErrnoException, target: { pid: number; user: string }, signal: string): string {
  if (error.code === 'EPERM') return `not permitted: ${target.pid} belongs to ${target.user}`;
  if (error.code === 'ESRCH') return `${target.pid} has exited`;
  return `${signal} to ${target.pid} failed: ${error.message}`;
}
