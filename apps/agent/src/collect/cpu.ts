import { type CpuTimes, parseCpuinfoMhz } from '@vigil/procfs';
import type { CpuCore, CpuFrequency } from '@vigil/schema';
import type { CollectContext, Collector } from './collector.ts';
import { cpuTimesPercent } from './rates.ts';

const average = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
const extreme = (values: (number | null)[], pick: (...n: number[]) => number) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : pick(...known);
};

/**
 * Frequencies per CPU from cpufreq in /sys; without cpufreq (most VMs), the "cpu MHz" lines of
 * /proc/cpuinfo give the current clock and the limits stay unknown.
 */
function frequencies(ctx: CollectContext, cpus: number[], useCpufreq: boolean): { perCpu: Map<number, number>; summary: CpuFrequency } {
  let perCpu = new Map<number, number>();
  const mins: (number | null)[] = [];
  const maxs: (number | null)[] = [];
  for (const cpu of useCpufreq ? cpus : []) {
    const freq = ctx.sys.cpufreq(cpu);
    if (!freq) continue;
    if (freq.currentMhz !== null) perCpu.set(cpu, freq.currentMhz);
    mins.push(freq.minMhz);
    maxs.push(freq.maxMhz);
  }
  if (perCpu.size === 0) perCpu = parseCpuinfoMhz(ctx.proc.text('cpuinfo'));
  return {
    perCpu,
    summary: { currentMhz: average([...perCpu.values()]), minMhz: extreme(mins, Math.min), maxMhz: extreme(maxs, Math.max) },
  };
}

/**
 * CPU use in total and per logical CPU from /proc/stat, with clock frequencies. CPUs that are present but
 * offline (/sys/devices/system/cpu/online) are listed as offline; a CPU whose counters jump back (hot-plug)
 * has no percentages for one interval.
 */
export function cpuCollector(): Collector {
  let previousTotal: CpuTimes | null = null;
  let previousCores = new Map<number, CpuTimes>();
  // Core topology does not change while CPUs stay the same, and /proc/cpuinfo is ~1.5 KB per CPU: read it
  // again only when the set of CPUs changes.
  let physicalCount: { cpus: string; count: number | null } | null = null;
  // Most VMs have no cpufreq: once it is found missing, look for it again only every minute.
  let cpufreqMissingAt = Number.NEGATIVE_INFINITY;
  return {
    name: 'cpu',
    collect(ctx, out) {
      const stat = ctx.proc.stat();
      const total = previousTotal ? cpuTimesPercent(previousTotal, stat.total) : null;
      previousTotal = stat.total;
      const online = new Map(stat.cpus.map((c) => [c.cpu, c.times]));
      const present = ctx.sys.cpuList('present') ?? [...online.keys()];
      const all = [...new Set([...present, ...online.keys()])].sort((a, b) => a - b);
      const useCpufreq = ctx.monotonicMs - cpufreqMissingAt > 60_000;
      const freq = frequencies(ctx, [...online.keys()], useCpufreq);
      if (useCpufreq && freq.summary.minMhz === null && freq.summary.maxMhz === null) cpufreqMissingAt = ctx.monotonicMs;
      const cores: CpuCore[] = all.map((cpu) => {
        const times = online.get(cpu);
        const before = previousCores.get(cpu);
        return {
          cpu,
          online: times !== undefined,
          times: times && before ? cpuTimesPercent(before, times) : null,
          frequencyMhz: times ? (freq.perCpu.get(cpu) ?? null) : null,
        };
      });
      previousCores = online;
      const cpuSet = all.join(',');
      if (physicalCount?.cpus !== cpuSet) physicalCount = { cpus: cpuSet, count: ctx.proc.cpuinfo().physicalCores };
      out.system.cpu = {
        logicalCount: all.length,
        onlineCount: online.size,
        physicalCount: physicalCount.count,
        total,
        cores,
        frequency: freq.summary,
      };
    },
  };
}
