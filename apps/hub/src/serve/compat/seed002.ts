import { type Frame, ProcessAction } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Ingest, LiveHost } from '../../ingest/index.ts';
import { userOf } from '../auth-hooks.ts';
import type { ServeContext } from '../context.ts';
import { portUsage } from '../rest/connections.ts';
import { operatorAudited } from '../rest/processes.ts';
import { frameWithTable, requireHost } from '../rest/tables.ts';

/** Seed 002's snapshot, as its README documents it (psutil's field names). */
export const Seed002Snapshot = z.object({
  processes: z.array(
    z.object({
      pid: z.number().int(),
      name: z.string(),
      username: z.string(),
      status: z.string(),
      cpu_percent: z.number(),
      memory_percent: z.number(),
    }),
  ),
  network_connections: z.array(
    z.object({
      local_address: z.string(),
      local_port: z.number().int(),
      remote_address: z.string().nullable(),
      remote_port: z.number().int().nullable(),
      status: z.string(),
      pid: z.number().int().nullable(),
    }),
  ),
  network_stats: z.object({
    bytes_sent: z.number(),
    bytes_recv: z.number(),
    packets_sent: z.number(),
    packets_recv: z.number(),
    errin: z.number(),
    errout: z.number(),
    dropin: z.number(),
    dropout: z.number(),
  }),
  cpu_per_core: z.array(z.number()),
  port_usage: z.record(z.string(), z.number().int()),
});
export type Seed002Snapshot = z.infer<typeof Seed002Snapshot>;

const round1 = (n: number) => Math.round(n * 10) / 10;
/** psutil's status words (psutil.STATUS_*). */
const PSUTIL_STATUS: Record<string, string> = {
  'disk-sleep': 'disk-sleep',
  'tracing-stop': 'tracing-stop',
  idle: 'idle',
  waking: 'waking',
  parked: 'parked',
};

/** Seed 002's snapshot of a frame: the top 100 processes by CPU and the first 100 connections. */
export function toSeed002Snapshot(frame: Frame | null): Seed002Snapshot {
  const processes = [...(frame?.processes ?? [])]
    .sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0) || b.memoryPercent - a.memoryPercent)
    .slice(0, 100)
    .map((p) => ({
      pid: p.pid,
      name: p.name,
      username: p.user,
      status: PSUTIL_STATUS[p.state] ?? p.state,
      cpu_percent: round1(p.cpuPercent ?? 0),
      memory_percent: round1(p.memoryPercent),
    }));
  const connections = (frame?.connections ?? []).slice(0, 100).map((c) => {
    const unconnected = c.remotePort === 0 && (c.state === 'LISTEN' || c.protocol.startsWith('udp'));
    return {
      local_address: c.localAddress,
      local_port: c.localPort,
      remote_address: unconnected ? null : c.remoteAddress,
      remote_port: unconnected ? null : c.remotePort,
      status: c.protocol.startsWith('udp') ? 'NONE' : c.state,
      pid: c.pid,
    };
  });
  const nets = frame?.system.network ?? [];
  const sum = (pick: (n: (typeof nets)[number]) => number) => nets.reduce((t, n) => t + pick(n), 0);
  const ports = portUsage(frame);
  return {
    processes,
    network_connections: connections,
    network_stats: {
      bytes_sent: sum((n) => n.txBytesTotal),
      bytes_recv: sum((n) => n.rxBytesTotal),
      packets_sent: sum((n) => n.txPacketsTotal),
      packets_recv: sum((n) => n.rxPacketsTotal),
      errin: sum((n) => n.rxErrorsTotal),
      errout: sum((n) => n.txErrorsTotal),
      dropin: sum((n) => n.rxDropsTotal),
      dropout: sum((n) => n.txDropsTotal),
    },
    cpu_per_core: (frame?.system.cpu?.cores ?? []).filter((c) => c.online).map((c) => round1(c.times?.usagePercent ?? 0)),
    port_usage: Object.fromEntries(ports.topLocalPorts.map((p) => [String(p.port), p.connections])),
  };
}

/** A snapshot with the full tables (the agent is asked for them while someone looks). */
async function snapshot(ingest: Ingest, host: LiveHost): Promise<Seed002Snapshot> {
  const [{ frame: withProcesses }, { frame: withConnections }] = await Promise.all([
    frameWithTable(ingest, host, 'processes'),
    frameWithTable(ingest, host, 'connections'),
  ]);
  const frame = withConnections ?? withProcesses;
  return toSeed002Snapshot(frame && withProcesses ? { ...frame, processes: withProcesses.processes } : frame);
}

/** The past participle the seed's message uses: "Process 42 terminated". */
const done = (action: ProcessAction) => (action.endsWith('e') ? `${action}d` : `${action}ed`);

/** Seed 002: snapshot, process actions, and the snapshot stream every 2 s. `server_id` is the host id. */
export function registerSeed002(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const ServerParams = z.object({ server_id: z.string().min(1).max(128) });

  app.get(
    '/monitoring/:server_id/snapshot',
    {
      schema: {
        tags: ['compat'],
        summary: 'Seed 002 monitoring snapshot of a host',
        params: ServerParams,
        response: { 200: Seed002Snapshot },
      },
    },
    async (request) => snapshot(ctx.ingest, requireHost(ctx.ingest, request.params.server_id)),
  );

  app.post(
    '/monitoring/:server_id/process/:pid/:action',
    {
      // Operator, checked (and a refusal audited) by operatorAudited.
      config: { access: 'viewer' },
      preValidation: operatorAudited(ctx),
      schema: {
        tags: ['compat'],
        summary: 'Seed 002 process control: terminate, kill, suspend or resume',
        params: ServerParams.extend({ pid: z.coerce.number().int().positive(), action: ProcessAction }),
        response: { 200: z.object({ status: z.literal('success'), message: z.string() }) },
      },
    },
    async (request) => {
      const { server_id, pid, action } = request.params;
      await ctx.control.signal(userOf(request), requireHost(ctx.ingest, server_id).record.id, pid, action);
      return { status: 'success' as const, message: `Process ${pid} ${done(action)}` };
    },
  );

  app.get('/ws/monitoring/:server_id', { websocket: true, schema: { hide: true, params: ServerParams } }, (socket, request) => {
    const { server_id } = request.params as { server_id: string };
    const host = ctx.live.get(server_id);
    if (!host) {
      socket.close(4404, `no host "${server_id}"`);
      return;
    }
    let busy = false;
    const send = async () => {
      if (busy || socket.readyState !== socket.OPEN || socket.bufferedAmount > 1024 * 1024) return;
      busy = true;
      try {
        socket.send(JSON.stringify(await snapshot(ctx.ingest, host)));
      } finally {
        busy = false;
      }
    };
    void send();
    const timer = setInterval(send, 2000);
    socket.on('close', () => clearInterval(timer));
  });
}
