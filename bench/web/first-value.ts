/**
 * Time to the first live value: cold navigations (a new context each: empty cache, fresh session storage) to the
 * fleet view, timed inside the page from the navigation start to the moment the selected host's CPU shows digits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext } from 'playwright-core';
import { max, median } from '../lib/percentile.ts';
import { loggedInContext } from './browser.ts';
import type { WebHub } from './hub.ts';
import { type FirstValueProbe, PAGE_PROBE, READ, waitForFirstValue } from './page-probe.ts';

/** One navigation's milestones, ms from the navigation start. */
export interface FirstValueRun {
  /** index.html fully received. */
  htmlMs: number;
  domContentLoadedMs: number;
  /** GET /api/v1/auth/me answered (the app opens the live socket after it). */
  sessionMs: number | null;
  socketCreatedMs: number | null;
  socketOpenMs: number | null;
  /** The app sent its fleet subscription (it needs both the open socket and the mounted fleet view). */
  fleetSubscribeMs: number | null;
  firstFleetMessageMs: number | null;
  /** Hosts in that first fleet message. */
  firstFleetHosts: number | null;
  /** The CPU figure is in the DOM. */
  firstValueMs: number;
  /** The next animation frame after it: the frame that paints it. */
  firstValueFrameMs: number | null;
  /** The host whose CPU was shown, and the text. */
  host: string | null;
  text: string;
  /** Scripts and stylesheets received before the first value: bytes on the wire and decoded. */
  assetsTransferBytes: number;
  assetsDecodedBytes: number;
  assets: string[];
}

export interface FirstValueFigures {
  hosts: number;
  runs: FirstValueRun[];
  /** Medians and max over the runs. */
  firstValueMs: { median: number; max: number };
  firstValueFrameMs: { median: number; max: number };
  breakdownMedianMs: {
    html: number;
    domContentLoaded: number;
    session: number;
    socketCreated: number;
    socketOpen: number;
    fleetSubscribe: number;
    firstFleetMessage: number;
    firstValue: number;
    /** First value minus first fleet message: parsing the fleet and rendering it, the page's own share. */
    renderAfterFleet: number;
  };
  /** The untimed warm-up navigation's first value (the browser's first page), for reference. */
  warmUpRunMs: number | null;
  failures: string[];
}

interface PageTimings {
  htmlMs: number;
  domContentLoadedMs: number;
  sessionMs: number | null;
  resources: { name: string; type: string; responseEnd: number; transferSize: number; decodedBodySize: number }[];
}

const TIMINGS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const me = res.find((r) => r.name.endsWith('/api/v1/auth/me'));
  return {
    htmlMs: nav ? nav.responseEnd : NaN,
    domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : NaN,
    sessionMs: me ? me.responseEnd : null,
    resources: res.map((r) => ({ name: new URL(r.name).pathname, type: r.initiatorType, responseEnd: r.responseEnd, transferSize: r.transferSize, decodedBodySize: r.decodedBodySize })),
  };
})()`;

/** One cold navigation; throws when no live value appears within `timeoutMs`. */
async function navigateOnce(
  browser: Browser,
  hub: WebHub,
  timeoutMs: number,
  prepareContext?: (context: BrowserContext) => Promise<unknown>,
): Promise<FirstValueRun> {
  const context = await loggedInContext(browser, hub);
  try {
    await prepareContext?.(context);
    await context.addInitScript({ content: PAGE_PROBE });
    const page = await context.newPage();
    await page.goto(`${hub.url}/`, { waitUntil: 'commit' });
    await waitForFirstValue(page, timeoutMs);
    const probe = (await page.evaluate(READ.firstValue)) as FirstValueProbe;
    const t = (await page.evaluate(TIMINGS)) as PageTimings;
    const fv = probe.firstValue as NonNullable<FirstValueProbe['firstValue']>;
    const assets = t.resources.filter((r) => r.name.startsWith('/assets/') && r.responseEnd <= fv.domMs);
    return {
      htmlMs: t.htmlMs,
      domContentLoadedMs: t.domContentLoadedMs,
      sessionMs: t.sessionMs,
      socketCreatedMs: probe.socket?.createdMs ?? null,
      socketOpenMs: probe.socket?.openMs ?? null,
      fleetSubscribeMs: probe.socket?.subscribeMs ?? null,
      firstFleetMessageMs: probe.socket?.firstFleetMs ?? null,
      firstFleetHosts: probe.socket?.firstFleetHosts ?? null,
      firstValueMs: fv.domMs,
      firstValueFrameMs: fv.frameMs,
      host: fv.host,
      text: fv.text,
      assetsTransferBytes: assets.reduce((n, r) => n + r.transferSize, 0),
      assetsDecodedBytes: assets.reduce((n, r) => n + r.decodedBodySize, 0),
      assets: assets.map((r) => r.name.slice('/assets/'.length)),
    };
  } finally {
    await context.close();
  }
}

const med = (values: (number | null)[]): number => median(values.filter((v): v is number => v !== null));

/**
 * `runs` cold navigations after one untimed warm-up navigation (the browser's first page pays for starting its
 * renderer and network service, which a user's warm browser does not).
 */
export async function measureFirstValue(
  browser: Browser,
  hub: WebHub,
  opts: { runs: number; hosts: number; prepareContext?: (context: BrowserContext) => Promise<unknown>; log: (line: string) => void },
): Promise<FirstValueFigures> {
  const failures: string[] = [];
  let warmUpRunMs: number | null = null;
  try {
    warmUpRunMs = (await navigateOnce(browser, hub, 30_000, opts.prepareContext)).firstValueMs;
  } catch (err) {
    failures.push(`warm-up: ${(err as Error).message.split('\n')[0]}`);
  }
  const runs: FirstValueRun[] = [];
  for (let k = 0; k < opts.runs; k++) {
    await sleep(500);
    try {
      const run = await navigateOnce(browser, hub, 30_000, opts.prepareContext);
      runs.push(run);
      opts.log(
        `  first value ${k + 1}/${opts.runs}: ${run.firstValueMs.toFixed(0)} ms (${run.host}: ${run.text}; socket open ${run.socketOpenMs?.toFixed(0)}, ` +
          `first fleet ${run.firstFleetMessageMs?.toFixed(0)} ms)`,
      );
    } catch (err) {
      failures.push(`run ${k + 1}: ${(err as Error).message.split('\n')[0]}`);
      opts.log(`  first value ${k + 1}/${opts.runs}: FAILED ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return {
    hosts: opts.hosts,
    runs,
    firstValueMs: { median: med(runs.map((r) => r.firstValueMs)), max: max(runs.map((r) => r.firstValueMs)) },
    firstValueFrameMs: {
      median: med(runs.map((r) => r.firstValueFrameMs)),
      max: max(runs.flatMap((r) => (r.firstValueFrameMs === null ? [] : [r.firstValueFrameMs]))),
    },
    breakdownMedianMs: {
      html: med(runs.map((r) => r.htmlMs)),
      domContentLoaded: med(runs.map((r) => r.domContentLoadedMs)),
      session: med(runs.map((r) => r.sessionMs)),
      socketCreated: med(runs.map((r) => r.socketCreatedMs)),
      socketOpen: med(runs.map((r) => r.socketOpenMs)),
      fleetSubscribe: med(runs.map((r) => r.fleetSubscribeMs)),
      firstFleetMessage: med(runs.map((r) => r.firstFleetMessageMs)),
      firstValue: med(runs.map((r) => r.firstValueMs)),
      renderAfterFleet: med(runs.map((r) => (r.firstFleetMessageMs === null ? null : r.firstValueMs - r.firstFleetMessageMs))),
    },
    warmUpRunMs,
    failures,
  };
}
