import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { compileChecker } from './compiled.ts';
import { Frame, PackedFrame, packFrame, unpackFrame } from './frame.ts';
import { DeltaFrame, ProcessRowEncoder } from './frame-delta.ts';

/** Real frames the collector produced over the agent's fixture trees (GPUs, sensors, sockets, an offline CPU...). */
function fixtureFrame(name: string): Frame {
  const url = new URL(`../../../apps/agent/test/fixtures/${name}/expected.json`, import.meta.url);
  const frame = JSON.parse(readFileSync(url, 'utf8')).frame as Frame;
  // Custom metrics exercise the records with patterned keys.
  return {
    ...frame,
    custom: [
      { name: 'queue_depth', value: 3, labels: { queue: 'mail' } },
      { name: 'jobs_total', value: 9 },
    ],
  };
}

type Path = (string | number)[];

/** Every path in `value` that leads to a leaf, an array or an object. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = prefix.length ? [prefix] : [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** A copy of `frame` with the node at `path` replaced (`undefined` deletes it). */
function mutate(frame: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(frame) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

const REPLACEMENTS: unknown[] = [undefined, null, 'text', -1, 1.5, 0, true, {}, [], 2 ** 60];

/** Mutates every node of `frame` and requires the checker to give zod's verdict, and zod's path when both refuse. */
function compareWithZod<T>(schema: z.ZodType<T>, frame: unknown): void {
  const check = compileChecker(schema);
  expect(check(structuredClone(frame)).success).toBe(true);
  const all = paths(frame);
  let rejected = 0;
  for (const path of all) {
    for (const replacement of REPLACEMENTS) {
      const input = mutate(frame, path, replacement);
      const byZod = schema.safeParse(structuredClone(input));
      const byChecker = check(structuredClone(input));
      const where = `${path.join('.')} = ${JSON.stringify(replacement)}`;
      expect(byChecker.success, where).toBe(byZod.success);
      if (!byZod.success && !byChecker.success) {
        rejected++;
        const zodPath = byZod.error.issues[0]?.path.join('.') ?? '';
        // A short row: zod names its first missing item, the checker the row ("must NOT have fewer than 18 items").
        if (/fewer than \d+ items/.test(byChecker.message)) expect(zodPath.startsWith(`${byChecker.path}.`), where).toBe(true);
        else expect(byChecker.path, where).toBe(zodPath);
      }
    }
  }
  // Most replacements are wrong somewhere: the comparison above covered real rejections, not only passes.
  expect(rejected).toBeGreaterThan(all.length * 3);
}

describe('compileChecker(Frame)', () => {
  const check = compileChecker(Frame);

  for (const name of ['server-4cpu', 'vm-2cpu']) {
    it(`accepts and rejects exactly what zod does, at every node of a ${name} frame`, () => {
      const full = fixtureFrame(name);
      expect(check(structuredClone(full)).success).toBe(true);
      // Processes and connections repeat one shape: three of each are enough, and keep the run short.
      compareWithZod(Frame, { ...full, processes: full.processes.slice(0, 3), connections: full.connections?.slice(0, 3) });
    });
  }

  it('accepts and rejects exactly what zod does for a frame with process rows (protocol 2)', () => {
    const full = fixtureFrame('server-4cpu');
    compareWithZod(PackedFrame, packFrame({ ...full, processes: full.processes.slice(0, 3), connections: full.connections?.slice(0, 2) }));
  });

  it('accepts and rejects exactly what zod does for a frame with static fields and values (protocol 4)', () => {
    const full = fixtureFrame('server-4cpu');
    const delta = new ProcessRowEncoder().encode({
      ...full,
      processes: full.processes.slice(0, 3),
      connections: full.connections?.slice(0, 2),
    });
    expect(delta.processStatics).toHaveLength(3);
    compareWithZod(DeltaFrame, delta);
  });

  it('turns process rows back into the frame they came from, and ignores values a newer agent adds to a row', () => {
    const checkPacked = compileChecker(PackedFrame);
    for (const name of ['server-4cpu', 'vm-2cpu']) {
      const frame = fixtureFrame(name);
      const packed = packFrame(frame);
      expect(JSON.stringify(packed.processRows).length).toBeLessThan(JSON.stringify(frame.processes).length * 0.6);
      const checked = checkPacked(JSON.parse(JSON.stringify(packed)));
      expect(checked.success).toBe(true);
      if (!checked.success) continue;
      expect(unpackFrame(checked.data)).toEqual({ ...frame, v: packed.v });
      const grown = structuredClone(packed);
      for (const row of grown.processRows) row.push('a field of protocol 3');
      const checkedGrown = checkPacked(grown);
      expect(checkedGrown.success && unpackFrame(checkedGrown.data)).toEqual({ ...frame, v: packed.v });
    }
  });

  it('drops unknown keys as zod does, and returns what zod returns', () => {
    const frame = fixtureFrame('server-4cpu');
    const withExtras = structuredClone(frame) as unknown as Record<string, unknown>;
    // Records (collectors, custom labels, TCP states) take any key; every other object gets one it does not know.
    const RECORDS = new Set(['collectors', 'labels', 'tcp']);
    const addExtras = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(addExtras);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) if (!RECORDS.has(k)) addExtras(v);
        (node as Record<string, unknown>).futureField = { nested: 1 };
      }
    };
    addExtras(withExtras);
    (withExtras.collectors as Record<string, unknown>).futureCollector = { durationMs: 1, error: null };
    const byZod = Frame.parse(structuredClone(withExtras));
    const byChecker = check(withExtras);
    expect(byChecker.success).toBe(true);
    if (!byChecker.success) return;
    expect(byChecker.data).toEqual(byZod);
    // Records keep every key: a collector the hub does not know of yet is still a collector.
    expect(Object.keys(byChecker.data.collectors)).toContain('futureCollector');
    expect(byChecker.data.system).not.toHaveProperty('futureField');
    expect(byChecker.data.processes[0]).not.toHaveProperty('futureField');
  });

  it('names the field and the rule in its error', () => {
    const frame = fixtureFrame('vm-2cpu');
    const bad = check(mutate(frame, ['processes', 1, 'state'], 'weird'));
    expect(bad).toMatchObject({ success: false, path: 'processes.1.state' });
    expect(!bad.success && bad.message).toMatch(/must be one of "running", "sleeping"/);
    expect(check(mutate(frame, ['system', 'uptime', 'bootTime'], undefined))).toEqual({
      success: false,
      path: 'system.uptime.bootTime',
      message: 'required',
    });
    expect(check(mutate(frame, ['type'], 'hello'))).toEqual({ success: false, path: 'type', message: 'must be "frame"' });
    expect(check(null)).toMatchObject({ success: false, path: '' });
  });

  it('refuses schemas whose rules JSON Schema would leave out', () => {
    expect(() => compileChecker(z.object({ a: z.number().default(1) }))).toThrow(/a is a default/);
    expect(() => compileChecker(z.object({ a: z.string().transform((s) => s.length) }))).toThrow(/a is a pipe/);
    expect(() => compileChecker(z.object({ a: z.array(z.number().refine((n) => n > 1)) }))).toThrow(/refinement/);
    expect(() => compileChecker(z.object({ a: z.number() }))).not.toThrow();
  });
});
