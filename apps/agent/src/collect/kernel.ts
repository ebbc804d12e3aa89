import type { PressureResourceName } from '@vigil/procfs';
import type { PressureLine, PressureResource } from '@vigil/schema';
import type { CollectContext, Collector } from './collector.ts';
import { CounterRates } from './rates.ts';

function pressure(ctx: CollectContext, resource: PressureResourceName): PressureResource | null {
  const psi = ctx.proc.pressure(resource);
  if (!psi) return null;
  const line = (l: { avg10: number; avg60: number; avg300: number; total: number }): PressureLine => ({
    avg10: l.avg10,
    avg60: l.avg60,
    avg300: l.avg300,
    totalMicroseconds: l.total,
  });
  return { some: line(psi.some), full: psi.full ? line(psi.full) : null };
}

/** Context switches, interrupts, forks and run-queue from /proc/stat; page faults and swapping from /proc/vmstat; PSI. */
export function kernelCollector(): Collector {
  const rates = new CounterRates();
  return {
    name: 'kernel',
    collect(ctx, out) {
      const stat = ctx.proc.stat();
      const vm = ctx.proc.vmstat();
      const at = ctx.monotonicMs;
      const counter = (key: string, value: number) => ({ total: value, rate: rates.rate(key, value, at) });
      const ctxt = counter('ctxt', stat.contextSwitches);
      const intr = counter('intr', stat.interrupts);
      const forks = counter('forks', stat.forks);
      const faults = counter('pgfault', vm.get('pgfault') ?? 0);
      const major = counter('pgmajfault', vm.get('pgmajfault') ?? 0);
      const swapIn = counter('pswpin', vm.get('pswpin') ?? 0);
      const swapOut = counter('pswpout', vm.get('pswpout') ?? 0);
      out.system.kernel = {
        contextSwitchesPerSecond: ctxt.rate,
        interruptsPerSecond: intr.rate,
        forksPerSecond: forks.rate,
        pageFaultsPerSecond: faults.rate,
        majorPageFaultsPerSecond: major.rate,
        swapInPagesPerSecond: swapIn.rate,
        swapOutPagesPerSecond: swapOut.rate,
        procsRunning: stat.procsRunning,
        procsBlocked: stat.procsBlocked,
        contextSwitchesTotal: ctxt.total,
        interruptsTotal: intr.total,
        forksTotal: forks.total,
        pageFaultsTotal: faults.total,
        majorPageFaultsTotal: major.total,
        swapInPagesTotal: swapIn.total,
        swapOutPagesTotal: swapOut.total,
        pressure: { cpu: pressure(ctx, 'cpu'), memory: pressure(ctx, 'memory'), io: pressure(ctx, 'io') },
      };
    },
  };
}
