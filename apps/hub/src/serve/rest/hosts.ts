import { CpuReading, GpuReading, HostDetail, HostSummary, LoadReading, NetworkInterfaceReading, SocketCounts } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ServeContext } from '../context.ts';
import { requireHost } from './tables.ts';

export const HostParams = z.object({ id: z.string().min(1).max(128) });

const Tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:/-]+$/, 'may contain letters, digits and . _ : / - only');

/** The fleet and each host: summary, detail, CPU per core, network, GPUs; tags and removal for admins. */
export function registerHostRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['hosts'];

  app.get(
    '/api/v1/hosts',
    {
      schema: {
        tags,
        summary: 'Every host, with the headline figures of its latest frame',
        querystring: z.object({ status: z.enum(['online', 'offline']).optional(), tag: z.string().optional() }),
        response: { 200: z.array(HostSummary) },
      },
    },
    async (request) =>
      ctx.live
        .summaries()
        .filter(
          (h) => (!request.query.status || h.status === request.query.status) && (!request.query.tag || h.tags.includes(request.query.tag)),
        )
        .sort((a, b) => a.hostname.localeCompare(b.hostname)),
  );

  app.get(
    '/api/v1/hosts/:id',
    { schema: { tags, summary: 'One host: identity and summary', params: HostParams, response: { 200: HostDetail } } },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      return { ...host.summary, identity: host.record.identity };
    },
  );

  app.put(
    '/api/v1/hosts/:id/tags',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: "Replace a host's tags",
        params: HostParams,
        body: z.object({ tags: z.array(Tag).max(50) }),
        response: { 200: HostSummary },
      },
    },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      const unique = [...new Set(request.body.tags)];
      ctx.stores.hosts.setTags(host.record.id, unique);
      ctx.live.setTags(host.record.id, unique);
      return host.summary;
    },
  );

  app.delete(
    '/api/v1/hosts/:id',
    {
      config: { access: 'admin' },
      schema: { tags, summary: 'Forget a host (it comes back if its agent connects again)', params: HostParams },
    },
    async (request, reply) => {
      const host = requireHost(ctx.ingest, request.params.id);
      ctx.ingest.connections.get(host.record.id)?.close(1000, 'host removed by an admin');
      ctx.stores.hosts.remove(host.record.id);
      ctx.live.remove(host.record.id);
      ctx.storage.forget(host.record.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/hosts/:id/cpu',
    {
      schema: {
        tags,
        summary: 'CPU in total and per core, frequencies, load',
        params: HostParams,
        response: { 200: z.object({ ts: z.number().nullable(), cpu: CpuReading.nullable(), load: LoadReading.nullable() }) },
      },
    },
    async (request) => {
      const frame = requireHost(ctx.ingest, request.params.id).latest;
      return { ts: frame?.ts ?? null, cpu: frame?.system.cpu ?? null, load: frame?.system.load ?? null };
    },
  );

  app.get(
    '/api/v1/hosts/:id/gpus',
    {
      schema: {
        tags,
        summary: 'GPUs with utilisation, memory, temperature, power, fan and processes',
        params: HostParams,
        response: { 200: z.object({ ts: z.number().nullable(), gpus: z.array(GpuReading) }) },
      },
    },
    async (request) => {
      const frame = requireHost(ctx.ingest, request.params.id).latest;
      return { ts: frame?.ts ?? null, gpus: frame?.system.gpus ?? [] };
    },
  );

  app.get(
    '/api/v1/hosts/:id/network',
    {
      schema: {
        tags,
        summary: 'Interfaces with rates and totals, socket counts by state',
        params: HostParams,
        response: {
          200: z.object({
            ts: z.number().nullable(),
            interfaces: z.array(NetworkInterfaceReading),
            sockets: SocketCounts.nullable(),
            totals: z.object({
              rxBytesPerSecond: z.number(),
              txBytesPerSecond: z.number(),
              rxBytesTotal: z.number(),
              txBytesTotal: z.number(),
            }),
          }),
        },
      },
    },
    async (request) => {
      const frame = requireHost(ctx.ingest, request.params.id).latest;
      const interfaces = frame?.system.network ?? [];
      const sum = (pick: (n: (typeof interfaces)[number]) => number | null) =>
        interfaces.filter((n) => n.interface !== 'lo').reduce((t, n) => t + (pick(n) ?? 0), 0);
      return {
        ts: frame?.ts ?? null,
        interfaces,
        sockets: frame?.system.sockets ?? null,
        totals: {
          rxBytesPerSecond: sum((n) => n.rxBytesPerSecond),
          txBytesPerSecond: sum((n) => n.txBytesPerSecond),
          rxBytesTotal: sum((n) => n.rxBytesTotal),
          txBytesTotal: sum((n) => n.txBytesTotal),
        },
      };
    },
  );
}
