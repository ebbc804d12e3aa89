import { Connection, ConnectionProtocol, type Frame } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ServeContext } from '../context.ts';
import { HostParams } from './hosts.ts';
import { frameWithTable, requireHost } from './tables.ts';

export const PortUsage = z.object({
  /** Sockets listening, with their owners. */
  listening: z.array(
    z.object({
      protocol: ConnectionProtocol,
      address: z.string(),
      port: z.number().int(),
      pid: z.number().int().nullable(),
      process: z.string().nullable(),
    }),
  ),
  /** Local ports by the number of connections on them (served ports), most first. */
  topLocalPorts: z.array(z.object({ port: z.number().int(), connections: z.number().int() })),
  /** Remote ports by the number of connections to them (services used), most first. */
  topRemotePorts: z.array(z.object({ port: z.number().int(), connections: z.number().int() })),
  byState: z.record(z.string(), z.number().int()),
});
export type PortUsage = z.infer<typeof PortUsage>;

const top = (counts: Map<number, number>, n: number) =>
  [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, n)
    .map(([port, connections]) => ({ port, connections }));

/** Port analytics of a socket table. */
export function portUsage(frame: Frame | null, limit = 20): PortUsage {
  const connections = frame?.connections ?? [];
  const names = new Map(frame?.processes.map((p) => [p.pid, p.name]));
  const local = new Map<number, number>();
  const remote = new Map<number, number>();
  const byState: Record<string, number> = {};
  for (const c of connections) {
    byState[c.state] = (byState[c.state] ?? 0) + 1;
    if (c.state === 'LISTEN' || (c.protocol.startsWith('udp') && c.remotePort === 0)) continue;
    local.set(c.localPort, (local.get(c.localPort) ?? 0) + 1);
    remote.set(c.remotePort, (remote.get(c.remotePort) ?? 0) + 1);
  }
  const listening = connections
    .filter((c) => c.state === 'LISTEN' || (c.protocol.startsWith('udp') && c.remotePort === 0))
    .map((c) => ({
      protocol: c.protocol,
      address: c.localAddress,
      port: c.localPort,
      pid: c.pid,
      process: c.pid === null ? null : (names.get(c.pid) ?? null),
    }))
    .sort((a, b) => a.port - b.port);
  return { listening, topLocalPorts: top(local, limit), topRemotePorts: top(remote, limit), byState };
}

/** Network connections of a host, filtered, and its port analytics. */
export function registerConnectionRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['network'];

  app.get(
    '/api/v1/hosts/:id/connections',
    {
      schema: {
        tags,
        summary: 'Sockets with their owners, filtered by state, port, pid or protocol',
        params: HostParams,
        querystring: z.object({
          state: z.string().max(20).optional(),
          port: z.coerce.number().int().min(0).max(65535).optional(),
          pid: z.coerce.number().int().positive().optional(),
          protocol: ConnectionProtocol.optional(),
          limit: z.coerce.number().int().min(1).max(100_000).default(1000),
        }),
        response: {
          200: z.object({
            hostId: z.string(),
            ts: z.number().nullable(),
            complete: z.boolean(),
            total: z.number().int(),
            connections: z.array(Connection),
          }),
        },
      },
    },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      const { frame, complete } = await frameWithTable(ctx.ingest, host, 'connections');
      const q = request.query;
      const all = frame?.connections ?? [];
      const rows = all.filter(
        (c) =>
          (!q.state || c.state === q.state.toUpperCase()) &&
          (q.port === undefined || c.localPort === q.port || c.remotePort === q.port) &&
          (!q.pid || c.pid === q.pid) &&
          (!q.protocol || c.protocol === q.protocol),
      );
      return { hostId: host.record.id, ts: frame?.ts ?? null, complete, total: rows.length, connections: rows.slice(0, q.limit) };
    },
  );

  app.get(
    '/api/v1/hosts/:id/ports',
    {
      schema: {
        tags,
        summary: 'Port analytics: listening sockets, top ports by connections, counts by state',
        params: HostParams,
        response: { 200: PortUsage.extend({ complete: z.boolean() }) },
      },
    },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      const { frame, complete } = await frameWithTable(ctx.ingest, host, 'connections');
      return { ...portUsage(frame), complete };
    },
  );
}
