import type { Frame } from '@vigil/schema';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent } from './agent.ts';
import { Collection } from './collect/index.ts';

const quietLog = { info() {}, warn() {}, error() {} };

/**
 * The agent's clock: one frame per slot of the wall-clock grid. Node fires a timer up to a millisecond before
 * its delay has passed by Date.now() (its timers run on a coarser monotonic clock): about one timer in
 * twenty-five here. Such an early timer must still give one frame for its slot, not two.
 */
afterEach(() => {
  vi.useRealTimers();
});

describe('the agent schedule', () => {
  // Agent.schedule() once took the slot from Date.now() when the timer fired: fired 1 ms early, it armed a
  // second timer for the same slot, and a fast cycle made two frames with one ts.
  it('gives one frame per slot when a timer fires a millisecond early', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: Date.UTC(2026, 0, 1, 0, 0, 0, 500) });
    const collection = new Collection({ intervalMs: 1000 });
    const reading = await collection.collect();
    // An instant cycle (a cheap collection on an idle host): the rest of this test is the schedule alone.
    collection.warmUp = async () => {};
    collection.collect = async () => reading;
    // A hub that is not there: frames are taken off the client before they would wait for it.
    const agent = new Agent({
      hub: 'http://127.0.0.1:9',
      token: 'vgl_agent_none',
      hostname: 'slots',
      spoolDir: null,
      intervalMs: 1000,
      log: quietLog,
      collection,
    });
    const frames: Frame[] = [];
    agent.client.enqueue = (frame) => {
      frames.push(frame);
    };
    await agent.start();
    try {
      // The first timer is due at the next second, 500 ms away; it fires 1 ms early by the wall clock.
      vi.setSystemTime(Date.now() - 1);
      await vi.advanceTimersByTimeAsync(500);
      await vi.advanceTimersByTimeAsync(2900);
      const slots = frames.map((f) => f.ts - Date.UTC(2026, 0, 1));
      expect(slots).toEqual([1000, 2000, 3000]);
      expect(frames.map((f) => f.seq)).toEqual([0, 1, 2]);
    } finally {
      await agent.stop();
    }
  });
});
