/** Timers for benchmarks: a drift-free non-overlapping ticker, deadline sleeps, and bounded waits on a condition. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves at performance.now() >= deadlineMs; used only where the wait IS the measurement (warm-up, window). */
export async function sleepUntil(deadlineMs: number): Promise<void> {
  const left = deadlineMs - performance.now();
  if (left > 0) await sleep(left);
}

export interface Ticker {
  /** Stops scheduling and waits for a call in flight, so nothing runs after the caller moves on. */
  stop(): Promise<void>;
}

/**
 * Calls `fn` every `periodMs` on a fixed schedule (tick k at start + k*period, so no drift) and never overlapping:
 * a call that overruns makes the ticker skip the missed slots instead of queueing them, like a real scraper.
 */
export function startTicker(periodMs: number, fn: () => Promise<void> | void): Ticker {
  const start = performance.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const schedule = (): void => {
    if (stopped) return;
    const now = performance.now();
    const next = start + Math.ceil((now - start + 1) / periodMs) * periodMs;
    timer = setTimeout(run, next - now);
  };
  const run = (): void => {
    inFlight = (async () => {
      try {
        await fn();
      } catch {
        // The callback records its own failures; a throw must not stop the schedule.
      }
    })().finally(schedule);
  };

  run();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined/false, bounded by `timeoutMs`.
 * A probe that throws ends the wait at once (e.g. the process being waited for has exited).
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, opts: WaitOptions): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() >= deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await sleep(opts.intervalMs ?? 100);
  }
}
