import type { Connection } from '@vigil/schema';
import type { Collector } from './collector.ts';

/**
 * The socket table with owners, only while a viewer asked for it (ctx.options.connections): finding owners
 * means listing every process's fds, far too costly to do every second for nobody.
 */
export function connectionsCollector(): Collector {
  return {
    name: 'connections',
    collect(ctx, out) {
      if (!ctx.options.connections) return;
      const owner = new Map<number, number>();
      const pids = ctx.processTable.length > 0 ? ctx.processTable.map((p) => p.info.pid) : ctx.proc.pids();
      for (const pid of pids) {
        for (const inode of ctx.proc.pidSocketInodes(pid)) if (!owner.has(inode)) owner.set(inode, pid);
      }
      const connections: Connection[] = [];
      for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
        for (const s of ctx.proc.netSockets(protocol, ctx.constants.littleEndian)) {
          // Sockets in TIME_WAIT and unowned kernel sockets have inode 0: no process holds them.
          connections.push({ protocol, ...s, pid: s.inode === 0 ? null : (owner.get(s.inode) ?? null) });
        }
      }
      out.connections = connections;
    },
  };
}
