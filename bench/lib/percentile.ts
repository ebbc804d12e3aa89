/** Percentile by linear interpolation between closest ranks (numpy's default); NaN for no values so callers can report "n/a". */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lo = sorted[lower] as number;
  const hi = sorted[upper] as number;
  return lo + (hi - lo) * (rank - lower);
}

/** Median (50th percentile); NaN for no values. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Largest value; NaN for no values (Math.max would give -Infinity). */
export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b));
}

/** Rounds for reports; non-finite numbers become null so JSON stays valid and "missing" stays visible. */
export function roundOrNull(value: number, digits = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
