/** Min, max, sum and count of the samples in one bucket of time: a point of the minute and hour tiers. */
export interface Aggregate {
  ts: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** Buckets raw samples (sorted by time) into aggregates of `bucketMs`, each stamped with its bucket start. */
export function aggregateRaw(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  bucketMs: number,
  out: Aggregate[] = [],
): Aggregate[] {
  let current: Aggregate | null = null;
  for (let i = 0; i < timestamps.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    const bucket = Math.floor((timestamps[i] as number) / bucketMs) * bucketMs;
    if (!current || current.ts !== bucket) {
      current = { ts: bucket, min: v, max: v, sum: v, count: 1 };
      out.push(current);
    } else {
      if (v < current.min) current.min = v;
      if (v > current.max) current.max = v;
      current.sum += v;
      current.count++;
    }
  }
  return out;
}

/** Merges aggregates (sorted by time) into coarser buckets of `bucketMs`. */
export function mergeAggregates(points: readonly Aggregate[], bucketMs: number): Aggregate[] {
  const out: Aggregate[] = [];
  let current: Aggregate | null = null;
  for (const p of points) {
    const bucket = Math.floor(p.ts / bucketMs) * bucketMs;
    if (!current || current.ts !== bucket) {
      current = { ts: bucket, min: p.min, max: p.max, sum: p.sum, count: p.count };
      out.push(current);
    } else {
      if (p.min < current.min) current.min = p.min;
      if (p.max > current.max) current.max = p.max;
      current.sum += p.sum;
      current.count += p.count;
    }
  }
  return out;
}
