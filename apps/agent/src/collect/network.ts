import type { NetDev } from '@vigil/procfs';
import type { NetworkInterfaceReading } from '@vigil/schema';
import type { Collector } from './collector.ts';
import { CounterRates } from './rates.ts';

/** Per-interface traffic from /proc/net/dev: bytes, packets, errors and drops, per second and in total. */
export function networkCollector(): Collector {
  const rates = new CounterRates();
  return {
    name: 'network',
    collect(ctx, out) {
      const at = ctx.monotonicMs;
      const interfaces: NetworkInterfaceReading[] = ctx.proc.netDev().map((n) => {
        const r = (field: keyof NetDev) => rates.rate(`${n.interface}:${field}`, n[field] as number, at);
        return {
          interface: n.interface,
          rxBytesPerSecond: r('rxBytes'),
          txBytesPerSecond: r('txBytes'),
          rxPacketsPerSecond: r('rxPackets'),
          txPacketsPerSecond: r('txPackets'),
          rxErrorsPerSecond: r('rxErrors'),
          txErrorsPerSecond: r('txErrors'),
          rxDropsPerSecond: r('rxDrops'),
          txDropsPerSecond: r('txDrops'),
          rxBytesTotal: n.rxBytes,
          txBytesTotal: n.txBytes,
          rxPacketsTotal: n.rxPackets,
          txPacketsTotal: n.txPackets,
          rxErrorsTotal: n.rxErrors,
          txErrorsTotal: n.txErrors,
          rxDropsTotal: n.rxDrops,
          txDropsTotal: n.txDrops,
        };
      });
      rates.sweep();
      out.system.network = interfaces;
    },
  };
}
