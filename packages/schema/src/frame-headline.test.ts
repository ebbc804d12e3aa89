import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Frame } from './frame.ts';
import { FrameHeadline, frameMessage, headlineOf, MAX_HEADLINE_BYTES, splitFrameMessage } from './frame-headline.ts';

/** A real frame the collector produced over the agent's fixture tree of a 4-CPU server with two GPUs. */
const frame = JSON.parse(readFileSync(new URL('../../../apps/agent/test/fixtures/server-4cpu/expected.json', import.meta.url), 'utf8'))
  .frame as Frame;

describe('a frame headline', () => {
  it("holds the fleet's figures of the frame: root disk, traffic off the host only, GPUs and guests counted", () => {
    const headline = headlineOf(frame);
    expect(FrameHeadline.parse(headline)).toEqual(headline);
    expect(headline).toEqual({
      seq: frame.seq,
      ts: frame.ts,
      cpuPercent: 40,
      memoryPercent: frame.system.memory?.usedPercent,
      memoryTotalBytes: 16694562816,
      swapPercent: frame.system.swap?.usedPercent,
      // "/" rather than the fullest filesystem (95 %).
      diskPercent: frame.system.filesystems?.find((f) => f.mountpoint === '/')?.usedPercent,
      load1: 2.5,
      uptimeSeconds: 86401,
      // eth0 and wlan0 (no rate yet); not lo or docker0.
      networkRxBytesPerSecond: 1000,
      networkTxBytesPerSecond: 125000,
      gpus: 2,
      vms: 1,
      containers: 2,
      processes: 16,
    });
  });

  it('says "no reading" as null where a collector gave nothing, rather than 0', () => {
    const bare = { ...frame, system: {} } as Frame;
    expect(headlineOf(bare)).toMatchObject({
      cpuPercent: null,
      memoryTotalBytes: null,
      diskPercent: null,
      networkRxBytesPerSecond: null,
      gpus: null,
      vms: 0,
      processes: null,
    });
  });
});

describe('a protocol 5 frame message', () => {
  it('splits back into the headline and the compressed frame, whatever bytes the compressed part holds', () => {
    const compressed = deflateRawSync(JSON.stringify(frame));
    // Newlines among the compressed bytes must not matter: only the first one ends the headline.
    const withNewlines = Buffer.concat([compressed, Buffer.from('\n\n')]);
    const parts = splitFrameMessage(Buffer.concat(frameMessage(headlineOf(frame), withNewlines)));
    expect(parts).not.toBeNull();
    expect(JSON.parse(parts?.headline as string)).toEqual(headlineOf(frame));
    expect(parts?.compressed.equals(withNewlines)).toBe(true);
    expect(JSON.parse(inflateRawSync(compressed).toString('utf8'))).toEqual(frame);
  });

  it('has no headline when no newline comes within MAX_HEADLINE_BYTES', () => {
    const long = Buffer.concat([Buffer.from(`{"seq":1,${' '.repeat(MAX_HEADLINE_BYTES)}}`), Buffer.from('\n')]);
    expect(splitFrameMessage(long)).toBeNull();
    expect(splitFrameMessage(deflateRawSync('x'.repeat(10)))).toBeNull();
    // The longest accepted: a newline right at the limit.
    const atLimit = Buffer.concat([Buffer.alloc(MAX_HEADLINE_BYTES, 0x20), Buffer.from('\nrest')]);
    expect(splitFrameMessage(atLimit)?.compressed.toString()).toBe('rest');
  });
});
