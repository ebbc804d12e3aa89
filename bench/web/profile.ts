/**
 * Where the fleet view's main-thread time goes: a CPU profile of the page (CDP Profiler) while it watches the fleet
 * and while it scrolls, on a dashboard built from apps/web/src with source maps and without minification (into the
 * scratch folder: apps/web/dist is not touched), served in place of the hub's through request interception. Self time
 * by function and package comes from bench/hub/profile.ts; this adds the same for the long stretches only (runs of
 * busy samples over 50 ms: the long tasks) and the inclusive time of apps/web/src functions.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type CpuProfileSummary, summarizeCpuProfile } from '../hub/profile.ts';
import { loggedInContext } from './browser.ts';
import { assetName } from './bundle.ts';
import { type FleetViewOptions, scrollUntil } from './fleet-view.ts';
import type { WebHub } from './hub.ts';
import { PAGE_PROBE, waitForFirstValue } from './page-probe.ts';
import { analyseTrace, TRACE_CATEGORIES, type TraceBreakdown } from './trace.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfilePart {
  seconds: number;
  file: string;
  /** Busy stretches over 50 ms (consecutive non-idle samples): the long tasks as the profiler saw them. */
  longStretches: number;
  longestStretchMs: number;
  all: Pick<CpuProfileSummary, 'busyMs' | 'functions' | 'packages'>;
  long: Pick<CpuProfileSummary, 'busyMs' | 'functions' | 'packages'>;
  /** Time of samples with this apps/web/src function anywhere on the stack (callees included). */
  appInclusive: { name: string; ms: number; busyPercent: number }[];
}

export interface PageProfile {
  /** Chromium traces of the dashboard as built (apps/web/dist), by Performance-panel category and event. */
  trace: { idle: TraceBreakdown; scroll: TraceBreakdown };
  build: string;
  idle: ProfilePart;
  scroll: ProfilePart;
}

/** Builds apps/web with source maps and without minification into `outDir` (vite, the app's own config otherwise). */
export async function buildProfilingDashboard(repoRoot: string, outDir: string): Promise<string> {
  const { build } = await import('vite');
  const root = join(repoRoot, 'apps/web');
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: true, minify: false },
  });
  return outDir;
}

const maps = new Map<string, SourceMap | null>();

/** The original file and line of a frame of the profiling build, through its source map. */
function originOf(frame: CallFrame): { file: string; line: number } {
  if (!frame.url.startsWith('file://')) return { file: frame.url, line: frame.lineNumber + 1 };
  const file = fileURLToPath(frame.url);
  let map = maps.get(file);
  if (map === undefined) {
    map = existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null;
    maps.set(file, map);
  }
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(file), entry.originalSource);
    return { file: source, line: entry.originalLine + 1 };
  }
  return { file, line: frame.lineNumber + 1 };
}

/** The profile's script URLs (http://hub/assets/x.js) as files of the profiling build, where their .map files are. */
function localised(profile: CpuProfile, dist: string, byName: ReadonlyMap<string, string>): CpuProfile {
  for (const node of profile.nodes) {
    const m = /^https?:\/\/[^/]+\/assets\/([^?#]+)/.exec(node.callFrame.url);
    const file = m ? byName.get(assetName(m[1] as string)) : undefined;
    if (file) node.callFrame.url = pathToFileURL(join(dist, 'assets', file)).href;
  }
  return profile;
}

/** Marks each sample as inside a long stretch (a run of non-idle samples lasting over 50 ms) or not. */
function longStretches(profile: CpuProfile, idleId: number | undefined): { inLong: boolean[]; count: number; longestMs: number } {
  const inLong = new Array<boolean>(profile.samples.length).fill(false);
  let count = 0;
  let longestMs = 0;
  let start = -1;
  let spanUs = 0;
  const close = (end: number) => {
    if (start >= 0 && spanUs > 50_000) {
      count++;
      longestMs = Math.max(longestMs, spanUs / 1000);
      for (let k = start; k < end; k++) inLong[k] = true;
    }
    start = -1;
    spanUs = 0;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    if (profile.samples[i] === idleId) close(i);
    else {
      if (start < 0) start = i;
      spanUs += profile.timeDeltas[i + 1] ?? 0;
    }
  }
  close(profile.samples.length);
  return { inLong, count, longestMs };
}

/** Inclusive time of apps/web/src functions: each sample counts once for every distinct such function on its stack. */
function appInclusive(profile: CpuProfile, busyMs: number): ProfilePart['appInclusive'] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const label = new Map<number, string | null>();
  const labelOf = (id: number): string | null => {
    if (!label.has(id)) {
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const o = originOf(frame);
      const at = o.file.indexOf('apps/web/src/');
      label.set(id, at >= 0 ? `${frame.functionName || '(anonymous)'} ${o.file.slice(at)}:${o.line}` : null);
    }
    return label.get(id) ?? null;
  };
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const name = labelOf(id);
      if (name) seen.add(name);
    }
    for (const name of seen) totals.set(name, (totals.get(name) ?? 0) + us);
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), busyPercent: Math.round((us / 1000 / busyMs) * 1000) / 10 }));
}

/** Summarises one page profile: all of it, and only its long stretches. */
function summarise(raw: CpuProfile, dist: string, byName: ReadonlyMap<string, string>, file: string): ProfilePart {
  const profile = localised(raw, dist, byName);
  writeFileSync(file, JSON.stringify(profile));
  const all = summarizeCpuProfile(file, 25);
  const idleId = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
  const stretches = longStretches(profile, idleId);
  // The same profile with every sample outside a long stretch turned idle: its summary is the long tasks' content.
  const longFile = file.replace(/\.cpuprofile$/, '-long.cpuprofile');
  const onlyLong = { ...profile, samples: profile.samples.map((id, i) => (stretches.inLong[i] ? id : (idleId ?? id))) };
  writeFileSync(longFile, JSON.stringify(onlyLong));
  const long = summarizeCpuProfile(longFile, 25);
  return {
    seconds: (profile.endTime - profile.startTime) / 1e6,
    file,
    longStretches: stretches.count,
    longestStretchMs: stretches.longestMs,
    all: { busyMs: all.busyMs, functions: all.functions, packages: all.packages },
    long: { busyMs: long.busyMs, functions: long.functions, packages: long.packages },
    appInclusive: appInclusive(profile, all.busyMs),
  };
}

/** Opens the fleet view (as the hub serves it) and waits for the first value and the warm-up. */
async function openFleetView(context: BrowserContext, hub: WebHub, warmupMs: number): Promise<Page> {
  await context.addInitScript({ content: PAGE_PROBE });
  const page = await context.newPage();
  await page.goto(`${hub.url}/`, { waitUntil: 'commit' });
  await waitForFirstValue(page, 30_000);
  await sleep(warmupMs);
  return page;
}

/**
 * Traces `seconds` of watching and `seconds` of scrolling the fleet view as built (no source maps needed); the traces
 * are kept in `keepDir` as `<prefix>-idle.trace.json` and `<prefix>-scroll.trace.json`.
 */
export async function traceFleetView(
  browser: Browser,
  hub: WebHub,
  opts: FleetViewOptions & { seconds: number; keepDir: string; prefix?: string },
): Promise<PageProfile['trace']> {
  const context = await loggedInContext(browser, hub);
  try {
    await opts.prepareContext?.(context);
    const page = await openFleetView(context, hub, opts.warmupMs);
    const part = async (name: string, during: (until: number) => Promise<unknown>): Promise<TraceBreakdown> => {
      await browser.startTracing(page, { categories: TRACE_CATEGORIES });
      await during(performance.now() + opts.seconds * 1000);
      const json = await browser.stopTracing();
      writeFileSync(join(opts.keepDir, `${opts.prefix ?? 'fleet-view'}-${name}.trace.json`), json);
      return analyseTrace(json);
    };
    const idle = await part('idle', (until) => sleep(Math.max(0, until - performance.now())));
    const scroll = await part('scroll', (until) => scrollUntil(page, until, opts));
    return { idle, scroll };
  } finally {
    await context.close();
  }
}

/**
 * Traces the fleet view as built, then opens it again with the profiling build and profiles `seconds` of watching
 * and `seconds` of scrolling (sampling every 250 µs). The .cpuprofile and trace files are kept in `keepDir` (Chrome
 * DevTools opens both).
 */
export async function profileFleetView(
  browser: Browser,
  hub: WebHub,
  dist: string,
  opts: FleetViewOptions & { seconds: number; keepDir: string },
): Promise<PageProfile> {
  const trace = await traceFleetView(browser, hub, opts);
  opts.log(
    `  trace: watching ${trace.idle.busyMs} ms busy (${JSON.stringify(trace.idle.byCategory)}), ` +
      `scrolling ${trace.scroll.busyMs} ms busy (${JSON.stringify(trace.scroll.byCategory)})`,
  );
  const context = await loggedInContext(browser, hub);
  try {
    await opts.prepareContext?.(context);
    // The page itself still comes from the hub: a document fulfilled by the harness has no address space, and
    // Chromium's Local Network Access checks then refuse its WebSocket to 127.0.0.1. Its scripts and styles are the
    // profiling build's, matched by name without the content hash (index-BDR3RSrH.js → index-<hash>.js).
    const byName = new Map(readdirSync(join(dist, 'assets')).map((f) => [assetName(f), f]));
    await context.route(
      (url) => url.pathname.startsWith('/assets/'),
      async (route) => {
        const requested = new URL(route.request().url()).pathname.slice('/assets/'.length);
        const file = byName.get(assetName(requested));
        return file ? route.fulfill({ path: join(dist, 'assets', file) }) : route.fulfill({ status: 404 });
      },
    );
    const page = await openFleetView(context, hub, opts.warmupMs);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    const part = async (name: string, during: (until: number) => Promise<unknown>): Promise<ProfilePart> => {
      await cdp.send('Profiler.start');
      await during(performance.now() + opts.seconds * 1000);
      const { profile } = await cdp.send('Profiler.stop');
      return summarise(profile as unknown as CpuProfile, dist, byName, join(opts.keepDir, `fleet-view-${name}.cpuprofile`));
    };
    const idle = await part('idle', (until) => sleep(Math.max(0, until - performance.now())));
    const scroll = await part('scroll', (until) => scrollUntil(page, until, opts));
    return { trace, build: 'apps/web/src now, vite with source maps, not minified', idle, scroll };
  } finally {
    await context.close();
  }
}
