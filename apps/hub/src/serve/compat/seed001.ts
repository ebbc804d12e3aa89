import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ServeContext } from '../context.ts';
import { defaultHost } from './seed000.ts';

/** Seed 001's current-metrics shape: its system_metrics row, spelled out. */
export const Seed001Current = z.object({
  timestamp: z.string(),
  host_id: z.string(),
  hostname: z.string(),
  cpu_percent: z.number(),
  cpu_per_core: z.array(z.number()),
  cpu_freq: z.number().nullable(),
  load_avg: z.array(z.number()),
  memory_percent: z.number(),
  memory_used: z.number(),
  memory_total: z.number(),
  swap_percent: z.number(),
  disk_usage: z.record(z.string(), z.number()),
  disk_io: z.object({ read_bytes_per_sec: z.number(), write_bytes_per_sec: z.number(), read_bytes: z.number(), write_bytes: z.number() }),
  network_io: z.object({ bytes_sent_per_sec: z.number(), bytes_recv_per_sec: z.number(), bytes_sent: z.number(), bytes_recv: z.number() }),
  process_count: z.number().int(),
  uptime_seconds: z.number(),
});

/** Seed 001: current metrics, and pausing/resuming collection. (History, alerts and reports come with those features.) */
export function registerSeed001(root: FastifyInstance, ctx: ServeContext, localHostId: () => string | null): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/metrics/current',
    {
      schema: {
        tags: ['compat'],
        summary: 'Seed 001 current system metrics of a host',
        querystring: z.object({ host: z.string().optional() }),
        response: { 200: Seed001Current },
      },
    },
    async (request) => {
      const host = defaultHost(ctx.live, localHostId(), request.query.host);
      const s = host.latest.system;
      const disks = s.disks ?? [];
      const nets = (s.network ?? []).filter((n) => n.interface !== 'lo');
      const sum = <T>(rows: T[], pick: (row: T) => number | null) => rows.reduce((t, r) => t + (pick(r) ?? 0), 0);
      return {
        timestamp: new Date(host.latest.ts).toISOString(),
        host_id: host.record.id,
        hostname: host.record.hostname,
        cpu_percent: s.cpu?.total?.usagePercent ?? 0,
        cpu_per_core: (s.cpu?.cores ?? []).map((c) => c.times?.usagePercent ?? 0),
        cpu_freq: s.cpu?.frequency.currentMhz ?? null,
        load_avg: s.load ? [s.load.load1, s.load.load5, s.load.load15] : [],
        memory_percent: s.memory?.usedPercent ?? 0,
        memory_used: s.memory?.usedBytes ?? 0,
        memory_total: s.memory?.totalBytes ?? 0,
        swap_percent: s.swap?.usedPercent ?? 0,
        disk_usage: Object.fromEntries((s.filesystems ?? []).map((f) => [f.mountpoint, f.usedPercent])),
        disk_io: {
          read_bytes_per_sec: sum(disks, (d) => d.readBytesPerSecond),
          write_bytes_per_sec: sum(disks, (d) => d.writeBytesPerSecond),
          read_bytes: sum(disks, (d) => d.readBytesTotal),
          write_bytes: sum(disks, (d) => d.writeBytesTotal),
        },
        network_io: {
          bytes_sent_per_sec: sum(nets, (n) => n.txBytesPerSecond),
          bytes_recv_per_sec: sum(nets, (n) => n.rxBytesPerSecond),
          bytes_sent: sum(nets, (n) => n.txBytesTotal),
          bytes_recv: sum(nets, (n) => n.rxBytesTotal),
        },
        process_count: s.processes?.total ?? host.latest.processes.length,
        uptime_seconds: s.uptime?.uptimeSeconds ?? 0,
      };
    },
  );

  const Toggle = z.object({ status: z.enum(['started', 'stopped']), monitoring: z.enum(['running', 'paused']) });
  app.post(
    '/api/monitoring/start',
    {
      config: { access: 'operator' },
      schema: { tags: ['compat'], summary: 'Resume collection on every agent', response: { 200: Toggle } },
    },
    async () => {
      ctx.ingest.setPaused(false);
      return { status: 'started' as const, monitoring: 'running' as const };
    },
  );
  app.post(
    '/api/monitoring/stop',
    { config: { access: 'operator' }, schema: { tags: ['compat'], summary: 'Pause collection on every agent', response: { 200: Toggle } } },
    async () => {
      ctx.ingest.setPaused(true);
      return { status: 'stopped' as const, monitoring: 'paused' as const };
    },
  );
}
