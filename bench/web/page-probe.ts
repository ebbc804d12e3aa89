/**
 * What the harness installs in the page before any of the app's code runs (page.addInitScript), and reads back with
 * page.evaluate. Everything is timed inside the page with performance.now(), whose zero is the navigation start
 * (performance.timeOrigin), so neither the harness nor the CDP round trip is in the figures. The app is not changed:
 * the live socket is observed by wrapping the WebSocket constructor and adding listeners of our own.
 *
 * Plain JavaScript in a string, not a function: tsx's transform may add helpers to a function's text that do not exist
 * in the page.
 */
import type { Page } from 'playwright-core';
import { waitFor } from '../lib/timing.ts';

/** The selected host's CPU figure on the fleet view (apps/web/src/routes/fleet.tsx SelectedHost). */
export const FIRST_VALUE_SELECTOR = '[data-testid="stat-cpu"]';

export const PAGE_PROBE = `(() => {
  const bench = {
    firstValue: null,
    socket: null,
    counts: { messages: 0, bytes: 0, fleetMessages: 0, fullFleetMessages: 0, hostMessages: 0, otherMessages: 0, summaries: 0, offlineSummaries: 0, hookMs: 0 },
    longTasks: [],
    loafs: [],
    frames: null,
  };
  window.__vigilBench = bench;

  // The live socket: when it was made, opened, and its messages counted by type, at the cost of a look at their start.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes('/api/v1/live')) return;
      const s = { createdMs: performance.now(), openMs: null, subscribeMs: null, firstMessageMs: null, firstFleetMs: null, firstFleetHosts: null };
      bench.socket = s;
      const c = bench.counts;
      this.addEventListener('open', () => { if (s.openMs === null) s.openMs = performance.now(); });
      // When the app asks for the fleet: from then on the wait is the hub's (and the network's).
      const send = this.send;
      this.send = (data) => {
        if (s.subscribeMs === null && typeof data === 'string' && data.includes('"channel":"fleet"') && data.includes('"subscribe"')) s.subscribeMs = performance.now();
        return send.call(this, data);
      };
      this.addEventListener('message', (event) => {
        const t0 = performance.now();
        if (s.firstMessageMs === null) s.firstMessageMs = t0;
        c.messages++;
        const d = event.data;
        if (typeof d === 'string') {
          c.bytes += d.length;
          const type = /"type":"(\\w+)"/.exec(d.slice(0, 40));
          if (type && type[1] === 'fleet') {
            c.fleetMessages++;
            if (d.startsWith('{"type":"fleet","full":true')) c.fullFleetMessages++;
            let n = 0;
            for (let i = d.indexOf('"hostname":'); i >= 0; i = d.indexOf('"hostname":', i + 11)) n++;
            c.summaries += n;
            for (let i = d.indexOf('"status":"offline"'); i >= 0; i = d.indexOf('"status":"offline"', i + 18)) c.offlineSummaries++;
            if (s.firstFleetMs === null) { s.firstFleetMs = t0; s.firstFleetHosts = n; }
          } else if (type && type[1] === 'host') c.hostMessages++;
          else c.otherMessages++;
        }
        c.hookMs += performance.now() - t0;
      });
    }
  };

  // The first live number: the selected host's CPU showing digits. The DOM time is when React committed it; the
  // frame time is the next animation frame, the one that paints it.
  const selector = ${JSON.stringify(FIRST_VALUE_SELECTOR)};
  const observer = new MutationObserver(() => {
    if (bench.firstValue) return;
    const el = document.querySelector(selector);
    const text = el ? el.textContent || '' : '';
    if (!/\\d/.test(text)) return;
    const domMs = performance.now();
    const host = document.querySelector('.selected-host h2 a');
    bench.firstValue = { domMs, frameMs: null, text, host: host ? host.textContent : null };
    observer.disconnect();
    requestAnimationFrame(() => { bench.firstValue.frameMs = performance.now(); });
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });

  // Long tasks (> 50 ms on the main thread) and long animation frames (with the scripts that made them long).
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longTasks.push({ startMs: e.startTime, durationMs: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        bench.loafs.push({
          startMs: e.startTime,
          durationMs: e.duration,
          blockingMs: e.blockingDuration,
          styleAndLayoutMs: e.styleAndLayoutStart > 0 ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: e.scripts.map((x) => ({
            invoker: x.invoker,
            invokerType: x.invokerType,
            sourceURL: x.sourceURL,
            sourceFunctionName: x.sourceFunctionName,
            sourceCharPosition: x.sourceCharPosition,
            durationMs: x.duration,
            forcedStyleAndLayoutMs: x.forcedStyleAndLayoutDuration,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {}

  // Frame intervals, only while the harness asks (a requestAnimationFrame loop makes frames of its own).
  bench.startFrames = () => {
    const f = { times: [], on: true };
    bench.frames = f;
    const tick = (t) => { if (!f.on) return; f.times.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  };
  // A fixed amount of JavaScript work, about 10 ms on an idle core (calibrated as the fastest of 20 tries), run every
  // 100 ms: on a blank page, how much the machine's other load stretches a task the page does not make longer itself.
  bench.startSyntheticTasks = (targetMs) => {
    let x = 0;
    const work = (n) => { for (let i = 0; i < n; i++) x = (x * 1664525 + 1013904223) % 4294967296; return x; };
    let best = Infinity;
    for (let k = 0; k < 20; k++) { const t = performance.now(); work(100000); best = Math.min(best, performance.now() - t); }
    const n = Math.max(1, Math.round((100000 * targetMs) / Math.max(best, 0.01)));
    bench.syntheticTimer = setInterval(() => work(n), 100);
    return best;
  };
  bench.stopSyntheticTasks = () => clearInterval(bench.syntheticTimer);
  bench.stopFrames = () => {
    const f = bench.frames;
    if (!f) return [];
    f.on = false;
    bench.frames = null;
    return f.times;
  };
})();`;

/** What the probe found of the first live value and the live socket. */
export interface FirstValueProbe {
  firstValue: { domMs: number; frameMs: number | null; text: string; host: string | null } | null;
  socket: {
    createdMs: number;
    openMs: number | null;
    /** The app sent its fleet subscription. */
    subscribeMs: number | null;
    firstMessageMs: number | null;
    firstFleetMs: number | null;
    firstFleetHosts: number | null;
  } | null;
}

/** The live socket's cumulative counters. */
export interface MessageCounts {
  messages: number;
  bytes: number;
  fleetMessages: number;
  fullFleetMessages: number;
  hostMessages: number;
  otherMessages: number;
  /** Host summaries inside fleet messages: the host updates the page received. */
  summaries: number;
  /** Of which said the host is offline (the hub missed its frames: a starved hub or simulator). */
  offlineSummaries: number;
  /** Main-thread time spent in the probe's own message listener. */
  hookMs: number;
}

export interface LongTask {
  startMs: number;
  durationMs: number;
}

export interface LongAnimationFrame {
  startMs: number;
  durationMs: number;
  blockingMs: number;
  styleAndLayoutMs: number;
  scripts: {
    invoker: string;
    invokerType: string;
    sourceURL: string;
    sourceFunctionName: string;
    sourceCharPosition: number;
    durationMs: number;
    forcedStyleAndLayoutMs: number;
  }[];
}

/** Expressions for page.evaluate (strings, for the same reason as the probe). */
export const READ = {
  firstValue: '({ firstValue: window.__vigilBench.firstValue, socket: window.__vigilBench.socket })',
  hasFirstValue: '!!(window.__vigilBench && window.__vigilBench.firstValue && window.__vigilBench.firstValue.frameMs !== null)',
  now: 'performance.now()',
  counts: '({ ...window.__vigilBench.counts })',
  longTasks: 'window.__vigilBench.longTasks.slice()',
  loafs: 'window.__vigilBench.loafs.slice()',
  startFrames: 'window.__vigilBench.startFrames()',
  stopFrames: 'window.__vigilBench.stopFrames()',
  startSyntheticTasks: 'window.__vigilBench.startSyntheticTasks(10)',
  stopSyntheticTasks: 'window.__vigilBench.stopSyntheticTasks()',
  hostCards: "document.querySelectorAll('article.host-card').length",
  scrollState: '({ y: scrollY, max: document.documentElement.scrollHeight - innerHeight })',
} as const;

/**
 * Waits until the first value is on screen. Polls with page.evaluate (run through CDP, outside the page's CSP):
 * page.waitForFunction compiles its predicate in the page, which the hub's Content-Security-Policy (script-src
 * 'self', no unsafe-eval) forbids. The polling does not affect the figure, which the page timed itself.
 */
export async function waitForFirstValue(page: Page, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await page.evaluate(READ.hasFirstValue)) as boolean, {
    what: 'the first live value',
    timeoutMs,
    intervalMs: 100,
  });
}
