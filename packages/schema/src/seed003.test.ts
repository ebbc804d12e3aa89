import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { HostSnapshot } from './frame.ts';
import { Seed003Document, seed003HistoryStamp, seed003Timestamp, toSeed003Document } from './seed003.ts';

/** The agent's committed expected frames of real captured hosts (apps/agent/test/fixtures/README.md). */
const fixture = (name: string) =>
  HostSnapshot.parse(JSON.parse(readFileSync(new URL(`../../../apps/agent/test/fixtures/${name}/expected.json`, import.meta.url), 'utf8')))
    .frame;

describe('seed 003 timestamps', () => {
  it.each([
    [Date.UTC(2025, 7, 5, 14, 30, 22, 999), '2025-08-05T14:30:22Z', '20250805_143022'],
    [Date.UTC(2025, 0, 1, 0, 0, 0), '2025-01-01T00:00:00Z', '20250101_000000'],
    [Date.UTC(1999, 11, 31, 23, 59, 59, 1), '1999-12-31T23:59:59Z', '19991231_235959'],
  ])('%s is %s, filed as %s (UTC, whole seconds)', (ms, timestamp, stamp) => {
    expect(seed003Timestamp(ms)).toBe(timestamp);
    expect(seed003HistoryStamp(ms)).toBe(stamp);
  });
});

describe('toSeed003Document', () => {
  it('maps a 4-CPU server with an offline CPU, hwmon sensors and two NVIDIA GPUs (server-4cpu)', () => {
    const frame = fixture('server-4cpu');
    const document = Seed003Document.parse(toSeed003Document('server01', frame));
    const { cpu, memory, swap, temperatures, gpus } = frame.system;
    expect(Object.keys(document)).toEqual(['timestamp', 'hostname', 'cpu', 'memory', 'gpu']);
    expect(document.timestamp).toBe(seed003Timestamp(frame.ts));
    expect(document.hostname).toBe('server01');
    expect(document.cpu).toEqual({
      usage_percent: cpu?.total?.usagePercent,
      // Online CPUs only (cpu3 is offline); cpu2's counters jumped back (hot-plug), so it has no times: 0.
      usage_per_core: [60, 20, 0],
      frequency: { current: 1900, min: 800, max: 4700 },
      count_logical: 4,
      count_physical: 2,
      temperatures: temperatures?.map((t) => ({
        sensor: t.sensor,
        temperature: t.celsius,
        high: t.highCelsius,
        critical: t.criticalCelsius,
      })),
    });
    expect(document.cpu.temperatures[0]).toEqual({ sensor: 'coretemp_Core 0', temperature: 55, high: 100, critical: 100 });
    expect(document.cpu.temperatures.at(-1)).toEqual({ sensor: 'acpitz_temp1', temperature: 27.8, high: null, critical: null });
    expect(document.memory).toEqual({
      virtual: {
        total: memory?.totalBytes,
        available: memory?.availableBytes,
        used: memory?.usedBytes,
        percent: memory?.usedPercent,
        free: memory?.freeBytes,
      },
      swap: { total: swap?.totalBytes, used: swap?.usedBytes, free: swap?.freeBytes, percent: swap?.usedPercent },
    });
    expect(document.gpu).toEqual([
      {
        index: 0,
        name: 'NVIDIA GeForce RTX 4090',
        memory: { total: 25757220864, used: 21097349120, free: 4659871744, percent: gpus?.[0]?.memoryUsedPercent },
        utilization: { gpu: 87, memory: 41 },
        temperature: 71,
        power_usage_watts: 380.25,
        fan_speed_percent: 65,
      },
      {
        index: 1,
        name: 'Tesla T4',
        memory: { total: 16106127360, used: 0, free: 16106127360, percent: 0 },
        utilization: { gpu: 0, memory: 0 },
        temperature: 34,
        power_usage_watts: 9.87,
        // "[N/A]" in nvidia-smi: pynvml raises NVMLError_NotSupported, the seed writes None.
        fan_speed_percent: null,
      },
    ]);
  });

  it('maps a VM without cpufreq limits, sensors, GPUs or swap (vm-2cpu)', () => {
    const frame = fixture('vm-2cpu');
    const document = Seed003Document.parse(toSeed003Document('vm', frame));
    expect(document.cpu.frequency).toEqual({ current: 2100, min: 0, max: 0 });
    expect(document.cpu.usage_per_core).toEqual(frame.system.cpu?.cores.map((c) => c.times?.usagePercent));
    expect(document.cpu.temperatures).toEqual([]);
    expect(document.gpu).toEqual([]);
    expect(document.memory.swap).toEqual({ total: 0, used: 0, free: 0, percent: 0 });
  });

  it('gives zeros for sections whose collector failed, and null physical cores', () => {
    const frame = { ...fixture('vm-2cpu'), system: {} };
    const document = Seed003Document.parse(toSeed003Document('broken', frame));
    expect(document.cpu).toEqual({
      usage_percent: 0,
      usage_per_core: [],
      frequency: { current: 0, min: 0, max: 0 },
      count_logical: 0,
      count_physical: null,
      temperatures: [],
    });
    expect(document.memory.virtual).toEqual({ total: 0, available: 0, used: 0, percent: 0, free: 0 });
  });

  it('adds the whole frame under `vigil` only when asked', () => {
    const frame = fixture('server-4cpu');
    expect(toSeed003Document('a', frame)).not.toHaveProperty('vigil');
    const document = Seed003Document.parse(JSON.parse(JSON.stringify(toSeed003Document('a', frame, { includeFrame: true }))));
    expect(document.vigil).toEqual(frame);
  });

  it('rejects documents that are not the seed shape', () => {
    const document = toSeed003Document('a', fixture('server-4cpu'));
    expect(Seed003Document.safeParse({ ...document, timestamp: '2025-08-05T14:30:22.000Z' }).success).toBe(false);
    expect(Seed003Document.safeParse({ ...document, cpu: { ...document.cpu, usage_per_core: undefined } }).success).toBe(false);
  });

  it('infers the seed shape as its type', () => {
    expectTypeOf<Seed003Document['cpu']['frequency']>().toEqualTypeOf<{ current: number; min: number; max: number }>();
    expectTypeOf<Seed003Document['gpu'][number]['fan_speed_percent']>().toEqualTypeOf<number | null>();
  });
});
