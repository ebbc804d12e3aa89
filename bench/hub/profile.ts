/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, with bundled code (the CLI's
 * dist chunks) mapped back to its source files through the bundle's source maps, so zod, ws and the hub's own files
 * show up under their names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time of the main thread. */
  busyPercent: number;
}

export interface CpuProfileSummary {
  file: string;
  wallMs: number;
  /** The thread's time not idle: JS, GC, and native code called from JS (zlib, JSON). */
  busyMs: number;
  functions: SelfTime[];
  packages: SelfTime[];
  /** The other threads' profiles (the history thread), when the hub wrote one per thread (--cpu-prof). */
  threads?: CpuProfileSummary[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapOf(url: string): SourceMap | null {
  if (maps.has(url)) return maps.get(url) ?? null;
  let map: SourceMap | null = null;
  try {
    const file = `${fileURLToPath(url)}.map`;
    if (existsSync(file)) map = new SourceMap(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    map = null;
  }
  maps.set(url, map);
  return map;
}

/** Where a frame's code comes from: the original source file and line when a source map knows it. */
function origin(frame: CallFrame): { file: string; line: number } {
  if (frame.url.startsWith('file://')) {
    const file = fileURLToPath(frame.url);
    const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      // Sources in a map are relative to the map's folder (apps/cli/dist → ../../hub/src/...).
      const source = entry.originalSource.startsWith('file://')
        ? fileURLToPath(entry.originalSource)
        : resolve(dirname(file), entry.originalSource);
      return { file: source, line: entry.originalLine + 1 };
    }
    return { file, line: frame.lineNumber + 1 };
  }
  return { file: frame.url, line: frame.lineNumber + 1 };
}

/** node_modules/<pkg> → pkg; a workspace file → its folder (apps/hub/src/ingest); node:internal → node:<module>. */
function packageOf(file: string, functionName: string): string {
  if (!file) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 13).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? file);
  }
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  const m = /(?:^|\/)((?:apps|packages)\/[^/]+\/src(?:\/[^/]+(?=\/))?)/.exec(file);
  return m?.[1] ?? file;
}

function shortPath(file: string): string {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return file.slice(nm + 13);
  const ws = /(?:apps|packages)\/.*/.exec(file);
  return ws ? ws[0] : file;
}

function top(totals: Map<string, number>, busyMs: number, n: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), busyPercent: Math.round((us / 1000 / busyMs) * 1000) / 10 }));
}

/** Reads a .cpuprofile and returns the `n` functions and packages with the most self time. */
export function summarizeCpuProfile(file: string, n = 25): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the gap to the next one.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = origin(frame);
    const name = `${frame.functionName || '(anonymous)'}${where.file ? ` ${shortPath(where.file)}:${where.line}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const pkg = packageOf(where.file, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  return {
    file,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busyMs),
    functions: top(functions, busyMs, n),
    packages: top(packages, busyMs, n),
  };
}
