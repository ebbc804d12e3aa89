/** Debian's Chromium driven by playwright-core, logged-in contexts, and the renderer's own counters through CDP. */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { readAllStats } from '../lib/proc-tree.ts';
import type { WebHub } from './hub.ts';

/** Debian's Chromium (e2e/helpers/browser.ts): never a browser downloaded by a tool, the network is closed. */
export const CHROMIUM = '/usr/bin/chromium';

export const VIEWPORT = { width: 1280, height: 900 };

/** Launches headless Chromium with the flags of e2e/helpers/browser.ts (no sandbox as root, nothing phoning home). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Pid of the Chromium browser process this harness started (a direct child of ours), for its CPU and memory. */
export function chromiumPid(): number | undefined {
  for (const s of readAllStats().values()) if (s.ppid === process.pid && s.comm.startsWith('chrom')) return s.pid;
  return undefined;
}

/** A fresh context (empty cache, like a first visit) carrying the cookies of the admin's login. */
export function loggedInContext(browser: Browser, hub: WebHub): Promise<BrowserContext> {
  return browser.newContext({
    viewport: VIEWPORT,
    storageState: {
      cookies: hub.cookies.map(({ name, value, httpOnly }) => ({
        name,
        value,
        domain: new URL(hub.url).hostname,
        path: '/',
        expires: -1,
        httpOnly,
        secure: false,
        sameSite: 'Strict' as const,
      })),
      origins: [],
    },
  });
}

/** The renderer main thread's cumulative counters (CDP Performance.getMetrics), seconds and counts. */
export interface RendererMetrics {
  /** Every task of the main thread. */
  taskSeconds: number;
  scriptSeconds: number;
  layoutSeconds: number;
  recalcStyleSeconds: number;
  layoutCount: number;
  jsHeapUsedBytes: number;
  domNodes: number;
}

/** Opens a CDP session on the page with the Performance domain on. */
export async function metricsSession(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return cdp;
}

/** Reads the renderer's counters now; subtract two readings for a window. */
export async function rendererMetrics(cdp: CDPSession): Promise<RendererMetrics> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = new Map(metrics.map((x) => [x.name, x.value]));
  return {
    taskSeconds: m.get('TaskDuration') ?? Number.NaN,
    scriptSeconds: m.get('ScriptDuration') ?? Number.NaN,
    layoutSeconds: m.get('LayoutDuration') ?? Number.NaN,
    recalcStyleSeconds: m.get('RecalcStyleDuration') ?? Number.NaN,
    layoutCount: m.get('LayoutCount') ?? Number.NaN,
    jsHeapUsedBytes: m.get('JSHeapUsedSize') ?? Number.NaN,
    domNodes: m.get('Nodes') ?? Number.NaN,
  };
}
