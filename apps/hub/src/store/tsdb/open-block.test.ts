import { describe, expect, it } from 'vitest';
import { OpenBlock, SEGMENT_FRAMES } from './open-block.ts';
import { decodeBlock, encodeBlock } from './process-block.ts';
import type { ProcessFrame, ProcessSample } from './process-history.ts';

const sample = (pid: number, second: number): ProcessSample => ({
  pid,
  name: `worker-${pid % 5}`,
  user: pid % 2 ? 'root' : 'www-data',
  cmdline: `/usr/bin/worker-${pid % 5} --id ${pid}`,
  cpuPercent: ((pid * 7 + second) % 400) / 10,
  memoryRssBytes: (1000 + pid * 13 + (second % 9)) * 4096,
  memoryPercent: ((pid * 3 + second) % 1000) / 100,
  ioReadBytesPerSecond: (second * pid) % 5000,
  ioWriteBytesPerSecond: 0,
});

/** `count` frames a second apart; processes come and go. */
function frames(count: number, t0 = 1_700_000_000_000): ProcessFrame[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: t0 + i * 1000,
    processes: Array.from({ length: 12 + (i % 5) }, (_, k) => sample(100 + k + Math.floor(i / 50), i)),
  }));
}

describe('OpenBlock', () => {
  it('gives back every frame pushed, across sealed segments and the frames not yet sealed', () => {
    const input = frames(SEGMENT_FRAMES * 2 + 25);
    const block = new OpenBlock();
    expect(block.empty).toBe(true);
    expect(block.lastTs).toBe(-1);
    for (const f of input) block.push(f.ts, f.processes);
    expect(block.empty).toBe(false);
    expect(block.lastTs).toBe(input[input.length - 1]?.ts);
    expect(block.frames()).toEqual(input);
    expect(decodeBlock(block.encode())).toEqual(input);
  });

  it('answers a range from the segments that overlap it', () => {
    const input = frames(SEGMENT_FRAMES * 3);
    const block = new OpenBlock();
    for (const f of input) block.push(f.ts, f.processes);
    const from = input[SEGMENT_FRAMES - 3]?.ts as number;
    const to = input[SEGMENT_FRAMES + 4]?.ts as number;
    expect(block.frames(from, to)).toEqual(input.slice(SEGMENT_FRAMES - 3, SEGMENT_FRAMES + 5));
    expect(block.frames(to + 1_000_000, to + 2_000_000)).toEqual([]);
  });

  it('continues a stored block, encoded or decoded', () => {
    const stored = frames(90);
    const more = frames(10, (stored[stored.length - 1]?.ts as number) + 1000);
    for (const block of [OpenBlock.from(encodeBlock(stored)), OpenBlock.from(stored)]) {
      for (const f of more) block.push(f.ts, f.processes);
      expect(block.frames()).toEqual([...stored, ...more]);
    }
    expect(OpenBlock.from(new Uint8Array(0)).empty).toBe(true);
    expect(OpenBlock.from([]).empty).toBe(true);
  });
});
