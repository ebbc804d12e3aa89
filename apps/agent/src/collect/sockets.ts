import { countSocketStates } from '@vigil/procfs';
import type { SocketCounts } from '@vigil/schema';
import type { Collector } from './collector.ts';

/**
 * Share of one core the socket counts may cost. Reading /proc/net/tcp walks the whole established-hash
 * table in the kernel, empty buckets included, and that table grows with RAM: on a 24 GiB host one read
 * costs ~1.6 ms even with no connections. Reading every second would be a third of the agent's budget; at
 * 0.03 % of a core the counts there are refreshed every ~10 s.
 */
const BUDGET = 0.0003;
const MAX_AGE_MS = 15_000;

/**
 * Socket counts over IPv4 and IPv6: TCP by state, UDP in total; only the state column is read. The counts
 * are refreshed as often as their measured cost allows within BUDGET (every cycle on small hosts, every few
 * seconds on big ones), and in every cycle where the socket table is read anyway for a viewer.
 */
export function socketsCollector(): Collector {
  let last: SocketCounts | null = null;
  let lastAtMs = Number.NEGATIVE_INFINITY;
  let costMs = 0;
  return {
    name: 'sockets',
    collect(ctx, out) {
      const wait = Math.min(MAX_AGE_MS, costMs / BUDGET);
      if (last && !ctx.options.connections && ctx.monotonicMs - lastAtMs < wait) {
        out.system.sockets = last;
        return;
      }
      const started = performance.now();
      const tcp: Record<string, number> = {};
      for (const protocol of ['tcp', 'tcp6'] as const) {
        const text = ctx.proc.netSocketsText(protocol);
        if (text !== null) countSocketStates(text, tcp);
      }
      let udpTotal = 0;
      for (const protocol of ['udp', 'udp6'] as const) {
        const counts = countSocketStates(ctx.proc.netSocketsText(protocol) ?? '');
        for (const n of Object.values(counts)) udpTotal += n;
      }
      costMs = performance.now() - started;
      lastAtMs = ctx.monotonicMs;
      last = { tcp, tcpTotal: Object.values(tcp).reduce((a, b) => a + b, 0), udpTotal };
      out.system.sockets = last;
    },
  };
}
