import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ServeContext } from '../context.ts';
import { REPORT_DESCRIPTION, ReportQuery, sendReport } from '../rest/reports.ts';
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

/** One row of seed 001's system history (its system_metrics table, averaged per step). */
export const Seed001HistoryRow = z.object({
  timestamp: z.string(),
  cpu_percent: z.number().nullable(),
  cpu_freq: z.number().nullable(),
  load_avg: z.array(z.number().nullable()),
  memory_percent: z.number().nullable(),
  memory_used: z.number().nullable(),
  memory_total: z.number().nullable(),
  disk_usage: z.number().nullable(),
  network_bytes_recv_per_sec: z.number().nullable(),
  network_bytes_sent_per_sec: z.number().nullable(),
});

/** One row of seed 001's alerts table, with the host and the alert's id added. */
export const Seed001Alert = z.object({
  id: z.number().int(),
  timestamp: z.string(),
  host_id: z.string(),
  alert_type: z.string(),
  severity: z.string(),
  message: z.string(),
  metric_value: z.number().nullable(),
  threshold: z.number().nullable(),
  acknowledged: z.boolean(),
  resolved: z.boolean(),
});

/** Seed 001: current metrics, system history, alerts, the report export, and pausing/resuming collection. */
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

  app.get(
    '/api/metrics/history/system',
    {
      schema: {
        tags: ['compat'],
        summary: 'Seed 001 system history of a host: about 1000 rows over the hours asked for',
        querystring: z.object({
          hours: z.coerce
            .number()
            .positive()
            .max(24 * 730)
            .default(24),
          host: z.string().optional(),
        }),
        response: { 200: z.array(Seed001HistoryRow) },
      },
    },
    async (request) => {
      const host = defaultHost(ctx.live, localHostId(), request.query.host);
      const to = Date.now();
      const from = to - request.query.hours * 3_600_000;
      // About 1000 rows, at least a minute apart (the minute tier answers), so a chart can draw them all.
      const step = Math.max(60_000, Math.ceil((to - from) / 1000 / 60_000) * 60_000);
      const metrics = [
        'cpu_usage_percent',
        'cpu_frequency_mhz',
        'load1',
        'load5',
        'load15',
        'memory_used_percent',
        'memory_used_bytes',
        'memory_total_bytes',
        'disk_used_percent',
        'network_receive_bytes_per_second',
        'network_transmit_bytes_per_second',
      ];
      const result = await ctx.storage.query({ metrics, hosts: [host.record.id], from, to, step });
      const rows = new Map<number, Record<string, number>>();
      for (const series of result.series) {
        // The whole-host series: the total CPU (no cpu label), the root filesystem, every interface but lo summed.
        if (series.metric === 'cpu_usage_percent' && series.labels.cpu !== undefined) continue;
        if (series.metric === 'disk_used_percent' && series.labels.mountpoint !== '/') continue;
        if (series.metric.startsWith('network_') && series.labels.interface === 'lo') continue;
        for (const [ts, avg] of series.points) {
          const row = rows.get(ts as number) ?? {};
          row[series.metric] = (series.metric.startsWith('network_') ? (row[series.metric] ?? 0) : 0) + (avg as number);
          rows.set(ts as number, row);
        }
      }
      return [...rows.entries()]
        .sort(([a], [b]) => a - b)
        .map(([ts, r]) => ({
          timestamp: new Date(ts).toISOString(),
          cpu_percent: r.cpu_usage_percent ?? null,
          cpu_freq: r.cpu_frequency_mhz ?? null,
          load_avg: [r.load1 ?? null, r.load5 ?? null, r.load15 ?? null],
          memory_percent: r.memory_used_percent ?? null,
          memory_used: r.memory_used_bytes ?? null,
          memory_total: r.memory_total_bytes ?? null,
          disk_usage: r.disk_used_percent ?? null,
          network_bytes_recv_per_sec: r.network_receive_bytes_per_second ?? null,
          network_bytes_sent_per_sec: r.network_transmit_bytes_per_second ?? null,
        }));
    },
  );

  app.get(
    '/api/alerts',
    {
      schema: {
        tags: ['compat'],
        summary: 'Seed 001 alerts of the last hours, newest first (pending alerts are left out: they have not fired)',
        querystring: z.object({
          hours: z.coerce
            .number()
            .positive()
            .max(24 * 366)
            .default(24),
          host: z.string().optional(),
        }),
        response: { 200: z.array(Seed001Alert) },
      },
    },
    async (request) => {
      const since = Date.now() - request.query.hours * 3_600_000;
      return ctx.stores.alerts
        .alerts({ since, hostId: request.query.host, limit: 10_000 })
        .filter((a) => a.firedAt !== null)
        .map((stored) => {
          const a = stored.state === 'resolved' ? stored : (ctx.alerting.alert(stored.id) ?? stored);
          return {
            id: a.id,
            timestamp: new Date(a.firedAt ?? a.startedAt).toISOString(),
            host_id: a.hostId,
            alert_type: a.ruleName,
            severity: a.severity,
            message: a.message,
            metric_value: a.value,
            threshold: a.threshold,
            acknowledged: a.acknowledgedAt !== null,
            resolved: a.state === 'resolved',
          };
        });
    },
  );

  app.get(
    '/api/export/report',
    {
      schema: {
        tags: ['compat'],
        summary: 'Seed 001 report export: the report of the last hours (default 24) as pdf, html, csv or json',
        description: `The same report as GET /api/v1/reports. ${REPORT_DESCRIPTION}`,
        querystring: ReportQuery,
      },
    },
    async (request, reply) => sendReport(ctx, request.query, reply),
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
