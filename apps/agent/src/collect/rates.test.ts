import type { CpuTimes } from '@vigil/procfs';
import { describe, expect, it } from 'vitest';
import { CounterRates, counterRate, cpuTimesPercent } from './rates.ts';

describe('counterRate', () => {
  it.each([
    ['a steady counter', 1000, 0, 3000, 1000, 2000],
    ['half a second', 0, 0, 500, 500, 1000],
    ['no change', 5, 0, 5, 1000, 0],
    ['a 32-bit wrap', 4294967000, 0, 704, 1000, 1000],
    ['a reset (re-created interface)', 900000000, 0, 5000, 1000, null],
    ['a 64-bit counter going down', 2 ** 40, 0, 2 ** 39, 1000, null],
    ['no interval', 0, 1000, 10, 1000, null],
    ['time going backwards', 0, 2000, 10, 1000, null],
    ['no previous time', 0, Number.NaN, 10, 1000, null],
  ])('%s', (_, previous, previousAt, value, at, expected) => {
    expect(counterRate(previous, previousAt, value, at)).toBe(expected);
  });
});

describe('CounterRates', () => {
  it('has no rate on first sight, then the rate per second', () => {
    const rates = new CounterRates();
    expect(rates.rate('eth0', 100, 0)).toBeNull();
    expect(rates.rate('eth0', 300, 2000)).toBe(100);
  });

  it('forgets keys that were not updated since the previous sweep', () => {
    const rates = new CounterRates();
    rates.rate('a', 1, 0);
    rates.rate('b', 1, 0);
    rates.sweep();
    rates.rate('a', 2, 1000);
    rates.sweep();
    expect(rates.size).toBe(1);
    // "b" starts over: no rate from a value seen two cycles ago.
    expect(rates.rate('b', 10, 2000)).toBeNull();
  });
});

const times = (user: number, system: number, idle: number, iowait = 0, steal = 0): CpuTimes => ({
  user,
  nice: 0,
  system,
  idle,
  iowait,
  irq: 0,
  softirq: 0,
  steal,
  guest: 0,
  guestNice: 0,
});

describe('cpuTimesPercent', () => {
  it('splits an interval into modes; usage excludes idle and iowait', () => {
    const p = cpuTimesPercent(times(100, 50, 1000, 10), times(150, 60, 1030, 20));
    expect(p).toMatchObject({ userPercent: 50, systemPercent: 10, idlePercent: 30, iowaitPercent: 10, stealPercent: 0 });
    expect(p?.usagePercent).toBeCloseTo(60);
  });

  it('counts steal as busy time taken by the hypervisor', () => {
    const p = cpuTimesPercent(times(0, 0, 0), times(0, 0, 50, 0, 50));
    expect(p?.stealPercent).toBe(50);
    expect(p?.usagePercent).toBe(50);
  });

  it('treats a small backward move of one mode (iowait on NO_HZ kernels) as zero', () => {
    const p = cpuTimesPercent(times(100, 0, 1000, 50), times(150, 0, 1050, 45));
    expect(p?.iowaitPercent).toBe(0);
    expect(p?.userPercent).toBe(50);
  });

  it('gives no percentages when the counters jump back (a CPU taken offline and back)', () => {
    expect(cpuTimesPercent(times(100000, 500, 2000000), times(10, 5, 80))).toBeNull();
  });

  it('gives percentages to 2 decimals', () => {
    const p = cpuTimesPercent(times(0, 0, 0), times(1, 1, 1));
    expect(p).toMatchObject({ userPercent: 33.33, systemPercent: 33.33, idlePercent: 33.33, usagePercent: 66.67 });
  });

  it('gives no percentages for an empty interval', () => {
    expect(cpuTimesPercent(times(1, 1, 1), times(1, 1, 1))).toBeNull();
  });
});
