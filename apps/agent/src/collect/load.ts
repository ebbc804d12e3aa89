import type { Collector } from './collector.ts';

/** Load averages from /proc/loadavg. */
export function loadCollector(): Collector {
  return {
    name: 'load',
    collect(ctx, out) {
      const { load1, load5, load15 } = ctx.proc.loadavg();
      out.system.load = { load1, load5, load15 };
    },
  };
}
