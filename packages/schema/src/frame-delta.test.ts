import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Frame, PROCESS_ROW_FIELDS, packFrame } from './frame.ts';
import { DeltaFrame, PROCESS_STATIC_FIELDS, PROCESS_VALUE_FIELDS, ProcessRowDecoder, ProcessRowEncoder } from './frame-delta.ts';
import type { ProcessInfo } from './process.ts';
import { PROTOCOL_VERSION } from './version.ts';

/** A real frame the collector produced over one of the agent's fixture trees. */
function fixtureFrame(name: string): Frame {
  const url = new URL(`../../../apps/agent/test/fixtures/${name}/expected.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).frame as Frame;
}

/** The frame one second later: every process's values moved, its static fields as they were. */
function nextSecond(frame: Frame, seq = frame.seq + 1): Frame {
  return {
    ...frame,
    seq,
    ts: frame.ts + 1000 * (seq - frame.seq),
    processes: frame.processes.map((p) => ({
      ...p,
      cpuPercent: (p.cpuPercent ?? 0) + 1,
      cpuSecondsTotal: p.cpuSecondsTotal + 0.5,
      memoryRssBytes: p.memoryRssBytes + 4096,
    })),
  };
}

/** What goes over the wire and comes back: JSON text both ways, checked against the schema as the hub does. */
function wire(delta: DeltaFrame): DeltaFrame {
  return DeltaFrame.parse(JSON.parse(JSON.stringify(delta)));
}

const base = fixtureFrame('server-4cpu');

describe('process static fields and values (protocol 4)', () => {
  it('splits every field of ProcessInfo into exactly one kind of row, with the pid first in both', () => {
    expect(PROCESS_STATIC_FIELDS[0]).toBe('pid');
    expect(PROCESS_VALUE_FIELDS[0]).toBe('pid');
    const rest = [...PROCESS_STATIC_FIELDS.slice(1), ...PROCESS_VALUE_FIELDS.slice(1)];
    expect(new Set(rest).size).toBe(rest.length);
    expect(['pid', ...rest].sort()).toEqual([...PROCESS_ROW_FIELDS].sort());
  });

  it('sends static fields with a process only the first time a connection carries it, and gives back the same frames', () => {
    const encoder = new ProcessRowEncoder();
    const decoder = new ProcessRowDecoder();
    const frames = [base, nextSecond(base), nextSecond(base, base.seq + 2)];
    const deltas = frames.map((f) => encoder.encode(f));
    expect(base.processes.length).toBeGreaterThan(5);
    expect(deltas[0]?.processStatics).toHaveLength(base.processes.length);
    expect(deltas[1]?.processStatics).toHaveLength(0);
    expect(deltas[2]?.processStatics).toHaveLength(0);
    for (const [i, delta] of deltas.entries()) {
      expect(delta.v).toBe(PROTOCOL_VERSION);
      expect(delta.processValues).toHaveLength(base.processes.length);
      const decoded = decoder.decode(wire(delta));
      expect(decoded).toEqual({ success: true, data: { ...frames[i], v: PROTOCOL_VERSION } });
    }
    // The point of it: the frames after the first carry a fraction of the processes' bytes.
    const rows = JSON.stringify(packFrame(frames[1] as Frame).processRows).length;
    const values = JSON.stringify(deltas[1]?.processValues).length;
    expect(values).toBeLessThan(rows * 0.75);
  });

  it('sends a process in full again when a static field changed, when it came back, or when its pid was reused', () => {
    const encoder = new ProcessRowEncoder();
    const decoder = new ProcessRowDecoder();
    const [a, b, c] = base.processes as [ProcessInfo, ProcessInfo, ProcessInfo];
    const at = (seq: number, processes: ProcessInfo[]): Frame => ({ ...base, seq, ts: base.ts + seq * 1000, processes });
    const frames = [
      at(1, [a, b, c]),
      // a reparented to init, b dropped out of the top, c's pid reused by a new process.
      at(2, [
        { ...a, ppid: 1 },
        { ...c, name: 'other', cmdline: 'other --flag', startTime: c.startTime + 5000 },
      ]),
      // b is back.
      at(3, [{ ...a, ppid: 1 }, b]),
    ];
    const statics = frames.map((f) => {
      const delta = encoder.encode(f);
      expect(decoder.decode(wire(delta))).toEqual({ success: true, data: { ...f, v: PROTOCOL_VERSION } });
      return delta.processStatics.map((row) => row[0]);
    });
    expect(statics).toEqual([[a.pid, b.pid, c.pid], [a.pid, c.pid], [b.pid]]);
  });

  it('refuses a process row whose static fields the connection was never sent, naming the row and the pid', () => {
    const encoder = new ProcessRowEncoder();
    encoder.encode(base);
    const second = encoder.encode(nextSecond(base));
    // A hub that did not see the first frame: a new connection, or one that lost a message.
    const decoded = new ProcessRowDecoder().decode(wire(second));
    const pid = base.processes[0]?.pid;
    expect(decoded).toEqual({
      success: false,
      path: 'processValues.0',
      message: `process ${pid} has no static fields on this connection: its first row must come with a processStatics row`,
    });
  });

  it('starts again from nothing after reset(), as on a new connection', () => {
    const encoder = new ProcessRowEncoder();
    encoder.encode(base);
    encoder.reset();
    const delta = encoder.encode(nextSecond(base));
    expect(delta.processStatics).toHaveLength(base.processes.length);
    expect(new ProcessRowDecoder().decode(wire(delta)).success).toBe(true);
  });

  it('ignores values a newer agent adds at the end of either kind of row', () => {
    const delta = structuredClone(new ProcessRowEncoder().encode(base));
    for (const row of delta.processStatics) row.push('a static field of protocol 5');
    for (const row of delta.processValues) row.push(42);
    expect(new ProcessRowDecoder().decode(wire(delta))).toEqual({ success: true, data: { ...base, v: PROTOCOL_VERSION } });
  });
});
