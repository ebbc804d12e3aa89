/**
 * Reads a Chromium trace (browser.startTracing) the way the Performance panel's "Bottom-up" does: self time of each
 * event on the page's renderer main thread, summed by event name and by the panel's categories (scripting,
 * rendering, painting...), over the whole trace and inside the long tasks only (top-level tasks over 50 ms).
 */

/** The categories to record: top-level tasks, the timeline events, V8 execution and garbage collection. */
export const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
  'disabled-by-default-v8.gc',
];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

interface Interval {
  name: string;
  start: number;
  end: number;
  selfUs: number;
}

export type Category = 'scripting' | 'gc' | 'rendering' | 'painting' | 'loading' | 'other';

export interface TraceSelfTimes {
  busyMs: number;
  byCategory: Record<Category, number>;
  /** The event names with the most self time, with their category. */
  events: { name: string; category: Category; selfMs: number; count: number }[];
}

export interface TraceBreakdown extends TraceSelfTimes {
  seconds: number;
  /** Top-level tasks over 50 ms of the main thread, as the trace saw them, and what they were made of. */
  longTasks: { count: number; longestMs: number } & TraceSelfTimes;
}

const TOP_LEVEL = new Set(['ThreadControllerImpl::RunTask', 'RunTask', 'ThreadPool_RunTask']);

/** The DevTools Performance panel's category of a trace event (front_end/panels/timeline/TimelineUIUtils, simplified). */
export function categoryOf(name: string): Category {
  if (/GC|Gc|garbage|Sweep|Mark|Scavenge|Finalize/.test(name)) return 'gc';
  if (/^(ParseHTML|ParseAuthorStyleSheet|Resource\w+)$/.test(name)) return 'loading';
  if (
    /^(UpdateLayoutTree|RecalculateStyles|ScheduleStyleRecalculation|Layout|InvalidateLayout|HitTest|PrePaint|ScrollLayer|UpdateLayer|LayoutShift|ComputeIntersections|IntersectionObserverController::computeIntersections|ResizeObserverController::\w+|Animation\w*)$/.test(
      name,
    )
  ) {
    return 'rendering';
  }
  if (
    /^(Paint|PaintImage|PaintSetup|CompositeLayers|Commit|Layerize|UpdateLayerTree|Decode Image|ImageDecodeTask|Rasterize|RasterTask|Canvas\w*)$/.test(
      name,
    )
  ) {
    return 'painting';
  }
  if (
    /^(FunctionCall|EvaluateScript|TimerFire|TimerInstall|TimerRemove|EventDispatch|FireAnimationFrame|RequestAnimationFrame|RunMicrotasks|XHRReadyStateChange|WebSocketReceiveHandshakeResponse|WebSocket\w*)$/.test(
      name,
    ) ||
    /^v8\.|^V8\./.test(name)
  ) {
    return 'scripting';
  }
  return 'other';
}

/** The renderer main thread with the most traced time (the measured page's; other tabs are nearly idle). */
function mainThread(events: readonly TraceEvent[]): { pid: number; tid: number } | null {
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  let best: { pid: number; tid: number } | null = null;
  let bestUs = -1;
  for (const m of mains) {
    const us = events.reduce((n, e) => n + (e.pid === m.pid && e.tid === m.tid && e.ph === 'X' ? (e.dur ?? 0) : 0), 0);
    if (us > bestUs) {
      bestUs = us;
      best = { pid: m.pid, tid: m.tid };
    }
  }
  return best;
}

/** Complete (X) and begin/end (B/E) events of one thread as intervals, with self time = duration minus children's. */
function intervalsOf(events: readonly TraceEvent[], pid: number, tid: number): Interval[] {
  const out: Interval[] = [];
  const open: TraceEvent[] = [];
  for (const e of events) {
    if (e.pid !== pid || e.tid !== tid) continue;
    if (e.ph === 'X' && e.dur !== undefined) out.push({ name: e.name, start: e.ts, end: e.ts + e.dur, selfUs: e.dur });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b) out.push({ name: b.name, start: b.ts, end: e.ts, selfUs: e.ts - b.ts });
    }
  }
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const stack: Interval[] = [];
  for (const iv of out) {
    while (stack.length > 0 && (stack.at(-1) as Interval).end <= iv.start) stack.pop();
    const parent = stack.at(-1);
    if (parent) parent.selfUs -= Math.min(iv.end, parent.end) - iv.start;
    stack.push(iv);
  }
  return out;
}

function selfTimes(intervals: readonly Interval[], top: number): TraceSelfTimes {
  const byName = new Map<string, { us: number; count: number }>();
  const byCategory: Record<Category, number> = { scripting: 0, gc: 0, rendering: 0, painting: 0, loading: 0, other: 0 };
  let busyUs = 0;
  for (const iv of intervals) {
    const us = Math.max(0, iv.selfUs);
    busyUs += us;
    byCategory[categoryOf(iv.name)] += us / 1000;
    const e = byName.get(iv.name) ?? { us: 0, count: 0 };
    e.us += us;
    e.count++;
    byName.set(iv.name, e);
  }
  for (const k of Object.keys(byCategory) as Category[]) byCategory[k] = Math.round(byCategory[k]);
  const events = [...byName]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, top)
    .map(([name, e]) => ({ name, category: categoryOf(name), selfMs: Math.round(e.us / 1000), count: e.count }));
  return { busyMs: Math.round(busyUs / 1000), byCategory, events };
}

/** Summarises a trace (the JSON that browser.stopTracing returns). */
export function analyseTrace(json: Buffer | string): TraceBreakdown {
  const parsed = JSON.parse(String(json)) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const main = mainThread(events);
  if (!main) throw new Error('the trace has no CrRendererMain thread');
  const intervals = intervalsOf(events, main.pid, main.tid);
  const timed = events.filter((e) => e.ph !== 'M' && e.ts > 0);
  // A loop, not Math.max(...ts): a trace of seconds of scrolling holds more events than a call may take arguments.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of timed) {
    if (e.ts < first) first = e.ts;
    if (e.ts > last) last = e.ts;
  }
  const seconds = timed.length > 1 ? (last - first) / 1e6 : 0;
  const tasks = intervals.filter((iv) => TOP_LEVEL.has(iv.name) && iv.end - iv.start > 50_000);
  const inLong = intervals.filter((iv) => tasks.some((t) => iv.start >= t.start && iv.start < t.end));
  return {
    seconds,
    ...selfTimes(intervals, 15),
    longTasks: {
      count: tasks.length,
      longestMs: Math.round(Math.max(0, ...tasks.map((t) => (t.end - t.start) / 1000))),
      ...selfTimes(inLong, 10),
    },
  };
}
