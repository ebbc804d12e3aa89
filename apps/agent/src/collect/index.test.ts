import { PROTOCOL_VERSION } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import type { Collector } from './collector.ts';
import { Collection, toFrame } from './index.ts';
import { loadCollector } from './load.ts';

const failing: Collector = {
  name: 'broken',
  collect() {
    throw new Error('sensor exploded');
  },
};
const slowFailing: Collector = {
  name: 'broken-async',
  async collect() {
    throw new Error('async sensor exploded');
  },
};

describe('Collection', () => {
  it('contains a failing collector: the frame goes out with its error, and the others still report', async () => {
    const collection = new Collection({ collectors: [failing, loadCollector(), slowFailing], gpu: undefined });
    const frame = toFrame(await collection.collect(), 7);
    expect(frame.collectors.broken).toMatchObject({ error: 'sensor exploded' });
    expect(frame.collectors['broken-async']).toMatchObject({ error: 'async sensor exploded' });
    expect(frame.collectors.load).toMatchObject({ error: null });
    expect(frame.system.load?.load1).toBeGreaterThanOrEqual(0);
    expect(frame).toMatchObject({ v: PROTOCOL_VERSION, type: 'frame', seq: 7 });
    collection.close();
  });

  it('reports a missing /proc as an error of each collector that needs it, not a crash', async () => {
    const collection = new Collection({
      roots: { proc: '/nonexistent/proc', sys: '/nonexistent/sys', rootfs: '/nonexistent' },
      collectors: [loadCollector()],
    });
    const result = await collection.collect();
    expect(result.collectors.load?.error).toMatch(/ENOENT.*loadavg/);
    expect(result.system.load).toBeUndefined();
  });
});
