/**
 * The fleet view under a live fleet: opened at 1280x900, warmed up, then watched idle and scrolled, with every long
 * task of its main thread collected in the page (PerformanceObserver 'longtask'); then a blank page in the same browser
 * for the browser's own floor on this machine at that moment.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTicker } from '../lib/timing.ts';
import { loggedInContext, metricsSession, VIEWPORT } from './browser.ts';
import type { WebHub } from './hub.ts';
import { type LongTask, PAGE_PROBE, READ, waitForFirstValue } from './page-probe.ts';
import { type LongTaskFigures, longTaskFigures, measurePhase, type PhaseFigures, type Subjects } from './phase.ts';

export interface FleetViewOptions {
  warmupMs: number;
  idleMs: number;
  scrollMs: number;
  baselineMs: number;
  /** Pixels per wheel event, and wheel events per second while scrolling. */
  wheelPx: number;
  wheelsPerSecond: number;
  /** Called on each new context before its page opens (e.g. to feed the live socket from a replay). */
  prepareContext?: (context: BrowserContext) => Promise<unknown>;
  log: (line: string) => void;
}

export interface FleetViewFigures {
  /** From the navigation to the end of the warm-up: the first full fleet message and the first render included. */
  load: LongTaskFigures & { firstValueMs: number | null; seconds: number };
  idle: PhaseFigures;
  scroll: PhaseFigures;
  blankBaseline: PhaseFigures;
  /** The blank page running a fixed ~10 ms JavaScript task every 100 ms: the machine's own stretching of tasks. */
  syntheticBaseline: PhaseFigures;
}

/**
 * Scrolls the window with real wheel events (Input.dispatchMouseEvent, so the compositor scrolls and the page gets
 * its scroll events as from a mouse), down to the end of the grid and back up, until `until`.
 */
export async function scrollUntil(page: Page, until: number, opts: FleetViewOptions): Promise<{ frames: number[]; scrolledPx: number }> {
  await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2);
  await page.evaluate(READ.startFrames);
  let direction = 1;
  let scrolledPx = 0;
  let wheels = 0;
  const ticker = startTicker(1000 / opts.wheelsPerSecond, async () => {
    if (performance.now() >= until) return;
    if (++wheels % opts.wheelsPerSecond === 0) {
      // Once a second: turn round at either end of the page.
      const s = (await page.evaluate(READ.scrollState)) as { y: number; max: number };
      if (direction > 0 && s.y >= s.max - 2) direction = -1;
      else if (direction < 0 && s.y <= 2) direction = 1;
    }
    await page.mouse.wheel(0, direction * opts.wheelPx);
    scrolledPx += opts.wheelPx;
  });
  await sleep(Math.max(0, until - performance.now()));
  await ticker.stop();
  const frames = (await page.evaluate(READ.stopFrames)) as number[];
  return { frames, scrolledPx };
}

/** Runs the load, idle and scroll phases on the fleet view, then the blank-page baseline. */
export async function measureFleetView(
  browser: Browser,
  hub: WebHub,
  subjects: Subjects,
  opts: FleetViewOptions,
): Promise<FleetViewFigures> {
  const context = await loggedInContext(browser, hub);
  await opts.prepareContext?.(context);
  let load: FleetViewFigures['load'];
  let idle: PhaseFigures;
  let scroll: PhaseFigures;
  try {
    await context.addInitScript({ content: PAGE_PROBE });
    const page = await context.newPage();
    const cdp = await metricsSession(context, page);
    await page.goto(`${hub.url}/`, { waitUntil: 'commit' });
    await waitForFirstValue(page, 30_000);
    const firstValueMs = ((await page.evaluate(READ.firstValue)) as { firstValue: { domMs: number } }).firstValue.domMs;
    await sleep(opts.warmupMs);
    const loadEnd = (await page.evaluate(READ.now)) as number;
    load = { ...longTaskFigures((await page.evaluate(READ.longTasks)) as LongTask[], 0, loadEnd), firstValueMs, seconds: loadEnd / 1000 };
    opts.log(`  load: longest task ${load.longestMs.toFixed(0)} ms, ${load.count} long tasks; watching ${opts.idleMs / 1000} s`);

    idle = await measurePhase(page, cdp, subjects, opts.idleMs, async ({ until }) => {
      await sleep(Math.max(0, until - performance.now()));
      return undefined;
    });
    opts.log(
      `  idle: longest ${idle.longTasks.longestMs.toFixed(0)} ms, ${idle.longTasks.count} long tasks, ` +
        `${idle.updates.hostUpdatesPerSecond.toFixed(0)} host updates/s; scrolling ${opts.scrollMs / 1000} s`,
    );
    scroll = await measurePhase(page, cdp, subjects, opts.scrollMs, ({ until }) => scrollUntil(page, until, opts));
    opts.log(
      `  scroll: longest ${scroll.longTasks.longestMs.toFixed(0)} ms, ${scroll.longTasks.count} long tasks, ` +
        `${scroll.frames?.perSecond.toFixed(0) ?? '?'} frames/s`,
    );
  } finally {
    await context.close();
  }

  // The same browser and machine load (hub and simulators still running), on an empty page: idle, then running a
  // fixed ~10 ms of JavaScript every 100 ms, whose long tasks can only come from the machine stretching them.
  const blankContext = await browser.newContext({ viewport: VIEWPORT });
  let blankBaseline: PhaseFigures;
  let syntheticBaseline: PhaseFigures;
  try {
    const page = await blankContext.newPage();
    await page.setContent('<!doctype html><title>blank</title>');
    await page.evaluate(PAGE_PROBE);
    const cdp = await metricsSession(blankContext, page);
    const wait = async ({ until }: { until: number }) => {
      await sleep(Math.max(0, until - performance.now()));
      return undefined;
    };
    blankBaseline = await measurePhase(page, cdp, subjects, opts.baselineMs, wait);
    opts.log(`  blank page: longest ${blankBaseline.longTasks.longestMs.toFixed(0)} ms, ${blankBaseline.longTasks.count} long tasks`);
    const calibrationMs = (await page.evaluate(READ.startSyntheticTasks)) as number;
    syntheticBaseline = await measurePhase(page, cdp, subjects, opts.baselineMs, wait);
    await page.evaluate(READ.stopSyntheticTasks);
    opts.log(
      `  blank page + 10 ms tasks at 10 Hz (calibration ${calibrationMs.toFixed(2)} ms per 100k): longest ` +
        `${syntheticBaseline.longTasks.longestMs.toFixed(0)} ms, ${syntheticBaseline.longTasks.count} long tasks`,
    );
  } finally {
    await blankContext.close();
  }
  return { load, idle, scroll, blankBaseline, syntheticBaseline };
}
