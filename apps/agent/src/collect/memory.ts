import type { Collector } from './collector.ts';
import { CounterRates } from './rates.ts';

const percent = (part: number, whole: number) => (whole > 0 ? (part / whole) * 100 : 0);

/**
 * Memory and swap from /proc/meminfo, swap traffic from /proc/vmstat. Figures follow free(1) of procps-ng 4:
 * used = total - available, cache = Cached + SReclaimable. Kernels before 3.14 lack MemAvailable; there,
 * available is estimated as free + buffers + cache, as procps-ng does.
 */
export function memoryCollector(): Collector {
  const rates = new CounterRates();
  return {
    name: 'memory',
    collect(ctx, out) {
      const m = ctx.proc.meminfo();
      const get = (key: string) => m.get(key) ?? 0;
      const total = get('MemTotal');
      const free = get('MemFree');
      const buffers = get('Buffers');
      const cached = get('Cached') + get('SReclaimable');
      const available = Math.min(total, m.get('MemAvailable') ?? free + buffers + cached);
      const used = Math.max(0, total - available);
      out.system.memory = {
        totalBytes: total,
        usedBytes: used,
        freeBytes: free,
        sharedBytes: get('Shmem'),
        buffersBytes: buffers,
        cachedBytes: cached,
        availableBytes: available,
        usedPercent: percent(used, total),
      };
      const swapTotal = get('SwapTotal');
      const swapFree = get('SwapFree');
      const vmstat = ctx.proc.vmstat();
      const page = ctx.constants.pageSize;
      const swapIn = rates.rate('in', vmstat.get('pswpin') ?? 0, ctx.monotonicMs);
      const swapOut = rates.rate('out', vmstat.get('pswpout') ?? 0, ctx.monotonicMs);
      out.system.swap = {
        totalBytes: swapTotal,
        usedBytes: swapTotal - swapFree,
        freeBytes: swapFree,
        usedPercent: percent(swapTotal - swapFree, swapTotal),
        inBytesPerSecond: swapIn === null ? null : swapIn * page,
        outBytesPerSecond: swapOut === null ? null : swapOut * page,
      };
    },
  };
}
