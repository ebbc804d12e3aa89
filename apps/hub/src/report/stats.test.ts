import { describe, expect, it } from 'vitest';
import { yScale } from './chart.ts';
import { bucket, linearFit, percentile, summarize, sumPoints, timeAbove, typicalIntervalMs } from './stats.ts';

const points = (values: number[], everyMs = 1000, start = 0) => ({
  ts: values.map((_, i) => start + i * everyMs),
  values,
  mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
  stepMs: null,
});

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 95, null],
    [[7], 95, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[5, 5, 5, 1], 95, 5],
    [[3, 1, 2], 0, 1],
  ])('%j p%d is %j', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('agrees with sorting on shuffled data with duplicates', () => {
    const values = Array.from({ length: 10_001 }, (_, i) => (i * 7919) % 1000);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [1, 50, 95, 99, 100]) expect(percentile(values, p)).toBe(sorted[Math.ceil((p / 100) * values.length) - 1]);
    expect(values[0]).toBe(0); // the input is left alone
  });
});

describe('summarize', () => {
  it('gives nulls and a zero count for no data', () => {
    expect(summarize(points([]))).toEqual({ avg: null, p95: null, max: null, last: null, count: 0 });
  });
  it('takes the mean of the raw samples, and p95, max and last of the points', () => {
    expect(summarize({ ...points([1, 9, 5]), mean: 4.2 })).toEqual({ avg: 4.2, p95: 9, max: 9, last: 5, count: 3 });
  });
});

describe('linearFit', () => {
  it('recovers a line exactly, with its value at the end', () => {
    const day = 86_400_000;
    const fit = linearFit({ ts: [0, day / 2, day], values: [10, 11, 12] }, 2 * day);
    expect(fit?.slope).toBeCloseTo(2, 9);
    expect(fit?.valueAtEnd).toBeCloseTo(14, 9);
    expect(fit?.r2).toBeCloseTo(1, 9);
  });
  it('needs three points and some spread in time', () => {
    expect(linearFit({ ts: [0, 1], values: [1, 2] }, 1)).toBeNull();
    expect(linearFit({ ts: [5, 5, 5], values: [1, 2, 3] }, 5)).toBeNull();
  });
  it('calls a constant series a perfect flat line', () => {
    expect(linearFit({ ts: [0, 1000, 2000], values: [4, 4, 4] }, 2000)).toMatchObject({ slope: 0, valueAtEnd: 4, r2: 1 });
  });
});

describe('timeAbove', () => {
  it('adds the time of the samples above the level, and finds the longest stretch', () => {
    const a = timeAbove(points([95, 95, 80, 95, 95, 95, 50]), 90);
    expect(a.totalMs).toBe(5000);
    expect(a.longest).toEqual({ from: 3000, to: 6000, ms: 3000 });
    expect(a.peak).toBe(95);
  });
  it('does not count a gap in the data as time above', () => {
    const p = { ts: [0, 1000, 2000, 60_000, 61_000], values: [95, 95, 95, 95, 95], mean: 95, stepMs: null };
    const a = timeAbove(p, 90);
    expect(a.totalMs).toBe(5000);
    expect(a.longest?.ms).toBe(3000);
  });
  it('counts nothing for values at the level', () => {
    expect(timeAbove(points([90, 90]), 90)).toMatchObject({ totalMs: 0, longest: null });
  });
});

describe('helpers', () => {
  it('takes the median gap as the interval, or the step of per-step points', () => {
    expect(typicalIntervalMs({ ts: [0, 5000, 10_000, 60_000], stepMs: null })).toBe(5000);
    expect(typicalIntervalMs({ ts: [0], stepMs: 60_000 })).toBe(60_000);
  });
  it('averages points per step, with null for empty steps', () => {
    expect(bucket({ ts: [0, 500, 1000, 3500], values: [1, 3, 5, 7] }, 0, 1000, 4)).toEqual([2, 5, null, 7]);
  });
  it('sums series by timestamp, and their means', () => {
    const sum = sumPoints([points([1, 2, 3]), points([10, 20, 30])]);
    expect(sum.values).toEqual([11, 22, 33]);
    expect(sum.mean).toBe(22);
    // A series that missed a frame is matched by timestamp.
    expect(sumPoints([points([1, 2, 3]), points([10, 20], 1000, 1000)]).values).toEqual([1, 12, 23]);
  });
  it.each([
    ['percent', 37, 100, '100 %'],
    ['bytes_per_second', 1_500_000, 1.5 * 1024 ** 2, '1.5 MiB/s'],
    ['bytes_per_second', 0, 1, '1 B/s'],
    ['load', 3.2, 4, '4'],
  ])('scales a %s axis for a maximum of %d up to %d', (unit, max, top, label) => {
    const s = yScale(unit, max);
    expect(s.top).toBeCloseTo(top, 6);
    expect(s.ticks.at(-1)?.label).toBe(label);
    expect(s.ticks[0]?.value).toBe(0);
  });
});
