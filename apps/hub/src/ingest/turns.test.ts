import { setImmediate as nextLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Turns } from './turns.ts';

/** Busy-waits `ms`: a message that costs that much to handle. */
function work(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('Turns', () => {
  it('handles messages in arrival order, none at push time', async () => {
    const turns = new Turns(8, 100);
    const done: number[] = [];
    for (let i = 0; i < 50; i++) turns.push(() => done.push(i));
    expect(done).toEqual([]);
    while (turns.pending > 0) await nextLoop();
    expect(done).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('lets other work in between turns: a timer due during a long burst runs before the burst is over', async () => {
    const turns = new Turns(5, 10_000);
    const done: number[] = [];
    // 100 messages of 1 ms: 100 ms of work, in turns of about 5 ms. The first message sets a timer: due at once, it
    // must run after that turn, not after the whole burst. (A timer set before the burst may run before its first
    // turn when the machine is busy: setTimeout 0 and setImmediate come in either order from outside a callback.)
    const handledWhenTimerRan = await new Promise<number>((resolve) => {
      for (let i = 0; i < 100; i++)
        turns.push(() => {
          if (i === 0) setTimeout(() => resolve(done.length), 0);
          work(1);
          done.push(i);
        });
    });
    expect(handledWhenTimerRan).toBeGreaterThan(0);
    expect(handledWhenTimerRan).toBeLessThan(100);
    while (turns.pending > 0) await nextLoop();
    expect(done).toHaveLength(100);
  });

  it('pauses its sources over the high-water mark and resumes them below half of it', async () => {
    const turns = new Turns(1000, 10);
    const calls: string[] = [];
    turns.register({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    for (let i = 0; i < 10; i++) turns.push(() => {});
    expect(calls).toEqual([]);
    turns.push(() => {});
    expect(calls).toEqual(['pause']);
    // A source registered while paused starts paused.
    const late: string[] = [];
    turns.register({ pause: () => late.push('pause'), resume: () => late.push('resume') });
    expect(late).toEqual(['pause']);
    expect(turns.paused).toBe(true);
    while (turns.pending > 0) await nextLoop();
    expect(calls).toEqual(['pause', 'resume']);
    expect(late).toEqual(['pause', 'resume']);
    expect(turns.paused).toBe(false);
  });

  it('a message whose handling throws is reported, and the ones after it are still handled', async () => {
    const errors: unknown[] = [];
    const turns = new Turns(8, 100, (e) => errors.push(e));
    const done: number[] = [];
    turns.push(() => done.push(1));
    turns.push(() => {
      throw new Error('bad message');
    });
    turns.push(() => done.push(3));
    turns.drain();
    expect(done).toEqual([1, 3]);
    expect((errors[0] as Error).message).toBe('bad message');
  });
});
