import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptBlock, decodeBlock, encodeBlock } from './process-block.ts';
import type { ProcessFrame, ProcessSample } from './process-history.ts';

const MEMORY = 24 * 1024 ** 3;

/** A process as selectForHistory keeps it: CPU in tenths, memory % in hundredths, RSS in pages. */
const sample = (pid: number, rssPages: number, cpuTenths: number, io = 0): ProcessSample => {
  const memoryRssBytes = rssPages * 4096;
  return {
    pid,
    name: `proc-${pid % 7}`,
    user: pid % 2 ? 'root' : 'www-data',
    cmdline: `/usr/bin/proc-${pid % 7} --id ${pid}`,
    cpuPercent: cpuTenths / 10,
    memoryRssBytes,
    memoryPercent: Math.round((memoryRssBytes / MEMORY) * 10000) / 100,
    ioReadBytesPerSecond: io,
    ioWriteBytesPerSecond: io * 3,
  };
};

describe('process blocks', () => {
  it('round-trip any frames, whether or not memory % follows RSS', () => {
    const process = fc.record({
      pid: fc.integer({ min: 1, max: 40 }),
      rssPages: fc.integer({ min: 0, max: 2_000_000 }),
      cpuTenths: fc.integer({ min: 0, max: 3200 }),
      io: fc.integer({ min: 0, max: 1e9 }),
      // Now and then a memory % that has nothing to do with RSS (another host's total, a rounding elsewhere).
      odd: fc.option(fc.integer({ min: 0, max: 10000 }), { freq: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(process, { maxLength: 12 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (lists, t0) => {
          const frames: ProcessFrame[] = lists.map((list, i) => ({
            ts: t0 + i * 1000,
            processes: list.map((p) => {
              const s = sample(p.pid, p.rssPages, p.cpuTenths, p.io);
              return p.odd === null ? s : { ...s, memoryPercent: p.odd / 100 };
            }),
          }));
          expect(decodeBlock(encodeBlock(frames))).toEqual(frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('costs little for memory % that follows RSS, and reports a damaged block', () => {
    const frames: ProcessFrame[] = Array.from({ length: 600 }, (_, i) => ({
      ts: 1_000_000 + i * 1000,
      processes: Array.from({ length: 15 }, (_, j) =>
        sample(100 + j, 50_000 + j * 1000 + ((i * (j + 1) * 997) % 20_000), (i * 7 + j) % 400),
      ),
    }));
    const block = encodeBlock(frames);
    expect(decodeBlock(block)).toEqual(frames);
    const without = encodeBlock(frames.map((f) => ({ ...f, processes: f.processes.map((p) => ({ ...p, memoryPercent: 0 })) })));
    // Memory % adds less than 10 % to the block, as it is predicted from RSS (coded on its own, about 30 % here).
    expect(block.length).toBeLessThan(without.length * 1.1);
    const damaged = Buffer.from(block);
    const middle = Math.floor(damaged.length / 2);
    damaged[middle] = (damaged[middle] as number) ^ 0x10;
    expect(() => decodeBlock(damaged)).toThrow(CorruptBlock);
  });
});
