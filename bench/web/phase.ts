/**
 * One measured stretch of a page's life: its long tasks, the live updates it received, its renderer's main-thread
 * counters, and the CPU of the hub, the browser and the simulators meanwhile. fleet-view.ts runs the phases.
 */
import type { CDPSession, Page } from 'playwright-core';
import { max, median, percentile } from '../lib/percentile.ts';
import { measureTreeWindow, type WindowResult } from '../lib/resource-window.ts';
import { type RendererMetrics, rendererMetrics } from './browser.ts';
import { type LongAnimationFrame, type LongTask, type MessageCounts, READ } from './page-probe.ts';

/** The processes whose CPU a phase reports. */
export interface Subjects {
  hubPid: number;
  browserPid: number | undefined;
  simulatorPids: number[];
}

export interface LongTaskFigures {
  count: number;
  longestMs: number;
  /** Sum over long tasks of (duration - 50 ms), as Lighthouse's Total Blocking Time. */
  totalBlockingMs: number;
  /** The five longest, ms. */
  topMs: number[];
}

export interface FrameFigures {
  frames: number;
  perSecond: number;
  intervalP50Ms: number;
  intervalP95Ms: number;
  intervalMaxMs: number;
  /** Frame intervals over 50 ms: visible stutter. */
  intervalsOver50: number;
}

export interface PhaseFigures {
  seconds: number;
  longTasks: LongTaskFigures;
  /** Long animation frames of the phase, the scripts in them summed by function (minified names). */
  longFrameScripts: { script: string; ms: number; count: number }[];
  longFrameStyleAndLayoutMs: number;
  updates: {
    messagesPerSecond: number;
    fleetMessagesPerSecond: number;
    /** Host summaries in fleet messages per second: each is one host's update. */
    hostUpdatesPerSecond: number;
    /** Summaries saying a host is offline: should be 0 with a healthy hub and simulator. */
    offlineUpdates: number;
    hostFramesPerSecond: number;
    kBytesPerSecond: number;
    /** Share of the main thread taken by the probe's own listener, percent. */
    probePercent: number;
  };
  hostCardsInDom: { median: number; max: number } | null;
  domNodes: number;
  jsHeapUsedMb: number;
  /** The renderer main thread's CPU time over the phase, percent of the wall time, by kind (CDP Performance). */
  mainThread: { busyPercent: number; scriptPercent: number; layoutPercent: number; stylePercent: number; layouts: number };
  cpuPercent: { hub: number | null; browser: number | null; simulators: number | null; harness: number; machine: number; others: number };
  frames?: FrameFigures;
  scrolledPx?: number;
}

/** Long-task figures of the tasks that started in [fromMs, toMs) of page time. */
export function longTaskFigures(tasks: readonly LongTask[], fromMs: number, toMs: number): LongTaskFigures {
  const d = tasks
    .filter((t) => t.startMs >= fromMs && t.startMs < toMs)
    .map((t) => t.durationMs)
    .sort((a, b) => b - a);
  return {
    count: d.length,
    longestMs: d[0] ?? 0,
    totalBlockingMs: d.reduce((n, x) => n + Math.max(0, x - 50), 0),
    topMs: d.slice(0, 5).map((x) => Math.round(x)),
  };
}

function frameFigures(times: readonly number[]): FrameFigures | undefined {
  if (times.length < 2) return undefined;
  const intervals = times.slice(1).map((t, i) => t - (times[i] as number));
  const seconds = ((times.at(-1) as number) - (times[0] as number)) / 1000;
  return {
    frames: intervals.length,
    perSecond: intervals.length / seconds,
    intervalP50Ms: percentile(intervals, 50),
    intervalP95Ms: percentile(intervals, 95),
    intervalMaxMs: max(intervals),
    intervalsOver50: intervals.filter((x) => x > 50).length,
  };
}

function scriptsOf(loafs: readonly LongAnimationFrame[], fromMs: number, toMs: number): PhaseFigures['longFrameScripts'] {
  const byScript = new Map<string, { ms: number; count: number }>();
  for (const f of loafs) {
    if (f.startMs < fromMs || f.startMs >= toMs) continue;
    for (const s of f.scripts) {
      const file = s.sourceURL ? new URL(s.sourceURL).pathname.split('/').pop() : '';
      const key = `${s.invokerType} ${s.invoker} → ${s.sourceFunctionName || '(anonymous)'} ${file}:${s.sourceCharPosition}`;
      const e = byScript.get(key) ?? { ms: 0, count: 0 };
      e.ms += s.durationMs;
      e.count++;
      byScript.set(key, e);
    }
  }
  return [...byScript]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 8)
    .map(([script, e]) => ({ script, ms: Math.round(e.ms), count: e.count }));
}

/** CPU of the subjects over `ms` (sampled from /proc, in parallel with whatever the phase does). */
function measureSubjects(s: Subjects, ms: number): Promise<(WindowResult | null)[]> {
  const one = (pid: number | undefined) => (pid === undefined ? Promise.resolve(null) : measureTreeWindow(pid, { windowMs: ms }));
  return Promise.all([one(s.hubPid), one(s.browserPid), ...s.simulatorPids.map(one)]);
}

/**
 * Runs `during` (the phase's activity, e.g. scrolling) for `ms` while sampling the page, and reduces it all. The page
 * must carry PAGE_PROBE.
 */
export async function measurePhase(
  page: Page,
  cdp: CDPSession,
  subjects: Subjects,
  ms: number,
  during: (signal: { until: number }) => Promise<{ frames?: number[]; scrolledPx?: number } | undefined>,
): Promise<PhaseFigures> {
  const t0 = (await page.evaluate(READ.now)) as number;
  const c0 = (await page.evaluate(READ.counts)) as MessageCounts;
  const m0 = await rendererMetrics(cdp);
  const until = performance.now() + ms;
  const cards: number[] = [];
  const sampling = (async () => {
    while (performance.now() < until - 500) {
      cards.push((await page.evaluate(READ.hostCards)) as number);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const [windows, extra] = await Promise.all([measureSubjects(subjects, ms), during({ until })]);
  await sampling;
  const t1 = (await page.evaluate(READ.now)) as number;
  const c1 = (await page.evaluate(READ.counts)) as MessageCounts;
  const m1 = await rendererMetrics(cdp);
  const tasks = (await page.evaluate(READ.longTasks)) as LongTask[];
  const loafs = (await page.evaluate(READ.loafs)) as LongAnimationFrame[];
  const seconds = (t1 - t0) / 1000;
  const perSecond = (k: keyof MessageCounts) => (c1[k] - c0[k]) / seconds;
  const delta = (k: keyof RendererMetrics) => ((m1[k] - m0[k]) / seconds) * 100;
  const [hub, browser, ...sims] = windows;
  const any = (hub ?? browser) as WindowResult;
  const simulators = sims.length > 0 ? sims.reduce((n, w) => n + (w?.cpuPercent ?? 0), 0) : null;
  const ours = (hub?.cpuPercent ?? 0) + (browser?.cpuPercent ?? 0) + (simulators ?? 0) + any.selfCpuPercent;
  return {
    seconds,
    longTasks: longTaskFigures(tasks, t0, t1),
    longFrameScripts: scriptsOf(loafs, t0, t1),
    longFrameStyleAndLayoutMs: Math.round(
      loafs.filter((f) => f.startMs >= t0 && f.startMs < t1).reduce((n, f) => n + Math.max(0, f.styleAndLayoutMs), 0),
    ),
    updates: {
      messagesPerSecond: perSecond('messages'),
      fleetMessagesPerSecond: perSecond('fleetMessages'),
      hostUpdatesPerSecond: perSecond('summaries'),
      offlineUpdates: c1.offlineSummaries - c0.offlineSummaries,
      hostFramesPerSecond: perSecond('hostMessages'),
      kBytesPerSecond: perSecond('bytes') / 1024,
      probePercent: ((c1.hookMs - c0.hookMs) / (t1 - t0)) * 100,
    },
    hostCardsInDom: cards.length > 0 ? { median: median(cards), max: max(cards) } : null,
    domNodes: m1.domNodes,
    jsHeapUsedMb: m1.jsHeapUsedBytes / 1024 / 1024,
    mainThread: {
      busyPercent: delta('taskSeconds'),
      scriptPercent: delta('scriptSeconds'),
      layoutPercent: delta('layoutSeconds'),
      stylePercent: delta('recalcStyleSeconds'),
      layouts: m1.layoutCount - m0.layoutCount,
    },
    cpuPercent: {
      hub: hub?.cpuPercent ?? null,
      browser: browser?.cpuPercent ?? null,
      simulators,
      harness: any.selfCpuPercent,
      machine: any.machineCpuPercent,
      others: Math.max(0, any.machineCpuPercent - ours),
    },
    ...(extra?.frames ? { frames: frameFigures(extra.frames) } : {}),
    ...(extra?.scrolledPx !== undefined ? { scrolledPx: extra.scrolledPx } : {}),
  };
}
