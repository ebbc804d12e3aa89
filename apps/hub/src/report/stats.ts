/** The figures of a report, as pure functions of (time, value) points: statistics, percentiles, fits, time above a level. */

/** Points of one series (or a sum of series), sorted by time: raw samples or per-step averages. */
export interface Points {
  ts: number[];
  values: number[];
  /** The mean of every raw sample behind the points (exact even when the points are per-step averages). */
  mean: number | null;
  /** The width of a per-step point; null for raw samples. */
  stepMs: number | null;
}

export const DAY_MS = 86_400_000;

/**
 * The k-th smallest value (0-based) by quickselect, in place, O(n) on average: a day of per-second samples
 * costs a millisecond instead of a sort's ten.
 */
function select(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] as number;
}

/** The p-th percentile by the nearest-rank method: the smallest value with at least p % of the values at or below it. */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  if (values.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return select(Float64Array.from(values), rank - 1);
}

export interface Summary {
  avg: number | null;
  p95: number | null;
  max: number | null;
  last: number | null;
  count: number;
}

/** Average (of every raw sample), 95th percentile and maximum (of the points), and the last point. */
export function summarize(points: Points): Summary {
  const n = points.values.length;
  if (n === 0) return { avg: null, p95: null, max: null, last: null, count: 0 };
  let max = Number.NEGATIVE_INFINITY;
  for (const v of points.values) if (v > max) max = v;
  return { avg: points.mean, p95: percentile(points.values, 95), max, last: points.values[n - 1] as number, count: n };
}

/** Rounds for the report: the catalogue keeps percentages and loads to 0.01 and bytes whole. */
export function roundTo(value: number | null, decimals: number): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export interface Fit {
  /** Change per day. */
  slope: number;
  /** The line's value at `at` (the end of the window). */
  valueAtEnd: number;
  r2: number;
  spanMs: number;
  points: number;
}

/** Least-squares line through the points, with x in days before `at` so that large timestamps lose no precision. */
export function linearFit(points: Pick<Points, 'ts' | 'values'>, at: number): Fit | null {
  const n = points.ts.length;
  if (n < 3) return null;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += ((points.ts[i] as number) - at) / DAY_MS;
    sy += points.values[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = ((points.ts[i] as number) - at) / DAY_MS - mx;
    const dy = (points.values[i] as number) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return {
    slope,
    valueAtEnd: my - slope * mx,
    // A constant series fits its flat line perfectly.
    r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy),
    spanMs: (points.ts[n - 1] as number) - (points.ts[0] as number),
    points: n,
  };
}

/** The usual distance between points: the step of per-step points, else the median gap between samples. */
export function typicalIntervalMs(points: Pick<Points, 'ts' | 'stepMs'>): number {
  if (points.stepMs !== null) return points.stepMs;
  const n = points.ts.length;
  if (n < 2) return 1000;
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = (points.ts[i] as number) - (points.ts[i - 1] as number);
  return select(gaps, (n - 1) >> 1);
}

export interface Stretch {
  from: number;
  to: number;
  ms: number;
}

export interface TimeAbove {
  threshold: number;
  /** Total time above the threshold. */
  totalMs: number;
  /** The longest unbroken stretch above it. */
  longest: Stretch | null;
  peak: number | null;
}

/**
 * Time a series spent above a level. Each point stands for the time until the next one, or for the usual
 * interval where the next is missing or more than two intervals away (a gap in the data is not time above).
 */
export function timeAbove(points: Points, threshold: number): TimeAbove {
  const interval = typicalIntervalMs(points);
  const n = points.ts.length;
  let totalMs = 0;
  let longest: Stretch | null = null;
  let current: Stretch | null = null;
  let peak: number | null = null;
  for (let i = 0; i < n; i++) {
    const ts = points.ts[i] as number;
    const v = points.values[i] as number;
    if (peak === null || v > peak) peak = v;
    const next = points.ts[i + 1];
    const gap = next === undefined ? Number.POSITIVE_INFINITY : next - ts;
    const duration = gap <= 2 * interval ? gap : interval;
    if (v > threshold) {
      totalMs += duration;
      if (!current) current = { from: ts, to: ts + duration, ms: 0 };
      current.to = ts + duration;
      current.ms += duration;
      if (!longest || current.ms > longest.ms) longest = { ...current };
    }
    // A value at or below the level, or a gap, ends the stretch.
    if (v <= threshold || gap > 2 * interval) current = null;
  }
  return { threshold, totalMs, longest, peak };
}

/** Averages of the points per chart step from `start`: `count` values, null where a step has no point. */
export function bucket(points: Pick<Points, 'ts' | 'values'>, start: number, stepMs: number, count: number): (number | null)[] {
  const sums = new Float64Array(count);
  const counts = new Uint32Array(count);
  for (let i = 0; i < points.ts.length; i++) {
    const b = Math.floor(((points.ts[i] as number) - start) / stepMs);
    if (b < 0 || b >= count) continue;
    sums[b] = (sums[b] as number) + (points.values[i] as number);
    counts[b] = (counts[b] as number) + 1;
  }
  return Array.from(sums, (s, i) => ((counts[i] as number) > 0 ? s / (counts[i] as number) : null));
}

/**
 * The sum of several series point by point (e.g. the traffic of every network interface). Points are matched
 * by timestamp: one agent stamps all its series of a frame alike. The mean is the sum of the means.
 */
export function sumPoints(list: readonly Points[]): Points {
  if (list.length === 1) return list[0] as Points;
  const means = list.map((p) => p.mean).filter((m): m is number => m !== null);
  const mean = means.length > 0 ? means.reduce((a, b) => a + b, 0) : null;
  const first = list[0];
  // Usually every series has the same timestamps (one frame, one stamp): add them up in place.
  if (first && list.every((p) => p.ts.length === first.ts.length && p.ts.every((t, i) => t === first.ts[i]))) {
    const values = first.values.slice();
    for (const p of list.slice(1)) for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) + (p.values[i] as number);
    return { ts: first.ts, values, mean, stepMs: first.stepMs };
  }
  const byTs = new Map<number, number>();
  for (const p of list)
    for (let i = 0; i < p.ts.length; i++) byTs.set(p.ts[i] as number, (byTs.get(p.ts[i] as number) ?? 0) + (p.values[i] as number));
  const ts = [...byTs.keys()].sort((a, b) => a - b);
  return { ts, values: ts.map((t) => byTs.get(t) as number), mean, stepMs: first?.stepMs ?? null };
}
