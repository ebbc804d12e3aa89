/**
 * A CPU profile of the measured seconds (V8's sampling profiler through node:inspector), summarised for the alert
 * engine alone: the samples whose stack passes through AlertEngine.onFrame/onStatus/tick, by function.
 */
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  fn: string;
  ms: number;
  percent: number;
}

export interface EngineProfile {
  /** Sampled time inside the engine's entry points, ms. */
  engineMs: number;
  /** Sampled time of the garbage collector over the same window (not attributable to a caller), ms. */
  garbageCollectorMs: number;
  totalMs: number;
  /** Where the engine's time goes: self time (the function's own code) and inclusive time (with what it calls). */
  selfTop: FunctionTime[];
  inclusiveTop: FunctionTime[];
}

const ENTRY_POINTS = new Set(['onFrame', 'onStatus', 'tick']);

/** Starts V8's profiler; `stop()` returns the engine's summary. */
export async function startProfile(repoRoot: string, samplingIntervalMicros = 200): Promise<{ stop(): Promise<EngineProfile> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalMicros });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
      session.disconnect();
      return summarize(profile, repoRoot);
    },
  };
}

function label(node: ProfileNode, repoRoot: string): string {
  const { functionName, url } = node.callFrame;
  let file = url;
  if (url.startsWith('file://')) file = relative(repoRoot, fileURLToPath(url));
  return `${functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
}

/** Self and inclusive time by function, over the samples below an engine entry point. */
export function summarize(profile: Profile, repoRoot: string, top = 15): EngineProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isEntry = (n: ProfileNode) => ENTRY_POINTS.has(n.callFrame.functionName) && n.callFrame.url.endsWith('/alert/engine.ts');
  // The stack of a node from just below the outermost engine entry point down to the node, or null outside the engine.
  const stacks = new Map<number, string[] | null>();
  const stackOf = (id: number): string[] | null => {
    if (stacks.has(id)) return stacks.get(id) as string[] | null;
    const path: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) path.push(byId.get(cur) as ProfileNode);
    path.reverse();
    const entry = path.findIndex(isEntry);
    const stack = entry < 0 ? null : path.slice(entry).map((n) => label(n, repoRoot));
    stacks.set(id, stack);
    return stack;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let engineMicros = 0;
  let gcMicros = 0;
  let totalMicros = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    // timeDeltas[i] is the time since the previous sample; the next one is how long this sample stood.
    const micros = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0);
    totalMicros += micros;
    const node = byId.get(id) as ProfileNode;
    if (node.callFrame.functionName === '(garbage collector)') gcMicros += micros;
    const stack = stackOf(id);
    if (!stack) continue;
    engineMicros += micros;
    const leaf = stack[stack.length - 1] as string;
    self.set(leaf, (self.get(leaf) ?? 0) + micros);
    for (const fn of new Set(stack)) inclusive.set(fn, (inclusive.get(fn) ?? 0) + micros);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, micros]) => ({ fn, ms: micros / 1000, percent: engineMicros > 0 ? (micros / engineMicros) * 100 : 0 }));
  return {
    engineMs: engineMicros / 1000,
    garbageCollectorMs: gcMicros / 1000,
    totalMs: totalMicros / 1000,
    selfTop: rank(self),
    inclusiveTop: rank(inclusive),
  };
}
