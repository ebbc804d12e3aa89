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

  it('runs background work once no message waits, in its own order, messages that come meanwhile first', async () => {
    const turns = new Turns(1000, 100);
    const done: string[] = [];
    turns.push(() => {
      done.push('m1');
      turns.later(() => done.push('b1'));
    });
    turns.push(() => {
      done.push('m2');
      turns.later(() => {
        done.push('b2');
        turns.push(() => done.push('m3'));
      });
      turns.later(() => done.push('b3'));
    });
    while (turns.pending > 0) await nextLoop();
    expect(done).toEqual(['m1', 'm2', 'b1', 'b2', 'm3', 'b3']);
  });

  it('says whether the job running now is background work, also after one that threw', () => {
    const turns = new Turns(8, 100);
    const seen: [string, boolean][] = [];
    turns.push(() => seen.push(['message', turns.inBackground]));
    turns.later(() => {
      seen.push(['background', turns.inBackground]);
      throw new Error('boom');
    });
    turns.later(() => seen.push(['background', turns.inBackground]));
    turns.push(() => seen.push(['message', turns.inBackground]));
    turns.drain();
    expect(seen).toEqual([
      ['message', false],
      ['message', false],
      ['background', true],
      ['background', true],
    ]);
    expect(turns.inBackground).toBe(false);
  });

  it('bounds a turn of background work by its own, shorter limit, and a turn of messages by the longer one', async () => {
    const turns = new Turns(200, 1000, () => {}, 2);
    const done: string[] = [];
    for (let i = 0; i < 10; i++)
      turns.push(() => {
        work(1);
        done.push('m');
      });
    for (let i = 0; i < 10; i++)
      turns.later(() => {
        work(1);
        done.push('b');
      });
    await nextLoop();
    // One turn: all ten messages (10 ms, under 200), then background work only while the turn is under 2 ms old.
    expect(done.filter((d) => d === 'm')).toHaveLength(10);
    expect(done.filter((d) => d === 'b')).toHaveLength(0);
    await nextLoop();
    // A turn of background work alone: two or three jobs of 1 ms, not all ten.
    const background = done.filter((d) => d === 'b').length;
    expect(background).toBeGreaterThanOrEqual(1);
    expect(background).toBeLessThanOrEqual(3);
    turns.drain();
    expect(done.filter((d) => d === 'b')).toHaveLength(10);
  });

  it('background work counts towards the high-water mark', () => {
    const turns = new Turns(1000, 4);
    const calls: string[] = [];
    turns.register({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    for (let i = 0; i < 3; i++) turns.push(() => {});
    for (let i = 0; i < 2; i++) turns.later(() => {});
    expect(calls).toEqual(['pause']);
    turns.drain();
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('tells its listeners when a backlog of several turns has been worked through, not after a turn that had no backlog', async () => {
    const turns = new Turns(2, 10_000);
    let backlogsDone = 0;
    let handledAtSignal = -1;
    const done: number[] = [];
    turns.onBacklogDone(() => {
      backlogsDone++;
      handledAtSignal = done.length;
    });
    // One quick message: handled in one turn, no backlog.
    turns.push(() => done.push(0));
    while (turns.pending > 0) await nextLoop();
    expect(backlogsDone).toBe(0);
    // 20 messages of 1 ms in turns of 2 ms: a backlog, signalled once, after the last message and before the
    // background work the messages left.
    for (let i = 1; i <= 20; i++)
      turns.push(() => {
        work(1);
        done.push(i);
        turns.later(() => done.push(-i));
      });
    while (turns.pending > 0) await nextLoop();
    expect(backlogsDone).toBe(1);
    expect(handledAtSignal).toBe(21);
    expect(done.slice(0, 21)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(done).toHaveLength(41);
  });
});
